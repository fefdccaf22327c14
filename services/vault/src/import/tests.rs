use super::*;

#[test]
fn field_names_become_keys() {
    assert_eq!(field_key("Port"), "port");
    assert_eq!(field_key(" Service Name (SID) "), "service_name_sid");
    assert_eq!(field_key("URI 2"), "uri_2");
}
