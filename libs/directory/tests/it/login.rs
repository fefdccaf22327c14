use strongroom_testkit::sample_password;

use crate::{directory, sample, secret};

#[tokio::test]
async fn the_right_password_logs_in_with_directory_attributes() {
    let slapd = sample();
    let pass = secret(&sample_password("jdoe"));
    let user = directory(&slapd)
        .authenticate("jdoe", &pass)
        .await
        .unwrap()
        .expect("jdoe logs in");
    assert_eq!(
        user.dn,
        "uid=jdoe,ou=Engineering,ou=People,dc=example,dc=com"
    );
    assert_eq!(user.email.as_deref(), Some("jdoe@example.com"));
    assert_eq!(user.location.as_deref(), Some("Berlin"));
    assert_eq!(user.groups, ["dba", "netops"]);
}

#[tokio::test]
async fn usernames_match_without_case_and_come_back_as_stored() {
    let slapd = sample();
    let pass = secret(&sample_password("asmith"));
    let user = directory(&slapd)
        .authenticate(" ASmith", &pass)
        .await
        .unwrap();
    assert_eq!(user.unwrap().username, "asmith");
}

#[tokio::test]
async fn a_wrong_password_or_unknown_user_is_refused() {
    let slapd = sample();
    let dir = directory(&slapd);
    let jdoe_pass = secret(&sample_password("jdoe"));
    // Another user's password, a near miss, and a user that does not exist.
    assert_eq!(dir.authenticate("asmith", &jdoe_pass).await.unwrap(), None);
    let near = secret("jdoe-pass-2");
    assert_eq!(dir.authenticate("jdoe", &near).await.unwrap(), None);
    assert_eq!(dir.authenticate("nobody", &jdoe_pass).await.unwrap(), None);
}

#[tokio::test]
async fn an_empty_password_is_refused_without_asking_the_directory() {
    let mut slapd = sample();
    let dir = directory(&slapd);
    let dn = "uid=jdoe,ou=Engineering,ou=People,dc=example,dc=com";

    // The pitfall: this directory (like AD) accepts a DN with an empty password as a bind.
    let (conn, mut ldap) = ldap3::LdapConnAsync::new(&slapd.url).await.unwrap();
    ldap3::drive!(conn);
    assert_eq!(ldap.simple_bind(dn, "").await.unwrap().rc, 0);

    assert_eq!(dir.authenticate("jdoe", &secret("")).await.unwrap(), None);
    assert_eq!(dir.authenticate("", &secret("")).await.unwrap(), None);
    // Not even a connection is made: a stopped directory gives the same answer.
    slapd.stop();
    assert_eq!(dir.authenticate("jdoe", &secret("")).await.unwrap(), None);
}

#[tokio::test]
async fn filter_syntax_in_a_username_is_taken_literally() {
    let slapd = sample();
    let dir = directory(&slapd);
    let pass = secret(&sample_password("jdoe"));
    // Unescaped, "jdo*" would find jdoe and log in with his password.
    for attack in ["jdo*", "*", "*)(uid=*", "jdoe)(|(uid=*", "jdoe\\", "jdoe\0"] {
        let found = dir.authenticate(attack, &pass).await.unwrap();
        assert_eq!(found, None, "{attack:?}");
    }
}
