//! Each service's NATS connection: its own user, its own inbox, and the subjects the server
//! lets it use. The server's authorization block is generated from [`NatsUser`]s, so the
//! shipped configuration and what the code does cannot drift apart.

use std::fmt::Write;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::{EventError, stream_name};

/// How a service signs in to NATS; without a password it connects anonymously (a server
/// without authorization, as on a developer's machine).
#[derive(Clone, Default)]
pub struct NatsLogin {
    pub user: String,
    pub password: Option<SecretString>,
}

impl std::fmt::Debug for NatsLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsLogin")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The inbox prefix of `service`'s connection: the replies it may read, and no one else's.
pub fn inbox_prefix(service: &str) -> String {
    format!("_INBOX_{service}")
}

/// Connects as `service` (user and inbox of its own).
pub async fn connect(
    url: &str,
    service: &str,
    login: &NatsLogin,
) -> Result<async_nats::Client, EventError> {
    let name = service.to_owned();
    let mut options = async_nats::ConnectOptions::new()
        .name(format!("strongroom-{service}"))
        .custom_inbox_prefix(inbox_prefix(service))
        // A refusal (a subject this user may not use, say) arrives apart from the call that
        // caused it: log it with its cause.
        .event_callback(move |event| {
            let service = name.clone();
            async move {
                match event {
                    async_nats::Event::ServerError(error) => {
                        tracing::error!(%service, %error, "NATS refused an operation");
                    }
                    async_nats::Event::Disconnected | async_nats::Event::ClientError(_) => {
                        tracing::warn!(%service, %event, "NATS connection");
                    }
                    other => tracing::debug!(%service, event = %other, "NATS connection"),
                }
            }
        });
    if let Some(password) = &login.password {
        options =
            options.user_and_password(login.user.clone(), password.expose_secret().to_owned());
    }
    options
        .connect(url)
        .await
        .map_err(|e| EventError::Nats(format!("connecting to {url} as {}: {e}", login.user)))
}

/// The event stream's limits. Audit and the other consumers must read an event within
/// `max_age`; at `max_bytes` new events are refused (the outboxes keep them and retry),
/// never old ones dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    pub max_age: Duration,
    pub max_bytes: i64,
}

pub const DEFAULT_STREAM_MAX_AGE_SECS: u64 = 7 * 24 * 3600;
pub const DEFAULT_STREAM_MAX_BYTES: i64 = 10 * 1024 * 1024 * 1024;

impl Default for StreamLimits {
    fn default() -> Self {
        Self {
            max_age: Duration::from_secs(DEFAULT_STREAM_MAX_AGE_SECS),
            max_bytes: DEFAULT_STREAM_MAX_BYTES,
        }
    }
}

/// A durable consumer a service runs on the event stream.
#[derive(Debug, Clone, Copy)]
pub struct NatsConsumer {
    pub durable: &'static str,
    /// The subjects it reads, under `<prefix>.` (`*` stands for any org); `None`: all.
    pub filter: Option<&'static str>,
}

/// What one service may do on NATS: publish its own events, create and read the stream's
/// settings, run its consumers, and (audit only) purge a deleted org's subjects. Deleting a
/// stream is nobody's.
#[derive(Debug, Clone, Copy)]
pub struct NatsUser {
    pub service: &'static str,
    pub consumers: &'static [NatsConsumer],
    pub purges: bool,
    /// Subjects under `<prefix>.` it hears as they are published, every replica alike
    /// (`*` stands for any org): the vault's replicas hear that an org's key was destroyed.
    pub listens: &'static [&'static str],
}

impl NatsUser {
    /// The environment variable the server reads this user's password from.
    pub fn password_variable(&self) -> String {
        format!(
            "STRONGROOM_NATS_{}_PASSWORD",
            self.service.to_ascii_uppercase()
        )
    }

    /// The subjects this user may publish to, for event prefix `prefix` (`None`: any
    /// prefix, as tests with a prefix each need).
    pub fn publish(&self, prefix: Option<&str>) -> Vec<String> {
        let (prefix, stream) = match prefix {
            Some(p) => (p.to_owned(), stream_name(p)),
            None => ("*".to_owned(), "*".to_owned()),
        };
        let api = "$JS.API";
        // The stream's settings are the provisioner's: a service reads them, never sets
        // them (one that could would set `max_age` to a second and drop unread events).
        let mut subjects = vec![
            format!("{prefix}.*.{}.>", self.service),
            format!("{api}.INFO"),
            format!("{api}.STREAM.INFO.{stream}"),
        ];
        for consumer in self.consumers {
            let durable = consumer.durable;
            subjects.extend([
                format!("{api}.CONSUMER.INFO.{stream}.{durable}"),
                format!("{api}.CONSUMER.DURABLE.CREATE.{stream}.{durable}"),
                format!("{api}.CONSUMER.MSG.NEXT.{stream}.{durable}"),
                format!("$JS.ACK.{stream}.{durable}.>"),
            ]);
            subjects.push(match consumer.filter {
                Some(filter) => {
                    format!("{api}.CONSUMER.CREATE.{stream}.{durable}.{prefix}.{filter}")
                }
                None => format!("{api}.CONSUMER.CREATE.{stream}.{durable}"),
            });
        }
        if self.purges {
            subjects.push(format!("{api}.STREAM.PURGE.{stream}"));
        }
        subjects
    }

