//! No container engine runs here, so the deployment files are checked statically: they
//! parse and name every service.

use std::path::PathBuf;

const SERVICES: [&str; 7] = [
    "gateway", "identity", "tenant", "vault", "access", "rotation", "audit",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn yaml(path: &str) -> serde_yaml::Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path} does not parse: {e}"))
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
    for key in ["postgres", "nats", "redis", "kms"] {
        assert!(values.get(key).is_some(), "values.yaml lacks {key}");
    }
    let templates = root().join("helm/strongroom/templates");
    let mut all = text;
    for entry in std::fs::read_dir(&templates).unwrap() {
        all.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    for name in SERVICES {
        assert!(all.contains(name), "the chart never names {name}");
    }
    for needle in [
        "kind: Deployment",
        "kind: Service",
        "readinessProbe",
        "livenessProbe",
        "/readyz",
        "/healthz",
    ] {
        assert!(all.contains(needle), "the chart lacks {needle}");
    }
}
