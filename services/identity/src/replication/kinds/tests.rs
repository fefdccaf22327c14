use super::*;
use serde_json::json;

#[test]
fn a_conflicting_role_is_renamed_or_overwritten_as_chosen() {
    use OnConflict::{Overwrite, Rename};
    assert_eq!(renamed("Auditors"), "Auditors - MSP");
    // No role of that name: MSPOrg's keeps its name whatever the choice.
    for mode in [Overwrite, Rename] {
        assert_eq!(role_destination("Auditors", None, mode), "Auditors");
    }
    // The client org's own role.
    let own = Some(("auditors", "local"));
    assert_eq!(role_destination("Auditors", own, Rename), "Auditors - MSP");
    assert_eq!(role_destination("Auditors", own, Overwrite), "auditors");
    // A role replication already made is updated, never added again.
    let ours = Some(("Auditors", SOURCE));
    assert_eq!(role_destination("Auditors", ours, Rename), "Auditors");
    assert_eq!(role_destination("Auditors", ours, Overwrite), "Auditors");
}

#[test]
fn the_conflict_choice_comes_from_the_saved_options() {
    assert_eq!(
        OnConflict::from_options(&json!({"on_conflict": "overwrite"})),
        OnConflict::Overwrite
    );
    assert_eq!(
        OnConflict::from_options(&json!({"on_conflict": "rename"})),
        OnConflict::Rename
    );
    // Anything unclear never overwrites a client org's role.
    assert_eq!(OnConflict::from_options(&json!({})), OnConflict::Rename);
    assert_eq!(OnConflict::from_options(&Value::Null), OnConflict::Rename);
    assert_eq!(OwnedKind::parse("user_roles"), Some(OwnedKind::UserRoles));
    assert_eq!(OwnedKind::parse("resource_groups"), None);
}
