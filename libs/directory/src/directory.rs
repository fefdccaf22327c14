//! The three things the identity service asks of a directory: can we connect, who is in
//! it, and is this password right.

use std::collections::HashMap;

use ldap3::{Scope, SearchEntry, ldap_escape};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use strongroom_egress::Egress;

use crate::DirectoryConfig;
use crate::entry::{self, DirectoryUser, is_within, normalize_dn, to_user};
use crate::error::{DirectoryError, INVALID_CREDENTIALS};
use crate::session::{Found, Session};

/// Which users to import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportScope {
    /// Every user below the base DN.
    Everything,
    /// Users below one OU: its DN, or its `ou` name (searched for below the base DN).
    OrganizationalUnit(String),
    /// Direct members of one group, by name (the group name attribute, e.g. `cn`).
    Group(String),
}

/// A validated directory configuration. Each call opens its own connection(s), through
/// `egress`, which resolves the URL's host and checks every address on every connection.
#[derive(Debug, Clone)]
pub struct Directory {
    config: DirectoryConfig,
    egress: Egress,
}

impl Directory {
    pub fn new(config: DirectoryConfig, egress: Egress) -> Result<Self, DirectoryError> {
        config.validate()?;
        Ok(Self { config, egress })
    }

    pub fn config(&self) -> &DirectoryConfig {
        &self.config
    }

    /// Resolves the URL's host now and refuses it, without connecting, if it or an address
    /// it resolves to is internal to the deployment and `allow_internal_hosts` is off.
    pub async fn check_host(&self) -> Result<(), DirectoryError> {
        let (host, _) = self.config.host_and_port()?;
        self.egress
            .check(&host, self.config.allow_internal_hosts)
            .await?;
        Ok(())
    }

    /// Connects and binds as the service account.
    pub async fn test_connection(&self) -> Result<(), DirectoryError> {
        self.service_session().await?.close().await;
        Ok(())
    }

    /// The users in `scope`, sorted by username. Entries without the username attribute are
    /// skipped (and logged by DN).
    pub async fn users(&self, scope: &ImportScope) -> Result<Vec<DirectoryUser>, DirectoryError> {
        let mut session = self.service_session().await?;
        let entries = match scope {
            ImportScope::Everything => {
                let (base, filter) = (&self.config.base_dn, &self.config.user_filter);
                self.search_all(&mut session, base, filter, "base DN")
                    .await?
            }
            ImportScope::OrganizationalUnit(ou) => {
                let ou_dn = self.find_ou(&mut session, ou).await?;
                let filter = &self.config.user_filter;
                let what = format!("organizational unit {ou}");
                self.search_all(&mut session, &ou_dn, filter, &what).await?
            }
            ImportScope::Group(name) => self.group_members(&mut session, name).await?,
        };
        let index = match self.config.attributes.member_of {
            Some(_) => None,
            None => Some(self.group_index(&mut session, None).await?),
        };
        session.close().await;
        let mut users: Vec<DirectoryUser> = entries
            .iter()
            .filter_map(|e| {
                let user = self.to_user(e, index.as_ref());
                if user.is_none() {
                    tracing::warn!(
                        dn = %e.dn,
                        attribute = %self.config.attributes.username,
                        "directory entry has no username attribute; skipped"
                    );
                }
                user
            })
            .collect();
        users.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(users)
    }

    /// Checks a login against the directory. `Ok(None)` for an unknown user, a wrong or empty
    /// password, or a username that matches several entries.
    pub async fn authenticate(
        &self,
        username: &str,
        password: &SecretString,
    ) -> Result<Option<DirectoryUser>, DirectoryError> {
        // A bind with a DN and an empty password is an "unauthenticated bind": many servers
        // answer success without checking anything. Never send one.
        if username.trim().is_empty() || password.expose_secret().is_empty() {
            return Ok(None);
        }
        let mut session = self.service_session().await?;
        let filter = format!(
            "(&{}({}={}))",
            self.config.user_filter.trim(),
            self.config.attributes.username,
            ldap_escape(username)
        );
        let attrs = self.config.attributes.requested();
        let base = &self.config.base_dn;
        let mut entries = match session
            .search_few(base, Scope::Subtree, &filter, &attrs, 2)
            .await?
        {
            Found::Entries(entries) => entries,
            Found::NoSuchBase => return Err(not_found("base DN", base)),
        };
        let entry = match (entries.pop(), entries.is_empty()) {
            (Some(entry), true) => entry,
            (None, _) => return Ok(None),
            (Some(_), false) => {
                tracing::warn!("several directory entries match one username; login refused");
                return Ok(None);
            }
        };
        let index = match self.config.attributes.member_of {
            Some(_) => None,
            None => Some(self.group_index(&mut session, Some(&entry.dn)).await?),
        };
        session.close().await;
        let Some(user) = self.to_user(&entry, index.as_ref()) else {
            return Ok(None);
        };
        // A fresh connection, so the user's bind never changes what the service session sees.
        let mut user_session = Session::connect(&self.config, &self.egress).await?;
        let rc = user_session
            .bind(&entry.dn, password.expose_secret())
            .await?;
        user_session.close().await;
        match rc {
            0 => Ok(Some(user)),
            INVALID_CREDENTIALS => Ok(None),
            rc => Err(DirectoryError::from_result_code(
                rc,
                "bind as the user failed",
            )),
        }
    }

    async fn service_session(&self) -> Result<Session, DirectoryError> {
        let mut session = Session::connect(&self.config, &self.egress).await?;
        let password = self.config.bind_password.expose_secret();
        match session.bind(&self.config.bind_dn, password).await? {
            0 => Ok(session),
            INVALID_CREDENTIALS => Err(DirectoryError::BindRejected),
            rc => Err(DirectoryError::from_result_code(rc, "service bind failed")),
        }
    }

