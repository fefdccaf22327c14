use super::*;

fn user() -> UserId {
    UserId(Uuid::new_v4())
}

fn approver(user: UserId, groups: &[Uuid], administrator: bool, msp_staff: bool) -> Approver {
    Approver {
        user,
        groups: groups.to_vec(),
        administrator,
        msp_staff,
    }
}

fn approve(by: UserId, for_: &Requirement) -> Given {
    Given {
        approver: by,
        approved: true,
        counted_for: for_.key(),
    }
}

#[test]
fn a_policy_without_groups_needs_one_administrator() {
    assert_eq!(
        requirements(&[], false, false),
        vec![Requirement::Administrator]
    );
    // The client-admin rule applies to MSP staff's requests only.
    assert_eq!(
        requirements(&[], true, false),
        vec![Requirement::Administrator]
    );
    assert_eq!(
        requirements(&[], true, true),
        vec![Requirement::ClientAdmin]
    );
}

#[test]
fn two_groups_need_two_different_people() {
    let (leads, admins) = (Uuid::new_v4(), Uuid::new_v4());
    let needed = requirements(
        &[
            (leads, "DBA leads".into()),
            (admins, "Client admins".into()),
        ],
        false,
        false,
    );
    let requester = user();
    let both = approver(user(), &[leads, admins], false, false);
    let first = may_decide(&both, requester, &needed, &[]).expect("may approve");
    assert_eq!(first, needed[0]);
    let given = vec![approve(both.user, &first)];
    // The same person cannot meet the second group's requirement too.
    assert_eq!(
        may_decide(&both, requester, &needed, &given),
        Err(NotYours::AlreadyDecided)
    );
    // A lead alone cannot meet what only the second group may give.
    let lead = approver(user(), &[leads], false, false);
    assert_eq!(
        may_decide(&lead, requester, &needed, &given),
        Err(NotYours::NotAnApprover)
    );
    let admin = approver(user(), &[admins], false, false);
    let second = may_decide(&admin, requester, &needed, &given).expect("may approve");
    assert_eq!(second, needed[1]);
    let given = [given, vec![approve(admin.user, &second)]].concat();
    assert!(unmet(&needed, &given).is_empty());
}

#[test]
fn nobody_approves_their_own_request_whatever_they_hold() {
    let leads = Uuid::new_v4();
    let needed = requirements(&[(leads, "DBA leads".into())], true, true);
    let me = user();
    let mighty = approver(me, &[leads], true, false);
    assert_eq!(
        may_decide(&mighty, me, &needed, &[]),
        Err(NotYours::OwnRequest)
    );
}

#[test]
fn only_the_orgs_own_administrators_meet_the_client_admin_rule() {
    let needed = requirements(&[], true, true);
    let requester = user();
    let msp_admin = approver(user(), &[], true, true);
    assert_eq!(
        may_decide(&msp_admin, requester, &needed, &[]),
        Err(NotYours::NotAnApprover)
    );
    let client_admin = approver(user(), &[], true, false);
    assert_eq!(
        may_decide(&client_admin, requester, &needed, &[]),
        Ok(Requirement::ClientAdmin)
    );
    let member = approver(user(), &[], false, false);
    assert_eq!(
        may_decide(&member, requester, &needed, &[]),
        Err(NotYours::NotAnApprover)
    );
}

#[test]
fn a_requests_status_follows_the_clock() {
    let now = Utc::now();
    let minute = Duration::minutes(1);
    let base = Timeline {
        decided: None,
        lapses_at: now + minute,
        ends_at: now + minute * 10,
        checked_out_at: None,
        checked_in_at: None,
    };
    assert_eq!(status(&base, now), Status::Pending);
    assert_eq!(status(&base, now + minute), Status::Lapsed);
    let rejected = Timeline {
        decided: Some(false),
        ..base
    };
    assert_eq!(status(&rejected, now + minute * 20), Status::Rejected);
    let approved = Timeline {
        decided: Some(true),
        ..base
    };
    assert_eq!(status(&approved, now + minute * 5), Status::Approved);
    assert_eq!(status(&approved, now + minute * 10), Status::Expired);
    let out = Timeline {
        checked_out_at: Some(now),
        ..approved
    };
    assert_eq!(status(&out, now + minute * 5), Status::CheckedOut);
    assert_eq!(status(&out, now + minute * 10), Status::Ended);
    let back = Timeline {
        checked_in_at: Some(now + minute),
        ..out
    };
    assert_eq!(status(&back, now + minute * 2), Status::CheckedIn);
}

#[test]
fn windows_are_checked_against_the_policy() {
    let now = Utc::now();
    let minute = Duration::minutes(1);
    assert_eq!(
        window(None, now + minute * 30, now, 60),
        Ok((now, now + minute * 30))
    );
    // A start in the past means now.
    assert_eq!(
        window(Some(now - minute), now + minute, now, 60),
        Ok((now, now + minute))
    );
    assert!(window(None, now + minute * 61, now, 60).is_err());
    assert!(window(None, now - minute, now, 60).is_err());
    assert!(window(Some(now + minute * 10), now + minute * 5, now, 60).is_err());
    assert!(
        window(
            Some(now + Duration::days(31)),
            now + Duration::days(31) + minute,
            now,
            60
        )
        .is_err()
    );
    // An unanswered request lapses at the window's end at the latest.
    assert_eq!(lapses_at(now, now + minute * 5, 60), now + minute * 5);
    assert_eq!(lapses_at(now, now + minute * 500, 60), now + minute * 60);
}
