//! Integration tests: the clients and the router over real HTTP against
//! local servers speaking each provider's wire format.

mod anthropic;
mod openai;
mod router;
mod server;
