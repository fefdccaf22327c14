use super::*;

fn row(org: OrgId, account: Uuid) -> OrgSecret {
    OrgSecret {
        org_id: org.0,
        secret: Arc::new(CurrentSecret {
            account_id: account,
            username: "root".into(),
            resource_id: Uuid::nil(),
            resource_name: "db".into(),
            owner_id: Uuid::nil(),
            version: 1,
            key_version: 1,
            ciphertext: vec![1, 2, 3],
            access_controlled: false,
        }),
    }
}

fn ids(found: &[OrgSecret]) -> Vec<Uuid> {
    found.iter().map(|f| f.secret.account_id).collect()
}

#[test]
fn a_small_org_is_kept_whole_until_its_generation_moves() {
    let cache = SecretCache::new(100);
    let org = OrgId::new();
    let (x, y, z) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let at = |g: i64| HashMap::from([(org, g)]);

    let (found, reads) = cache.take(&at(1), vec![(org, vec![x])]);
    assert!(found.is_empty());
    assert!(reads.len() == 1 && reads[0].whole && reads[0].wanted == vec![x]);
    let (found, again) = cache.keep(&at(1), &reads, vec![row(org, x), row(org, y)]);
    assert_eq!((ids(&found), again.len()), (vec![x], 0));

    // Kept whole: a kept account needs no read, nor does one the org does not have.
    let (found, reads) = cache.take(&at(1), vec![(org, vec![y, z])]);
    assert_eq!((ids(&found), reads.len()), (vec![y], 0));

    // A change anywhere in the org: nothing kept of it is used.
    let (found, reads) = cache.take(&at(2), vec![(org, vec![y])]);
    assert!(found.is_empty() && reads.len() == 1 && reads[0].whole);
    // An org without a generation is read, never kept.
    let (found, reads) = cache.take(&HashMap::new(), vec![(org, vec![y])]);
    assert!(found.is_empty() && reads.len() == 1 && !reads[0].whole);
}

#[test]
fn a_large_org_is_read_by_account_after_its_first_read() {
    let cache = SecretCache::new(10_000);
    let org = OrgId::new();
    let at = HashMap::from([(org, 1)]);
    let wanted = Uuid::new_v4();
    let (_, reads) = cache.take(&at, vec![(org, vec![wanted])]);
    assert!(reads[0].whole);
    let first: Vec<OrgSecret> = (0..=WHOLE_ORG_ACCOUNTS)
        .map(|_| row(org, Uuid::new_v4()))
        .collect();
    let (found, again) = cache.keep(&at, &reads, first);
    assert!(found.is_empty());
    assert!(again.len() == 1 && !again[0].whole && again[0].wanted == vec![wanted]);
    let (found, again) = cache.keep(&at, &again, vec![row(org, wanted)]);
    assert_eq!((ids(&found), again.len()), (vec![wanted], 0));

    let other = Uuid::new_v4();
    let (_, reads) = cache.take(&at, vec![(org, vec![other])]);
    assert!(reads.len() == 1 && !reads[0].whole, "read by account only");
}

#[test]
fn the_cache_never_keeps_more_accounts_than_its_capacity() {
    let cache = SecretCache::new(3);
    let (a, b) = (OrgId::new(), OrgId::new());
    let at = HashMap::from([(a, 1), (b, 1)]);
    let (ax, bx) = (Uuid::new_v4(), Uuid::new_v4());
    let (_, reads) = cache.take(&at, vec![(a, vec![ax]), (b, vec![bx])]);
    let rows = vec![
        row(a, ax),
        row(a, Uuid::new_v4()),
        row(b, bx),
        row(b, Uuid::new_v4()),
    ];
    let (found, _) = cache.keep(&at, &reads, rows);
    assert_eq!(found.len(), 2, "what was read is answered either way");
    let kept = cache.kept.lock().unwrap();
    let counted: usize = kept.orgs.values().map(|o| o.secrets.len()).sum();
    assert!(kept.accounts <= 3 && counted == kept.accounts);
}

fn owned(org: OrgId, account: Uuid, owner: Uuid) -> OrgSecret {
    let mut r = row(org, account);
    Arc::get_mut(&mut r.secret).unwrap().owner_id = owner;
    r
}

