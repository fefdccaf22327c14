use strongroom_directory::{Directory, DirectoryError};
use strongroom_testkit::{SAMPLE_DIRECTORY_LDIF, Slapd, SlapdOptions, sample_password};

use crate::{config, secret};

fn tls_slapd() -> Slapd {
    let options = SlapdOptions {
        tls: true,
        ..SlapdOptions::default()
    };
    Slapd::start_with(SAMPLE_DIRECTORY_LDIF, options).unwrap()
}

#[tokio::test]
async fn ldaps_and_starttls_work_with_the_configured_ca() {
    let slapd = tls_slapd();
    let pass = secret(&sample_password("jdoe"));

    let mut ldaps = config(slapd.ldaps_url.as_deref().unwrap());
    ldaps.ca_certificate_pem = slapd.ca_pem.clone();
    let dir = Directory::new(ldaps, crate::egress()).unwrap();
    assert!(dir.authenticate("jdoe", &pass).await.unwrap().is_some());

    // The certificate also names localhost, so a host name verifies as well as the IP.
    let mut starttls = config(&slapd.url.replace("127.0.0.1", "localhost"));
    starttls.starttls = true;
    starttls.ca_certificate_pem = slapd.ca_pem.clone();
    let dir = Directory::new(starttls, crate::egress()).unwrap();
    assert!(dir.authenticate("jdoe", &pass).await.unwrap().is_some());
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused() {
    let slapd = tls_slapd();
    for starttls in [false, true] {
        let url = match starttls {
            false => slapd.ldaps_url.clone().unwrap(),
            true => slapd.url.clone(),
        };
        let mut config = config(&url);
        config.starttls = starttls;
        let err = Directory::new(config, crate::egress())
            .unwrap()
            .test_connection()
            .await
            .unwrap_err();
        match err {
            DirectoryError::TlsFailed(_) => {}
            other => panic!("expected a TLS failure, got {other:?}"),
        }
    }
}