    /// The subjects this user may subscribe to: its own inbox and what it listens to.
    pub fn subscribe(&self, prefix: Option<&str>) -> Vec<String> {
        let prefix = prefix.unwrap_or("*");
        std::iter::once(format!("{}.>", inbox_prefix(self.service)))
            .chain(self.listens.iter().map(|s| format!("{prefix}.{s}")))
            .collect()
    }
}

/// The user that creates the event stream and brings its settings up to date: a
/// deployment's provisioning step (`strongroom up` before it starts the services,
/// `strongroom provision-stream` as a job), never a service.
pub const PROVISIONER: &str = "provisioner";

/// The environment variable the server reads the provisioner's password from.
pub fn provisioner_password_variable() -> String {
    format!(
        "STRONGROOM_NATS_{}_PASSWORD",
        PROVISIONER.to_ascii_uppercase()
    )
}

/// What the provisioner may publish: the stream's settings, for event prefix `prefix`.
pub fn provisioner_publish(prefix: Option<&str>) -> Vec<String> {
    let stream = prefix.map_or_else(|| "*".to_owned(), stream_name);
    let api = "$JS.API";
    vec![
        format!("{api}.INFO"),
        format!("{api}.STREAM.INFO.{stream}"),
        format!("{api}.STREAM.CREATE.{stream}"),
        format!("{api}.STREAM.UPDATE.{stream}"),
    ]
}

/// The NATS server's `authorization` block for `users` and the provisioner, for event
/// prefix `prefix` (`None`: any prefix), and with `admin_password_variable` an `admin`
/// user allowed everything (a test harness's). Passwords come from the server's
/// environment, never from this text.
pub fn authorization(
    users: &[NatsUser],
    prefix: Option<&str>,
    admin_password_variable: Option<&str>,
) -> String {
    let mut out = String::from("authorization {\n  users: [\n");
    if let Some(variable) = admin_password_variable {
        let _ = writeln!(out, "    {{ user: admin, password: ${variable} }}");
    }
    let mut user_block = |user: &str,
                          variable: String,
                          publish: &[String],
                          subscribe: &[String]| {
        let quoted = |subjects: &[String]| {
            subjects
                .iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = write!(
            out,
            "    {{\n      user: {user}\n      password: ${variable}\n      permissions: {{\n        publish: {{ allow: [{publish}] }}\n        subscribe: {{ allow: [{subscribe}] }}\n      }}\n    }}\n",
            publish = quoted(publish),
            subscribe = quoted(subscribe),
        );
    };
    for user in users {
        user_block(
            user.service,
            user.password_variable(),
            &user.publish(prefix),
            &user.subscribe(prefix),
        );
    }
    user_block(
        PROVISIONER,
        provisioner_password_variable(),
        &provisioner_publish(prefix),
        &[format!("{}.>", inbox_prefix(PROVISIONER))],
    );
    out.push_str("  ]\n}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const USERS: &[NatsUser] = &[
        NatsUser {
            service: "vault",
            consumers: &[],
            purges: false,
            listens: &["*.vault.org.key_destroyed"],
        },
        NatsUser {
            service: "audit",
            consumers: &[NatsConsumer {
                durable: "audit",
                filter: None,
            }],
            purges: true,
            listens: &[],
        },
    ];

    #[test]
    fn a_service_publishes_only_its_own_events_and_nobody_deletes_the_stream() {
        let vault = USERS[0].publish(Some("sr"));
        assert!(vault.contains(&"sr.*.vault.>".to_owned()));
        assert!(
            !vault
                .iter()
                .any(|s| s.contains("CONSUMER") || s.contains("PURGE"))
        );
        let audit = USERS[1].publish(Some("sr"));
        assert!(audit.contains(&"$JS.API.CONSUMER.MSG.NEXT.SR_EVENTS.audit".to_owned()));
        assert!(audit.contains(&"$JS.API.STREAM.PURGE.SR_EVENTS".to_owned()));
        let text = authorization(USERS, Some("sr"), None);
        assert!(!text.contains("DELETE"), "{text}");
        // Only the provisioner sets the stream's settings.
        for user in USERS {
            assert!(
                !user
                    .publish(Some("sr"))
                    .iter()
                    .any(|s| s.contains("STREAM.CREATE") || s.contains("STREAM.UPDATE")),
                "{}",
                user.service
            );
        }
        assert!(
            provisioner_publish(Some("sr")).contains(&"$JS.API.STREAM.UPDATE.SR_EVENTS".to_owned())
        );
        assert!(text.contains("user: provisioner"), "{text}");
        assert!(
            text.contains("password: $STRONGROOM_NATS_PROVISIONER_PASSWORD"),
            "{text}"
        );
        assert!(
            text.contains("password: $STRONGROOM_NATS_AUDIT_PASSWORD"),
            "{text}"
        );
        assert!(text.contains("\"_INBOX_vault.>\""), "{text}");
        assert_eq!(
            USERS[0].subscribe(Some("sr")),
            ["_INBOX_vault.>", "sr.*.vault.org.key_destroyed"]
        );
        assert_eq!(USERS[1].subscribe(Some("sr")), ["_INBOX_audit.>"]);
    }
}
