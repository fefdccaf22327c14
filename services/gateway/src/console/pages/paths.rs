//! Paths built from ids: each id escaped as one path segment.

/// `text` as one path segment: every byte but letters, digits, `-`, `.`, `_` and `~`
/// escaped, so an id can never reach another route.
pub fn segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::segment;

    #[test]
    fn an_id_stays_one_path_segment() {
        assert_eq!(segment("0193-ab_c.d~"), "0193-ab_c.d~");
        assert_eq!(segment("../x/y?z#"), "..%2Fx%2Fy%3Fz%23");
        assert_eq!(segment("a b%"), "a%20b%25");
    }
}