    async fn search_all(
        &self,
        session: &mut Session,
        base: &str,
        filter: &str,
        what: &str,
    ) -> Result<Vec<SearchEntry>, DirectoryError> {
        let attrs = self.config.attributes.requested();
        match session.search_all(base, filter.trim(), &attrs).await? {
            Found::Entries(entries) => Ok(entries),
            Found::NoSuchBase => Err(not_found(what, base)),
        }
    }

    /// The DN of an OU given by DN (must be below the base DN) or by name.
    async fn find_ou(&self, session: &mut Session, ou: &str) -> Result<String, DirectoryError> {
        let base = &self.config.base_dn;
        if ou.contains('=') {
            if !is_within(ou, base) {
                return Err(DirectoryError::InvalidConfig(format!(
                    "{ou} is outside the base DN {base}"
                )));
            }
            return Ok(ou.to_owned());
        }
        let filter = format!(
            "(&(objectClass=organizationalUnit)(ou={}))",
            ldap_escape(ou)
        );
        let no_attrs = vec!["1.1".to_owned()];
        let found = session
            .search_few(base, Scope::Subtree, &filter, &no_attrs, 2)
            .await?;
        let Found::Entries(mut ous) = found else {
            return Err(not_found("base DN", base));
        };
        match (ous.pop(), ous.is_empty()) {
            (Some(ou), true) => Ok(ou.dn),
            (None, _) => Err(DirectoryError::NotFound(format!(
                "organizational unit {ou}"
            ))),
            (Some(_), false) => Err(DirectoryError::Search(format!(
                "several organizational units are named {ou}; give its DN instead"
            ))),
        }
    }

    /// Users who are direct members of the group named `name`.
    async fn group_members(
        &self,
        session: &mut Session,
        name: &str,
    ) -> Result<Vec<SearchEntry>, DirectoryError> {
        let c = &self.config;
        let filter = format!(
            "(&{}({}={}))",
            c.group_filter.trim(),
            c.group_name_attribute,
            ldap_escape(name)
        );
        // With memberOf the member list is not needed ("1.1" asks for no attributes).
        let attrs = match c.attributes.member_of {
            Some(_) => vec!["1.1".to_owned()],
            None => vec![c.group_member_attribute.clone()],
        };
        let found = session
            .search_few(&c.base_dn, Scope::Subtree, &filter, &attrs, 2)
            .await?;
        let Found::Entries(mut groups) = found else {
            return Err(not_found("base DN", &c.base_dn));
        };
        let group = match (groups.pop(), groups.is_empty()) {
            (Some(group), true) => group,
            (None, _) => return Err(DirectoryError::NotFound(format!("group {name}"))),
            (Some(_), false) => {
                return Err(DirectoryError::Search(format!(
                    "several groups are named {name}"
                )));
            }
        };
        if let Some(member_of) = &c.attributes.member_of {
            // One paged search; also avoids AD's ranged retrieval of groups over 1500 members.
            let filter = format!(
                "(&{}({member_of}={}))",
                c.user_filter.trim(),
                ldap_escape(&group.dn)
            );
            return self
                .search_all(session, &c.base_dn, &filter, "base DN")
                .await;
        }
        // No memberOf: read each member entry; non-users (nested groups, gone entries) drop out.
        let attrs = c.attributes.requested();
        let mut users = Vec::new();
        for member in entry::values(&group, &c.group_member_attribute) {
            if !is_within(member, &c.base_dn) {
                continue;
            }
            let found = session
                .search_few(member, Scope::Base, c.user_filter.trim(), &attrs, 1)
                .await?;
            if let Found::Entries(entries) = found {
                users.extend(entries);
            }
        }
        Ok(users)
    }

    /// Normalized member DN -> group names, from a search of the groups themselves; limited
    /// to the groups of `member` when given.
    async fn group_index(
        &self,
        session: &mut Session,
        member: Option<&str>,
    ) -> Result<HashMap<String, Vec<String>>, DirectoryError> {
        let c = &self.config;
        let filter = match member {
            Some(dn) => format!(
                "(&{}({}={}))",
                c.group_filter.trim(),
                c.group_member_attribute,
                ldap_escape(dn)
            ),
            None => c.group_filter.trim().to_owned(),
        };
        let attrs = vec![
            c.group_name_attribute.clone(),
            c.group_member_attribute.clone(),
        ];
        let groups = match session.search_all(&c.base_dn, &filter, &attrs).await? {
            Found::Entries(groups) => groups,
            Found::NoSuchBase => return Err(not_found("base DN", &c.base_dn)),
        };
        let mut index: HashMap<String, Vec<String>> = HashMap::new();
        for group in &groups {
            let Some(name) = entry::first(group, &c.group_name_attribute) else {
                continue;
            };
            for dn in entry::values(group, &c.group_member_attribute) {
                index
                    .entry(normalize_dn(dn))
                    .or_default()
                    .push(name.to_owned());
            }
        }
        Ok(index)
    }

    fn to_user(
        &self,
        entry: &SearchEntry,
        index: Option<&HashMap<String, Vec<String>>>,
    ) -> Option<DirectoryUser> {
        let c = &self.config;
        to_user(entry, &c.attributes, &c.group_name_attribute, index)
    }
}

fn not_found(what: &str, dn: &str) -> DirectoryError {
    DirectoryError::NotFound(format!("{what} {dn}"))
}
