//! The criteria of a dynamic resource group: conditions over a resource's name, type, host,
//! department, location, description or one of its (non-secret) fields, all or any of which
//! must hold. Pure: `store` turns them into SQL with bound values.

use serde::{Deserialize, Serialize};

/// Most conditions one group may have.
pub const MAX_CONDITIONS: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criteria {
    /// `all` (every condition holds) or `any`.
    #[serde(rename = "match", default)]
    pub match_: Match,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Match {
    #[default]
    All,
    Any,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// `name`, `type`, `host`, `department`, `location`, `description`, or
    /// `field:<name>` for one of the resource's fields.
    pub field: String,
    pub operator: Operator,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    Equals,
    NotEquals,
    Contains,
    StartsWith,
    EndsWith,
}

/// What a condition compares: a column of the resource, or one of its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject<'a> {
    Column(&'static str),
    Field(&'a str),
}

impl Condition {
    /// The resource column (a constant) or field the condition reads.
    pub fn subject(&self) -> Option<Subject<'_>> {
        let column = match self.field.as_str() {
            "name" => "r.name",
            "type" => "r.resource_type",
            "host" => "r.host",
            "department" => "r.department",
            "location" => "r.location",
            "description" => "r.description",
            other => {
                let name = other.strip_prefix("field:")?;
                return crate::resource_types::check_field_name(name)
                    .ok()
                    .map(|()| Subject::Field(name));
            }
        };
        Some(Subject::Column(column))
    }
}

impl Criteria {
    /// Why the criteria cannot be saved, if they cannot.
    pub fn check(&self) -> Result<(), String> {
        if self.conditions.is_empty() || self.conditions.len() > MAX_CONDITIONS {
            return Err(format!(
                "a dynamic group has 1 to {MAX_CONDITIONS} conditions"
            ));
        }
        for c in &self.conditions {
            if c.subject().is_none() {
                return Err(format!(
                    "a condition's field is name, type, host, department, location, description \
                     or field:<name>, not {:?}",
                    c.field
                ));
            }
            if c.value.trim().is_empty() || c.value.chars().count() > 200 {
                return Err("a condition's value has 1 to 200 characters".into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(field: &str, value: &str) -> Condition {
        Condition {
            field: field.into(),
            operator: Operator::Contains,
            value: value.into(),
        }
    }

    #[test]
    fn conditions_name_a_known_column_or_a_field() {
        assert_eq!(
            condition("host", "x").subject(),
            Some(Subject::Column("r.host"))
        );
        assert_eq!(
            condition("field:rack", "x").subject(),
            Some(Subject::Field("rack"))
        );
        assert_eq!(condition("owner_id", "x").subject(), None);
        assert_eq!(condition("field:Rack; DROP", "x").subject(), None);
    }

    #[test]
    fn criteria_are_checked_before_they_are_saved() {
        let ok = Criteria {
            match_: Match::Any,
            conditions: vec![condition("type", "Linux"), condition("field:rack", "A")],
        };
        ok.check().unwrap();
        let json = serde_json::to_value(&ok).unwrap();
        assert_eq!(json["match"], "any");
        assert_eq!(serde_json::from_value::<Criteria>(json).unwrap(), ok);
        let empty = Criteria {
            match_: Match::All,
            conditions: vec![],
        };
        assert!(empty.check().is_err());
        let blank = Criteria {
            match_: Match::All,
            conditions: vec![condition("name", " ")],
        };
        assert!(blank.check().is_err());
        let unknown = Criteria {
            match_: Match::All,
            conditions: vec![condition("password", "x")],
        };
        assert!(unknown.check().unwrap_err().contains("password"));
    }
}
