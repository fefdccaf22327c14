#![allow(clippy::unwrap_used)]

use super::*;

fn choice(kind: &str, enabled: bool, options: &str) -> Choice {
    Choice {
        kind: kind.into(),
        enabled,
        options: options.into(),
    }
}

fn refusal(choices: &[Choice]) -> String {
    match checked(choices) {
        Err(TenantError::InvalidInput(m)) => m,
        other => format!("not refused: {other:?}"),
    }
}

#[test]
fn user_roles_need_a_valid_conflict_choice_when_enabled() {
    for mode in ["overwrite", "rename"] {
        let ok = checked(&[choice(
            "user_roles",
            true,
            &format!(r#"{{"on_conflict":"{mode}"}}"#),
        )])
        .unwrap();
        assert_eq!(ok[0].options[ON_CONFLICT], mode);
    }
    let missing = refusal(&[choice("user_roles", true, "")]);
    assert!(missing.contains("needs on_conflict"), "{missing}");
    let wrong = refusal(&[choice("user_roles", true, r#"{"on_conflict":"merge"}"#)]);
    assert!(
        wrong.contains("on_conflict") && wrong.contains("merge"),
        "{wrong}"
    );
    let extra = refusal(&[choice(
        "user_roles",
        true,
        r#"{"on_conflict":"rename","suffix":"x"}"#,
    )]);
    assert!(extra.contains("suffix"), "{extra}");
    let not_object = refusal(&[choice("user_roles", true, "[1]")]);
    assert!(not_object.contains("JSON object"), "{not_object}");
    // Disabling needs no choice.
    assert!(checked(&[choice("user_roles", false, "")]).is_ok());
}

#[test]
fn unknown_unavailable_and_repeated_kinds_are_refused_by_name() {
    let unknown = refusal(&[choice("colours", true, ""), choice("sounds", false, "")]);
    assert!(unknown.contains("colours, sounds"), "{unknown}");
    let unavailable = refusal(&[
        choice("user_groups", true, ""),
        choice("resource_groups", true, ""),
        choice("audit_purge", true, ""),
    ]);
    assert!(
        unavailable.contains("resource_groups is not yet available")
            && unavailable.contains("audit_purge is not yet available"),
        "{unavailable}"
    );
    // Leaving an unavailable kind off is fine.
    assert!(checked(&[choice("resource_groups", false, "")]).is_ok());
    let twice = refusal(&[
        choice("user_groups", true, ""),
        choice("user_groups", false, ""),
    ]);
    assert!(twice.contains("more than once"), "{twice}");
    let options = refusal(&[choice("user_groups", true, r#"{"on_conflict":"rename"}"#)]);
    assert!(
        options.contains("user_groups takes no options"),
        "{options}"
    );
}

#[test]
fn every_kind_is_listed_once_and_unavailable_ones_say_why() {
    let mut names: Vec<&str> = KINDS.iter().map(|k| k.kind).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), KINDS.len());
    let available: Vec<&str> = KINDS
        .iter()
        .filter(|k| k.missing.is_none())
        .map(|k| k.kind)
        .collect();
    assert_eq!(
        available,
        [
            "user_groups",
            "additional_fields",
            "user_roles",
            "resource_types",
            "password_policies"
        ]
    );
}
