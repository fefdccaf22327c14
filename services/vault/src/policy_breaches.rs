//! Passwords out of their policy: a policy given to resources that already hold passwords
//! records each live account whose current password breaks it (`password.policy_violated`,
//! naming the rule broken, never the password); a schedule records each current password
//! older than its policy's `max_age_days` (`password.expired`, once per version). A
//! resource group's notifications tell those concerned.

use strongroom_auth::RequestContext;
use strongroom_core::AccountId;
use uuid::Uuid;

use crate::app::{Vault, account_target, event};
use crate::error::VaultError;
use crate::store;

impl Vault {
    /// Records a breach for each live account of `resources` whose current password breaks
    /// the policy `policy` (a name; none: nothing to break); how many.
    pub(crate) async fn record_policy_breaches(
        &self,
        tx: &mut strongroom_tenancy::TenantTx,
        ctx: &RequestContext,
        resources: &[Uuid],
        policy: &str,
    ) -> Result<usize, VaultError> {
        let Some(rules) = crate::policies::resolve(tx, policy).await? else {
            return Ok(0);
        };
        let mut breaches = 0;
        for account in store::live_accounts_of(tx, resources).await? {
            let Some((version, sealed)) =
                store::list_sealed_versions(tx, account.id, 1).await?.pop()
            else {
                continue;
            };
            let opened = self
                .open_sealed(tx, ctx.org(), AccountId(account.id), version, &sealed)
                .await?;
            let Err(broken) = rules.check(&String::from_utf8_lossy(&opened), &[]) else {
                continue;
            };
            let event = event(
                ctx,
                "password.policy_violated",
                account_target(account.id, &account.resource_name, &account.username),
            )
            .with_details(serde_json::json!({
                "policy": policy,
                "version": version,
                "rule": broken.to_string(),
            }));
            self.outbox.record(tx, &event).await?;
            breaches += 1;
        }
        Ok(breaches)
    }
}

/// Who the trail names for an expiry found by the schedule.
const EXPIRY_SCHEDULE: &str = "system (expiry check)";

impl Vault {
    /// Looks in every org, each `tick`, for current passwords older than their resource
    /// policy's `max_age_days`, until `shutdown`.
    pub async fn run_expiry_check(
        self: std::sync::Arc<Self>,
        tick: std::time::Duration,
        shutdown: tokio_util::sync::CancellationToken,
    ) {
        let db = self.db.clone();
        let what = "the password expiry check";
        strongroom_runtime::every_org(db, tick, what, shutdown, |org| self.mark_expired(org)).await;
    }

    /// Records `password.expired` once for each current password of `org` older than its
    /// resource policy allows.
    async fn mark_expired(&self, org: strongroom_core::OrgId) -> Result<(), VaultError> {
        let now = chrono::Utc::now();
        let mut tx = self.db.begin(org).await?;
        // No policy allows less than a day.
        let aged = store::aged_passwords(&mut tx, now - chrono::TimeDelta::days(1)).await?;
        let mut ages = std::collections::HashMap::new();
        for password in aged {
            let max_age = match ages.get(&password.password_policy) {
                Some(max_age) => *max_age,
                None => {
                    let max_age = crate::policies::resolve(&mut tx, &password.password_policy)
                        .await
                        .ok()
                        .flatten()
                        .and_then(|p| p.max_age_days);
                    ages.insert(password.password_policy.clone(), max_age);
                    max_age
                }
            };
            let Some(days) = max_age.filter(|d| *d > 0) else {
                continue;
            };
            if password.changed_at + chrono::TimeDelta::days(i64::from(days)) > now
                || !store::record_expiry(&mut tx, password.id, password.version).await?
            {
                continue;
            }
            let actor = strongroom_events::Actor {
                username: EXPIRY_SCHEDULE.into(),
                ..strongroom_events::Actor::default()
            };
            let event = strongroom_events::Event::new(
                org,
                crate::app::SERVICE,
                "password.expired",
                actor,
                account_target(password.id, &password.resource_name, &password.username),
            )
            .with_details(serde_json::json!({
                "policy": password.password_policy,
                "max_age_days": days,
                "version": password.version,
                "changed_at": password.changed_at.to_rfc3339(),
            }));
            self.outbox.record(&mut tx, &event).await?;
        }
        self.outbox.commit(tx).await?;
        Ok(())
    }
}
