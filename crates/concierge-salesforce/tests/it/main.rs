mod pubsub;
