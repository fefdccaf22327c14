use super::*;
use crate::Field;

fn entry(name: &str, password: &str) -> Entry {
    Entry {
        resource_name: name.into(),
        username: "admin".into(),
        password: Zeroizing::new(password.into()),
        ..Default::default()
    }
}

/// Reads the CSV with the csv crate, undoing the neutralisation as an importer does.
fn read(text: &str) -> Vec<Vec<String>> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|record| {
            record
                .unwrap()
                .iter()
                .map(|cell| unneutralise(cell).to_owned())
                .collect()
        })
        .collect()
}

const HEADER: &str = "Resource Name,Resource Type,Host,URL,Department,Location,Description,\
                      Resource Notes,Username,Password,Account Notes,Group";

#[test]
fn header_lists_the_fixed_columns_then_extra_fields_in_first_seen_order() {
    let mut a = entry("a", "p");
    a.fields = vec![
        Field {
            name: "pin".into(),
            value: FieldValue::Secret(Zeroizing::new("1234".into())),
        },
        Field {
            name: "asset tag".into(),
            value: FieldValue::Text("A-1".into()),
        },
    ];
    let mut b = entry("b", "q");
    b.fields = vec![
        Field {
            name: "rack".into(),
            value: FieldValue::Text("r7".into()),
        },
        Field {
            name: "pin".into(),
            value: FieldValue::Text("9".into()),
        },
    ];
    let text = csv(&[a, b]).unwrap();
    let mut lines = text.split("\r\n");
    assert_eq!(
        lines.next().unwrap(),
        format!("{HEADER},pin,asset tag,rack")
    );
    assert_eq!(lines.next().unwrap(), "a,,,,,,,,admin,p,,,1234,A-1,");
    assert_eq!(lines.next().unwrap(), "b,,,,,,,,admin,q,,,9,,r7");
    assert_eq!(lines.next().unwrap(), "");
    assert_eq!(lines.next(), None);
    assert_eq!(
        text.len(),
        text.capacity(),
        "the buffer was sized in advance"
    );
}

#[test]
fn no_entries_give_only_the_header() {
    assert_eq!(csv(&[]).unwrap().as_str(), format!("{HEADER}\r\n"));
}

#[test]
fn every_formula_character_is_neutralised_in_every_column() {
    for lead in ['=', '+', '-', '@', '\t', '\r'] {
        let value = format!("{lead}cmd|' -C calc'!A0");
        let e = Entry {
            resource_name: value.clone(),
            host: value.clone(),
            username: value.clone(),
            password: Zeroizing::new(value.clone()),
            account_notes: value.clone(),
            group_path: vec![value.clone()],
            fields: vec![Field {
                name: format!("{lead}field"),
                value: FieldValue::Secret(Zeroizing::new(value.clone())),
            }],
            ..Default::default()
        };
        let text = csv(&[e]).unwrap();
        let rows = read(&text);
        // Raw: every such cell starts with the quote...
        let raw: Vec<Vec<String>> = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        for column in [0, 2, 8, 9, 10, 11, 12] {
            assert_eq!(
                raw[1][column],
                format!("'{value}"),
                "{lead:?} column {column}"
            );
            // ...and the importer's rule gives the value back.
            assert_eq!(rows[1][column], value, "{lead:?} column {column}");
        }
        assert_eq!(raw[0][12], format!("'{lead}field"));
        assert_eq!(rows[0][12], format!("{lead}field"));
    }
}

#[test]
fn a_leading_quote_is_escaped_so_the_round_trip_is_exact() {
    let values = ["'=x", "'abc", "'", "''", "a=b", "x-1", "plain", ""];
    let entries: Vec<Entry> = values.iter().map(|v| entry("r", v)).collect();
    let text = csv(&entries).unwrap();
    assert!(text.contains(",''=x,"), "{}", text.as_str());
    assert!(text.contains(",''abc,"));
    assert!(text.contains(",a=b,") && text.contains(",x-1,"));
    let rows = read(&text);
    for (i, value) in values.iter().enumerate() {
        assert_eq!(rows[i + 1][9], *value);
    }
}

#[test]
fn commas_quotes_and_newlines_are_quoted() {
    let mut e = entry("web, prod", "pa\"ss,word");
    e.resource_notes = "line 1\nline 2\r\nline 3".into();
    e.description = "say \"hi\"".into();
    e.account_notes = "=SUM(A1,A2)".into();
    let text = csv(std::slice::from_ref(&e)).unwrap();
    assert!(text.contains("\"web, prod\""));
    assert!(text.contains("\"pa\"\"ss,word\""));
    assert!(text.contains("\"say \"\"hi\"\"\""));
    assert!(text.contains("\"'=SUM(A1,A2)\""));
    let rows = read(&text);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][0], "web, prod");
    assert_eq!(rows[1][6], "say \"hi\"");
    assert_eq!(rows[1][7], "line 1\nline 2\r\nline 3");
    assert_eq!(rows[1][9], "pa\"ss,word");
    assert_eq!(rows[1][10], "=SUM(A1,A2)");
}

#[test]
fn group_paths_escape_slashes_and_backslashes() {
    let mut e = entry("r", "p");
    e.group_path = vec!["Linux/Unix".into(), "C:\\".into(), "Prod".into()];
    let rows = read(&csv(&[e]).unwrap());
    assert_eq!(rows[1][11], "Linux\\/Unix/C:\\\\/Prod");
    let mut plain = entry("r", "p");
    plain.group_path = vec!["Databases".into(), "Production".into()];
    assert_eq!(read(&csv(&[plain]).unwrap())[1][11], "Databases/Production");
    assert_eq!(read(&csv(&[entry("r", "p")]).unwrap())[1][11], "");
}

#[test]
fn every_fixed_column_holds_its_field() {
    let e = Entry {
        resource_name: "db1".into(),
        resource_type: "PostgreSQL".into(),
        host: "db1.internal".into(),
        url: "https://db1.internal".into(),
        department: "Ops".into(),
        location: "Rack 4".into(),
        description: "primary".into(),
        resource_notes: "rn".into(),
        username: "postgres".into(),
        password: Zeroizing::new("s3cret".into()),
        account_notes: "an".into(),
        fields: vec![],
        group_path: vec!["Databases".into()],
    };
    let rows = read(&csv(&[e]).unwrap());
    assert_eq!(
        rows[1],
        [
            "db1",
            "PostgreSQL",
            "db1.internal",
            "https://db1.internal",
            "Ops",
            "Rack 4",
            "primary",
            "rn",
            "postgres",
            "s3cret",
            "an",
            "Databases"
        ]
    );
}

#[test]
fn reserved_and_repeated_field_names_are_refused() {
    for name in ["Password", "username", "GROUP", "Resource Notes", ""] {
        let mut e = entry("r", "p");
        e.fields = vec![Field {
            name: name.into(),
            value: FieldValue::Text("x".into()),
        }];
        assert!(
            matches!(csv(&[e]), Err(ExportError::ReservedFieldName { .. })),
            "{name}"
        );
    }
    let mut e = entry("r", "p");
    e.fields = vec![
        Field {
            name: "pin".into(),
            value: FieldValue::Text("1".into()),
        },
        Field {
            name: "pin".into(),
            value: FieldValue::Text("2".into()),
        },
    ];
    assert!(matches!(
        csv(&[e]),
        Err(ExportError::DuplicateFieldName { .. })
    ));
}
