use super::*;
use chrono::{Duration, Utc};

fn user(id: Uuid) -> UserRow {
    UserRow {
        id,
        username: "u".into(),
        full_name: String::new(),
        email: String::new(),
        department: String::new(),
        location: String::new(),
        role: "password_user".into(),
        status: "active".into(),
        source: "local".into(),
        password_hash: None,
        password_changed_at: None,
        directory_dn: None,
        token_version: 0,
        created_at: Utc::now() - Duration::days(400),
        must_change_password: false,
        created_by: None,
        password_set_by: None,
        password_set_at: None,
        last_login_at: Some(Utc::now()),
        administrator_since: None,
    }
}

#[test]
fn a_transfer_to_someone_the_requester_may_control_waits() {
    let (me, now) = (Uuid::new_v4(), Utc::now());
    let colleague = user(Uuid::new_v4());
    assert_eq!(needs_approval(&colleague, me, now), None);
    assert!(needs_approval(&user(me), me, now).is_some());
    let never = UserRow {
        last_login_at: None,
        ..user(Uuid::new_v4())
    };
    assert!(needs_approval(&never, me, now).is_some());
    let made = |days: i64| UserRow {
        created_by: Some(me),
        created_at: now - Duration::days(days),
        ..user(Uuid::new_v4())
    };
    assert!(needs_approval(&made(29), me, now).is_some());
    assert_eq!(needs_approval(&made(31), me, now), None);
    assert_eq!(needs_approval(&made(1), Uuid::new_v4(), now), None);
    let reset = |days: i64| UserRow {
        password_set_by: Some(me),
        password_set_at: Some(now - Duration::days(days)),
        ..user(Uuid::new_v4())
    };
    assert!(needs_approval(&reset(2), me, now).is_some());
    assert_eq!(needs_approval(&reset(40), me, now), None);
}

#[test]
fn an_approver_predates_the_request_and_is_not_the_requesters() {
    let requester = Uuid::new_v4();
    let asked = Utc::now();
    let transfer = TransferRow {
        id: Uuid::new_v4(),
        from_user_id: Uuid::new_v4(),
        from_username: "a".into(),
        to_user_id: requester,
        to_username: "r".into(),
        requested_by_name: "r".into(),
        delete_user: false,
        status: PENDING.into(),
        resources: 0,
        requested_at: asked,
        decided_by: None,
        decided_at: None,
        requested_by: requester,
    };
    let admin = |since: Option<i64>, by: Option<Uuid>| UserRow {
        administrator_since: since.map(|s| asked + Duration::seconds(s)),
        created_by: by,
        ..user(Uuid::new_v4())
    };
    let may = |approver: UserRow| may_approve(&approver, requester, transfer.requested_at);
    assert!(may(admin(Some(-60), None)).is_ok());
    assert!(may(admin(Some(60), None)).is_err());
    assert!(may(admin(None, None)).is_err());
    assert!(may(admin(Some(-60), Some(requester))).is_err());
}
