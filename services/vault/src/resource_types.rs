//! Resource types and their fields: Password Manager Pro's built-in types, each with the
//! fields its resources need for a remote password reset later (port, service name,
//! domain, enable password...), and the org's own types; and the kinds of field a type or
//! an additional field may have. Pure: no I/O.

use serde::{Deserialize, Serialize};

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// A whole or decimal number.
    Number,
    /// A day, `YYYY-MM-DD`.
    Date,
    /// Several lines of text.
    Multiline,
    /// A secret: sealed like a password, never listed, revealed on its own and audited.
    Password,
}

impl FieldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Date => "date",
            Self::Multiline => "multiline",
            Self::Password => "password",
        }
    }

    pub fn parse(kind: &str) -> Option<Self> {
        [
            Self::Text,
            Self::Number,
            Self::Date,
            Self::Multiline,
            Self::Password,
        ]
        .into_iter()
        .find(|k| k.as_str() == kind)
    }

    /// Why `value` does not fit this kind, if it does not. Never quotes the value.
    pub fn check(self, value: &str) -> Result<(), &'static str> {
        match self {
            Self::Text if value.contains(['\n', '\r']) => Err("must be one line"),
            Self::Text if value.chars().count() > 1000 => Err("must have at most 1000 characters"),
            Self::Multiline if value.chars().count() > 10_000 => {
                Err("must have at most 10000 characters")
            }
            Self::Number if value.trim().parse::<f64>().map_or(true, |n| !n.is_finite()) => {
                Err("must be a number")
            }
            Self::Date if chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").is_err() => {
                Err("must be a date as YYYY-MM-DD")
            }
            Self::Password if value.len() > 4096 => Err("must have at most 4096 bytes"),
            _ => Ok(()),
        }
    }
}

/// A field a resource type gives its resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSpec {
    /// The key it is stored and sent under: lowercase letters, digits and `_`.
    pub name: String,
    /// What people read.
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// The value a new resource gets when it gives none.
    #[serde(default)]
    pub default: String,
}

impl FieldSpec {
    fn new(name: &str, label: &str, kind: FieldKind, required: bool, default: &str) -> Self {
        Self {
            name: name.into(),
            label: label.into(),
            kind,
            required,
            default: default.into(),
        }
    }
}

/// Groups of types, for lists and for the reset service's connectors.
pub const CATEGORIES: [&str; 7] = [
    "operating_system",
    "database",
    "network_device",
    "directory",
    "application",
    "cloud",
    "other",
];

/// A resource type: its name, category and fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    pub name: String,
    pub category: String,
    pub fields: Vec<FieldSpec>,
    pub built_in: bool,
}

/// The built-in types, as Password Manager Pro lists them, with what a reset will need.
pub fn built_in() -> Vec<ResourceType> {
    use FieldKind::{Number, Password, Text};
    let port = |p: &str| FieldSpec::new("port", "Port", Number, false, p);
    let ssh = || vec![port("22")];
    let t = |name: &str, category: &str, fields: Vec<FieldSpec>| ResourceType {
        name: name.into(),
        category: category.into(),
        fields,
        built_in: true,
    };
    vec![
        t("Windows", "operating_system", vec![port("5986")]),
        t(
            "Windows Domain",
            "directory",
            vec![
                FieldSpec::new("domain", "Domain name", Text, true, ""),
                FieldSpec::new("domain_controller", "Domain controller", Text, false, ""),
                port("636"),
            ],
        ),
        t("Linux", "operating_system", ssh()),
        t("Unix", "operating_system", ssh()),
        t("AIX", "operating_system", ssh()),
        t("HP-UX", "operating_system", ssh()),
        t("Solaris", "operating_system", ssh()),
        t("macOS", "operating_system", ssh()),
        t("VMware ESXi", "operating_system", vec![port("443")]),
        t("IBM AS400", "operating_system", vec![port("23")]),
        t(
            "MySQL",
            "database",
            vec![
                port("3306"),
                FieldSpec::new("database", "Database", Text, false, "mysql"),
            ],
        ),
        t(
            "PostgreSQL",
            "database",
            vec![
                port("5432"),
                FieldSpec::new("database", "Database", Text, false, "postgres"),
            ],
        ),
        t(
            "MS SQL Server",
            "database",
            vec![
                port("1433"),
                FieldSpec::new("instance", "Instance", Text, false, ""),
            ],
        ),
        t(
            "Oracle DB Server",
            "database",
            vec![
                port("1521"),
                FieldSpec::new("service_name", "Service name (SID)", Text, true, ""),
            ],
        ),
        t("Sybase ASE", "database", vec![port("5000")]),
        t(
            "LDAP Server",
            "directory",
            vec![
                port("636"),
                FieldSpec::new("base_dn", "Base DN", Text, false, ""),
            ],
        ),
        t(
            "Cisco IOS",
            "network_device",
            vec![
                port("22"),
                FieldSpec::new("enable_password", "Enable password", Password, false, ""),
            ],
        ),
        t("Cisco CatOS", "network_device", ssh()),
        t("Cisco PIX", "network_device", ssh()),
        t("Juniper Netscreen", "network_device", ssh()),
        t("Juniper JunOS", "network_device", ssh()),
        t(
            "HP ProCurve",
            "network_device",
            vec![
                port("22"),
                FieldSpec::new("manager_password", "Manager password", Password, false, ""),
            ],
        ),
        t("HP iLO", "network_device", vec![port("443")]),
        t("Dell iDRAC", "network_device", vec![port("443")]),
        t("Palo Alto", "network_device", ssh()),
        t("Fortigate", "network_device", ssh()),
        t("F5 BIG-IP", "network_device", ssh()),
        t(
            "AWS IAM",
            "cloud",
            vec![FieldSpec::new(
                "account_id",
                "AWS account ID",
                Text,
                true,
                "",
            )],
        ),
        t(
            "Azure AD",
            "cloud",
            vec![FieldSpec::new("tenant_id", "Tenant ID", Text, true, "")],
        ),
        t("Google Workspace", "cloud", vec![]),
        t("Web Site Accounts", "application", vec![]),
        t("File Store", "other", vec![]),
        t("Key Store", "other", vec![]),
        t("License Store", "other", vec![]),
        t("Generic Keys", "other", vec![]),
    ]
}

