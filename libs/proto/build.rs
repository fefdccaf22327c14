fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=../../proto");
    let files = [
        "strongroom/provisioning/v1/provisioning.proto",
        "strongroom/identity/v1/identity.proto",
        "strongroom/tenant/v1/tenant.proto",
        "strongroom/vault/v1/vault.proto",
        "strongroom/access/v1/access.proto",
        "strongroom/audit/v1/audit.proto",
    ];
    let fds = protox::compile(files, ["../../proto"])?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_fds(fds)?;
    Ok(())
}
