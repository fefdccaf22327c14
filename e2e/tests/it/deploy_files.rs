//! No container engine runs here, so the deployment files are checked statically: they
//! parse, name every service, and keep the trust model (mutual TLS between the services,
//! passwords as files, one database role and NATS user per service, a Redis ACL user,
//! NetworkPolicies).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_yaml::Value;

const SERVICES: [&str; 7] = [
    "gateway", "identity", "tenant", "vault", "access", "rotation", "audit",
];

/// Every service but the gateway: each has a database, a NATS user and a gRPC port.
const BACKENDS: [&str; 6] = ["identity", "tenant", "vault", "access", "rotation", "audit"];

/// Who may reach each service's gRPC port, as the NetworkPolicy must say: every service
/// some RPC of its caller tables names (what `CallerPolicy` enforces), and the gateway,
/// whose readiness asks every service's health (which answers every service, so the
/// health table alone would open every port to all).
fn callers_by_the_tables(service: &str) -> BTreeSet<String> {
    let serving = strongroom_trust::Service::GRPC
        .into_iter()
        .find(|s| s.as_str() == service)
        .unwrap_or_else(|| panic!("{service} serves no gRPC"));
    let mut callers: BTreeSet<String> = strongroom::caller_tables(serving)
        .into_iter()
        .flat_map(|table| table.iter())
        .filter(|(path, _)| !path.starts_with("/grpc.health."))
        .flat_map(|(_, allowed)| allowed.iter().map(|s| s.as_str().to_owned()))
        .collect();
    callers.insert("gateway".into());
    callers
}

