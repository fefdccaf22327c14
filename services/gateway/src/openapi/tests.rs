use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::Value;
use strongroom_trust::{Service, ServiceTls, TlsFiles};
use tonic::transport::Endpoint;
use tower::ServiceExt;

use super::*;
use crate::routes::document;
use crate::{Gateway, Services, caller, key_cache, readiness, reveals};
use axum::http::header;

/// Rewrites the committed document: `STRONGROOM_WRITE_OPENAPI=1 cargo test -p
/// strongroom-gateway openapi`.
const WRITE: &str = "STRONGROOM_WRITE_OPENAPI";

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

fn generated() -> Value {
    serde_json::from_str(&document().unwrap()).unwrap()
}

/// Every operation of the document: (path, method, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if [
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ]
            .contains(&method.as_str())
            {
                found.push((path.clone(), method.clone(), op.clone()));
            }
        }
    }
    found
}

#[test]
fn the_committed_document_is_the_generated_one() {
    let text = document().unwrap();
    let path = committed_path();
    if std::env::var_os(WRITE).is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let first_difference = committed
        .lines()
        .zip(text.lines())
        .position(|(a, b)| a != b)
        .map(|i| {
            format!(
                "line {}: committed {:?}, generated {:?}",
                i + 1,
                committed.lines().nth(i).unwrap_or(""),
                text.lines().nth(i).unwrap_or("")
            )
        });
    assert!(
        committed == text,
        "docs/openapi.json is not the document the gateway's code generates ({}); \
         regenerate it with `{WRITE}=1 cargo test -p strongroom-gateway openapi` \
         and commit it",
        first_difference.unwrap_or_else(|| "one is longer".into())
    );
}

