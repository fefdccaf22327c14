//! Generated gRPC contracts, one module per service package.
#![allow(clippy::all, clippy::pedantic)]

pub mod provisioning {
    tonic::include_proto!("strongroom.provisioning.v1");
}
pub mod identity {
    tonic::include_proto!("strongroom.identity.v1");
}
pub mod tenant {
    tonic::include_proto!("strongroom.tenant.v1");
}
pub mod vault {
    tonic::include_proto!("strongroom.vault.v1");
}
pub mod access {
    tonic::include_proto!("strongroom.access.v1");
}
pub mod audit {
    tonic::include_proto!("strongroom.audit.v1");
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
redacted_debug!(identity::AuthenticateApiKeyRequest, [org_id], [key]);
redacted_debug!(
    identity::TokenResponse,
    [expires_at, user_id, org_id, roles],
    [token]
);
redacted_debug!(
    identity::CreateUserRequest,
    [username, email, role],
    [password]
);
redacted_debug!(
    identity::CreateApiKeyResponse,
    [id, name, created_at],
    [key]
);
redacted_debug!(
    vault::CreateAccountRequest,
    [resource_id, username],
    [password]
);
redacted_debug!(vault::RevealPasswordResponse, [], [password]);
redacted_debug!(access::CheckItem, [check], [token]);
redacted_debug!(vault::RevealItem, [account_id, ip, user_agent], [token]);
redacted_debug!(vault::RevealOutcome, [code, message], [password]);

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
        for text in [format!("{login:?}"), format!("{reveal:?}")] {
            assert!(!text.contains("hunter2-secret"), "{text}");
            assert!(text.contains("<redacted>"));
        }
        assert!(format!("{login:?}").contains("alice"));
    }
}
