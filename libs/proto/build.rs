const SECRET_MESSAGES: [&str; 38] = [
    ".strongroom.audit.v1.Record",
    ".strongroom.vault.v1.RevealItem",
    ".strongroom.vault.v1.RevealOutcome",
    ".strongroom.access.v1.CheckItem",
    ".strongroom.identity.v1.LoginRequest",
    ".strongroom.identity.v1.AuthenticateApiKeyRequest",
    ".strongroom.identity.v1.TokenResponse",
    ".strongroom.identity.v1.CreateUserRequest",
    ".strongroom.identity.v1.CreateApiKeyResponse",
    ".strongroom.vault.v1.CreateAccountRequest",
    ".strongroom.vault.v1.SetPasswordRequest",
    ".strongroom.vault.v1.ExportRequest",
    ".strongroom.vault.v1.ImportRequest",
    ".strongroom.vault.v1.PersonalPassphrase",
    ".strongroom.vault.v1.PersonalUnlock",
    ".strongroom.vault.v1.ChangePersonalPassphraseRequest",
    ".strongroom.vault.v1.PersonalUnlockRef",
    ".strongroom.vault.v1.PersonalEntry",
    ".strongroom.vault.v1.PersonalEntries",
    ".strongroom.vault.v1.PersonalEntryInput",
    ".strongroom.vault.v1.PersonalEntryRef",
    ".strongroom.vault.v1.ExportChunk",
    ".strongroom.vault.v1.CreateResourceRequest",
    ".strongroom.vault.v1.UpdateResourceRequest",
    ".strongroom.vault.v1.UpdateAccountRequest",
    ".strongroom.vault.v1.RevealPasswordResponse",
    ".strongroom.identity.v1.RefreshRequest",
    ".strongroom.identity.v1.ChangePasswordRequest",
    ".strongroom.identity.v1.SetUserPasswordRequest",
    ".strongroom.identity.v1.MailedPassword",
    ".strongroom.identity.v1.DirectoryConfig",
    ".strongroom.tenant_settings.v1.CredentialsInput",
    ".strongroom.tenant_settings.v1.SaveProxyRequest",
    ".strongroom.tenant_settings.v1.SaveTicketingRequest",
    ".strongroom.tenant_settings.v1.MailTransport",
    ".strongroom.vault.v1.SealSettingRequest",
    ".strongroom.vault.v1.OpenedSetting",
    ".strongroom.vault.v1.ServiceCredential",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=../../proto");
    let files = [
        "strongroom/provisioning/v1/provisioning.proto",
        "strongroom/identity/v1/identity.proto",
        "strongroom/tenant/v1/tenant.proto",
        "strongroom/tenant/v1/replication.proto",
        "strongroom/tenant/v1/settings.proto",
        "strongroom/vault/v1/vault.proto",
        "strongroom/access/v1/access.proto",
        "strongroom/audit/v1/audit.proto",
    ];
    let fds = protox::compile(files, ["../../proto"])?;
    write_methods(&fds)?;
    // Messages that carry a password, key or token get a redacting Debug (in lib.rs), so a
    // logged request never shows a secret.
    tonic_prost_build::configure()
        .skip_debug(SECRET_MESSAGES)
        .build_server(true)
        .build_client(true)
        .compile_fds(fds)?;
    Ok(())
}

/// Writes `METHODS`: the path of every RPC (`/<package>.<Service>/<Method>`), so each
/// service's caller table can be checked against every RPC it serves.
fn write_methods(fds: &prost_types::FileDescriptorSet) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = String::from(
        "/// Every RPC of every contract, as `/<package>.<Service>/<Method>`.\npub const METHODS: &[&str] = &[\n",
    );
    for file in &fds.file {
        for service in &file.service {
            for method in &service.method {
                out.push_str(&format!(
                    "    \"/{}.{}/{}\",\n",
                    file.package(),
                    service.name(),
                    method.name()
                ));
            }
        }
    }
    out.push_str("];\n");
    let dir = std::env::var("OUT_DIR")?;
    std::fs::write(std::path::Path::new(&dir).join("methods.rs"), out)?;
    Ok(())
}
