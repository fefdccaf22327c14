//! The `OrgSettings` gRPC service: messages in and out of the settings use cases.

use std::sync::Arc;

use strongroom_auth::{Verifier, grpc_context};
use strongroom_core::{OrgId, to_status};
use strongroom_proto::tenant_settings as pb;
use strongroom_proto::tenant_settings::org_settings_server::OrgSettings as OrgSettingsRpc;
use tonic::{Request, Response, Status};

use super::branding::{Branding, LegalBanner, PrivacyBanner};
use super::mail::{Credentials, CredentialsInput, Mail, MailInput};
use super::proxy::{Proxy, ProxyInput};
use super::{
    MspStaff, OrgSettings, PasswordChange, Saved, SettingsError, Stage, Ticketing, TicketingInput,
};

pub struct OrgSettingsGrpc {
    pub app: Arc<OrgSettings>,
    pub verifier: Arc<Verifier>,
}

type Reply<T> = Result<Response<T>, Status>;

fn reply<T, R>(result: Result<T, SettingsError>, shape: impl FnOnce(T) -> R) -> Reply<R> {
    result
        .map(|v| Response::new(shape(v)))
        .map_err(|e| to_status(&e))
}

fn mail_reply(saved: Saved<Mail>) -> pb::MailSettings {
    let m = saved.value;
    let kind = m.credentials.map(|c| match c {
        Credentials::Password {
            username,
            password_sealed,
        } => pb::mail_credentials::Kind::Password(pb::PasswordCredentials {
            username,
            password_set: password_sealed.is_some(),
        }),
        Credentials::VaultAccount { account_id } => {
            pb::mail_credentials::Kind::VaultAccount(pb::VaultAccountCredentials {
                account_id: account_id.to_string(),
            })
        }
    });
    pb::MailSettings {
        host: m.host,
        port: u32::from(m.port),
        sender: m.sender,
        access_url: m.access_url,
        tls_mode: m.tls_mode.as_str().to_owned(),
        credentials: kind.map(|kind| pb::MailCredentials { kind: Some(kind) }),
        updated_at: saved.updated_at.to_rfc3339(),
        allow_internal_hosts: m.allow_internal_hosts,
    }
}

fn rights_reply(r: MspStaff, updated_at: String) -> pb::MspStaffRights {
    pb::MspStaffRights {
        reset_passwords: r.reset_passwords,
        take_ownership: r.take_ownership,
        view_audit: r.view_audit,
        manage_users: r.manage_users,
        manage_directory_and_login: r.manage_directory_and_login,
        updated_at,
    }
}

fn proxy_reply(saved: Saved<Proxy>) -> pb::ProxySettings {
    let p = saved.value;
    pb::ProxySettings {
        enabled: p.enabled,
        host: p.host,
        port: u32::from(p.port),
        username: p.username,
        password_set: p.password_sealed.is_some(),
        no_proxy: p.no_proxy,
        updated_at: saved.updated_at.to_rfc3339(),
        allow_internal_hosts: p.allow_internal_hosts,
    }
}

fn ticketing_reply(saved: Saved<Ticketing>) -> pb::TicketingSettings {
    let t = saved.value;
    pb::TicketingSettings {
        enabled: t.enabled,
        url: t.url,
        method: t.method.as_str().into(),
        body_template: t.body_template,
        content_type: t.content_type,
        expected: t.expected,
        username: t.username,
        password_set: t.password_sealed.is_some(),
        check_on_request: t.check_on_request,
        check_on_checkout: t.check_on_checkout,
        check_on_reveal: t.check_on_reveal,
        timeout_seconds: t.timeout_seconds,
        allow_internal_hosts: t.allow_internal_hosts,
        updated_at: saved.updated_at.to_rfc3339(),
    }
}

fn branding_reply(b: Branding, updated_at: String) -> pb::Branding {
    pb::Branding {
        logo: b.logo,
        login_text: b.login_text,
        legal_banner: Some(pb::LegalBanner {
            enabled: b.legal_banner.enabled,
            text: b.legal_banner.text,
            requires_acceptance: b.legal_banner.requires_acceptance,
        }),
        privacy_banner: Some(pb::PrivacyBanner {
            enabled: b.privacy_banner.enabled,
            text: b.privacy_banner.text,
            button_label: b.privacy_banner.button_label,
        }),
        updated_at,
    }
}