#[test]
fn the_document_is_openapi_3_1_with_the_api_in_it() {
    let doc = generated();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "Strongroom");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        doc["info"]["description"]
            .as_str()
            .unwrap()
            .contains("/<org>/api/v1/")
    );
    let ops: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(path, method, _)| (path, method))
        .collect();
    for (path, method) in [
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/api/v1/openapi.json", "get"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/users", "get"),
        ("/api/v1/users/import", "post"),
        ("/api/v1/users/{id}", "delete"),
        ("/api/v1/groups/{id}/members/{user_id}", "put"),
        ("/api/v1/orgs/{id}", "patch"),
        ("/api/v1/org-access/{id}/members/{user_id}/approve", "post"),
        ("/api/v1/orgs/replication", "put"),
        ("/api/v1/settings/branding", "put"),
        ("/api/v1/branding", "get"),
        ("/api/v1/resources", "post"),
        ("/api/v1/resources/{id}/accounts", "post"),
        ("/api/v1/accounts/{id}/password", "get"),
        ("/api/v1/audit", "get"),
    ] {
        assert!(
            ops.contains(&(path.to_owned(), method.to_owned())),
            "{method} {path} is missing from the document"
        );
    }

    // An authenticated operation: bearer, its body's schema, and its errors.
    let create = &doc["paths"]["/api/v1/resources"]["post"];
    assert_eq!(create["security"], serde_json::json!([{ "bearer": [] }]));
    assert_eq!(
        create["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/NewResource"
    );
    assert_eq!(
        create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Resource"
    );
    for (status, name) in [
        ("400", "BadRequest"),
        ("401", "Unauthorized"),
        ("403", "Forbidden"),
        ("404", "NotFound"),
        ("503", "Unavailable"),
    ] {
        assert_eq!(
            create["responses"][status]["$ref"],
            format!("#/components/responses/{name}")
        );
    }
    let unauthorized = &doc["components"]["responses"]["Unauthorized"];
    assert_eq!(
        unauthorized["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorResponse"
    );
    let error = &doc["components"]["schemas"]["ErrorResponse"];
    assert_eq!(error["required"], serde_json::json!(["error", "message"]));
    assert_eq!(
        doc["components"]["securitySchemes"][BEARER],
        serde_json::json!({
            "type": "http",
            "scheme": "bearer",
            "description": doc["components"]["securitySchemes"][BEARER]["description"],
        })
    );
    // Raw files as well as JSON.
    let import = &doc["paths"]["/api/v1/users/import"]["post"]["requestBody"]["content"];
    for content_type in ["application/json", "text/csv", "text/plain"] {
        assert!(import.get(content_type).is_some(), "{content_type}");
    }
}

/// Signing in, the login page and health need no credentials; everything else names
/// the bearer scheme and answers 401 without it.
#[test]
fn every_operation_is_tagged_summarised_and_lists_its_errors() {
    let doc = generated();
    let public: BTreeSet<(&str, &str)> = [
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/api/v1/openapi.json", "get"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/change-password", "post"),
        ("/api/v1/branding", "get"),
    ]
    .into();
    let tags: BTreeSet<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let mut ids = BTreeSet::new();
    for (path, method, op) in operations(&doc) {
        let at = format!("{method} {path}");
        let op_tags = op["tags"].as_array().unwrap();
        assert_eq!(op_tags.len(), 1, "{at}: one tag");
        assert!(
            tags.contains(op_tags[0].as_str().unwrap()),
            "{at}: tag declared"
        );
        assert!(
            !op["summary"].as_str().unwrap_or("").is_empty(),
            "{at}: summary"
        );
        assert!(
            ids.insert(op["operationId"].to_string()),
            "{at}: operation id"
        );
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{at}: a success response"
        );
        for (status, response) in responses {
            if status.starts_with('4') || (status == "503" && !path.ends_with("z")) {
                let name = response["$ref"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{at}: {status} is a shared error response"));
                let name = name.trim_start_matches("#/components/responses/");
                assert_eq!(
                    doc["components"]["responses"][name]["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorResponse",
                    "{at}: {status}"
                );
            }
        }
        if public.contains(&(path.as_str(), method.as_str())) {
            assert!(op.get("security").is_none(), "{at}: public");
        } else {
            assert_eq!(
                op["security"],
                serde_json::json!([{ BEARER: [] }]),
                "{at}: bearer"
            );
            for status in ["401", "404", "503"] {
                assert!(responses.contains_key(status), "{at}: answers {status}");
            }
        }
        // Every path parameter is documented.
        for name in path.split('{').skip(1).filter_map(|s| s.split('}').next()) {
            let documented = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "path" && p["name"] == name));
            assert!(documented, "{at}: path parameter {name}");
        }
    }
}

#[test]
fn every_reference_in_the_document_resolves() {
    fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    found.push(r);
                }
                map.values().for_each(|v| refs(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }
    let doc = generated();
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for r in found {
        let pointer = r.strip_prefix('#').unwrap();
        assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
    }
}

