//! Importing users from a CSV file: a header row naming the columns, then one user a line.
//! Every row gets an outcome; a file that does not parse changes nothing. Each new user is
//! recorded as a `user.imported` event, which is also how the mail service (when an org has
//! a mail server) learns whom to welcome.

use std::collections::HashMap;

use strongroom_auth::RequestContext;
use strongroom_core::Permission;
use strongroom_events::{Event, Target};
use strongroom_tenancy::TenantTx;

use crate::app::{Identity, event};
use crate::error::IdentityError;
use crate::mailed_passwords::MailedReason;
use crate::store::{self, UserRow};
use crate::users::{UserFields, checked_fields};

const MAX_ROWS: usize = 10_000;
const COLUMNS: [&str; 6] = [
    "username",
    "full_name",
    "email",
    "department",
    "location",
    "role",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Skipped(String),
    Rejected(String),
}

#[derive(Debug, Clone)]
pub struct ImportRow {
    pub line: u64,
    pub username: String,
    pub outcome: Outcome,
}

#[derive(Debug, Default)]
pub struct ImportReport {
    pub rows: Vec<ImportRow>,
    pub rolled_back: bool,
    pub warnings: Vec<String>,
    pub groups_created: Vec<String>,
}

impl ImportReport {
    pub fn count(&self, f: impl Fn(&Outcome) -> bool) -> u32 {
        u32::try_from(self.rows.iter().filter(|r| f(&r.outcome)).count()).unwrap_or(u32::MAX)
    }

    pub fn created(&self) -> u32 {
        if self.rolled_back {
            return 0;
        }
        self.count(|o| *o == Outcome::Created)
    }
}

/// Parses the file into (line, fields); a malformed file is refused whole, naming the line.
fn parse(csv_text: &str) -> Result<Vec<(u64, UserFields)>, IdentityError> {
    let bad = |m: String| IdentityError::InvalidInput(m);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(csv_text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| bad(format!("line 1: the header row does not parse: {e}")))?
        .clone();
    let mut index = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let name = h.to_ascii_lowercase().replace([' ', '-'], "_");
        if !COLUMNS.contains(&name.as_str()) {
            return Err(bad(format!(
                "line 1: unknown column {h:?}; columns are {}",
                COLUMNS.join(", ")
            )));
        }
        index.insert(name, i);
    }
    for required in ["username", "email"] {
        if !index.contains_key(required) {
            return Err(bad(format!(
                "line 1: the header row has no {required} column"
            )));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            bad(format!("line {line}: {}", csv_error_reason(&e)))
        })?;
        if rows.len() == MAX_ROWS {
            return Err(bad(format!("at most {MAX_ROWS} users per file")));
        }
        let field = |name: &str| {
            index
                .get(name)
                .and_then(|i| record.get(*i))
                .unwrap_or("")
                .to_owned()
        };
        let line = record.position().map_or(0, |p| p.line());
        rows.push((
            line,
            UserFields {
                username: field("username"),
                full_name: field("full_name"),
                email: field("email"),
                department: field("department"),
                location: field("location"),
                role: field("role"),
            },
        ));
    }
    if rows.is_empty() {
        return Err(bad("the file has a header row but no users".into()));
    }
    Ok(rows)
}

fn csv_error_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields like the header row, found {len}"),
        csv::ErrorKind::Utf8 { .. } => "the file is not UTF-8 text".into(),
        _ => e.to_string(),
    }
}

