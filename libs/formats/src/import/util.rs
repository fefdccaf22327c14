//! Small helpers shared by the parsers.

use super::MAX_FIELD_BYTES;

/// A column or field name as a message shows it: at most 64 characters.
pub(super) fn shown(name: &str) -> String {
    const MAX: usize = 64;
    match name.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &name[..cut]),
        None => name.to_owned(),
    }
}

/// The host of a URL (`https://user@db1.example.com:8443/x` → `db1.example.com`), or of a
/// bare `host[:port][/path]`; empty when there is none.
pub(super) fn url_host(url: &str) -> String {
    let url = url.trim();
    let rest = match url.find("://") {
        Some(at) => &url[at + 3..],
        None => url,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = if let Some(bracketed) = host_port.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    if host.chars().any(char::is_whitespace) {
        return String::new();
    }
    host.to_owned()
}

/// A group path from `a/b/c`: trimmed, without empty segments.
pub(super) fn group_path(value: &str) -> Vec<String> {
    // `/` separates groups; `\/` and `\\` are a slash and a backslash inside a name (as the
    // CSV export writes them).
    let mut path = Vec::new();
    let mut segment = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => segment.push(chars.next().unwrap_or('\\')),
            '/' => path.push(std::mem::take(&mut segment)),
            other => segment.push(other),
        }
    }
    path.push(segment);
    path.into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A cell as written before the CSV export neutralised it: one leading `'` before `=`, `+`,
/// `-`, `@`, a tab, a carriage return or another `'` is dropped; nothing else changes.
pub(super) fn unneutralized(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']) => rest,
        _ => cell,
    }
}

/// The reason a field of `len` bytes is rejected, if it is over the limit.
pub(super) fn over_limit(name: &str, len: usize) -> Option<String> {
    (len > MAX_FIELD_BYTES).then(|| {
        format!(
            "the field \"{}\" holds {} bytes, more than the limit of {} bytes",
            shown(name),
            len,
            MAX_FIELD_BYTES
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_paths_read_the_exports_escapes() {
        assert_eq!(group_path("a/b"), ["a", "b"]);
        assert_eq!(group_path("Linux\\/Unix/C:\\\\"), ["Linux/Unix", "C:\\"]);
        assert_eq!(group_path(" / a //"), ["a"]);
    }

    #[test]
    fn a_neutralised_cell_reads_as_written() {
        assert_eq!(unneutralized("'=1+2"), "=1+2");
        assert_eq!(unneutralized("''abc"), "'abc");
        assert_eq!(unneutralized("'-x9"), "-x9");
        assert_eq!(unneutralized("'abc"), "'abc");
        assert_eq!(unneutralized("plain"), "plain");
    }

    #[test]
    fn hosts_come_out_of_urls_and_bare_names() {
        assert_eq!(
            url_host("https://user:pw@db1.example.com:8443/x?y"),
            "db1.example.com"
        );
        assert_eq!(url_host("ssh://[2001:db8::1]:22"), "2001:db8::1");
        assert_eq!(url_host("10.0.0.5:3389"), "10.0.0.5");
        assert_eq!(url_host("intranet/login"), "intranet");
        assert_eq!(url_host(""), "");
        assert_eq!(url_host("not a url"), "");
    }

    #[test]
    fn group_paths_drop_empty_segments() {
        assert_eq!(
            group_path(" Databases / Production/ "),
            ["Databases", "Production"]
        );
        assert!(group_path("").is_empty());
    }

    #[test]
    fn shown_names_are_cut() {
        assert_eq!(shown("short"), "short");
        assert_eq!(shown(&"é".repeat(100)).chars().count(), 67);
    }
}