/// Other names people use for built-in types.
const ALIASES: [(&str, &str); 10] = [
    ("postgres", "PostgreSQL"),
    ("mssql", "MS SQL Server"),
    ("sql server", "MS SQL Server"),
    ("oracle", "Oracle DB Server"),
    ("juniper", "Juniper JunOS"),
    ("web site", "Web Site Accounts"),
    ("website", "Web Site Accounts"),
    ("mac", "macOS"),
    ("ldap", "LDAP Server"),
    ("sybase", "Sybase ASE"),
];

/// The built-in type named so, ignoring case, or by one of its [`ALIASES`].
pub fn find_built_in(name: &str) -> Option<ResourceType> {
    let name = name.trim();
    let name = ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(name))
        .map_or(name, |(_, real)| real);
    built_in()
        .into_iter()
        .find(|t| t.name.eq_ignore_ascii_case(name))
}

/// Why a custom type cannot be saved, if it cannot.
pub fn check_type(t: &ResourceType) -> Result<(), String> {
    if t.name.trim().is_empty() || t.name.chars().count() > 100 {
        return Err("a resource type's name must have 1 to 100 characters".into());
    }
    if !CATEGORIES.contains(&t.category.as_str()) {
        return Err(format!("category must be one of {}", CATEGORIES.join(", ")));
    }
    if t.fields.len() > 50 {
        return Err("a resource type has at most 50 fields".into());
    }
    let mut seen = std::collections::HashSet::new();
    for f in &t.fields {
        check_field_name(&f.name)?;
        if !seen.insert(f.name.as_str()) {
            return Err(format!("field {} is named twice", f.name));
        }
        if f.label.chars().count() > 100 {
            return Err(format!("field {}'s label has over 100 characters", f.name));
        }
        if !f.default.is_empty() {
            f.kind
                .check(&f.default)
                .map_err(|why| format!("field {}'s default {why}", f.name))?;
        }
        if f.kind == FieldKind::Password && !f.default.is_empty() {
            return Err(format!(
                "field {} is a password and cannot have a default",
                f.name
            ));
        }
    }
    Ok(())
}

/// A field's key: 1 to 64 lowercase letters, digits and `_`, beginning with a letter.
pub fn check_field_name(name: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "field name {name:?} must be 1 to 64 lowercase letters, digits and _, beginning with a letter"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_type_is_valid_and_found_by_name_or_alias() {
        let all = built_in();
        assert!(all.len() >= 30);
        for t in &all {
            check_type(t).unwrap();
            assert_eq!(find_built_in(&t.name.to_uppercase()).unwrap().name, t.name);
        }
        for (alias, real) in ALIASES {
            assert_eq!(find_built_in(alias).unwrap().name, real);
        }
        assert!(find_built_in("Toaster").is_none());
        // What a later reset needs is there.
        let oracle = find_built_in("oracle").unwrap();
        assert!(
            oracle
                .fields
                .iter()
                .any(|f| f.name == "service_name" && f.required)
        );
        let cisco = find_built_in("Cisco IOS").unwrap();
        assert!(cisco.fields.iter().any(|f| f.kind == FieldKind::Password));
    }

    #[test]
    fn each_kind_takes_only_its_values() {
        use FieldKind::*;
        assert!(Number.check("22").is_ok() && Number.check("2.5").is_ok());
        assert!(Number.check("twenty").is_err() && Number.check("NaN").is_err());
        assert!(Date.check("2026-12-05").is_ok() && Date.check("05/12/2026").is_err());
        assert!(Text.check("one line").is_ok() && Text.check("two\nlines").is_err());
        assert!(Multiline.check("two\nlines").is_ok());
        assert!(Password.check(&"x".repeat(4097)).is_err());
        assert_eq!(FieldKind::parse("multiline"), Some(Multiline));
        assert_eq!(FieldKind::parse("blob"), None);
    }

    #[test]
    fn a_custom_type_is_checked_before_it_is_saved() {
        let mut t = ResourceType {
            name: "Toaster".into(),
            category: "other".into(),
            fields: vec![FieldSpec::new(
                "port",
                "Port",
                FieldKind::Number,
                false,
                "8080",
            )],
            built_in: false,
        };
        check_type(&t).unwrap();
        t.fields[0].default = "eighty".into();
        assert!(check_type(&t).unwrap_err().contains("must be a number"));
        t.fields[0].default = String::new();
        t.fields.push(t.fields[0].clone());
        assert!(check_type(&t).unwrap_err().contains("twice"));
        t.fields.pop();
        t.category = "kitchen".into();
        assert!(check_type(&t).unwrap_err().contains("category"));
        assert!(check_field_name("Port").is_err() && check_field_name("1port").is_err());
    }
}
