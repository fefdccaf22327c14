//! Settings replication across client orgs: MSPOrg's administrators choose which of
//! MSPOrg's settings every client org receives; client orgs that exist get them shortly
//! after the save, orgs created later as soon as they exist; kinds whose feature is not
//! built are listed but cannot be chosen.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{Api, Org, assert_error};
use crate::stack::{ADMIN_PASSWORD, Stack};

const REPLICATION: &str = "/api/v1/orgs/replication";
const MSP_PERMISSIONS: [&str; 2] = ["audit.view", "users.view"];

/// The org's custom roles: name → sorted permissions.
async fn custom_roles(api: &Api<'_>, org: &Org) -> BTreeMap<String, Vec<String>> {
    let (s, b) = api.get(&org.url("/roles"), Some(&org.admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["roles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["built_in"] == false)
        .map(|r| {
            let mut perms: Vec<String> = r["permissions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap().to_owned())
                .collect();
            perms.sort();
            (r["name"].as_str().unwrap().to_owned(), perms)
        })
        .collect()
}

/// The org's group names, in the order listed (by name).
async fn groups(api: &Api<'_>, org: &Org) -> Vec<String> {
    let (s, b) = api.get(&org.url("/groups"), Some(&org.admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap().to_owned())
        .collect()
}

fn perms(list: &[&str]) -> Vec<String> {
    list.iter().map(|p| (*p).to_owned()).collect()
}

fn kind<'a>(settings: &'a Value, name: &str) -> &'a Value {
    settings["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == name)
        .unwrap_or_else(|| panic!("{name} not listed: {settings}"))
}

/// The org's trail once it holds `settings.replicated` of `kind` at `version`.
async fn replicated(api: &Api<'_>, org: &Org, kind: &str, version: i64) -> Vec<Value> {
    strongroom_testkit::wait_until(Duration::from_secs(10), || async {
        let (s, b) = api.get(&org.url("/audit"), Some(&org.admin)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let events = b["events"].as_array().unwrap().clone();
        events
            .iter()
            .any(|e| {
                e["operation"] == "settings.replicated"
                    && e["details"]["kind"] == kind
                    && e["details"]["version"] == version
            })
            .then_some(events)
    })
    .await
    .unwrap_or_else(|e| panic!("{kind} v{version} not applied in {}: {e}", org.prefix))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn msp_groups_and_roles_reach_every_client_org() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let admin = api.login("", "admin", ADMIN_PASSWORD).await;

    // MSPOrg's groups and a custom role.
    for name in ["DBAs", "Network"] {
        let (s, b) = api
            .post("/api/v1/groups", Some(&admin), json!({"name": name}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let (s, b) = api
        .post(
            "/api/v1/roles",
            Some(&admin),
            json!({"name": "Auditors", "description": "MSP auditors",
                   "permissions": MSP_PERMISSIONS}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");

    // A client org that already has a role of that name, a holder of it, and one group.
    let early = Org::create(&api, "early").await;
    let (s, b) = api
        .post(
            &early.url("/roles"),
            Some(&early.admin),
            json!({"name": "auditors", "permissions": ["users.view"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (_, ann_pw) = api
        .add_user(&early.prefix, &early.admin, "ann", "auditors")
        .await;
    let (s, b) = api
        .post(
            &early.url("/groups"),
            Some(&early.admin),
            json!({"name": "dbas"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");

    // Nothing is replicated until chosen.
    let (s, b) = api.get(REPLICATION, Some(&admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(kind(&b, "user_groups")["enabled"], false);
    assert_eq!(kind(&b, "user_roles")["version"], 0);

    // Groups and roles, renaming on a conflict.
    let (s, b) = api
        .put(
            REPLICATION,
            Some(&admin),
            json!({"user_groups": true, "user_roles": {"enabled": true, "on_conflict": "rename"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(kind(&b, "user_groups")["enabled"], true);
    assert_eq!(kind(&b, "user_groups")["version"], 1);
    assert_eq!(kind(&b, "user_roles")["version"], 1);
    assert_eq!(
        kind(&b, "user_roles")["options"],
        json!({"on_conflict": "rename"})
    );

    // The existing org gets them within seconds: every group once, MSPOrg's role renamed,
    // its own role untouched.
    let expected_roles = BTreeMap::from([
        ("Auditors - MSP".to_owned(), perms(&MSP_PERMISSIONS)),
        ("auditors".to_owned(), perms(&["users.view"])),
    ]);
    strongroom_testkit::wait_until(Duration::from_secs(10), || async {
        (groups(&api, &early).await == ["dbas", "Network"]
            && custom_roles(&api, &early).await == expected_roles)
            .then_some(())
    })
    .await
    .unwrap_or_else(|e| {
        panic!("early org never got MSPOrg's groups and roles: {e}");
    });
    let ann = api.login_reply(&early.prefix, "ann", &ann_pw).await;
    assert_eq!(ann["permissions"], json!(["users.view"]));

    // Overwrite: the org's own role takes MSPOrg's permissions; its holder's next token too.
    let (s, b) = api
        .put(
            REPLICATION,
            Some(&admin),
            json!({"user_roles": {"enabled": true, "on_conflict": "overwrite"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(kind(&b, "user_roles")["version"], 2);
    assert_eq!(
        kind(&b, "user_groups")["version"],
        1,
        "not named, unchanged"
    );
    replicated(&api, &early, "user_roles", 2).await;
    let overwritten = BTreeMap::from([
        ("Auditors - MSP".to_owned(), perms(&MSP_PERMISSIONS)),
        ("auditors".to_owned(), perms(&MSP_PERMISSIONS)),
    ]);
    assert_eq!(custom_roles(&api, &early).await, overwritten);
    let ann = api.login_reply(&early.prefix, "ann", &ann_pw).await;
    let mut ann_perms: Vec<String> = serde_json::from_value(ann["permissions"].clone()).unwrap();
    ann_perms.sort();
    assert_eq!(ann_perms, perms(&MSP_PERMISSIONS));

    // Saving again replicates again, and duplicates nothing.
    let again =
        json!({"user_groups": true, "user_roles": {"enabled": true, "on_conflict": "overwrite"}});
    let (s, b) = api.put(REPLICATION, Some(&admin), again.clone()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(kind(&b, "user_groups")["version"], 2);
    assert_eq!(kind(&b, "user_roles")["version"], 3);
    replicated(&api, &early, "user_groups", 2).await;
    replicated(&api, &early, "user_roles", 3).await;
    assert_eq!(groups(&api, &early).await, ["dbas", "Network"]);
    assert_eq!(custom_roles(&api, &early).await, overwritten);

    // An org created later has them as soon as its creation returns.
    let late = Org::create(&api, "late").await;
    assert_eq!(groups(&api, &late).await, ["DBAs", "Network"]);
    assert_eq!(
        custom_roles(&api, &late).await,
        BTreeMap::from([("Auditors".to_owned(), perms(&MSP_PERMISSIONS))])
    );

    // Disabled: nothing is removed, and later orgs no longer get the kind.
    let (s, b) = api
        .put(REPLICATION, Some(&admin), json!({"user_roles": false}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(kind(&b, "user_roles")["enabled"], false);
    assert_eq!(
        kind(&b, "user_roles")["options"],
        json!({"on_conflict": "overwrite"}),
        "the last choice is kept"
    );
    let (s, b) = api.get(REPLICATION, Some(&admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(kind(&b, "user_roles")["version"], 4);
    // Saves are applied in order: once a later save has reached the org, the disabling
    // one has reached identity too.
    let (s, b) = api
        .put(REPLICATION, Some(&admin), json!({"user_groups": true}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    replicated(&api, &early, "user_groups", 3).await;
    let later = Org::create(&api, "later").await;
    assert_eq!(groups(&api, &later).await, ["DBAs", "Network"]);
    assert!(custom_roles(&api, &later).await.is_empty());
    assert_eq!(custom_roles(&api, &early).await, overwritten);

    // MSPOrg's trail holds every save; the client org's trail every change it received.
    let (s, b) = api.get("/api/v1/audit", Some(&admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let saves: Vec<(String, i64)> = b["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["operation"] == "settings.replication_saved")
        .map(|e| {
            assert_eq!(e["actor"]["username"], "admin", "{e}");
            (
                e["details"]["kind"].as_str().unwrap().to_owned(),
                e["details"]["version"].as_i64().unwrap(),
            )
        })
        .collect();
    for save in (1..=3)
        .map(|v| ("user_groups", v))
        .chain((1..=4).map(|v| ("user_roles", v)))
    {
        assert_eq!(
            saves
                .iter()
                .filter(|(k, v)| k == save.0 && *v == save.1)
                .count(),
            1,
            "{save:?} in {saves:?}"
        );
    }
    let trail = replicated(&api, &early, "user_roles", 3).await;
    let change = |operation: &str, name: &str| {
        trail
            .iter()
            .filter(|e| e["operation"] == operation && e["target"]["name"] == name)
            .map(|e| {
                assert_eq!(e["details"]["replicated_from"], "MSPOrg", "{e}");
                assert_eq!(e["actor"]["username"], "admin", "{e}");
                e["details"]["version"].as_i64().unwrap()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(change("group.created", "Network"), [1]);
    assert!(change("group.created", "DBAs").is_empty(), "dbas existed");
    assert_eq!(change("role.created", "Auditors - MSP"), [1]);
    assert_eq!(change("role.updated", "auditors"), [2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replication_is_for_msp_administrators_and_available_kinds_only() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let admin = api.login("", "admin", ADMIN_PASSWORD).await;

    // Every kind is listed; those whose feature is not built say why.
    let (s, b) = api.get(REPLICATION, Some(&admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let kinds = b["kinds"].as_array().unwrap();
    assert_eq!(kinds.len(), 10, "{b}");
    for k in kinds {
        let name = k["kind"].as_str().unwrap();
        assert!(!k["label"].as_str().unwrap().is_empty(), "{k}");
        let available = [
            "user_groups",
            "user_roles",
            "password_policies",
            "resource_types",
            "additional_fields",
        ]
        .contains(&name);
        assert_eq!(k["available"], available, "{k}");
        assert_eq!(k["reason"].is_string(), !available, "{k}");
        assert_eq!(k["enabled"], false, "{k}");
    }

    // Refusals name what is wrong, and change nothing.
    for (body, names) in [
        (
            json!({"user_groups": true, "resource_groups": true}),
            &["resource_groups", "not yet available"][..],
        ),
        (
            json!({"audit_purge": {"enabled": true}}),
            &["audit_purge", "not yet available"],
        ),
        (json!({"colours": true}), &["colours"]),
        (json!({"user_roles": true}), &["on_conflict"]),
        (
            json!({"user_roles": {"enabled": true, "on_conflict": "merge"}}),
            &["on_conflict", "merge"],
        ),
        (
            json!({"user_roles": {"enabled": true, "on_conflict": "rename", "suffix": "x"}}),
            &["suffix"],
        ),
        (json!({"user_groups": "yes"}), &["user_groups"]),
        (json!({"user_groups": {"on": true}}), &["user_groups"]),
        (json!(["user_groups"]), &["invalid request body"]),
    ] {
        let (s, b) = api.put(REPLICATION, Some(&admin), body.clone()).await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        let message = b["message"].as_str().unwrap();
        for name in names {
            assert!(message.contains(name), "{body}: {b}");
        }
    }
    let (_, b) = api.get(REPLICATION, Some(&admin)).await;
    assert!(
        b["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["version"] == 0 && k["enabled"] == false),
        "{b}"
    );

    // Another MSPOrg user may not; a client org's administrator does not learn it exists.
    let (_, paul_pw) = api.add_user("", &admin, "paul", "password_user").await;
    let paul = api.login("", "paul", &paul_pw).await;
    let (s, b) = api.get(REPLICATION, Some(&paul)).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    let (s, b) = api
        .put(REPLICATION, Some(&paul), json!({"user_groups": true}))
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    let acme = Org::create(&api, "acme").await;
    let path = acme.url("/orgs/replication");
    let (s, b) = api.get(&path, Some(&acme.admin)).await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = api
        .put(&path, Some(&acme.admin), json!({"user_groups": true}))
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = api.get(REPLICATION, None).await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED);

    // A refused or forbidden save was not audited.
    let (_, b) = api.get("/api/v1/audit", Some(&admin)).await;
    assert!(
        !b["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["operation"] == "settings.replication_saved"),
        "{b}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_org_that_fails_is_retried_without_holding_back_the_others() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let admin = api.login("", "admin", ADMIN_PASSWORD).await;
    let (s, b) = api
        .post("/api/v1/groups", Some(&admin), json!({"name": "DBAs"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let broken = Org::create(&api, "broken").await;
    let fine = Org::create(&api, "fine").await;

    // The broken org's identity schema cannot record what it received.
    let (_, b) = api.get("/api/v1/orgs", Some(&admin)).await;
    let id = b["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["slug"] == "broken")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .replace('-', "");
    let mut conn =
        <sqlx::PgConnection as sqlx::Connection>::connect(&stack.database_url("identity"))
            .await
            .unwrap();
    let rename = |from: &str, to: &str| format!("ALTER TABLE org_{id}.{from} RENAME TO {to}");
    sqlx::raw_sql(sqlx::AssertSqlSafe(rename("applied_templates", "off")))
        .execute(&mut conn)
        .await
        .unwrap();

    let (s, b) = api
        .put(REPLICATION, Some(&admin), json!({"user_groups": true}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    replicated(&api, &fine, "user_groups", 1).await;
    assert_eq!(groups(&api, &fine).await, ["DBAs"]);
    assert!(groups(&api, &broken).await.is_empty());

    // Repaired, it gets the groups on a retry, once.
    sqlx::raw_sql(sqlx::AssertSqlSafe(rename("off", "applied_templates")))
        .execute(&mut conn)
        .await
        .unwrap();
    let trail = replicated(&api, &broken, "user_groups", 1).await;
    assert_eq!(groups(&api, &broken).await, ["DBAs"]);
    let created = trail
        .iter()
        .filter(|e| e["operation"] == "group.created" && e["target"]["name"] == "DBAs")
        .count();
    assert_eq!(created, 1);
    let trail = replicated(&api, &fine, "user_groups", 1).await;
    let applied = trail
        .iter()
        .filter(|e| e["operation"] == "settings.replicated")
        .count();
    assert_eq!(applied, 1, "the org that worked is not redone");
}

/// The org's custom password policies: name → minimum length.
async fn custom_policies(api: &Api<'_>, org: &Org) -> BTreeMap<String, u64> {
    let (s, b) = api
        .get(&org.url("/password-policies"), Some(&org.admin))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["policies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["built_in"] == false)
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["min_length"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The org's own resource types: name → category.
async fn custom_types(api: &Api<'_>, org: &Org) -> BTreeMap<String, String> {
    let (s, b) = api.get(&org.url("/resource-types"), Some(&org.admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["types"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["built_in"] == false)
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["category"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The org's additional fields: `<applies_to>/<name>` → kind.
async fn additional_fields(api: &Api<'_>, org: &Org) -> BTreeMap<String, String> {
    let (s, b) = api
        .get(&org.url("/additional-fields"), Some(&org.admin))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                format!(
                    "{}/{}",
                    f["applies_to"].as_str().unwrap(),
                    f["name"].as_str().unwrap()
                ),
                f["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn map<V: Clone>(entries: &[(&str, V)]) -> BTreeMap<String, V> {
    entries
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn msp_policies_types_and_fields_reach_every_client_org() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let admin = api.login("", "admin", ADMIN_PASSWORD).await;
    let put = |path: &'static str, body: Value| {
        let (api, admin) = (&api, admin.clone());
        async move {
            let (s, b) = api.put(path, Some(&admin), body).await;
            assert_eq!(s, StatusCode::OK, "{path}: {b}");
        }
    };

    // MSPOrg's own definitions.
    put(
        "/api/v1/password-policies/MSP DBA",
        json!({"min_length": 16, "max_length": 40, "min_digits": 2}),
    )
    .await;
    put(
        "/api/v1/resource-types/Firewall",
        json!({"category": "network_device",
               "fields": [{"name": "port", "label": "Port", "kind": "number"}]}),
    )
    .await;
    put(
        "/api/v1/additional-fields/resource/contract",
        json!({"kind": "text"}),
    )
    .await;
    put(
        "/api/v1/additional-fields/account/ticket",
        json!({"kind": "text"}),
    )
    .await;

    // A client org with a field of its own by the same name (of another kind).
    let early = Org::create(&api, "early").await;
    let (s, b) = api
        .put(
            &early.url("/additional-fields/resource/contract"),
            Some(&early.admin),
            json!({"kind": "number"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    let kinds = json!({"password_policies": true, "resource_types": true,
                       "additional_fields": true});
    let (s, b) = api.put(REPLICATION, Some(&admin), kinds).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    for k in ["password_policies", "resource_types", "additional_fields"] {
        assert_eq!(kind(&b, k)["version"], 1, "{b}");
    }

    // The existing org gets MSPOrg's definitions; its own field stays as it was.
    replicated(&api, &early, "password_policies", 1).await;
    replicated(&api, &early, "resource_types", 1).await;
    let trail = replicated(&api, &early, "additional_fields", 1).await;
    assert_eq!(custom_policies(&api, &early).await, map(&[("MSP DBA", 16)]));
    assert_eq!(
        custom_types(&api, &early).await,
        map(&[("Firewall", "network_device".to_owned())])
    );
    assert_eq!(
        additional_fields(&api, &early).await,
        map(&[
            ("resource/contract", "number".to_owned()),
            ("account/ticket", "text".to_owned())
        ])
    );
    let summary = trail
        .iter()
        .find(|e| {
            e["operation"] == "settings.replicated" && e["details"]["kind"] == "additional_fields"
        })
        .unwrap();
    assert_eq!(summary["details"]["created"], json!(["account/ticket"]));
    assert_eq!(summary["details"]["kept"], json!(["resource/contract"]));
    assert!(
        trail
            .iter()
            .any(|e| e["operation"] == "password_policy.saved"
                && e["target"]["name"] == "MSP DBA"
                && e["details"]["replicated_from"] == "MSPOrg"
                && e["actor"]["username"] == "admin"),
        "{trail:?}"
    );

    // They work there: a Firewall resource under MSPOrg's policy refuses a short password.
    let (s, fw) = api
        .post(
            &early.url("/resources"),
            Some(&early.admin),
            json!({"name": "fw1", "type": "Firewall", "password_policy": "msp dba",
                   "fields": {"port": "443"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{fw}");
    let (s, b) = api
        .post(
            &early.url(&format!(
                "/resources/{}/accounts",
                fw["id"].as_str().unwrap()
            )),
            Some(&early.admin),
            json!({"username": "admin", "password": "short12"}),
        )
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(b["message"].as_str().unwrap().contains("min_length"), "{b}");

    // MSPOrg changes its policy: replication keeps the org's copy in step...
    put(
        "/api/v1/password-policies/MSP DBA",
        json!({"min_length": 20, "max_length": 40, "min_digits": 2}),
    )
    .await;
    let (s, b) = api
        .put(
            REPLICATION,
            Some(&admin),
            json!({"password_policies": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    replicated(&api, &early, "password_policies", 2).await;
    assert_eq!(custom_policies(&api, &early).await, map(&[("MSP DBA", 20)]));
    // ... until the org saves it: then it is the org's, and stays.
    let (s, b) = api
        .put(
            &early.url("/password-policies/MSP DBA"),
            Some(&early.admin),
            json!({"min_length": 18, "max_length": 40}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    put(
        "/api/v1/password-policies/MSP DBA",
        json!({"min_length": 24, "max_length": 40, "min_digits": 2}),
    )
    .await;
    let (s, b) = api
        .put(
            REPLICATION,
            Some(&admin),
            json!({"password_policies": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let trail = replicated(&api, &early, "password_policies", 3).await;
    assert_eq!(custom_policies(&api, &early).await, map(&[("MSP DBA", 18)]));
    let summary = trail
        .iter()
        .find(|e| {
            e["operation"] == "settings.replicated"
                && e["details"]["kind"] == "password_policies"
                && e["details"]["version"] == 3
        })
        .unwrap();
    assert_eq!(summary["details"]["kept"], json!(["MSP DBA"]), "{summary}");

    // An org created later has them as soon as its creation returns.
    let late = Org::create(&api, "late").await;
    assert_eq!(custom_policies(&api, &late).await, map(&[("MSP DBA", 24)]));
    assert_eq!(
        custom_types(&api, &late).await,
        map(&[("Firewall", "network_device".to_owned())])
    );
    assert_eq!(
        additional_fields(&api, &late).await,
        map(&[
            ("resource/contract", "text".to_owned()),
            ("account/ticket", "text".to_owned())
        ])
    );

    // Disabled: nothing is removed, and orgs created later no longer get the kind. Saves
    // are applied in order, so once a later save reached an org the disabling one has too.
    let (s, b) = api
        .put(REPLICATION, Some(&admin), json!({"resource_types": false}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = api
        .put(
            REPLICATION,
            Some(&admin),
            json!({"additional_fields": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    replicated(&api, &early, "additional_fields", 2).await;
    let later = Org::create(&api, "later").await;
    assert!(custom_types(&api, &later).await.is_empty());
    assert_eq!(custom_policies(&api, &later).await, map(&[("MSP DBA", 24)]));
    assert_eq!(
        custom_types(&api, &early).await,
        map(&[("Firewall", "network_device".to_owned())])
    );
}
