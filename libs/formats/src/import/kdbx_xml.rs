//! What is checked of a KeePass file's decrypted XML before the `keepass` crate parses it:
//! its size, element depth, group depth, and no document type declaration.

use quick_xml::events::Event;

use super::{ImportError, MAX_GROUP_DEPTH, MAX_KEEPASS_XML_BYTES, MAX_XML_DEPTH};

/// Measures the decrypted XML with a streaming reader: its size, element depth, group
/// depth, and no document type declaration.
pub(super) fn check_xml(xml: &[u8]) -> Result<(), ImportError> {
    if xml.len() > MAX_KEEPASS_XML_BYTES {
        return Err(ImportError::KeepassTooLarge {
            limit: MAX_KEEPASS_XML_BYTES,
        });
    }
    let mut reader = quick_xml::Reader::from_reader(xml);
    // Whether each open element is a group.
    let mut open: Vec<bool> = Vec::new();
    let mut groups = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Start(start)) => {
                let group = start.name().into_inner() == "Group";
                open.push(group);
                if open.len() > MAX_XML_DEPTH {
                    return Err(ImportError::KeepassTooDeep {
                        what: "XML elements",
                        limit: MAX_XML_DEPTH,
                    });
                }
                if group {
                    groups += 1;
                    // The root group is not counted.
                    if groups > MAX_GROUP_DEPTH + 1 {
                        return Err(ImportError::KeepassTooDeep {
                            what: "groups",
                            limit: MAX_GROUP_DEPTH,
                        });
                    }
                }
            }
            Ok(Event::End(_)) => {
                if open.pop() == Some(true) {
                    groups = groups.saturating_sub(1);
                }
            }
            Ok(Event::DocType(_)) => return Err(ImportError::KeepassDoctype),
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(_) => return Err(ImportError::KeepassCorrupt),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_depth_groups_and_doctype_are_measured() {
        let nested = |n: usize| {
            format!(
                "<KeePassFile><Root>{}{}</Root></KeePassFile>",
                "<Group><Name>g</Name>".repeat(n),
                "</Group>".repeat(n)
            )
        };
        assert!(check_xml(nested(MAX_GROUP_DEPTH + 1).as_bytes()).is_ok());
        assert!(matches!(
            check_xml(nested(MAX_GROUP_DEPTH + 2).as_bytes()),
            Err(ImportError::KeepassTooDeep { what: "groups", .. })
        ));
        let deep = format!(
            "{}{}",
            "<a>".repeat(MAX_XML_DEPTH + 1),
            "</a>".repeat(MAX_XML_DEPTH + 1)
        );
        assert!(matches!(
            check_xml(deep.as_bytes()),
            Err(ImportError::KeepassTooDeep {
                what: "XML elements",
                ..
            })
        ));
        let laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><KeePassFile>&lol2;</KeePassFile>";
        assert!(matches!(
            check_xml(laughs.as_bytes()),
            Err(ImportError::KeepassDoctype)
        ));
    }
}