const URL_VARS: [&str; 6] = [
    "STRONGROOM_IDENTITY_URL",
    "STRONGROOM_TENANT_URL",
    "STRONGROOM_VAULT_URL",
    "STRONGROOM_ACCESS_URL",
    "STRONGROOM_ROTATION_URL",
    "STRONGROOM_AUDIT_URL",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn text(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn yaml(path: &str) -> Value {
    serde_yaml::from_str(&text(path)).unwrap_or_else(|e| panic!("{path} does not parse: {e}"))
}

/// docker-compose.yml with its `<<` merge keys applied.
fn compose() -> Value {
    let mut compose = yaml("docker-compose.yml");
    compose.apply_merge().expect("compose merge keys");
    compose
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => panic!("not a scalar: {other:?}"),
    }
}

fn compose_env(compose: &Value, service: &str) -> BTreeMap<String, String> {
    compose["services"][service]["environment"]
        .as_mapping()
        .unwrap_or_else(|| panic!("compose {service} has no environment mapping"))
        .iter()
        .map(|(k, v)| (scalar(k), scalar(v)))
        .collect()
}

/// One volume mount of a compose service.
#[derive(Debug)]
struct Mount {
    source: String,
    target: String,
    subpath: Option<String>,
    read_only: bool,
}

fn compose_mounts(compose: &Value, service: &str) -> Vec<Mount> {
    let Some(volumes) = compose["services"][service]["volumes"].as_sequence() else {
        return Vec::new();
    };
    volumes
        .iter()
        .map(|v| match v {
            Value::String(short) => {
                let mut parts = short.split(':');
                let source = parts.next().unwrap_or_default().to_owned();
                let target = parts.next().unwrap_or_default().to_owned();
                Mount {
                    source,
                    target,
                    subpath: None,
                    read_only: parts.any(|o| o.split(',').any(|o| o == "ro")),
                }
            }
            long => Mount {
                source: scalar(&long["source"]),
                target: scalar(&long["target"]),
                subpath: long["volume"]["subpath"].as_str().map(str::to_owned),
                read_only: long["read_only"].as_bool() == Some(true),
            },
        })
        .collect()
}

/// Every Helm template, by file name.
fn helm_templates() -> BTreeMap<String, String> {
    let dir = root().join("helm/strongroom/templates");
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect()
}

#[test]
fn compose_runs_every_service_with_its_backing_servers() {
    let compose = yaml("docker-compose.yml");
    let services = compose["services"].as_mapping().expect("services");
    for name in SERVICES
        .iter()
        .chain(&["postgres", "nats", "redis", "openbao", "smtp"])
    {
        assert!(services.contains_key(*name), "compose lacks {name}");
    }
    for name in SERVICES {
        let build = &services[name]["build"];
        assert_eq!(
            build["args"]["SERVICE"].as_str(),
            Some(name),
            "{name} builds from the Dockerfile"
        );
    }
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    assert!(dockerfile.contains("ARG SERVICE"));
}

#[test]
fn compose_services_call_each_other_over_mutual_tls() {
    let compose = compose();
    for name in SERVICES {
        let env = compose_env(&compose, name);
        for var in URL_VARS {
            let url = env
                .get(var)
                .unwrap_or_else(|| panic!("compose {name} lacks {var}"));
            assert!(url.starts_with("https://"), "compose {name}: {var}={url}");
        }
        let tls = |var: &str| {
            env.get(var)
                .unwrap_or_else(|| panic!("compose {name} lacks {var}"))
                .clone()
        };
        assert!(tls("STRONGROOM_TLS_CA_FILE").ends_with("/ca.pem"), "{name}");
        assert!(
            tls("STRONGROOM_TLS_CERT_FILE").ends_with(&format!("/{name}.pem")),
            "{name} uses its own certificate"
        );
        assert!(
            tls("STRONGROOM_TLS_KEY_FILE").ends_with(&format!("/{name}-key.pem")),
            "{name} uses its own key"
        );
    }
}

#[test]
fn compose_hands_passwords_to_the_services_as_files() {
    let compose = compose();
    for name in SERVICES {
        let env = compose_env(&compose, name);
        let mounts = compose_mounts(&compose, name);
        for (var, value) in &env {
            assert!(
                !var.ends_with("_PASSWORD") && !var.ends_with("_TOKEN"),
                "compose {name} passes {var} as an env value; use {var}_FILE"
            );
            if var.ends_with("_FILE") {
                assert!(
                    mounts.iter().any(|m| &m.target == value),
                    "compose {name}: {var}={value} is not mounted"
                );
            }
        }
        assert!(
            env.contains_key("STRONGROOM_REDIS_PASSWORD_FILE"),
            "compose {name} lacks the Redis password file"
        );
        if name == "gateway" {
            assert!(
                !env.contains_key("STRONGROOM_NATS_URL"),
                "the gateway uses no NATS"
            );
            continue;
        }
        let url = &env["STRONGROOM_DATABASE_URL"];
        assert!(
            url.starts_with(&format!("postgres://strongroom_{name}@")),
            "compose {name} logs in as its own role without a password in the URL: {url}"
        );
        assert!(url.ends_with(&format!("/strongroom_{name}")), "{url}");
        for var in [
            "STRONGROOM_DATABASE_PASSWORD_FILE",
            "STRONGROOM_NATS_PASSWORD_FILE",
            "STRONGROOM_EVENT_STREAM_MAX_AGE_SECS",
            "STRONGROOM_EVENT_STREAM_MAX_BYTES",
        ] {
            assert!(env.contains_key(var), "compose {name} lacks {var}");
        }
        assert_eq!(
            env.get("STRONGROOM_NATS_USER").map(String::as_str),
            Some(name)
        );
    }
    let audit = compose_env(&compose, "audit");
    assert_eq!(
        audit
            .get("STRONGROOM_MIGRATION_DATABASE_USER")
            .map(String::as_str),
        Some("strongroom_audit_owner")
    );
    assert!(audit.contains_key("STRONGROOM_MIGRATION_DATABASE_PASSWORD_FILE"));
    assert!(compose_env(&compose, "identity").contains_key("STRONGROOM_ADMIN_PASSWORD_FILE"));
    assert!(compose_env(&compose, "vault").contains_key("STRONGROOM_KMS_TRANSIT_TOKEN_FILE"));
    // The NATS server checks one user per service.
    let nats = compose_env(&compose, "nats");
    for name in BACKENDS {
        let var = format!("STRONGROOM_NATS_{}_PASSWORD", name.to_uppercase());
        assert!(nats.contains_key(&var), "compose nats lacks {var}");
    }
    // Only the provisioner creates the event stream or changes its settings: a one-shot
    // that every backend waits for.
    assert!(nats.contains_key("STRONGROOM_NATS_PROVISIONER_PASSWORD"));
    let provision = &compose["services"]["provision-stream"];
    assert_eq!(provision["command"][0].as_str(), Some("provision-stream"));
    let env = compose_env(&compose, "provision-stream");
    assert_eq!(
        env.get("STRONGROOM_NATS_PASSWORD_FILE").map(String::as_str),
        Some("/keys/secrets/nats-provisioner")
    );
    for name in BACKENDS {
        assert_eq!(
            compose["services"][name]["depends_on"]["provision-stream"]["condition"].as_str(),
            Some("service_completed_successfully"),
            "compose {name} starts before the event stream is provisioned"
        );
    }
}

#[test]
fn compose_mounts_each_service_only_its_own_keys() {
    let compose = compose();
    let services = compose["services"].as_mapping().expect("services");
    for (name, _) in services {
        let name = scalar(name);
        if name == "keygen" {
            continue;
        }
        for mount in compose_mounts(&compose, &name) {
            if mount.source != "keys" {
                continue;
            }
            let subpath = mount.subpath.as_deref().unwrap_or_else(|| {
                panic!("compose {name} mounts the whole keys volume; mount single files")
            });
            assert!(mount.read_only, "compose {name} mounts {subpath} writable");
            assert!(
                !subpath.contains("ca-key"),
                "compose {name} mounts the CA's key"
            );
            let owner = if subpath.contains("jwt-private.pem")
                || subpath.contains("identity-settings.key")
            {
                Some("identity")
            } else if subpath.contains("tenant-settings.key") {
                Some("tenant")
            } else {
                None
            };
            if let Some(owner) = owner {
                assert_eq!(name, owner, "only {owner} may mount {subpath}");
            }
            if let Some(file) = subpath.strip_prefix("tls/") {
                assert!(
                    file == "ca.pem"
                        || file == format!("{name}.pem")
                        || file == format!("{name}-key.pem"),
                    "compose {name} mounts another service's certificate: {subpath}"
                );
            }
        }
    }
    let identity = compose_mounts(&compose, "identity");
    assert!(
        identity
            .iter()
            .any(|m| m.subpath.as_deref() == Some("jwt-private.pem")),
        "identity signs tokens, so it mounts jwt-private.pem"
    );
}

#[test]
fn nats_is_configured_for_synchronous_writes() {
    let conf = std::fs::read_to_string(root().join("helm/strongroom/files/nats.conf")).unwrap();
    assert!(conf.contains("sync_interval: always"), "{conf}");
}

#[test]
fn the_helm_chart_deploys_every_service_with_probes() {
    let chart = yaml("helm/strongroom/Chart.yaml");
    assert_eq!(chart["name"].as_str(), Some("strongroom"));
    let values = yaml("helm/strongroom/values.yaml");
    let text = serde_yaml::to_string(&values).unwrap();
    for key in ["postgres", "nats", "redis", "kms", "tls", "networkPolicy"] {
        assert!(values.get(key).is_some(), "values.yaml lacks {key}");
    }
    let mut all = text;
    for template in helm_templates().values() {
        all.push_str(template);
    }
    for name in SERVICES {
        assert!(all.contains(name), "the chart never names {name}");
    }
    for needle in [
        "kind: Deployment",
        "kind: Service",
        // The event stream's provisioner.
        "kind: Job",
        "args: [\"provision-stream\"]",
        "readinessProbe",
        "livenessProbe",
        "/readyz",
        "/healthz",
    ] {
        assert!(all.contains(needle), "the chart lacks {needle}");
    }
}

#[test]
fn helm_reads_passwords_and_tokens_from_files() {
    let templates = helm_templates();
    for (file, template) in &templates {
        // Secrets reach the pods as mounted files, never through env valueFrom.
        assert!(
            !template.contains("secretKeyRef"),
            "{file}: an env var reads a Secret (secretKeyRef); mount it and use a _FILE variable"
        );
        for line in template.lines() {
            let name = line.trim().strip_prefix("- name:").map(str::trim);
            if let Some(var) = name.filter(|n| n.starts_with("STRONGROOM_")) {
                assert!(
                    !var.ends_with("_PASSWORD") && !var.ends_with("_TOKEN"),
                    "{file}: env {var} carries a secret as a value; use {var}_FILE"
                );
            }
        }
    }
    let helpers = &templates["_helpers.tpl"];
    for var in [
        "STRONGROOM_DATABASE_PASSWORD_FILE",
        "STRONGROOM_MIGRATION_DATABASE_PASSWORD_FILE",
        "STRONGROOM_KMS_TRANSIT_TOKEN_FILE",
        "STRONGROOM_ADMIN_PASSWORD_FILE",
        "STRONGROOM_NATS_PASSWORD_FILE",
        "STRONGROOM_REDIS_PASSWORD_FILE",
        "STRONGROOM_EVENT_STREAM_MAX_AGE_SECS",
        "STRONGROOM_EVENT_STREAM_MAX_BYTES",
        "STRONGROOM_TRUSTED_PROXIES",
    ] {
        assert!(helpers.contains(var), "the chart never sets {var}");
    }
    // The database URL names the service's role and no password.
    assert!(
        helpers.contains(r#"printf "postgres://%s@%s:%v/%s""#),
        "{helpers}"
    );
    let values = yaml("helm/strongroom/values.yaml");
    for name in BACKENDS {
        assert_eq!(
            values["postgres"]["roles"][name].as_str(),
            Some(format!("strongroom_{name}").as_str()),
            "postgres.roles.{name}"
        );
    }
    assert_eq!(
        values["postgres"]["auditOwnerRole"].as_str(),
        Some("strongroom_audit_owner")
    );
    assert_eq!(
        values["nats"]["stream"]["maxAgeSecs"].as_u64(),
        Some(604_800)
    );
    assert_eq!(
        values["nats"]["stream"]["maxBytes"].as_u64(),
        Some(10_737_418_240)
    );
    assert_eq!(
        values["services"]["gateway"]["trustedProxies"].as_str(),
        Some("")
    );
}

#[test]
fn helm_gives_each_service_its_own_certificate_and_limits_its_callers() {
    let templates = helm_templates();
    let helpers = &templates["_helpers.tpl"];
    assert!(
        helpers.contains(r#"printf "https://%s:%v""#),
        "service URLs must be https"
    );
    assert!(
        !helpers.contains("http://%s"),
        "a plaintext gRPC URL is left"
    );
    // The Secret <fullname>-tls-<service>, in cert-manager's format, ends up under /tls.
    assert!(helpers.contains(r#"printf "%s-tls-%s""#));
    assert!(helpers.contains(r#"include "strongroom.tlsSecretName""#));
    assert!(helpers.contains("mountPath: /tls\n"));
    for (var, path) in [
        ("STRONGROOM_TLS_CA_FILE", "/tls/ca.crt"),
        ("STRONGROOM_TLS_CERT_FILE", "/tls/tls.crt"),
        ("STRONGROOM_TLS_KEY_FILE", "/tls/tls.key"),
    ] {
        assert!(
            helpers.contains(&format!("- name: {var}\n  value: {path}\n")),
            "the chart lacks {var}={path}"
        );
    }
    let certificates = &templates["certificates.yaml"];
    for needle in [
        "cert-manager.io/v1",
        "kind: Certificate",
        "server auth",
        "client auth",
    ] {
        assert!(
            certificates.contains(needle),
            "certificates.yaml lacks {needle}"
        );
    }

    let policy = templates
        .get("networkpolicy.yaml")
        .expect("the chart has a NetworkPolicy template");
    assert!(policy.contains("kind: NetworkPolicy"));
    assert!(policy.contains(".Values.networkPolicy.enabled"));
    for service in BACKENDS {
        let line = policy
            .lines()
            .find(|l| l.contains(&format!(r#"set $callers "{service}""#)))
            .unwrap_or_else(|| panic!("networkpolicy.yaml names no callers of {service}"));
        let quoted: BTreeSet<String> = line
            .split('"')
            .skip(1)
            .step_by(2)
            .skip(1)
            .map(str::to_owned)
            .collect();
        assert_eq!(
            quoted,
            callers_by_the_tables(service),
            "callers of {service}"
        );
    }
    let values = yaml("helm/strongroom/values.yaml");
    assert_eq!(values["networkPolicy"]["enabled"].as_bool(), Some(true));
    assert_eq!(
        values["tls"]["certManager"]["enabled"].as_bool(),
        Some(false)
    );
}

#[test]
fn postgres_gives_each_service_its_own_role_and_database() {
    let sql = text("helm/strongroom/files/postgres-init.sql");
    for name in BACKENDS {
        let owner = if name == "audit" {
            "strongroom_audit_owner".to_owned()
        } else {
            format!("strongroom_{name}")
        };
        for needle in [
            format!("CREATE ROLE strongroom_{name} LOGIN"),
            format!("CREATE DATABASE strongroom_{name} OWNER {owner};"),
            format!("REVOKE CONNECT, TEMPORARY ON DATABASE strongroom_{name} FROM PUBLIC;"),
        ] {
            assert!(sql.contains(&needle), "postgres-init.sql lacks {needle}");
        }
    }
    assert!(sql.contains("CREATE ROLE strongroom_audit_owner LOGIN"));
    assert!(sql.contains("GRANT CONNECT ON DATABASE strongroom_audit TO strongroom_audit;"));
}

#[test]
fn redis_gives_each_service_its_own_user_and_only_identity_writes() {
    let prefix = yaml("helm/strongroom/values.yaml")["eventPrefix"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        text("helm/strongroom/files/redis-users.acl"),
        strongroom::redis_acl("strongroom", &prefix),
        "helm/strongroom/files/redis-users.acl differs from `strongroom redis-acl`; regenerate it"
    );
    let compose = compose();
    let redis = compose["services"]["redis"]["command"][0].as_str().unwrap();
    assert!(
        redis.contains("--aclfile"),
        "compose runs redis without the ACL file"
    );
    for name in SERVICES {
        // Its own user, its own password, filled into the ACL file by compose's redis.
        let env = compose_env(&compose, name);
        assert_eq!(
            env.get("STRONGROOM_REDIS_USER").map(String::as_str),
            Some(format!("strongroom-{name}").as_str())
        );
        let password = format!("STRONGROOM_REDIS_{}_PASSWORD", name.to_uppercase());
        assert!(
            redis.contains(&format!(">CHANGE-ME-{name} |>$${password} |")),
            "compose redis does not set {name}'s password"
        );
        assert!(
            compose_mounts(&compose, name)
                .iter()
                .any(|m| m.subpath.as_deref() == Some(&format!("secrets/redis-{name}"))),
            "compose {name} does not mount its own Redis password"
        );
    }
    let helpers = text("helm/strongroom/templates/_helpers.tpl");
    assert!(
        helpers.contains(r#"value: {{ printf "%s-%s" . $name | quote }}"#),
        "helm names each service's Redis user after it"
    );
}
