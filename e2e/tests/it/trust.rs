//! Trust between services: every gRPC port speaks mutual TLS only, every RPC answers only
//! the services its table names, and a user's token captured inside the cluster buys its
//! capturer nothing it could not do already.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use strongroom_trust::{Service, ServiceTls, TlsFiles};
use tonic::Code;
use tonic::transport::Channel;

use crate::api::Api;
use crate::stack::{ADMIN_PASSWORD, Stack};

/// The gRPC services, in the stack's port order.
const SERVING: [Service; 6] = Service::GRPC;

fn port_of(stack: &Stack, service: Service) -> u16 {
    let i = SERVING.iter().position(|s| *s == service).unwrap();
    stack.config.grpc_ports[i]
}

pub(crate) fn tls_of(stack: &Stack, service: Service) -> ServiceTls {
    ServiceTls::load(service, &TlsFiles::in_dir(&stack.config.tls_dir(), service)).unwrap()
}

pub(crate) fn channel(stack: &Stack, caller: &ServiceTls, target: Service) -> Channel {
    let url = format!("https://127.0.0.1:{}", port_of(stack, target));
    caller.channel(&url, target).unwrap()
}

/// Calls `path` with an empty message (and `token`, if any) and returns the status.
async fn call(channel: &Channel, path: &'static str, token: Option<&str>) -> tonic::Status {
    let mut grpc = tonic::client::Grpc::new(channel.clone());
    if let Err(e) = grpc.ready().await {
        return tonic::Status::unavailable(e.to_string());
    }
    let mut request = tonic::Request::new(());
    request.set_timeout(Duration::from_secs(20));
    if let Some(token) = token {
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    let codec = tonic_prost::ProstCodec::<(), ()>::default();
    match grpc
        .unary(request, http::uri::PathAndQuery::from_static(path), codec)
        .await
    {
        Ok(_) => tonic::Status::ok(""),
        Err(status) => status,
    }
}

fn refused_by_policy(status: &tonic::Status) -> bool {
    status.code() == Code::PermissionDenied && status.message().contains("may not call")
}

/// Which service serves an RPC path.
fn served_by(path: &str) -> Vec<Service> {
    let package = path.trim_start_matches('/').split('.').nth(1).unwrap_or("");
    match package {
        "identity" => vec![Service::Identity],
        "tenant" | "tenant_settings" => vec![Service::Tenant],
        "vault" => vec![Service::Vault],
        "access" => vec![Service::Access],
        "audit" => vec![Service::Audit],
        "provisioning" => vec![
            Service::Identity,
            Service::Vault,
            Service::Access,
            Service::Rotation,
            Service::Audit,
        ],
        _ => panic!("no service serves {path}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_rpc_answers_only_the_services_its_table_names() {
    let stack = Stack::start(None).await.unwrap();
    let mut paths: Vec<(&'static str, Service)> = Vec::new();
    for path in strongroom_proto::METHODS {
        for service in served_by(path) {
            paths.push((path, service));
        }
    }
    for service in SERVING {
        paths.push(("/grpc.health.v1.Health/Check", service));
    }
    // Every RPC a service serves has an entry in its table: nothing is open by omission.
    for (path, service) in &paths {
        let tables = strongroom::caller_tables(*service);
        assert!(
            tables.iter().any(|t| t.iter().any(|(p, _)| p == path)),
            "{service} has no caller entry for {path}"
        );
    }

    let callers: Vec<ServiceTls> = Service::ALL.iter().map(|s| tls_of(&stack, *s)).collect();
    let mut walked = 0;
    for caller in &callers {
        for target in SERVING {
            let channel = channel(&stack, caller, target);
            let tables = strongroom::caller_tables(target);
            for (path, _) in paths.iter().filter(|(_, s)| *s == target) {
                let allowed = tables.iter().any(|t| {
                    t.iter()
                        .any(|(p, who)| p == path && who.contains(&caller.service()))
                });
                let status = call(&channel, path, None).await;
                assert_eq!(
                    refused_by_policy(&status),
                    !allowed,
                    "{} calling {path} at {target}: {status:?}",
                    caller.service()
                );
                walked += 1;
            }
        }
    }
    assert!(walked > 500, "walked {walked} calls");
    println!("walked {walked} RPC × caller pairs");
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_grpc_port_accepts_plaintext_a_stranger_or_another_ca() {
    let stack = Stack::start(None).await.unwrap();
    let health = "/grpc.health.v1.Health/Check";
    // A certificate from another deployment's CA, naming a real service.
    let other = tempfile::tempdir().unwrap();
    strongroom_trust::keygen(other.path()).unwrap();
    let foreign = TlsFiles::in_dir(other.path(), Service::Gateway);
    let ca = std::fs::read(stack.config.tls_dir().join("ca.pem")).unwrap();
    // A client that trusts the deployment's servers, with `identity` (or none) as its own.
    let client = |port: u16, target: Service, identity: Option<tonic::transport::Identity>| {
        let mut tls = tonic::transport::ClientTlsConfig::new()
            .ca_certificate(tonic::transport::Certificate::from_pem(&ca))
            .domain_name(target.as_str());
        if let Some(identity) = identity {
            tls = tls.identity(identity);
        }
        tonic::transport::Endpoint::from_shared(format!("https://127.0.0.1:{port}"))
            .unwrap()
            .tls_config(tls)
            .unwrap()
            .connect_lazy()
    };
    for target in SERVING {
        let port = port_of(&stack, target);
        let plain = Channel::from_shared(format!("http://127.0.0.1:{port}"))
            .unwrap()
            .connect_lazy();
        let status = call(&plain, health, None).await;
        assert_ne!(status.code(), Code::Ok, "plaintext answered at {target}");

        let stranger = tonic::transport::Identity::from_pem(
            std::fs::read(&foreign.cert).unwrap(),
            std::fs::read(&foreign.key).unwrap(),
        );
        let status = call(&client(port, target, Some(stranger)), health, None).await;
        assert_ne!(status.code(), Code::Ok, "{target}: {status:?}");

        // Without a client certificate.
        let status = call(&client(port, target, None), health, None).await;
        assert_ne!(status.code(), Code::Ok, "{target}: {status:?}");

        // And the real gateway is answered, so the refusals above are the certificates'.
        let status = call(
            &channel(&stack, &tls_of(&stack, Service::Gateway), target),
            health,
            None,
        )
        .await;
        assert_eq!(status.code(), Code::Ok, "{target}: {status:?}");
    }
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_captured_inside_the_cluster_buys_its_capturer_nothing_more() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let admin = api.login("", "admin", ADMIN_PASSWORD).await;
    let (s, org) = api
        .post(
            "/api/v1/orgs",
            Some(&admin),
            json!({"slug": "kept", "name": "Kept Ltd"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{org}");
    let org_id = org["id"].as_str().unwrap().to_owned();

    // A vault (or access, rotation, audit) pod that sees the MSP administrator's token
    // cannot use it to mint credentials, exchange into client orgs or delete orgs.
    for capturer in [
        Service::Vault,
        Service::Access,
        Service::Rotation,
        Service::Audit,
    ] {
        let tls = tls_of(&stack, capturer);
        for (target, path) in [
            (
                Service::Identity,
                "/strongroom.identity.v1.Identity/CreateApiKey",
            ),
            (
                Service::Identity,
                "/strongroom.identity.v1.Identity/ExchangeToken",
            ),
            (
                Service::Identity,
                "/strongroom.identity.v1.Identity/SetUserPassword",
            ),
            (Service::Tenant, "/strongroom.tenant.v1.Tenant/DeleteOrg"),
            (Service::Tenant, "/strongroom.tenant.v1.Tenant/ResolveSlug"),
            (
                Service::Vault,
                "/strongroom.provisioning.v1.Provisioning/DeprovisionOrg",
            ),
            (Service::Audit, "/strongroom.audit.v1.Audit/ListEvents"),
        ] {
            let status = call(&channel(&stack, &tls, target), path, Some(&admin)).await;
            assert!(
                refused_by_policy(&status),
                "{capturer} replaying a token at {path}: {status:?}"
            );
        }
    }

    // Even the tenant service, the one caller of DeprovisionOrg, cannot drop the data of
    // an org it has not marked `deleting`: the vault checks the intent, not the token.
    let tenant = tls_of(&stack, Service::Tenant);
    let mut vault = strongroom_proto::provisioning::provisioning_client::ProvisioningClient::new(
        channel(&stack, &tenant, Service::Vault),
    );
    let mut request = tonic::Request::new(strongroom_proto::provisioning::DeprovisionOrgRequest {
        org_id: org_id.clone(),
    });
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {admin}").parse().unwrap());
    let status = vault.deprovision_org(request).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
    assert!(status.message().contains("not being deleted"), "{status:?}");

    // The org is whole: its administrator can still store and reveal a password.
    let (_, root_pw) = api.add_user("/kept", &admin, "root", "administrator").await;
    let root = api.login("/kept", "root", &root_pw).await;
    let (s, resource) = api
        .post(
            "/kept/api/v1/resources",
            Some(&root),
            json!({"name": "db1", "type": "postgres"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{resource}");
    let (s, account) = api
        .post(
            &format!(
                "/kept/api/v1/resources/{}/accounts",
                resource["id"].as_str().unwrap()
            ),
            Some(&root),
            json!({"username": "postgres", "password": "still-here"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{account}");
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_service_reaches_only_its_database_and_audit_cannot_rewrite_its_trail() {
    use sqlx::Connection;
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let login = api.login_reply("", "admin", ADMIN_PASSWORD).await;
    let msp = uuid::Uuid::parse_str(login["org_id"].as_str().unwrap()).unwrap();
    let as_role = |service: &str, database: &str| {
        let role = strongroom::database_role(&stack.config, service);
        let server = strongroom_runtime::with_user(&stack.config.postgres_url, &role).unwrap();
        format!("{server}/{}", stack.config.database_name(database))
    };

    // The vault's role cannot even connect to identity's database (users, hashes, keys).
    let err = sqlx::PgConnection::connect(&as_role("vault", "identity"))
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("permission denied"), "{err}");
    assert!(
        sqlx::PgConnection::connect(&as_role("vault", "vault"))
            .await
            .is_ok()
    );

    // Audit's own role reads and adds trail rows, and can neither change nor remove one.
    let mut audit = sqlx::PgConnection::connect(&as_role("audit", "audit"))
        .await
        .unwrap();
    let trail = format!("org_{}.audit_events", msp.simple());
    let count = format!("SELECT count(*) FROM {trail}");
    let start = std::time::Instant::now();
    let rows = loop {
        let rows: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone()))
            .fetch_one(&mut audit)
            .await
            .unwrap();
        if rows > 0 || start.elapsed() > Duration::from_secs(30) {
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(rows > 0, "the admin's login reached the trail");
    for statement in [
        format!("UPDATE {trail} SET operation = 'forged'"),
        format!("DELETE FROM {trail}"),
        format!("TRUNCATE {trail}"),
        format!("DROP TABLE {trail}"),
    ] {
        let err = sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
            .execute(&mut audit)
            .await
            .unwrap_err();
        let code = err
            .as_database_error()
            .and_then(|d| d.code())
            .unwrap_or_default();
        assert!(code == "42501", "{statement}: {err}");
    }
    // Its outbox is a queue its relay claims and empties, not a record.
    let outbox = format!("org_{}.outbox", msp.simple());
    for statement in [
        format!("SELECT seq FROM {outbox} FOR UPDATE SKIP LOCKED"),
        format!("DELETE FROM {outbox} WHERE false"),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
            .execute(&mut audit)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    let after: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count))
        .fetch_one(&mut audit)
        .await
        .unwrap();
    assert!(after >= rows);
    stack.stop().await.unwrap();
}

/// The launcher gives each service's role its password as a SCRAM-SHA-256 verifier, so the
/// password itself never travels in a statement a server could log. Checked against
/// Postgres' own: a verifier Postgres makes from the same password and salt is ours, and
/// every role of the stack holds the verifier of the password in its file.
#[tokio::test]
async fn role_passwords_reach_postgres_only_as_scram_verifiers() {
    use base64::Engine;
    use sqlx::Connection;
    let stack = Stack::start(None).await.unwrap();
    let mut admin = sqlx::PgConnection::connect(&format!("{}/postgres", stack.config.postgres_url))
        .await
        .unwrap();
    let verifier_of = |role: String| {
        sqlx::query_scalar::<_, String>("SELECT rolpassword FROM pg_authid WHERE rolname = $1")
            .bind(role)
    };
    // Postgres' verifier of a password, and ours with its salt and iteration count.
    let role = strongroom_testkit::unique("scram");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "SET password_encryption = 'scram-sha-256';
         CREATE ROLE \"{role}\" PASSWORD 'correct horse battery staple'"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    let theirs = verifier_of(role.clone())
        .fetch_one(&mut admin)
        .await
        .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP ROLE \"{role}\"")))
        .execute(&mut admin)
        .await
        .unwrap();
    let salt_and_count = |verifier: &str| {
        let (count, rest) = verifier
            .strip_prefix("SCRAM-SHA-256$")
            .unwrap()
            .split_once(':')
            .unwrap();
        let salt = rest.split_once('$').unwrap().0;
        (
            base64::engine::general_purpose::STANDARD
                .decode(salt)
                .unwrap(),
            count.parse::<u32>().unwrap(),
        )
    };
    let (salt, count) = salt_and_count(&theirs);
    assert_eq!(
        strongroom::scram_verifier("correct horse battery staple", &salt, count).unwrap(),
        theirs
    );

    for role in strongroom::database_roles(&stack.config) {
        let stored = verifier_of(role.clone())
            .fetch_one(&mut admin)
            .await
            .unwrap();
        let password = std::fs::read_to_string(
            stack
                .config
                .data_dir
                .join("db")
                .join(format!("{role}.password")),
        )
        .unwrap();
        let (salt, count) = salt_and_count(&stored);
        assert_eq!(
            strongroom::scram_verifier(password.trim(), &salt, count).unwrap(),
            stored,
            "{role}"
        );
    }
}

/// A pod calling an RPC itself, past the gateway's checks on text, with a value Postgres
/// cannot store (U+0000) is told its input is bad (InvalidArgument, naming the problem),
/// never "internal error": the database's refusal is the backstop on every path.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn text_the_database_cannot_store_is_bad_input_on_a_direct_rpc() {
    use strongroom_proto::identity::LoginRequest;
    use strongroom_proto::identity::identity_client::IdentityClient;

    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let msp = api.login_reply("", "admin", ADMIN_PASSWORD).await;
    let gateway = tls_of(&stack, Service::Gateway);
    let mut identity = IdentityClient::new(channel(&stack, &gateway, Service::Identity));
    let status = identity
        .login(LoginRequest {
            org_id: msp["org_id"].as_str().unwrap().to_owned(),
            username: "ad\0min".into(),
            password: "whatever-it-is".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(status.message().contains("U+0000"), "{status:?}");
    stack.stop().await.unwrap();
}
