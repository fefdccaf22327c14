//! A real SMTP server per test that accepts every message and keeps it for the test to read:
//! `smtp_sink.py` (Python's aiosmtpd, which `.ci/services` installs), on a loopback port it
//! picks itself, in a temp dir of its own.
//!
//! The server runs as our child: it stays in the test's process group, so Ctrl-C on
//! `cargo test` ends it too, and `Drop` kills and reaps it. Each message it receives becomes
//! a JSON file `<n>.json` in its messages folder, written whole under another name first; a
//! file `REFUSE` there makes it answer `451` (try again later) until the file is removed.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};

const SCRIPT: &str = include_str!("smtp_sink.py");

/// How long [`SmtpSink::start`] waits for the server to say which port it listens on.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// An SMTP server on `127.0.0.1:`[`port`](SmtpSink::port), no TLS. Any sender and recipient
/// is accepted, with or without a login; a client that logs in (AUTH PLAIN or LOGIN) is
/// accepted whatever its password, and its username and password are kept (see
/// [`Delivered::auth_user`]), so a test can tell which credentials a sender used.
pub struct SmtpSink {
    child: Child,
    /// Where the server writes the messages (and where `REFUSE` goes).
    messages: PathBuf,
    port: u16,
    /// Holds the script, its log and the messages; removes itself when dropped.
    dir: tempfile::TempDir,
}

/// One message as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The envelope sender (`MAIL FROM`).
    pub mail_from: String,
    /// The envelope recipients (`RCPT TO`), in the order given.
    pub rcpt_tos: Vec<String>,
    /// The message, headers and body, as sent (lines end in CRLF).
    pub data: String,
    /// The username the client logged in with, if it did.
    pub auth_user: Option<String>,
    /// The password it logged in with, if it did.
    pub auth_password: Option<String>,
}

impl SmtpSink {
    /// Starts the sink (python3 and aiosmtpd from `.ci/services`); waits up to 30 s for its
    /// PORT line.
    pub async fn start() -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new().prefix("smtp-sink-").tempdir()?;
        let script = dir.path().join("smtp_sink.py");
        std::fs::write(&script, SCRIPT)?;
        let messages = dir.path().join("messages");
        std::fs::create_dir(&messages)?;
        let log_path = dir.path().join("smtp_sink.log");
        let log = std::fs::File::create(&log_path)?;
        let mut child = Command::new("python3")
            .arg(&script)
            .arg(&messages)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .context("starting python3 for the SMTP sink (.ci/services installs it)")?;
        let stdout = child.stdout.take();
        // The guard exists before anything else can fail.
        let mut sink = SmtpSink {
            child,
            messages,
            port: 0,
            dir,
        };
        let stdout = stdout.context("the SMTP sink has no stdout")?;
        // Read its output on a thread (and keep draining it, so the server never blocks on a
        // full pipe) until it says which port it listens on.
        let (tx, rx) = tokio::sync::oneshot::channel::<u16>();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout)
                .lines()
                .map_while(std::io::Result::ok)
            {
                if let Some(port) = line
                    .strip_prefix("PORT ")
                    .and_then(|rest| rest.trim().parse::<u16>().ok())
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(port);
                }
            }
        });
        match tokio::time::timeout(START_TIMEOUT, rx).await {
            Ok(Ok(port)) => {
                sink.port = port;
                Ok(sink)
            }
            Ok(Err(_)) => {
                // Its stdout closed without a port: it exited.
                let status = sink.child.wait()?;
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                bail!(
                    "the SMTP sink exited at start ({status}); it needs python3 with the \
                     package aiosmtpd (.ci/services installs it): {log}"
                )
            }
            Err(_) => {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                bail!(
                    "the SMTP sink did not say which port it listens on within \
                     {START_TIMEOUT:?}: {log}"
                )
            }
        }
    }

    /// The loopback port it listens on (host `127.0.0.1`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Messages delivered so far, in order of arrival.
    pub fn messages(&self) -> Vec<Delivered> {
        let Ok(entries) = std::fs::read_dir(&self.messages) else {
            let dir = self.messages.display();
            tracing::warn!(%dir, "the SMTP sink's folder is unreadable");
            return Vec::new();
        };
        // Only finished files are named `<n>.json`; `n` counts up from 1 in order of arrival.
        let mut numbered: Vec<(u64, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let name = entry.file_name();
                let n = name.to_str()?.strip_suffix(".json")?.parse::<u64>().ok()?;
                Some((n, entry.path()))
            })
            .collect();
        numbered.sort_by_key(|(n, _)| *n);
        numbered
            .into_iter()
            .filter_map(|(_, path)| {
                let parsed = std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|text| Delivered::from_json(&text));
                if parsed.is_none() {
                    let file = path.display();
                    tracing::warn!(%file, "the SMTP sink wrote an unreadable message");
                }
                parsed
            })
            .collect()
    }

    /// Polls until at least `n` messages arrived or `deadline` passes; returns what arrived.
    pub async fn wait_for(&self, n: usize, deadline: Duration) -> Vec<Delivered> {
        let until = tokio::time::Instant::now() + deadline;
        loop {
            let messages = self.messages();
            if messages.len() >= n || tokio::time::Instant::now() >= until {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Temporarily refuse (451) every message, or accept again. Takes effect for the next
    /// recipient or message data a client sends, also on a connection already open.
    pub fn refuse(&self, on: bool) {
        let flag = self.messages.join("REFUSE");
        let result = if on {
            std::fs::write(&flag, "")
        } else {
            match std::fs::remove_file(&flag) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                other => other,
            }
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, on, "the SMTP sink's REFUSE file could not be changed");
        }
    }

    /// Refuse for good (550) the recipients `addresses` from now on (none: accept all again).
    pub fn reject(&self, addresses: &[&str]) {
        let listed: String = addresses.iter().map(|a| format!("{a}\n")).collect();
        if let Err(e) = std::fs::write(self.messages.join("REJECT"), listed) {
            tracing::warn!(error = %e, "the SMTP sink's REJECT file could not be written");
        }
    }

    /// The server's own log (aiosmtpd's warnings and errors), for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("smtp_sink.log")).unwrap_or_default()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The temp dir removes itself when `dir` drops.
    }
}

