use super::*;

#[test]
fn a_form_from_another_site_is_refused() {
    let mut headers = HeaderMap::new();
    headers.insert(header::HOST, HeaderValue::from_static("pam.example:8443"));
    assert!(same_site(&Method::POST, &headers));
    headers.insert(
        header::ORIGIN,
        HeaderValue::from_static("https://pam.example:8443"),
    );
    assert!(same_site(&Method::POST, &headers));
    headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
    assert!(same_site(&Method::POST, &headers));
    headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
    assert!(!same_site(&Method::POST, &headers));
    headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
    headers.insert(
        header::ORIGIN,
        HeaderValue::from_static("https://evil.example"),
    );
    assert!(!same_site(&Method::POST, &headers));
    assert!(same_site(&Method::GET, &headers));
}

#[test]
fn the_most_specific_cookie_wins() {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::COOKIE,
        HeaderValue::from_static("sr_org=inner; sr_csrf=a; sr_org=outer"),
    );
    let jar = cookies(&headers);
    assert_eq!(jar.get("sr_org").map(String::as_str), Some("inner"));
    assert_eq!(strongroom_auth::random_token(CSRF_BYTES).len(), CSRF_LEN);
}
