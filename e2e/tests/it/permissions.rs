//! The permission table, walked over REST: a user of each built-in role tries every guarded
//! operation, and is refused (403) exactly when `role_allows` says the role lacks it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use strongroom_core::{Permission, Role, role_allows};

use crate::api::{Api, Reply, login_settings};
use crate::stack::{ADMIN_PASSWORD, Stack};

/// One guarded operation. In `path` and `body`, `{victim}` is a user and `{group}` a group
/// that exist, `{nobody}` an id that names nothing, `{who}` the caller (so what one caller
/// adds does not collide with what another does).
struct Operation {
    name: &'static str,
    method: Method,
    path: &'static str,
    body: Option<Value>,
    needs: Permission,
}

fn operations() -> Vec<Operation> {
    use Permission::*;
    let op = |name, method, path, body, needs| Operation {
        name,
        method,
        path,
        body,
        needs,
    };
    let (get, post, put, patch, delete) = (
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    );
    vec![
        op("list users", get.clone(), "/users", None, UsersView),
        op(
            "see a user",
            get.clone(),
            "/users/{victim}",
            None,
            UsersView,
        ),
        op(
            "see a user's groups",
            get.clone(),
            "/users/{victim}/groups",
            None,
            UsersView,
        ),
        op("list groups", get.clone(), "/groups", None, UsersView),
        op(
            "see a group's members",
            get.clone(),
            "/groups/{group}/members",
            None,
            UsersView,
        ),
        op("list roles", get.clone(), "/roles", None, UsersView),
        op(
            "see login settings",
            get.clone(),
            "/settings/login",
            None,
            UsersView,
        ),
        op(
            "add a user",
            post.clone(),
            "/users",
            Some(
                json!({"username": "new-{who}", "email": "new-{who}@example.test",
                        "role": "password_user", "password": "New-user-{who}-1!"}),
            ),
            UsersManage,
        ),
        op(
            "edit a user",
            patch.clone(),
            "/users/{victim}",
            Some(json!({"department": "edited by {who}"})),
            UsersManage,
        ),
        op(
            "remove a user",
            delete.clone(),
            "/users/{nobody}",
            None,
            UsersManage,
        ),
        op(
            "set a user's password",
            put.clone(),
            "/users/{victim}/password",
            Some(json!({"password": "Victim-password-{who}-1!"})),
            UsersManage,
        ),
        op(
            "unlock a user",
            post.clone(),
            "/users/{victim}/unlock",
            Some(json!({})),
            UsersManage,
        ),
        op(
            "import users",
            post.clone(),
            "/users/import",
            Some(
                json!({"csv": "username,email,role\nimp-{who},imp-{who}@example.test,password_user\n"}),
            ),
            UsersManage,
        ),
        op(
            "see a user's sessions",
            get.clone(),
            "/users/{victim}/sessions",
            None,
            UsersManage,
        ),
        op(
            "end a user's sessions",
            delete.clone(),
            "/users/{victim}/sessions",
            None,
            UsersManage,
        ),
        op(
            "add a group",
            post.clone(),
            "/groups",
            Some(json!({"name": "group-{who}"})),
            GroupsManage,
        ),
        op(
            "rename a group",
            patch.clone(),
            "/groups/{group}",
            Some(json!({"name": "walk-renamed-by-{who}"})),
            GroupsManage,
        ),
        op(
            "remove a group",
            delete.clone(),
            "/groups/{nobody}",
            None,
            GroupsManage,
        ),
        op(
            "add a group member",
            put.clone(),
            "/groups/{group}/members/{victim}",
            Some(json!({})),
            GroupsManage,
        ),
        op(
            "remove a group member",
            delete.clone(),
            "/groups/{group}/members/{victim}",
            None,
            GroupsManage,
        ),
        op(
            "add a role",
            post.clone(),
            "/roles",
            Some(json!({"name": "role-{who}", "permissions": ["users.view"]})),
            RolesManage,
        ),
        op(
            "change a role",
            put.clone(),
            "/roles/no-such-role",
            Some(json!({"name": "no-such-role", "permissions": ["users.view"]})),
            RolesManage,
        ),
        op(
            "remove a role",
            delete.clone(),
            "/roles/no-such-role",
            None,
            RolesManage,
        ),
        op(
            "change login settings",
            put.clone(),
            "/settings/login",
            Some(login_settings("password_user")),
            LoginSettingsManage,
        ),
        op(
            "see the directory",
            get.clone(),
            "/directory",
            None,
            DirectoryManage,
        ),
        op(
            "configure the directory",
            put.clone(),
            "/directory",
            Some(
                json!({"kind": "ldap", "url": "ldap://127.0.0.1:1", "bind_dn": "cn=admin,dc=example,dc=test",
                        "bind_password": "secret", "base_dn": "dc=example,dc=test",
                        "user_filter": "(objectClass=inetOrgPerson)",
                        "attributes": {"username": "uid", "email": "mail"}}),
            ),
            DirectoryManage,
        ),
        op(
            "test the directory",
            post.clone(),
            "/directory/test",
            Some(json!({})),
            DirectoryManage,
        ),
        op(
            "import from the directory",
            post.clone(),
            "/directory/import",
            Some(json!({})),
            DirectoryManage,
        ),
        op(
            "add a client org",
            post.clone(),
            "/orgs",
            Some(json!({"slug": "org{who}", "name": "Org of {who}"})),
            OrgsManage,
        ),
        op(
            "add a resource",
            post.clone(),
            "/resources",
            Some(json!({"name": "db-{who}", "type": "PostgreSQL"})),
            ResourcesCreate,
        ),
        op(
            "save a password policy",
            put.clone(),
            "/password-policies/policy-{who}",
            Some(json!({"min_length": 8, "max_length": 64})),
            VaultSettingsManage,
        ),
        op(
            // Refused after the permission check (a short passphrase), so the reply is JSON.
            "export passwords",
            post.clone(),
            "/export",
            Some(json!({"format": "html", "passphrase": "short"})),
            PasswordsExport,
        ),
        op(
            "read the audit trail",
            get.clone(),
            "/audit",
            None,
            AuditView,
        ),
        op(
            "add an API key",
            post.clone(),
            "/api-keys",
            Some(json!({"name": "key-{who}"})),
            ApiKeysOwn,
        ),
        op("list API keys", get.clone(), "/api-keys", None, ApiKeysOwn),
        op(
            "revoke an API key",
            delete,
            "/api-keys/{nobody}",
            None,
            ApiKeysOwn,
        ),
    ]
}