impl Delivered {
    /// The Subject header's value as written in the message (folded lines joined; encoded
    /// words such as `=?UTF-8?B?...?=` are left as they are), if it has one.
    pub fn subject(&self) -> Option<String> {
        self.header("subject")
    }

    /// The first header named `name` (any case), folded lines joined, ends trimmed.
    fn header(&self, name: &str) -> Option<String> {
        let mut found: Option<String> = None;
        for line in self.data.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                // The end of the headers.
                break;
            }
            if line.starts_with([' ', '\t']) {
                // A continuation of the header before it.
                if let Some(value) = found.as_mut() {
                    value.push_str(line);
                }
                continue;
            }
            if found.is_some() {
                break;
            }
            if let Some((field, value)) = line.split_once(':')
                && field.trim().eq_ignore_ascii_case(name)
            {
                found = Some(value.to_owned());
            }
        }
        found.map(|value| value.trim().to_owned())
    }

    /// One message file as `smtp_sink.py` writes it.
    fn from_json(text: &str) -> Option<Self> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        let string = |key: &str| value.get(key)?.as_str().map(str::to_owned);
        Some(Delivered {
            mail_from: string("mail_from")?,
            rcpt_tos: value
                .get("rcpt_tos")?
                .as_array()?
                .iter()
                .map(|r| r.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()?,
            data: string("data")?,
            auth_user: string("auth_user"),
            auth_password: string("auth_password"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Delivered;

    fn message(data: &str) -> Delivered {
        Delivered {
            mail_from: "a@example.com".to_owned(),
            rcpt_tos: vec!["b@example.com".to_owned()],
            data: data.to_owned(),
            auth_user: None,
            auth_password: None,
        }
    }

    #[test]
    fn subject_is_read_from_the_headers_only() {
        let m =
            message("From: a@example.com\r\nsubject:  Hello\r\n  there\r\nTo: b\r\n\r\nBody\r\n");
        assert_eq!(m.subject().as_deref(), Some("Hello  there"));
        let m = message("From: a@example.com\r\n\r\nSubject: not a header\r\n");
        assert_eq!(m.subject(), None);
    }

    #[test]
    fn message_files_are_parsed() {
        let m = Delivered::from_json(
            r#"{"mail_from": "a@x", "rcpt_tos": ["b@x", "c@x"], "data": "Subject: S\r\n\r\nB", "auth_user": null}"#,
        )
        .unwrap();
        assert_eq!(m.rcpt_tos, ["b@x", "c@x"]);
        assert_eq!(m.auth_user, None);
        assert_eq!(m.subject().as_deref(), Some("S"));
        let m = Delivered::from_json(
            r#"{"mail_from": "", "rcpt_tos": [], "data": "", "auth_user": "alice",
                "auth_password": "pw"}"#,
        )
        .unwrap();
        assert_eq!(m.auth_user.as_deref(), Some("alice"));
        assert_eq!(m.auth_password.as_deref(), Some("pw"));
    }
}
