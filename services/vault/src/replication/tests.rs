use super::*;

#[test]
fn the_orgs_own_definitions_are_kept_and_msporgs_kept_in_step() {
    assert_eq!(outcome(None), Outcome::Created);
    assert_eq!(outcome(Some((Source::Local, true))), Outcome::Kept);
    assert_eq!(outcome(Some((Source::Local, false))), Outcome::Kept);
    assert_eq!(outcome(Some((Source::Msp, true))), Outcome::Unchanged);
    assert_eq!(outcome(Some((Source::Msp, false))), Outcome::Updated);
    assert_eq!(source("msp"), Source::Msp);
    assert_eq!(source("local"), Source::Local);
    assert_eq!(source("anything else"), Source::Local);
}

#[test]
fn the_vault_owns_three_kinds_and_ignores_the_others() {
    for kind in [
        OwnedKind::PasswordPolicies,
        OwnedKind::ResourceTypes,
        OwnedKind::AdditionalFields,
    ] {
        assert_eq!(OwnedKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(OwnedKind::parse("user_roles"), None);
}

#[test]
fn an_account_and_a_resource_field_of_one_name_are_two_definitions() {
    let field = |applies_to: &str| FieldDefinition {
        applies_to: applies_to.into(),
        name: "contract".into(),
        kind: "text".into(),
        required: false,
    };
    assert_ne!(field("resource").name(), field("account").name());
}
