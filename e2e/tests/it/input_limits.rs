//! Over-long text anywhere the API takes text is a 400 naming where, never a 500: every
//! route in the OpenAPI document is walked, with text longer than a database index holds
//! and longer than the edge's ceiling in each field of its JSON body, in each path
//! parameter and in each query parameter.

use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::api::{Api, Org};
use crate::stack::{ADMIN_PASSWORD, Stack};

/// Longer than a Postgres B-tree index entry may be (2,704 bytes).
const PAST_AN_INDEX: usize = 3_000;
/// Longer than the gateway lets any field be (`MAX_TEXT_CHARS`).
const PAST_THE_EDGE: usize = 70_000;
/// Fields that carry a whole file, bounded by the body's size instead.
const FILE_FIELDS: [&str; 3] = ["csv", "file_base64", "logo"];

/// `schema` with a `$ref` followed into the document's components.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap();
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => match schema
            .get("allOf")
            .or(schema.get("oneOf"))
            .or(schema.get("anyOf"))
        {
            Some(Value::Array(parts)) => parts
                .iter()
                .map(|p| resolve(doc, p))
                .find(|p| p["type"] != "null")
                .unwrap_or(schema),
            _ => schema,
        },
    }
}

fn types(schema: &Value) -> Vec<String> {
    match &schema["type"] {
        Value::String(t) => vec![t.clone()],
        Value::Array(ts) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// A value the API takes for a field (or path parameter) of this name, so that a request
/// gets past its other fields to where the long text is stored.
fn known(path: &str, name: &str) -> Option<Value> {
    let unique = || json!(format!("walk-{}", uuid::Uuid::new_v4().simple()));
    Some(match name {
        "name" | "username" | "label" | "title" => unique(),
        "slug" => json!(format!(
            "w{}",
            &uuid::Uuid::new_v4().simple().to_string()[..20]
        )),
        "kind" if path.contains("directory") => json!("ldap"),
        "kind" => json!("text"),
        "url" => json!("ldaps://ldap.walk.test"),
        "format" => json!("csv"),
        "type" => json!("Linux"),
        "role" | "default_role" => json!("password_user"),
        "tls_mode" => json!("starttls"),
        "sender" | "email" => json!("walk@walk.test"),
        "host" => json!("db.walk.test"),
        "access_url" => json!("https://walk.test"),
        "base_dn" => json!("dc=walk,dc=test"),
        "bind_dn" => json!("cn=walk,dc=walk,dc=test"),
        "password" | "new_password" | "bind_password" => json!("Walk-password-0815!"),
        "designee_kind" | "principal_kind" => json!("user"),
        "applies_to" => json!("resource"),
        "on_conflict" => json!("skip"),
        _ => return None,
    })
}

/// A plausible value for `schema`: objects with their required properties only.
fn sample(doc: &Value, schema: &Value, depth: usize, path: &str) -> Value {
    let schema = resolve(doc, schema);
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    let types = types(schema);
    let has = |t: &str| types.iter().any(|x| x == t);
    if has("string") {
        return match schema["format"].as_str() {
            Some("uuid") => json!(uuid::Uuid::new_v4()),
            Some("date-time") => json!("2030-01-01T00:00:00Z"),
            _ => json!("walk"),
        };
    }
    if has("integer") || has("number") {
        return json!(1);
    }
    if has("boolean") {
        return json!(false);
    }
    if has("array") {
        return json!([]);
    }
    let mut object = Map::new();
    if depth < 4
        && let Some(properties) = schema["properties"].as_object()
    {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap();
            let value = known(path, name)
                .filter(|_| depth == 0)
                .unwrap_or_else(|| sample(doc, &properties[name], depth + 1, path));
            object.insert(name.into(), value);
        }
    }
    Value::Object(object)
}

/// `text` where `schema` takes text (or a list of texts), else `None`.
fn as_text(doc: &Value, schema: &Value, text: &str) -> Option<Value> {
    let schema = resolve(doc, schema);
    let kinds = types(schema);
    if schema["enum"].is_array() {
        return None;
    }
    if kinds.iter().any(|t| t == "string") {
        return Some(json!(text));
    }
    if kinds.iter().any(|t| t == "array")
        && types(resolve(doc, &schema["items"]))
            .iter()
            .any(|t| t == "string")
    {
        return Some(json!([text]));
    }
    None
}

struct Walk<'a> {
    api: &'a Api<'a>,
    /// (address prefix, token): a client org's administrator, and MSPOrg's.
    callers: Vec<(String, String)>,
    server_errors: Vec<String>,
    unnamed: Vec<String>,
    requests: usize,
}