#[test]
fn an_owners_allowance_covers_the_rows_they_own_while_the_org_stands() {
    let cache = SecretCache::new(100);
    cache.hearing(true);
    let org = OrgId::new();
    let (user, other) = (Uuid::new_v4(), Uuid::new_v4());
    let (x, y, theirs) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let at = |g: i64| HashMap::from([(org, g)]);
    let (_, reads) = cache.take(&at(1), vec![(org, vec![x])]);
    let rows = vec![
        owned(org, x, user),
        owned(org, y, user),
        owned(org, theirs, other),
    ];
    cache.keep(&at(1), &reads, rows);

    // Given at another generation, or for a row the user does not own: not kept.
    cache.allow(&at(2), &[(org, x, user)]);
    cache.allow(&at(1), &[(org, theirs, user)]);
    assert!(!cache.allowed(&at(1), org, x, user));
    cache.allow(&at(1), &[(org, x, user)]);
    assert!(cache.allowed(&at(1), org, x, user));
    assert!(cache.allowed(&at(1), org, y, user), "every row they own");
    assert!(
        !cache.allowed(&at(1), org, theirs, user),
        "not another owner's"
    );
    assert!(!cache.allowed(&at(1), org, x, other), "not another user");
    let peeked = cache.peek(&[
        (org, y, user),
        (org, theirs, user),
        (org, Uuid::new_v4(), user),
    ]);
    assert!(peeked[0].as_ref().is_some_and(|p| p.allowed));
    assert!(peeked[1].as_ref().is_some_and(|p| !p.allowed) && peeked[2].is_none());

    // The org changes: the allowance goes with its rows.
    assert!(!cache.allowed(&at(2), org, x, user));
    cache.take(&at(2), vec![(org, vec![x])]);
    assert!(cache.kept.lock().unwrap().allowances == 0);
}

#[test]
fn allowances_are_kept_only_while_ticketing_changes_are_heard_and_paused_after_one() {
    let cache = SecretCache::new(100);
    let (org, other_org) = (OrgId::new(), OrgId::new());
    let user = Uuid::new_v4();
    let (x, y) = (Uuid::new_v4(), Uuid::new_v4());
    let at = HashMap::from([(org, 1), (other_org, 1)]);
    for (o, a) in [(org, x), (other_org, y)] {
        let (_, reads) = cache.take(&at, vec![(o, vec![a])]);
        cache.keep(&at, &reads, vec![owned(o, a, user)]);
    }
    let both = [(org, x, user), (other_org, y, user)];

    cache.allow(&at, &both);
    assert!(!cache.allowed(&at, org, x, user), "not hearing: none kept");

    cache.hearing(true);
    cache.allow(&at, &both);
    assert!(cache.allowed(&at, org, x, user) && cache.allowed(&at, other_org, y, user));

    cache.forget_allowances(org);
    assert!(!cache.allowed(&at, org, x, user), "forgotten");
    assert!(
        cache.allowed(&at, other_org, y, user),
        "another org's stays"
    );
    cache.allow(&at, &both);
    assert!(
        !cache.allowed(&at, org, x, user),
        "an answer arriving during the pause is not kept"
    );

    cache.hearing(false);
    assert!(
        !cache.allowed(&at, other_org, y, user),
        "hearing stopped: all forgotten"
    );
}

#[test]
fn a_large_org_is_loaded_in_the_background_once_at_a_time_and_paced() {
    let cache = SecretCache::new(10_000);
    let org = OrgId::new();
    let at = HashMap::from([(org, 1)]);
    assert!(cache.start_load(org).is_none(), "not known to be large yet");
    let (_, reads) = cache.take(&at, vec![(org, vec![Uuid::new_v4()])]);
    let first: Vec<OrgSecret> = (0..=WHOLE_ORG_ACCOUNTS)
        .map(|_| row(org, Uuid::new_v4()))
        .collect();
    cache.keep(&at, &reads, first);

    let load = cache.start_load(org).expect("a load starts");
    assert!(load.whole && load.limit == 10_000);
    assert!(cache.start_load(org).is_none(), "one at a time");
    cache.loaded(org, Duration::from_secs(3600));
    assert!(
        cache.start_load(org).is_none(),
        "paced by the last load's time"
    );

    let all: Vec<OrgSecret> = (0..2_000).map(|_| row(org, Uuid::new_v4())).collect();
    let wanted = all[1_500].secret.account_id;
    cache.keep(&at, std::slice::from_ref(&load), all);
    let (found, reads) = cache.take(&at, vec![(org, vec![wanted, Uuid::new_v4()])]);
    assert_eq!((ids(&found), reads.len()), (vec![wanted], 0), "kept whole");
}

#[test]
fn an_org_larger_than_the_cache_is_never_loaded_again() {
    let cache = SecretCache::new(1_500);
    let org = OrgId::new();
    let at = HashMap::from([(org, 1)]);
    let (_, reads) = cache.take(&at, vec![(org, vec![Uuid::new_v4()])]);
    let first: Vec<OrgSecret> = (0..=WHOLE_ORG_ACCOUNTS)
        .map(|_| row(org, Uuid::new_v4()))
        .collect();
    cache.keep(&at, &reads, first);
    let load = cache.start_load(org).expect("a load starts");
    let all: Vec<OrgSecret> = (0..=1_500).map(|_| row(org, Uuid::new_v4())).collect();
    cache.keep(&at, std::slice::from_ref(&load), all);
    cache.loaded(org, Duration::ZERO);
    assert!(cache.start_load(org).is_none());
}
