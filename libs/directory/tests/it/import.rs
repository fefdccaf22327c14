use std::fmt::Write as _;

use strongroom_directory::{Directory, DirectoryError, ImportScope};
use strongroom_testkit::{SAMPLE_DIRECTORY_LDIF, Slapd, SlapdOptions};

use crate::{config, directory, sample, user, usernames};

#[tokio::test]
async fn importing_everything_returns_every_person_with_attributes_and_groups() {
    let slapd = sample();
    let users = directory(&slapd)
        .users(&ImportScope::Everything)
        .await
        .unwrap();

    // The meeting room has no uid and the service account is no person: neither is a user.
    assert_eq!(
        usernames(&users),
        ["asmith", "bchan", "cmiller", "dlee", "jdoe"]
    );
    let jdoe = user(&users, "jdoe");
    assert_eq!(
        jdoe.dn,
        "uid=jdoe,ou=Engineering,ou=People,dc=example,dc=com"
    );
    assert_eq!(jdoe.full_name.as_deref(), Some("John Doe"));
    assert_eq!(jdoe.email.as_deref(), Some("jdoe@example.com"));
    assert_eq!(jdoe.department.as_deref(), Some("Engineering"));
    assert_eq!(jdoe.location.as_deref(), Some("Berlin"));
    assert_eq!(jdoe.groups, ["dba", "netops"]);
    assert_eq!(user(&users, "asmith").groups, ["dba"]);
    assert!(user(&users, "cmiller").groups.is_empty());
}

#[tokio::test]
async fn importing_an_ou_returns_only_the_users_below_it() {
    let slapd = sample();
    let dir = directory(&slapd);

    let sales = ImportScope::OrganizationalUnit("Sales".into());
    assert_eq!(
        usernames(&dir.users(&sales).await.unwrap()),
        ["cmiller", "dlee"]
    );

    let by_dn =
        ImportScope::OrganizationalUnit("ou=Engineering,ou=People,dc=example,dc=com".into());
    let engineers = dir.users(&by_dn).await.unwrap();
    assert_eq!(usernames(&engineers), ["asmith", "bchan", "jdoe"]);
    assert_eq!(user(&engineers, "jdoe").groups, ["dba", "netops"]);
}

#[tokio::test]
async fn importing_a_group_returns_only_its_members() {
    let slapd = sample();
    let members = directory(&slapd)
        .users(&ImportScope::Group("netops".into()))
        .await
        .unwrap();
    assert_eq!(usernames(&members), ["bchan", "jdoe"]);
    assert_eq!(
        user(&members, "bchan").email.as_deref(),
        Some("bchan@example.com")
    );
}

#[tokio::test]
async fn without_member_of_groups_come_from_the_groups_themselves() {
    let slapd = sample();
    let mut config = config(&slapd.url);
    config.attributes.member_of = None;
    let dir = Directory::new(config, crate::egress()).unwrap();

    let users = dir.users(&ImportScope::Everything).await.unwrap();
    assert_eq!(user(&users, "jdoe").groups, ["dba", "netops"]);
    assert_eq!(user(&users, "bchan").groups, ["netops"]);
    assert!(user(&users, "dlee").groups.is_empty());

    let dbas = dir.users(&ImportScope::Group("dba".into())).await.unwrap();
    assert_eq!(usernames(&dbas), ["asmith", "jdoe"]);
    assert_eq!(user(&dbas, "asmith").groups, ["dba"]);
}

#[tokio::test]
async fn importing_a_missing_ou_or_group_says_not_found() {
    let slapd = sample();
    let dir = directory(&slapd);
    let scopes = [
        ImportScope::OrganizationalUnit("Marketing".into()),
        ImportScope::OrganizationalUnit("ou=Marketing,dc=example,dc=com".into()),
        ImportScope::Group("auditors".into()),
    ];
    for scope in scopes {
        let err = dir.users(&scope).await.unwrap_err();
        assert!(
            matches!(err, DirectoryError::NotFound(_)),
            "{scope:?}: {err:?}"
        );
    }
    // An OU outside the base DN is refused rather than read.
    let outside = ImportScope::OrganizationalUnit("ou=People,dc=other,dc=com".into());
    let err = dir.users(&outside).await.unwrap_err();
    assert!(matches!(err, DirectoryError::InvalidConfig(_)), "{err:?}");
}

#[tokio::test]
async fn the_attribute_map_comes_from_the_configuration() {
    let slapd = sample();
    let mut config = config(&slapd.url);
    config.attributes.username = "mail".into();
    config.attributes.full_name = Some("givenName".into());
    config.attributes.department = None;
    config.attributes.location = Some("departmentNumber".into());
    let dir = Directory::new(config, crate::egress()).unwrap();

    let users = dir.users(&ImportScope::Everything).await.unwrap();
    assert_eq!(users.len(), 5);
    let jdoe = user(&users, "jdoe@example.com");
    assert_eq!(jdoe.full_name.as_deref(), Some("John"));
    assert_eq!(jdoe.department, None);
    assert_eq!(jdoe.location.as_deref(), Some("Engineering"));

    // Logins use the mapped attribute too.
    let pass = crate::secret(&strongroom_testkit::sample_password("jdoe"));
    let found = dir.authenticate("jdoe@example.com", &pass).await.unwrap();
    assert_eq!(found.unwrap().dn, jdoe.dn);
    assert_eq!(dir.authenticate("jdoe", &pass).await.unwrap(), None);
}

/// slapd answers at most 500 entries per unpaged search (Active Directory: 1000), so a big
/// directory only imports completely with paging.
#[tokio::test]
async fn a_large_directory_is_imported_completely() {
    let mut ldif = SAMPLE_DIRECTORY_LDIF.to_owned();
    for i in 0..700 {
        write!(
            ldif,
            "\ndn: uid=user{i:03},ou=Sales,ou=People,dc=example,dc=com\n\
             objectClass: inetOrgPerson\nuid: user{i:03}\ncn: User {i}\nsn: User\n"
        )
        .unwrap();
    }
    let slapd = Slapd::start(&ldif).unwrap();
    let users = directory(&slapd)
        .users(&ImportScope::Everything)
        .await
        .unwrap();
    assert_eq!(users.len(), 705);
    assert!(users.iter().any(|u| u.username == "user699"));
}

#[tokio::test]
async fn an_import_cut_short_by_a_size_limit_fails_instead_of_returning_part() {
    let options = SlapdOptions {
        size_limit: Some(3),
        ..SlapdOptions::default()
    };
    let slapd = Slapd::start_with(SAMPLE_DIRECTORY_LDIF, options).unwrap();
    let err = directory(&slapd)
        .users(&ImportScope::Everything)
        .await
        .unwrap_err();
    match err {
        DirectoryError::SizeLimit(message) => assert!(message.contains("size limit"), "{message}"),
        other => panic!("expected a search error, got {other:?}"),
    }
}
