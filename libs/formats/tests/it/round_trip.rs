//! What the export writes, the import reads back as it was: CSV and KeePass.

use strongroom_formats::export::{self, KeepassKdf};
use strongroom_formats::import::{self, Format, Options};
use strongroom_formats::{Entry, Field, FieldValue};
use zeroize::Zeroizing;

fn entries() -> Vec<Entry> {
    vec![
        Entry {
            resource_name: "db1".into(),
            resource_type: "PostgreSQL".into(),
            host: "db1.acme.test".into(),
            url: "https://db1.acme.test".into(),
            department: "Finance".into(),
            location: "Paris".into(),
            description: "ledger, \"primary\"".into(),
            resource_notes: "two\nlines".into(),
            username: "postgres".into(),
            password: Zeroizing::new("=HYPERLINK(\"x\")".into()),
            account_notes: "-starts with a dash".into(),
            fields: vec![Field {
                name: "port".into(),
                value: FieldValue::Text("5432".into()),
            }],
            group_path: vec!["Databases".into(), "Prod/EU".into()],
        },
        Entry {
            resource_name: "web".into(),
            resource_type: "Web Site Accounts".into(),
            username: "admin".into(),
            password: Zeroizing::new("'quoted".into()),
            ..Default::default()
        },
    ]
}

/// Entries by resource name and fields by name, each as text: what both files keep of them
/// (KeePass lists a group's entries after the root's).
fn comparable(mut entries: Vec<Entry>) -> Vec<Entry> {
    for e in &mut entries {
        for f in &mut e.fields {
            if let FieldValue::Secret(s) = &f.value {
                f.value = FieldValue::Text(s.to_string());
            }
        }
        e.fields.sort_by(|a, b| a.name.cmp(&b.name));
    }
    entries.sort_by(|a, b| a.resource_name.cmp(&b.resource_name));
    entries
}

fn read(parsed: import::Parsed) -> Vec<Entry> {
    assert!(parsed.rejections().next().is_none());
    parsed.entries().map(|(_, e)| e.clone()).collect()
}

#[test]
fn a_csv_export_reads_back_as_it_was() {
    let csv = export::csv(&entries()).unwrap();
    let parsed = import::parse(csv.as_bytes(), &Options::new(Format::Csv)).unwrap();
    assert_eq!(comparable(read(parsed)), comparable(entries()));
}

#[test]
fn a_keepass_export_reads_back_as_it_was() {
    let kdf = KeepassKdf {
        memory_kib: 1024,
        passes: 1,
        lanes: 1,
    };
    let kdbx = export::keepass_with_kdf(&entries(), "round-trip-passphrase", kdf).unwrap();
    let mut options = Options::new(Format::Keepass);
    options.keepass_password = Some(Zeroizing::new("round-trip-passphrase".into()));
    let parsed = import::parse(&kdbx, &options).unwrap();
    assert_eq!(comparable(read(parsed)), comparable(entries()));
}