impl Identity {
    pub async fn import_users_csv(
        &self,
        ctx: &RequestContext,
        csv_text: &str,
        all_or_nothing: bool,
    ) -> Result<ImportReport, IdentityError> {
        ctx.require(Permission::UsersManage)?;
        ctx.require_msp_allowed(strongroom_core::MspStaffRight::ManageUsers)?;
        let rows = parse(csv_text)?;
        // Where the org has a mail server, each new user with an address gets a one-time
        // password by mail; the others wait for an administrator to give them one.
        let has_mail = self.org_has_mail(ctx).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let default_role = store::load_login_settings(&mut tx).await?.default_role;
        let names: Vec<String> = rows
            .iter()
            .map(|(_, f)| f.username.trim().to_owned())
            .collect();
        let existing = store::existing_usernames(&mut tx, &names).await?;
        let mut seen: HashMap<String, u64> = HashMap::new();
        let mut report = ImportReport::default();
        let mut events: Vec<Event> = Vec::new();
        for (line, mut fields) in rows {
            if fields.role.is_empty() {
                fields.role.clone_from(&default_role);
            }
            let username = fields.username.trim().to_owned();
            let key = username.to_lowercase();
            let outcome = if let Some(first) = seen.get(&key) {
                Outcome::Rejected(format!("duplicate of line {first}"))
            } else if existing.contains(&key) {
                Outcome::Skipped("a user with this username already exists".into())
            } else if let Err(refused) =
                crate::roles::require_grantable(ctx, &mut tx, &fields.role).await
            {
                match refused {
                    IdentityError::Auth(e) => Outcome::Rejected(e.to_string()),
                    e => return Err(e),
                }
            } else {
                match self.create_imported(&mut tx, &fields, "csv", None).await {
                    Ok(user) => {
                        let mut imported = imported_event(ctx, &user, "csv", line);
                        if has_mail && !user.email.is_empty() {
                            let (welcome, by) = (MailedReason::Welcome, Some(ctx.user().0));
                            let mailed = self
                                .open_mailed_password(&mut tx, user.id, welcome, by)
                                .await?;
                            imported.details["mailed_password_id"] = mailed.to_string().into();
                        }
                        events.push(imported);
                        Outcome::Created
                    }
                    Err(IdentityError::InvalidInput(reason)) => Outcome::Rejected(reason),
                    Err(e) => return Err(e),
                }
            };
            seen.entry(key).or_insert(line);
            report.rows.push(ImportRow {
                line,
                username,
                outcome,
            });
        }
        let rejected = report.count(|o| matches!(o, Outcome::Rejected(_)));
        if all_or_nothing && rejected > 0 {
            // Dropping the transaction rolls every created row back.
            report.rolled_back = true;
            return Ok(report);
        }
        self.commit(tx, &events).await?;
        Ok(report)
    }

    /// Creates one imported user without a local password (CSV users get one from an
    /// administrator or, where the org has a mail server, by mail; directory users sign in
    /// with the directory's).
    pub async fn create_imported(
        &self,
        tx: &mut TenantTx,
        fields: &UserFields,
        source: &str,
        directory_dn: Option<&str>,
    ) -> Result<UserRow, IdentityError> {
        let f = checked_fields(tx, fields).await?;
        // A savepoint, so one bad row does not abort the whole import's transaction.
        let mut sp = sqlx::Connection::begin(&mut **tx).await?;
        let created = store::create_user(&mut sp, &f, source, None, directory_dn).await;
        match created {
            Ok(user) => {
                sp.commit().await?;
                Ok(user)
            }
            Err(e) if crate::error::is_unique_violation(&e) => {
                sp.rollback().await?;
                Err(IdentityError::InvalidInput(format!(
                    "user {} already exists",
                    f.username
                )))
            }
            Err(e) => Err(e.into()),
        }
    }
}

pub fn imported_event(ctx: &RequestContext, user: &UserRow, source: &str, line: u64) -> Event {
    event(ctx, "user.imported", Target::new("user", user.id, &user.username)).with_details(
        serde_json::json!({ "source": source, "line": line, "role": user.role, "email": user.email }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_well_formed_file_parses_with_lines_and_any_column_order() {
        let rows = parse("Email,Username,Role\na@x.io,alice,\nb@x.io , bob ,password_user\n")
            .unwrap_or_default();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].0, rows[0].1.username.as_str()), (2, "alice"));
        assert_eq!((rows[1].0, rows[1].1.email.as_str()), (3, "b@x.io"));
    }

    #[test]
    fn a_malformed_file_is_refused_naming_the_line() {
        let err = |text: &str| parse(text).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err("username,email\na,a@x.io\nb,b@x.io,extra\n").starts_with("line 3:"));
        assert!(err("username,mail\n").contains("unknown column \"mail\""));
        assert!(err("full_name,email\nAl,a@x.io\n").contains("no username column"));
        assert!(err("username,email\n").contains("no users"));
    }
}