impl Walk<'_> {
    async fn send(
        &mut self,
        method: &Method,
        path: &str,
        body: Option<Value>,
    ) -> Vec<(StatusCode, Value)> {
        let mut replies = Vec::new();
        for (prefix, token) in self.callers.clone() {
            let reply = self
                .api
                .send(
                    method.clone(),
                    &format!("{prefix}{path}"),
                    Some(&token),
                    body.clone(),
                )
                .await;
            self.requests += 1;
            if reply.status.is_server_error() {
                let what = body.as_ref().map(|b| {
                    b.as_object()
                        .map(|o| o.keys().cloned().collect::<Vec<_>>().join(","))
                        .unwrap_or_default()
                });
                self.server_errors.push(format!(
                    "{method} {prefix}{} [{what:?}]: {} {}",
                    path.chars().take(120).collect::<String>(),
                    reply.status,
                    reply.body
                ));
            }
            replies.push((reply.status, reply.body));
        }
        replies
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn over_long_text_anywhere_is_a_bad_request_never_a_server_error() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "walk").await;
    let msp = api.login("", "admin", ADMIN_PASSWORD).await;
    let (s, doc) = api.get("/api/v1/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    let mut walk = Walk {
        api: &api,
        callers: vec![
            (org.prefix.clone(), org.admin.clone()),
            (String::new(), msp.clone()),
        ],
        server_errors: Vec::new(),
        unnamed: Vec::new(),
        requests: 0,
    };
    let index_text = "i".repeat(PAST_AN_INDEX);
    let edge_text = "e".repeat(PAST_THE_EDGE);
    let mut routes = 0;
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for (method, op) in operations.as_object().unwrap() {
            // Signing out would end the walk's own sessions.
            if path.ends_with("/auth/logout") {
                continue;
            }
            let method: Method = method.to_uppercase().parse().unwrap();
            routes += 1;
            let parameters: Vec<&Value> =
                op["parameters"].as_array().into_iter().flatten().collect();
            let address = |long: Option<(&str, &str)>, query: Option<(&str, &str)>| {
                let mut address = path.clone();
                for p in parameters.iter().filter(|p| p["in"] == "path") {
                    let name = p["name"].as_str().unwrap();
                    let value = match long {
                        Some((n, text)) if n == name => text.to_owned(),
                        _ => known(path, name)
                            .unwrap_or_else(|| sample(&doc, &p["schema"], 1, path))
                            .as_str()
                            .map_or("1".into(), str::to_owned),
                    };
                    address = address.replace(&format!("{{{name}}}"), &value);
                }
                if let Some((name, text)) = query {
                    address = format!("{address}?{name}={text}");
                }
                address
            };
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            let base = (!schema.is_null()).then(|| sample(&doc, schema, 0, path));

            // Each field of the body, past an index and past the edge.
            if let Some(properties) = resolve(&doc, schema)["properties"].as_object() {
                for (field, property) in properties {
                    for text in [&index_text, &edge_text] {
                        let Some(long) = as_text(&doc, property, text) else {
                            continue;
                        };
                        let mut body = base.clone().unwrap_or_else(|| json!({}));
                        body[field] = long;
                        let replies = walk.send(&method, &address(None, None), Some(body)).await;
                        if text.len() == PAST_THE_EDGE && !FILE_FIELDS.contains(&field.as_str()) {
                            for (status, reply) in replies {
                                let named = status == StatusCode::BAD_REQUEST
                                    && reply["message"]
                                        .as_str()
                                        .unwrap_or_default()
                                        .contains(field.as_str());
                                let refused_first = [
                                    StatusCode::UNAUTHORIZED,
                                    StatusCode::FORBIDDEN,
                                    StatusCode::NOT_FOUND,
                                ]
                                .contains(&status);
                                if !named && !refused_first {
                                    walk.unnamed.push(format!(
                                        "{method} {path} body.{field}: {status} {reply}"
                                    ));
                                }
                            }
                        }
                    }
                }
            }
            // Each path parameter, past an index.
            for p in parameters.iter().filter(|p| p["in"] == "path") {
                let name = p["name"].as_str().unwrap();
                walk.send(
                    &method,
                    &address(Some((name, &index_text)), None),
                    base.clone(),
                )
                .await;
            }
            // Each query parameter that takes text, past an index.
            for p in parameters.iter().filter(|p| p["in"] == "query") {
                let name = p["name"].as_str().unwrap();
                if as_text(&doc, &p["schema"], "x").is_some() {
                    walk.send(
                        &method,
                        &address(None, Some((name, &index_text))),
                        base.clone(),
                    )
                    .await;
                }
            }
        }
    }
    // An address past the edge's ceiling.
    let (s, b) = api
        .get(
            &format!("/api/v1/resources?name={}", "q".repeat(9_000)),
            Some(&msp),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    eprintln!("walked {routes} routes with {} requests", walk.requests);
    assert!(routes > 100, "the document lists {routes} routes");
    assert!(
        walk.server_errors.is_empty(),
        "{} server errors:\n{}",
        walk.server_errors.len(),
        walk.server_errors.join("\n")
    );
    assert!(
        walk.unnamed.is_empty(),
        "{} unnamed refusals:\n{}",
        walk.unnamed.len(),
        walk.unnamed.join("\n")
    );
    stack.stop().await.unwrap();
}
