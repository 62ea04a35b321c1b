//! Generates the Pub/Sub API's gRPC code (server and client) from
//! `proto/salesforce/pubsub_api.proto` with `protox`: no system `protoc`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto = "../../proto/salesforce/pubsub_api.proto";
    println!("cargo:rerun-if-changed={proto}");
    let descriptors = protox::compile([proto], ["../../proto/salesforce"])?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_fds(descriptors)?;
    Ok(())
}
