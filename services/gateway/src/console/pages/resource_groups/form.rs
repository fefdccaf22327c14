//! The form that adds or edits a resource group: its name, parent and kind, and a dynamic
//! group's criteria as up to four conditions.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::dto::or_null;
use crate::dto::resource_groups::{ResourceGroup, ResourceGroupBody};

/// What a condition may look at, as the API names it, and as the page says it.
pub const CRITERIA_FIELDS: [(&str, &str); 6] = [
    ("type", "Type"),
    ("name", "Name"),
    ("host", "Host"),
    ("department", "Department"),
    ("location", "Location"),
    ("description", "Description"),
];
pub const CRITERIA_OPERATORS: [(&str, &str); 5] = [
    ("equals", "is"),
    ("not_equals", "is not"),
    ("contains", "contains"),
    ("starts_with", "starts with"),
    ("ends_with", "ends with"),
];

/// One condition row of the form.
#[derive(Default, Clone)]
pub struct Condition {
    pub field: String,
    pub operator: String,
    pub value: String,
}

/// The add and edit forms, as the page shows and posts them.
#[derive(Deserialize, Default)]
pub struct GroupForm {
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) parent_id: String,
    #[serde(default)]
    pub(super) description: String,
    /// `static` or `dynamic`.
    #[serde(default)]
    pub(super) kind: String,
    /// `all` or `any`.
    #[serde(default, rename = "match")]
    pub(super) matching: String,
    #[serde(default)]
    pub(super) field_1: String,
    #[serde(default)]
    pub(super) operator_1: String,
    #[serde(default)]
    pub(super) value_1: String,
    #[serde(default)]
    pub(super) field_2: String,
    #[serde(default)]
    pub(super) operator_2: String,
    #[serde(default)]
    pub(super) value_2: String,
    #[serde(default)]
    pub(super) field_3: String,
    #[serde(default)]
    pub(super) operator_3: String,
    #[serde(default)]
    pub(super) value_3: String,
    #[serde(default)]
    pub(super) field_4: String,
    #[serde(default)]
    pub(super) operator_4: String,
    #[serde(default)]
    pub(super) value_4: String,
}

impl GroupForm {
    /// The form's four condition rows, blank ones included (the API takes any number).
    pub fn conditions(&self) -> Vec<Condition> {
        [
            (&self.field_1, &self.operator_1, &self.value_1),
            (&self.field_2, &self.operator_2, &self.value_2),
            (&self.field_3, &self.operator_3, &self.value_3),
            (&self.field_4, &self.operator_4, &self.value_4),
        ]
        .into_iter()
        .map(|(field, operator, value)| Condition {
            field: field.clone(),
            operator: operator.clone(),
            value: value.clone(),
        })
        .collect()
    }

    pub fn is_dynamic(&self) -> bool {
        self.kind == "dynamic"
    }

    /// The API's body: a dynamic group's criteria from the rows with a value (the API
    /// checks them and says what is wrong).
    pub fn body(&self) -> ResourceGroupBody {
        let criteria = self.is_dynamic().then(|| {
            let conditions: Vec<Value> = self
                .conditions()
                .into_iter()
                .filter(|c| !c.value.trim().is_empty())
                .map(|c| json!({"field": c.field, "operator": c.operator, "value": c.value}))
                .collect();
            let matching = if self.matching == "any" { "any" } else { "all" };
            json!({"match": matching, "conditions": conditions})
        });
        ResourceGroupBody {
            name: self.name.clone(),
            parent_id: or_null(self.parent_id.clone()),
            criteria,
            description: self.description.clone(),
        }
    }

    /// The form filled with a group as it is.
    pub fn of(group: &ResourceGroup) -> Self {
        let mut form = Self {
            name: group.name.clone(),
            parent_id: group.parent_id.clone().unwrap_or_default(),
            description: group.description.clone(),
            kind: group.kind.clone(),
            matching: group.criteria["match"].as_str().unwrap_or("all").to_owned(),
            ..Self::default()
        };
        let text = |c: &Value, key: &str| c[key].as_str().unwrap_or_default().to_owned();
        let rows = group.criteria["conditions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let slots = [
            (&mut form.field_1, &mut form.operator_1, &mut form.value_1),
            (&mut form.field_2, &mut form.operator_2, &mut form.value_2),
            (&mut form.field_3, &mut form.operator_3, &mut form.value_3),
            (&mut form.field_4, &mut form.operator_4, &mut form.value_4),
        ];
        for (c, (field, operator, value)) in rows.iter().zip(slots) {
            *field = text(c, "field");
            *operator = text(c, "operator");
            *value = text(c, "value");
        }
        form
    }
}