fn fill(text: &str, who: &str, victim: &str, group: &str, nobody: &str) -> String {
    text.replace("{who}", who)
        .replace("{victim}", victim)
        .replace("{group}", group)
        .replace("{nobody}", nobody)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_guarded_operation_is_refused_exactly_to_roles_without_its_permission() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    // In MSPOrg, where adding client orgs is meaningful.
    let admin = api.login("", "admin", ADMIN_PASSWORD).await;
    let (victim, _) = api.add_user("", &admin, "victim", "password_user").await;
    let (s, group) = api
        .post("/api/v1/groups", Some(&admin), json!({"name": "walk"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{group}");
    let group = group["id"].as_str().unwrap().to_owned();
    let nobody = uuid::Uuid::new_v4().to_string();

    let mut wrong = Vec::new();
    let mut checked = 0;
    for (role, who) in [
        (Role::Administrator, "adm"),
        (Role::PasswordAdministrator, "padm"),
        (Role::PasswordAuditor, "paud"),
        (Role::PasswordUser, "pusr"),
    ] {
        let (_, password) = api
            .add_user("", &admin, &format!("walk-{who}"), role.as_str())
            .await;
        let token = api.login("", &format!("walk-{who}"), &password).await;
        for op in operations() {
            let path = format!("/api/v1{}", fill(op.path, who, &victim, &group, &nobody));
            let body = op.body.as_ref().map(|b| {
                serde_json::from_str(&fill(&b.to_string(), who, &victim, &group, &nobody)).unwrap()
            });
            let Reply { status, body, .. } =
                api.send(op.method.clone(), &path, Some(&token), body).await;
            let allowed = role_allows(role, op.needs);
            let fits = if allowed {
                !matches!(
                    status,
                    StatusCode::FORBIDDEN
                        | StatusCode::UNAUTHORIZED
                        | StatusCode::INTERNAL_SERVER_ERROR
                )
            } else {
                status == StatusCode::FORBIDDEN && body["error"] == "permission_denied"
            };
            if !fits {
                wrong.push(format!(
                    "{} / {} ({} {path}, needs {}): expected {}, got {status} {body}",
                    role.as_str(),
                    op.name,
                    op.method,
                    op.needs,
                    if allowed { "not 403" } else { "403" },
                ));
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 4 * operations().len());
    assert!(
        wrong.is_empty(),
        "{} of {checked} checks failed:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // Every permission is guarding something in the table.
    for p in Permission::ALL {
        assert!(
            operations().iter().any(|o| o.needs == p),
            "{p} is not walked"
        );
    }
    stack.stop().await.unwrap();
}