fn saved_branding(saved: Saved<Branding>) -> pb::Branding {
    branding_reply(saved.value, saved.updated_at.to_rfc3339())
}

#[tonic::async_trait]
impl OrgSettingsRpc for OrgSettingsGrpc {
    async fn get_mail(&self, request: Request<pb::GetSettingsRequest>) -> Reply<pb::MailSettings> {
        let ctx = grpc_context(&self.verifier, &request)?;
        reply(self.app.mail(&ctx).await, mail_reply)
    }

    async fn save_mail(&self, request: Request<pb::SaveMailRequest>) -> Reply<pb::MailSettings> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let m = request.into_inner();
        let credentials = match m.credentials {
            None => None,
            Some(c) => Some(CredentialsInput {
                username: c.username,
                password: PasswordChange::from_parts(c.password, c.clear_password)
                    .map_err(|e| to_status(&e))?,
                account_id: c.account_id,
            }),
        };
        let input = MailInput {
            host: m.host,
            port: m.port,
            sender: m.sender,
            access_url: m.access_url,
            tls_mode: m.tls_mode,
            credentials,
            allow_internal_hosts: m.allow_internal_hosts,
        };
        reply(self.app.save_mail(&ctx, input).await, mail_reply)
    }

    async fn get_proxy(
        &self,
        request: Request<pb::GetSettingsRequest>,
    ) -> Reply<pb::ProxySettings> {
        let ctx = grpc_context(&self.verifier, &request)?;
        reply(self.app.proxy(&ctx).await, proxy_reply)
    }

    async fn save_proxy(&self, request: Request<pb::SaveProxyRequest>) -> Reply<pb::ProxySettings> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let p = request.into_inner();
        let input = ProxyInput {
            enabled: p.enabled,
            host: p.host,
            port: p.port,
            username: p.username,
            password: PasswordChange::from_parts(p.password, p.clear_password)
                .map_err(|e| to_status(&e))?,
            no_proxy: p.no_proxy,
            allow_internal_hosts: p.allow_internal_hosts,
        };
        reply(self.app.save_proxy(&ctx, input).await, proxy_reply)
    }

    async fn get_ticketing(
        &self,
        request: Request<pb::GetSettingsRequest>,
    ) -> Reply<pb::TicketingSettings> {
        let ctx = grpc_context(&self.verifier, &request)?;
        reply(self.app.ticketing(&ctx).await, ticketing_reply)
    }

    async fn save_ticketing(
        &self,
        request: Request<pb::SaveTicketingRequest>,
    ) -> Reply<pb::TicketingSettings> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let t = request.into_inner();
        let input = TicketingInput {
            enabled: t.enabled,
            url: t.url,
            method: t.method,
            body_template: t.body_template,
            content_type: t.content_type,
            expected: t.expected,
            username: t.username,
            password: PasswordChange::from_parts(t.password, t.clear_password)
                .map_err(|e| to_status(&e))?,
            check_on_request: t.check_on_request,
            check_on_checkout: t.check_on_checkout,
            check_on_reveal: t.check_on_reveal,
            timeout_seconds: t.timeout_seconds,
            allow_internal_hosts: t.allow_internal_hosts,
        };
        reply(self.app.save_ticketing(&ctx, input).await, ticketing_reply)
    }

    async fn check_ticket(
        &self,
        request: Request<pb::CheckTicketRequest>,
    ) -> Reply<pb::TicketCheck> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let asked = request.into_inner();
        let stage = Stage::parse(&asked.stage).map_err(|e| to_status(&e))?;
        reply(
            self.app.check_ticket(&ctx, &asked.ticket_id, stage).await,
            |v| pb::TicketCheck {
                required: v.required,
                valid: v.valid,
                reason: v.reason,
                status: u32::from(v.status),
            },
        )
    }

    async fn get_ticketing_stages(
        &self,
        request: Request<pb::GetSettingsRequest>,
    ) -> Reply<pb::TicketingStages> {
        let ctx = grpc_context(&self.verifier, &request)?;
        reply(
            self.app.ticketing_stages(&ctx).await,
            |(request, checkout, reveal)| pb::TicketingStages {
                request,
                checkout,
                reveal,
            },
        )
    }

    async fn get_mail_transport(
        &self,
        request: Request<pb::MailTransportRequest>,
    ) -> Reply<pb::MailTransport> {
        let org = request
            .into_inner()
            .org_id
            .parse::<uuid::Uuid>()
            .map(OrgId)
            .map_err(|_| Status::invalid_argument("org_id must be an org id (a UUID)"))?;
        reply(self.app.mail_transport(org).await, |t| pb::MailTransport {
            host: t.mail.host,
            port: u32::from(t.mail.port),
            sender: t.mail.sender,
            access_url: t.mail.access_url,
            tls_mode: t.mail.tls_mode.as_str().into(),
            username: t.username,
            password: t
                .password
                .map(|p| secrecy::ExposeSecret::expose_secret(&p).to_owned())
                .unwrap_or_default(),
            allow_internal_hosts: t.mail.allow_internal_hosts,
            saved_at: t.saved_at.to_rfc3339(),
        })
    }

    async fn has_mail_server(
        &self,
        request: Request<pb::GetSettingsRequest>,
    ) -> Reply<pb::MailServerPresence> {
        let ctx = grpc_context(&self.verifier, &request)?;
        reply(self.app.has_mail_server(&ctx).await, |configured| {
            pb::MailServerPresence { configured }
        })
    }

    async fn get_msp_staff_rights(
        &self,
        request: Request<pb::GetSettingsRequest>,
    ) -> Reply<pb::MspStaffRights> {
        let ctx = grpc_context(&self.verifier, &request)?;
        reply(self.app.msp_staff(&ctx).await, |(rights, at)| {
            rights_reply(rights, at.map(|t| t.to_rfc3339()).unwrap_or_default())
        })
    }

    async fn save_msp_staff_rights(
        &self,
        request: Request<pb::MspStaffRights>,
    ) -> Reply<pb::MspStaffRights> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let r = request.into_inner();
        let rights = MspStaff {
            reset_passwords: r.reset_passwords,
            take_ownership: r.take_ownership,
            view_audit: r.view_audit,
            manage_users: r.manage_users,
            manage_directory_and_login: r.manage_directory_and_login,
        };
        reply(
            self.app.save_msp_staff(&ctx, rights).await,
            |(rights, at)| rights_reply(rights, at.to_rfc3339()),
        )
    }

    async fn get_branding(&self, request: Request<pb::GetSettingsRequest>) -> Reply<pb::Branding> {
        let ctx = grpc_context(&self.verifier, &request)?;
        reply(self.app.branding(&ctx).await, saved_branding)
    }

    async fn save_branding(
        &self,
        request: Request<pb::SaveBrandingRequest>,
    ) -> Reply<pb::Branding> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let b = request.into_inner();
        let legal = b.legal_banner.unwrap_or_default();
        let privacy = b.privacy_banner.unwrap_or_default();
        let input = Branding {
            logo: b.logo,
            login_text: b.login_text,
            legal_banner: LegalBanner {
                enabled: legal.enabled,
                text: legal.text,
                requires_acceptance: legal.requires_acceptance,
            },
            privacy_banner: PrivacyBanner {
                enabled: privacy.enabled,
                text: privacy.text,
                button_label: privacy.button_label,
            },
        };
        reply(self.app.save_branding(&ctx, input).await, saved_branding)
    }

    /// No token: the login page shows it to anyone.
    async fn get_public_branding(
        &self,
        request: Request<pb::GetPublicBrandingRequest>,
    ) -> Reply<pb::PublicBranding> {
        let org = OrgId::parse(&request.get_ref().org_id)
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        reply(self.app.public_branding(org).await, |(saved, source)| {
            pb::PublicBranding {
                branding: Some(match saved {
                    Some(saved) => saved_branding(saved),
                    None => branding_reply(Branding::default(), String::new()),
                }),
                source: source.as_str().to_owned(),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_requests_never_show_in_debug_output() {
        let mail = pb::SaveMailRequest {
            host: "smtp.acme.test".into(),
            credentials: Some(pb::CredentialsInput {
                username: "mailer".into(),
                password: Some("hunter2-smtp".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let proxy = pb::SaveProxyRequest {
            username: "squid".into(),
            password: Some("hunter2-proxy".into()),
            ..Default::default()
        };
        for text in [format!("{mail:?}"), format!("{proxy:?}")] {
            assert!(!text.contains("hunter2"), "{text}");
            assert!(text.contains("<redacted>"), "{text}");
        }
        assert!(format!("{mail:?}").contains("mailer"));
    }
}
