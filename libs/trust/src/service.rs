/// A Strongroom service, as its certificate names it (the certificate's DNS name).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Gateway,
    Identity,
    Tenant,
    Vault,
    Access,
    Rotation,
    Audit,
}

impl Service {
    pub const ALL: [Service; 7] = [
        Service::Gateway,
        Service::Identity,
        Service::Tenant,
        Service::Vault,
        Service::Access,
        Service::Rotation,
        Service::Audit,
    ];

    /// The services that serve gRPC (all but the gateway), in their default ports' order
    /// (7281 to 7286).
    pub const GRPC: [Service; 6] = [
        Service::Identity,
        Service::Tenant,
        Service::Vault,
        Service::Access,
        Service::Rotation,
        Service::Audit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Service::Gateway => "gateway",
            Service::Identity => "identity",
            Service::Tenant => "tenant",
            Service::Vault => "vault",
            Service::Access => "access",
            Service::Rotation => "rotation",
            Service::Audit => "audit",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Service;

    #[test]
    fn every_name_parses_back() {
        for s in Service::ALL {
            assert_eq!(Service::parse(s.as_str()), Some(s));
        }
        assert_eq!(Service::parse("Gateway"), None);
        assert_eq!(Service::parse(""), None);
    }
}
