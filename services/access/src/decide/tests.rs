use std::collections::HashSet;

use strongroom_core::UserId;
use strongroom_proto::access::Operation;
use uuid::Uuid;

use super::*;
use crate::model::{
    Covers, Grant, Grantee, GranteeKind, Level, Row, Target, TargetKind, TargetRef,
};

/// One org: resource R with accounts A and B, resource S with account C, resource group G
/// holding R when it was shared; the caller is a member of `mine`, not of `theirs`.
struct World {
    me: UserId,
    owner: UserId,
    other: UserId,
    mine: Uuid,
    theirs: Uuid,
    r: Uuid,
    a: Uuid,
    b: Uuid,
    s: Uuid,
    c: Uuid,
    g: Uuid,
}

impl World {
    fn new() -> Self {
        Self {
            me: UserId::new(),
            owner: UserId::new(),
            other: UserId::new(),
            mine: Uuid::new_v4(),
            theirs: Uuid::new_v4(),
            r: Uuid::new_v4(),
            a: Uuid::new_v4(),
            b: Uuid::new_v4(),
            s: Uuid::new_v4(),
            c: Uuid::new_v4(),
            g: Uuid::new_v4(),
        }
    }

    fn row(&self, resource: Uuid, account: Option<Uuid>) -> Row {
        Row {
            resource,
            account,
            owner: self.owner,
        }
    }

    fn covers(&self, kind: TargetKind) -> Covers {
        match kind {
            TargetKind::Account => Covers::Account {
                account: self.a,
                resource: self.r,
            },
            TargetKind::Resource => Covers::Resource(self.r),
            TargetKind::ResourceGroup => Covers::ResourceGroup {
                group: self.g,
                resources: HashSet::from([self.r]),
            },
        }
    }

