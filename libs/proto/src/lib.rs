//! Generated gRPC contracts, one module per service package.
#![allow(clippy::all, clippy::pedantic)]

include!(concat!(env!("OUT_DIR"), "/methods.rs"));

pub mod provisioning {
    tonic::include_proto!("strongroom.provisioning.v1");
}
pub mod identity {
    tonic::include_proto!("strongroom.identity.v1");
}
pub mod tenant {
    tonic::include_proto!("strongroom.tenant.v1");
}
pub mod tenant_settings {
    tonic::include_proto!("strongroom.tenant_settings.v1");
}
pub mod vault {
    tonic::include_proto!("strongroom.vault.v1");
}
pub mod access {
    tonic::include_proto!("strongroom.access.v1");
}
pub mod audit {
    tonic::include_proto!("strongroom.audit.v1");

    /// Orgs a `Record` call may span and still be appended straight to their trails, a
    /// statement per org; a call of more goes through the audit service's intake. The vault
    /// sends calls of at most this many orgs.
    pub const RECORD_DIRECT_ORGS: usize = 512;
}

/// Debug for messages that carry secrets: the secret fields print as `<redacted>`.
macro_rules! redacted_debug {
    ($ty:path, [$($shown:ident),*], [$($hidden:ident),*]) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($shown), &self.$shown))*
                    $(.field(stringify!($hidden), &"<redacted>"))*
                    .finish()
            }
        }
    };
}

redacted_debug!(identity::LoginRequest, [org_id, username], [password]);
redacted_debug!(
    identity::AuthenticateApiKeyRequest,
    [org_id, client_ip],
    [key]
);
redacted_debug!(
    identity::TokenResponse,
    [
        expires_at,
        user_id,
        org_id,
        role,
        permissions,
        session_id,
        refresh_expires_at
    ],
    [token, refresh_token]
);
redacted_debug!(identity::RefreshRequest, [org_id], [refresh_token]);
redacted_debug!(
    identity::ChangePasswordRequest,
    [org_id, username],
    [current_password, new_password]
);
redacted_debug!(identity::SetUserPasswordRequest, [user_id], [password]);
redacted_debug!(identity::MailedPassword, [username, email], [password]);
redacted_debug!(vault::ServiceCredential, [username], [password]);
redacted_debug!(
    identity::DirectoryConfig,
    [
        kind,
        url,
        starttls,
        bind_dn,
        base_dn,
        user_filter,
        attributes,
        group_filter,
        group_name_attribute,
        group_member_attribute,
        authentication_enabled,
        sync_interval_minutes,
        sync_scopes,
        has_bind_password,
        last_sync_at,
        last_sync_result
    ],
    [bind_password, ca_certificate_pem]
);
redacted_debug!(
    identity::CreateUserRequest,
    [username, full_name, email, department, location, role],
    [password]
);
redacted_debug!(
    identity::CreateApiKeyResponse,
    [id, name, created_at, expires_at, allowed_cidrs],
    [key]
);
redacted_debug!(
    vault::CreateAccountRequest,
    [resource_id, username, notes],
    [password, fields]
);
// Field values may be password-kind secrets.
redacted_debug!(
    vault::CreateResourceRequest,
    [
        name,
        resource_type,
        host,
        url,
        department,
        location,
        description,
        notes,
        password_policy
    ],
    [fields]
);
redacted_debug!(
    vault::UpdateResourceRequest,
    [
        id,
        name,
        resource_type,
        host,
        url,
        department,
        location,
        description,
        notes,
        password_policy
    ],
    [fields]
);
redacted_debug!(vault::UpdateAccountRequest, [id, username, notes], [fields]);
redacted_debug!(
    vault::ExportRequest,
    [format, resource_ids, group_id],
    [passphrase]
);
redacted_debug!(vault::ExportChunk, [content_type, file_name], [content]);
redacted_debug!(vault::PersonalPassphrase, [], [passphrase]);
redacted_debug!(vault::PersonalUnlock, [expires_at], [token]);
redacted_debug!(vault::ChangePersonalPassphraseRequest, [], [current, new]);
redacted_debug!(vault::PersonalUnlockRef, [], [token]);
redacted_debug!(
    vault::PersonalEntry,
    [id, created_at, updated_at],
    [title, username, password, url, notes]
);
redacted_debug!(vault::PersonalEntries, [], [entries]);
redacted_debug!(
    vault::PersonalEntryInput,
    [id],
    [token, title, username, password, url, notes]
);
redacted_debug!(vault::PersonalEntryRef, [id], [token]);
redacted_debug!(
    vault::ImportRequest,
    [
        format,
        zipped,
        zip_file_name,
        column_mapping,
        dry_run,
        on_conflict
    ],
    [file, zip_password, keepass_password]
);
redacted_debug!(
    vault::SetPasswordRequest,
    [account_id, reason, generate],
    [password]
);
redacted_debug!(vault::RevealPasswordResponse, [], [password]);
redacted_debug!(
    tenant_settings::CredentialsInput,
    [username, clear_password, account_id],
    [password]
);
redacted_debug!(
    tenant_settings::SaveProxyRequest,
    [enabled, host, port, username, clear_password, no_proxy],
    [password]
);
redacted_debug!(
    tenant_settings::SaveTicketingRequest,
    [
        enabled,
        url,
        method,
        username,
        clear_password,
        check_on_request
    ],
    [password]
);
redacted_debug!(
    tenant_settings::MailTransport,
    [host, port, sender, tls_mode, username],
    [password]
);
redacted_debug!(access::CheckItem, [check], [token]);
redacted_debug!(vault::RevealItem, [account_id, ip, user_agent], [token]);
redacted_debug!(vault::RevealOutcome, [code, message], [password]);
redacted_debug!(
    audit::Record,
    [id, operation, target_kind, target_id],
    [token]
);
redacted_debug!(vault::SealSettingRequest, [org_id, name], [plaintext]);
redacted_debug!(vault::OpenedSetting, [], [plaintext]);

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_never_show_in_debug_output() {
        let login = super::identity::LoginRequest {
            org_id: "o".into(),
            username: "alice".into(),
            password: "hunter2-secret".into(),
        };
        let reveal = super::vault::RevealPasswordResponse {
            password: "hunter2-secret".into(),
        };
        let seal = super::vault::SealSettingRequest {
            org_id: "o".into(),
            name: "mail.password".into(),
            plaintext: b"hunter2-secret".to_vec(),
        };
        let opened = super::vault::OpenedSetting {
            plaintext: b"hunter2-secret".to_vec(),
        };
        // Debug of bytes prints the numbers: look for those too.
        let as_numbers = format!("{:?}", b"hunter2-secret".to_vec());
        for text in [
            format!("{login:?}"),
            format!("{reveal:?}"),
            format!("{seal:?}"),
            format!("{opened:?}"),
        ] {
            assert!(
                !text.contains(&as_numbers[1..as_numbers.len() - 1]),
                "{text}"
            );
            assert!(!text.contains("hunter2-secret"), "{text}");
            assert!(text.contains("<redacted>"));
        }
        assert!(format!("{login:?}").contains("alice"));
    }
}