/// API routes are added only with `routes!`, which documents them: nothing in the
/// crate adds one through axum's own `route`, `route_service` or `nest_service`, but
/// for the web console's pages (`src/console`), which are HTML, not API operations.
#[test]
fn no_route_is_added_without_its_documentation() {
    fn sources(dir: &std::path::Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    let mut files = Vec::new();
    sources(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 20);
    let forbidden = [
        [".route", "("].concat(),
        [".route_service", "("].concat(),
        [".nest_service", "("].concat(),
        ["axum::routing", "::"].concat(),
    ];
    let console = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/console");
    for file in files.into_iter().filter(|f| !f.starts_with(&console)) {
        let text = std::fs::read_to_string(&file).unwrap();
        // Tests build routers of their own.
        let text = text.split("#[cfg(test)]").next().unwrap();
        for f in &forbidden {
            assert!(
                !text.contains(f.as_str()),
                "{} uses `{f}`: register routes with `routes!` so they are documented",
                file.display()
            );
        }
    }
}

/// A gateway whose services are unreachable: enough to route requests, which answer
/// before any call (401 without credentials) or with 503.
async fn gateway(dir: &std::path::Path) -> Gateway {
    let (_, public) = strongroom_auth::generate_keypair().unwrap();
    strongroom_trust::keygen(dir).unwrap();
    let tls = ServiceTls::load(Service::Gateway, &TlsFiles::in_dir(dir, Service::Gateway)).unwrap();
    // Nothing listens on port 1: every call fails at once.
    let nowhere = "http://127.0.0.1:1";
    let channel = || Endpoint::from_static(nowhere).connect_lazy();
    let tenant = strongroom_proto::tenant::tenant_client::TenantClient::new(channel());
    Gateway(Arc::new(Services {
        verifier: Arc::new(strongroom_auth::Verifier::from_pem(public.as_bytes()).unwrap()),
        identity: strongroom_proto::identity::identity_client::IdentityClient::new(channel()),
        replication: strongroom_proto::tenant::replication_client::ReplicationClient::new(channel()),
        settings: strongroom_proto::tenant_settings::org_settings_client::OrgSettingsClient::new(
            channel(),
        ),
        vault: strongroom_proto::vault::vault_client::VaultClient::new(channel()),
        access: strongroom_proto::access::access_client::AccessClient::new(channel()),
        audit: strongroom_proto::audit::audit_client::AuditClient::new(channel()),
        orgs: caller::OrgDirectory::new(tenant.clone()),
        tenant,
        api_key_tokens: Arc::new(key_cache::TokenCache::new(key_cache::KEY_TOKEN_TTL)),
        exchanged_tokens: Arc::new(key_cache::TokenCache::new(key_cache::EXCHANGED_TOKEN_TTL)),
        reveals: reveals::RevealBatcher::start(
            tls.direct_channel("https://127.0.0.1:1", Service::Vault)
                .unwrap(),
            strongroom_runtime::BatchTuning {
                in_flight: 1,
                max: 1,
            },
        ),
        readiness: readiness::Readiness::default(),
    }))
}

async fn send(router: &axum::Router, method: Method, uri: &str) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .unwrap();
    let call = router.clone().oneshot(caller::split_org_prefix(request));
    let response = tokio::time::timeout(Duration::from_secs(20), call)
        .await
        .unwrap_or_else(|_| panic!("{uri} did not answer"))
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_router_serves_exactly_the_documented_operations() {
    let dir = tempfile::tempdir().unwrap();
    let router = crate::routes::router(gateway(dir.path()).await);
    let doc = generated();
    let not_found = serde_json::json!({ "error": "not_found", "message": "not found" });
    let methods = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ];
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let uri = path.replace(['{', '}'], "");
        for method in &methods {
            let documented = item.get(method.as_str().to_ascii_lowercase()).is_some();
            let (status, body) = send(&router, method.clone(), &uri).await;
            if documented {
                checked += 1;
                assert_ne!(
                    status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {uri} is documented but not served"
                );
                assert!(
                    status != StatusCode::NOT_FOUND || body != not_found,
                    "{method} {uri} is documented but not routed"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {uri} is served but not documented"
                );
            }
        }
    }
    assert_eq!(checked, operations(&doc).len());
    let (status, body) = send(&router, Method::GET, "/api/v1/no-such-thing").await;
    assert_eq!((status, body), (StatusCode::NOT_FOUND, not_found));
}

#[tokio::test]
async fn the_document_is_served_at_every_org_url_without_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let router = crate::routes::router(gateway(dir.path()).await);
    // The same text as `docs/openapi.json`, which the test above compares with it.
    let expected = document().unwrap();
    for uri in ["/api/v1/openapi.json", "/acme/api/v1/openapi.json"] {
        let request = Request::get(uri).body(Body::empty()).unwrap();
        let response = router
            .clone()
            .oneshot(caller::split_org_prefix(request))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/json",
            "{uri}"
        );
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(
            String::from_utf8(bytes.to_vec()).unwrap(),
            expected,
            "{uri}"
        );
    }
}