    /// The grants that reach the caller when `grantee` holds a share of `kind` at `level`.
    fn grants(&self, grantee: Grantee, kind: TargetKind, level: Level) -> Vec<Grant> {
        if reaches(grantee, self.me, &[self.mine]) {
            vec![Grant {
                level,
                covers: self.covers(kind),
                use_only: false,
            }]
        } else {
            Vec::new()
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Reach {
    /// The password in full, at the share's level.
    Full,
    /// Only seen in a listing (the resource of a shared account).
    Sight,
    None,
}

#[test]
fn every_level_target_and_grantee_decides_as_documented() {
    let w = World::new();
    let rows = [
        ("account A", w.row(w.r, Some(w.a))),
        ("account B", w.row(w.r, Some(w.b))),
        ("resource R", w.row(w.r, None)),
        ("resource S", w.row(w.s, None)),
        ("account C", w.row(w.s, Some(w.c))),
    ];
    // What a share of each kind covers, row by row (the order of `rows`).
    let coverage = [
        (
            TargetKind::Account,
            [
                Reach::Full,
                Reach::None,
                Reach::Sight,
                Reach::None,
                Reach::None,
            ],
        ),
        (
            TargetKind::Resource,
            [
                Reach::Full,
                Reach::Full,
                Reach::Full,
                Reach::None,
                Reach::None,
            ],
        ),
        (
            TargetKind::ResourceGroup,
            [
                Reach::Full,
                Reach::Full,
                Reach::Full,
                Reach::None,
                Reach::None,
            ],
        ),
    ];
    // What each level allows: reveal, edit, share, delete.
    let operations = [
        ("reveal", Operation::Reveal),
        ("edit", Operation::Modify),
        ("share", Operation::Manage),
        ("delete", Operation::Manage),
    ];
    let levels = [
        (Level::View, [true, false, false, false]),
        (Level::Modify, [true, true, false, false]),
        (Level::Full, [true, true, true, true]),
    ];
    let grantees = [
        (
            "the user",
            Grantee {
                kind: GranteeKind::User,
                id: w.me.0,
            },
            true,
        ),
        (
            "their group",
            Grantee {
                kind: GranteeKind::UserGroup,
                id: w.mine,
            },
            true,
        ),
        (
            "another group",
            Grantee {
                kind: GranteeKind::UserGroup,
                id: w.theirs,
            },
            false,
        ),
        (
            "another user",
            Grantee {
                kind: GranteeKind::User,
                id: w.other.0,
            },
            false,
        ),
    ];
    let mut cases = 0;
    for (kind, reach) in coverage {
        for (level, allowed) in levels {
            for (who, grantee, counts) in grantees {
                let grants = w.grants(grantee, kind, level);
                for ((row_name, row), reach) in rows.iter().zip(reach) {
                    let seen = counts && reach != Reach::None;
                    assert_eq!(
                        decide(w.me, &grants, row, Operation::View).allowed,
                        seen,
                        "view {row_name} with {level:?} on {kind:?} shared with {who}"
                    );
                    for ((op_name, op), allowed) in operations.iter().zip(allowed) {
                        let expected = counts && reach == Reach::Full && allowed;
                        let decision = decide(w.me, &grants, row, *op);
                        assert_eq!(
                            decision.allowed, expected,
                            "{op_name} {row_name} with {level:?} on {kind:?} shared with {who}"
                        );
                        assert!(!decision.as_owner);
                        cases += 1;
                    }
                }
            }
        }
    }
    assert_eq!(cases, 3 * 3 * 4 * 5 * 4);
}

#[test]
fn the_highest_of_the_users_and_their_groups_shares_counts() {
    let w = World::new();
    let grants = [
        Grant {
            level: Level::View,
            covers: w.covers(TargetKind::Account),
            use_only: false,
        },
        Grant {
            level: Level::Full,
            covers: w.covers(TargetKind::ResourceGroup),
            use_only: false,
        },
    ];
    let a = w.row(w.r, Some(w.a));
    assert!(decide(w.me, &grants, &a, Operation::Manage).allowed);
    assert!(decide(w.me, &grants[..1], &a, Operation::Reveal).allowed);
    assert!(!decide(w.me, &grants[..1], &a, Operation::Modify).allowed);
}

#[test]
fn the_owner_may_do_anything_and_nothing_is_unspecified() {
    let w = World::new();
    let own = Row {
        resource: w.r,
        account: Some(w.a),
        owner: w.me,
    };
    for op in [
        Operation::View,
        Operation::Reveal,
        Operation::Modify,
        Operation::Manage,
    ] {
        assert_eq!(decide(w.me, &[], &own, op), Decision::OWNER);
    }
    assert_eq!(
        decide(w.me, &[], &own, Operation::Unspecified),
        Decision::REFUSED
    );
    let full = [Grant {
        level: Level::Full,
        covers: w.covers(TargetKind::Resource),
        use_only: false,
    }];
    let a = w.row(w.r, Some(w.a));
    assert_eq!(
        decide(w.me, &full, &a, Operation::Unspecified),
        Decision::REFUSED
    );
    // A share's allowance is not an owner's: it may end at any time.
    assert_eq!(decide(w.me, &full, &a, Operation::Reveal), Decision::SHARED);
}

#[test]
fn only_the_owner_and_full_access_may_share() {
    let w = World::new();
    let target = |kind: TargetKind| {
        let (id, resource) = match kind {
            TargetKind::Account => (w.a, Some(w.r)),
            TargetKind::Resource => (w.r, Some(w.r)),
            TargetKind::ResourceGroup => (w.g, None),
        };
        Target {
            at: TargetRef { kind, id },
            owner: w.owner,
            resource,
            name: String::new(),
            resources: vec![(w.r, w.owner)],
            trashed: false,
            dynamic: false,
            access_controlled: false,
        }
    };
    for kind in [
        TargetKind::Account,
        TargetKind::Resource,
        TargetKind::ResourceGroup,
    ] {
        assert!(may_share(w.owner, &[], &target(kind)));
        assert!(!may_share(w.me, &[], &target(kind)));
        for level in [Level::View, Level::Modify, Level::Full] {
            let grants = [Grant {
                level,
                covers: w.covers(kind),
                use_only: false,
            }];
            assert_eq!(
                may_share(w.me, &grants, &target(kind)),
                level == Level::Full,
                "{level:?} on {kind:?}"
            );
        }
    }
    // Full access to a resource is Full access to its accounts, not to a group holding it.
    let resource = [Grant {
        level: Level::Full,
        covers: w.covers(TargetKind::Resource),
        use_only: false,
    }];
    assert!(may_share(w.me, &resource, &target(TargetKind::Account)));
    assert!(!may_share(
        w.me,
        &resource,
        &target(TargetKind::ResourceGroup)
    ));
}

#[test]
fn a_listing_shows_exactly_the_rows_a_check_allows() {
    let w = World::new();
    let rows = [
        w.row(w.r, Some(w.a)),
        w.row(w.r, Some(w.b)),
        w.row(w.r, None),
        w.row(w.s, None),
        w.row(w.s, Some(w.c)),
        Row {
            resource: w.s,
            account: None,
            owner: w.me,
        },
    ];
    for kind in [
        TargetKind::Account,
        TargetKind::Resource,
        TargetKind::ResourceGroup,
    ] {
        for level in [Level::View, Level::Modify, Level::Full] {
            let grants = [Grant {
                level,
                covers: w.covers(kind),
                use_only: false,
            }];
            for op in [
                Operation::View,
                Operation::Reveal,
                Operation::Modify,
                Operation::Manage,
                Operation::Unspecified,
            ] {
                let scope = scope(w.me, &grants, op);
                for row in &rows {
                    // The vault's listing: owned, a listed resource, a listed account, or
                    // (for a resource) one of its accounts listed.
                    let account_of_resource = row.account.is_none()
                        && op == Operation::View
                        && scope
                            .accounts
                            .iter()
                            .any(|a| *a == w.a && row.resource == w.r);
                    let listed = scope.owners.contains(&row.owner)
                        || scope.resources.contains(&row.resource)
                        || row.account.is_some_and(|a| scope.accounts.contains(&a))
                        || account_of_resource;
                    assert_eq!(
                        listed,
                        decide(w.me, &grants, row, op).allowed,
                        "{op:?} {row:?} with {level:?} on {kind:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn a_share_for_use_without_seeing_shows_the_row_and_never_its_password() {
    let w = World::new();
    let grants = [Grant {
        level: Level::Full,
        covers: w.covers(TargetKind::Resource),
        use_only: true,
    }];
    let row = w.row(w.r, Some(w.a));
    assert_eq!(
        decide(w.me, &grants, &row, Operation::View),
        Decision::SHARED
    );
    assert_eq!(
        decide(w.me, &grants, &row, Operation::Modify),
        Decision::SHARED
    );
    assert_eq!(
        decide(w.me, &grants, &row, Operation::Reveal),
        Decision::REFUSED
    );
    assert!(scope(w.me, &grants, Operation::Reveal).resources.is_empty());
    assert_eq!(scope(w.me, &grants, Operation::View).resources, vec![w.r]);
    // Its owner still sees it.
    let own = Row { owner: w.me, ..row };
    assert_eq!(
        decide(w.me, &grants, &own, Operation::Reveal),
        Decision::OWNER
    );
}
