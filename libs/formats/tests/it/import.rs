//! Importing CSV, tab-separated, Bitwarden, Password Manager Pro, zipped and KeePass files.

use std::time::{Duration, Instant};

use strongroom_formats::import::{
    Column, Format, ImportError, MAX_FIELD_BYTES, MAX_FILE_BYTES, MAX_ROWS, Options, Parsed, Row,
    ZipOptions, parse,
};
use strongroom_formats::{Entry, FieldValue};
use zeroize::Zeroizing;

const KDBX_PASSWORD: &str = "fixture-kdbx-pw";
const ZIP_PASSWORD: &str = "fixture-zip-pw";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn csv(text: &str) -> Parsed {
    parse(text.as_bytes(), &Options::new(Format::Csv)).unwrap()
}

fn entries(parsed: &Parsed) -> Vec<&Entry> {
    parsed.entries().map(|(_, entry)| entry).collect()
}

fn field<'e>(entry: &'e Entry, name: &str) -> Option<&'e FieldValue> {
    entry
        .fields
        .iter()
        .find(|f| f.name == name)
        .map(|f| &f.value)
}

fn text(value: &str) -> FieldValue {
    FieldValue::Text(value.to_owned())
}

fn secret(value: &str) -> FieldValue {
    FieldValue::Secret(Zeroizing::new(value.to_owned()))
}

/// Every refusal's message, checked to hold no password.
fn refused(bytes: &[u8], options: &Options) -> ImportError {
    let error = parse(bytes, options).expect_err("the file should be refused");
    let message = error.to_string();
    for password in [KDBX_PASSWORD, ZIP_PASSWORD, "wrong-password-xyz"] {
        assert!(!message.contains(password), "{message}");
    }
    assert!(message.ends_with('.'), "a sentence: {message}");
    error
}

fn keepass(password: &str) -> Options {
    Options {
        keepass_password: Some(Zeroizing::new(password.to_owned())),
        ..Options::new(Format::Keepass)
    }
}

fn zipped(format: Format, password: Option<&str>, file_name: Option<&str>) -> Options {
    Options {
        zip: Some(ZipOptions {
            password: password.map(|p| Zeroizing::new(p.to_owned())),
            file_name: file_name.map(str::to_owned),
        }),
        ..Options::new(format)
    }
}

// ---- CSV and tab-separated files ----------------------------------------------------------

#[test]
fn csv_rows_map_header_aliases_and_keep_extra_columns_as_fields() {
    let parsed = csv(
        "Resource Name,Resource Type,DNS Name,URL,Department,Location,Description,Notes,User Account,Password,Account Notes,Group,Cost Center\n\
         db-prod-1,PostgreSQL,db1.example.com,https://db1.example.com,Ops,Paris,Main database,Backed up nightly,postgres,pg-Secret-1,superuser,Databases/Production,CC-42\n\
         web-1,Linux,10.0.0.7,,,,,,root,r00t,,,\n",
    );
    let rows = entries(&parsed);
    assert_eq!(rows.len(), 2);
    let db = rows[0];
    assert_eq!(db.resource_name, "db-prod-1");
    assert_eq!(db.resource_type, "PostgreSQL");
    assert_eq!(db.host, "db1.example.com");
    assert_eq!(db.url, "https://db1.example.com");
    assert_eq!(
        (db.department.as_str(), db.location.as_str()),
        ("Ops", "Paris")
    );
    assert_eq!(db.description, "Main database");
    assert_eq!(db.resource_notes, "Backed up nightly");
    assert_eq!(db.username, "postgres");
    assert_eq!(db.password.as_str(), "pg-Secret-1");
    assert_eq!(db.account_notes, "superuser");
    assert_eq!(db.group_path, ["Databases", "Production"]);
    assert_eq!(field(db, "Cost Center"), Some(&text("CC-42")));
    assert!(
        rows[1].fields.is_empty(),
        "empty extra values make no field"
    );
    assert_eq!(parsed.rows[1].row(), 3);
}

#[test]
fn csv_short_aliases_are_understood_case_and_space_insensitively() {
    let parsed = csv(" NAME ,type,host,user,PASS,dns_name_x\nweb-1,Linux,web1,alice,pw1,x\n");
    let web = entries(&parsed)[0];
    assert_eq!(
        (
            web.resource_name.as_str(),
            web.resource_type.as_str(),
            web.host.as_str()
        ),
        ("web-1", "Linux", "web1")
    );
    assert_eq!(
        (web.username.as_str(), web.password.as_str()),
        ("alice", "pw1")
    );
    assert_eq!(field(web, "dns_name_x"), Some(&text("x")));
}

#[test]
fn the_byte_order_mark_is_ignored() {
    let parsed = csv("\u{feff}name,username\nweb-1,alice\n");
    assert_eq!(entries(&parsed)[0].resource_name, "web-1");
}

#[test]
fn tab_separated_files_are_detected_or_declared() {
    let tsv = "name\tusername\tpassword\tnotes\nweb-1\talice\tpw, with comma\tfine\n";
    for format in [Format::Csv, Format::Tsv] {
        let parsed = parse(tsv.as_bytes(), &Options::new(format)).unwrap();
        let web = entries(&parsed)[0];
        assert_eq!(web.password.as_str(), "pw, with comma");
        assert_eq!(web.resource_notes, "fine");
    }
}

#[test]
fn quoted_fields_keep_commas_quotes_and_line_breaks_and_rows_count_lines() {
    let parsed = csv(
        "name,password,notes\n\"web, 1\",\"p\"\"w\",\"line one\nline two\"\n\n\"db-1\",x,\"a\r\nb\"\n",
    );
    let rows = entries(&parsed);
    assert_eq!(rows[0].resource_name, "web, 1");
    assert_eq!(rows[0].password.as_str(), "p\"w");
    assert_eq!(rows[0].resource_notes, "line one\nline two");
    assert_eq!(rows[1].resource_notes, "a\r\nb");
    let numbers: Vec<usize> = parsed.rows.iter().map(Row::row).collect();
    assert_eq!(numbers, [2, 5], "a row's number is the line it starts on");
}

#[test]
fn the_column_mapping_overrides_header_names() {
    let mut options = Options::new(Format::Csv);
    options.column_mapping = vec![
        ("Server".into(), Column::ResourceName),
        ("Login".into(), Column::Username),
        ("Secret".into(), Column::Password),
        ("name".into(), Column::Field("Display name".into())),
        ("Internal".into(), Column::Ignore),
        ("Site".into(), Column::Field(String::new())),
    ];
    let parsed = parse(
        b"Server,Login,Secret,name,Internal,Site\nsrv-1,alice,pw-1,Server One,ignored,HQ\n",
        &options,
    )
    .unwrap();
    let srv = entries(&parsed)[0];
    assert_eq!(srv.resource_name, "srv-1");
    assert_eq!(
        (srv.username.as_str(), srv.password.as_str()),
        ("alice", "pw-1")
    );
    assert_eq!(field(srv, "Display name"), Some(&text("Server One")));
    assert_eq!(field(srv, "Site"), Some(&text("HQ")));
    assert!(field(srv, "Internal").is_none());
}

#[test]
fn header_problems_refuse_the_file_naming_the_column() {
    let missing = refused(b"username,password\nalice,pw\n", &Options::new(Format::Csv));
    assert!(
        matches!(missing, ImportError::MissingColumn { .. }),
        "{missing}"
    );
    assert!(missing.to_string().contains("resource name"));

    let mut options = Options::new(Format::Csv);
    options.column_mapping = vec![("Hostname X".into(), Column::Host)];
    let unknown = refused(b"name\nweb\n", &options);
    assert!(unknown.to_string().contains("Hostname X"), "{unknown}");

    let twice = refused(b"name,title\nweb,web\n", &Options::new(Format::Csv));
    assert!(
        matches!(twice, ImportError::DuplicateColumn { .. }),
        "{twice}"
    );

    let no_header = refused(b"\n\n", &Options::new(Format::Csv));
    assert!(matches!(no_header, ImportError::NoHeader), "{no_header}");
}

#[test]
fn bad_rows_are_rejected_with_a_reason_and_the_others_kept() {
    let parsed = csv("name,username,password\n,alice,pw-no-name\nweb-1,bob,pw\nweb-2,a,b,c\n");
    let rejected: Vec<_> = parsed.rejections().collect();
    assert_eq!(rejected.len(), 2);
    assert_eq!(rejected[0].row, 2);
    assert_eq!(rejected[0].reason, "the row has no resource name");
    assert_eq!(rejected[1].row, 4);
    assert!(rejected[1].reason.contains("more than the header"));
    assert!(!rejected[0].reason.contains("pw-no-name"));
    assert_eq!(entries(&parsed)[0].resource_name, "web-1");
}

#[test]
fn a_row_that_is_not_utf8_is_rejected() {
    let parsed = parse(b"name,notes\ncaf\xe9,x\nok,y\n", &Options::new(Format::Csv)).unwrap();
    let rejected: Vec<_> = parsed.rejections().collect();
    assert_eq!(rejected.len(), 1);
    assert!(
        rejected[0].reason.contains("UTF-8"),
        "{}",
        rejected[0].reason
    );
}

#[test]
fn a_10_mb_field_rejects_its_row_not_the_file() {
    let mut file = String::from("name,notes,password\nbig,");
    file.push_str(&"x".repeat(10 * 1024 * 1024));
    file.push_str(",secret-big\nsmall,fine,pw\n");
    let started = Instant::now();
    let parsed = csv(&file);
    let rejected: Vec<_> = parsed.rejections().collect();
    assert_eq!(rejected.len(), 1);
    assert!(
        rejected[0].reason.contains("notes"),
        "{}",
        rejected[0].reason
    );
    assert!(rejected[0].reason.contains(&MAX_FIELD_BYTES.to_string()));
    assert!(!rejected[0].reason.contains("secret-big"));
    assert_eq!(entries(&parsed)[0].resource_name, "small");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_field_at_the_limit_is_kept() {
    let notes = "y".repeat(MAX_FIELD_BYTES);
    let parsed = csv(&format!("name,notes\nweb,{notes}\n"));
    assert_eq!(entries(&parsed)[0].resource_notes.len(), MAX_FIELD_BYTES);
}

#[test]
fn more_than_50000_rows_refuse_the_file_and_50000_pass() {
    let mut file = String::from("name,username\n");
    for i in 0..MAX_ROWS {
        file.push_str(&format!("host-{i},user\n"));
    }
    assert_eq!(csv(&file).rows.len(), MAX_ROWS);
    file.push_str("one-more,user\n");
    let error = refused(file.as_bytes(), &Options::new(Format::Csv));
    assert!(matches!(error, ImportError::TooManyRows { .. }), "{error}");
}

#[test]
fn files_that_are_not_csv_are_refused_clearly() {
    let csv_options = Options::new(Format::Csv);
    assert!(matches!(refused(b"", &csv_options), ImportError::Empty));
    assert!(matches!(
        refused(&fixture("aes256.zip"), &csv_options),
        ImportError::UnexpectedZip
    ));
    assert!(matches!(
        refused(&fixture("keepass4.kdbx"), &csv_options),
        ImportError::UnexpectedKeepass
    ));
    assert!(matches!(
        refused(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", &csv_options),
        ImportError::NotText { .. }
    ));
    let huge = vec![b'a'; MAX_FILE_BYTES + 1];
    assert!(matches!(
        refused(&huge, &csv_options),
        ImportError::FileTooLarge { .. }
    ));
}

// ---- Bitwarden and Password Manager Pro ---------------------------------------------------

#[test]
fn bitwarden_exports_become_accounts_notes_and_rejections() {
    let file = "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n\
        Infra/Databases,1,login,db-prod-1,superuser,\"Port: 5432\nRecovery: line one\nline two\",0,\"https://db1.example.com:8443/admin,https://db1-backup.example.com\",postgres,pg-Secret-1,JBSWY3DPEHPK3PXP\n\
        ,,note,Wi-Fi,\"SSID: office\",,0,,,,\n\
        ,,card,Company card,,,0,,,,\n\
        Web,,login,,,,0,https://x.example.com,alice,pw,\n";
    let parsed = parse(file.as_bytes(), &Options::new(Format::Bitwarden)).unwrap();
    let rows = entries(&parsed);
    assert_eq!(rows.len(), 2);
    let db = rows[0];
    assert_eq!(db.group_path, ["Infra", "Databases"]);
    assert_eq!(db.resource_name, "db-prod-1");
    assert_eq!(db.url, "https://db1.example.com:8443/admin");
    assert_eq!(db.host, "db1.example.com");
    assert_eq!(
        (db.username.as_str(), db.password.as_str()),
        ("postgres", "pg-Secret-1")
    );
    assert_eq!(db.account_notes, "superuser");
    assert_eq!(field(db, "Port"), Some(&text("5432")));
    assert_eq!(field(db, "Recovery"), Some(&text("line one\nline two")));
    assert_eq!(
        field(db, "URI 2"),
        Some(&text("https://db1-backup.example.com"))
    );
    assert_eq!(field(db, "TOTP"), Some(&secret("JBSWY3DPEHPK3PXP")));
    let note = rows[1];
    assert_eq!(note.resource_name, "Wi-Fi");
    assert_eq!(note.resource_notes, "SSID: office");
    assert!(!note.has_account());
    let rejected: Vec<_> = parsed.rejections().collect();
    assert_eq!(rejected.len(), 2);
    assert_eq!(rejected[0].row, 6, "the first row spans lines 2 to 4");
    assert!(
        rejected[0].reason.contains("item type"),
        "{}",
        rejected[0].reason
    );
    assert_eq!(rejected[1].reason, "the row has no resource name");
}

#[test]
fn bitwarden_organization_exports_use_the_collection_as_group() {
    let file = "collections,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n\
        \"Ops/Prod,Shared\",login,srv,,,0,,root,pw,\n";
    let parsed = parse(file.as_bytes(), &Options::new(Format::Bitwarden)).unwrap();
    assert_eq!(entries(&parsed)[0].group_path, ["Ops", "Prod"]);
    let error = refused(b"folder,name\nx,y\n", &Options::new(Format::Bitwarden));
    assert!(error.to_string().contains("type"), "{error}");
}

#[test]
fn pmp_exports_map_dns_name_and_account_notes() {
    let file = "Resource Name,Description,Resource Type,DNS Name,Resource URL,Department,Location,User Account,Password,Notes,Resource Group,Owner\n\
        srv-win-1,Domain controller,Windows,dc1.corp.example,https://dc1.corp.example,IT,Lyon,Administrator,Adm-Secret-1,rotated monthly,Windows/DCs,bob\n";
    let parsed = parse(file.as_bytes(), &Options::new(Format::Pmp)).unwrap();
    let srv = entries(&parsed)[0];
    assert_eq!(srv.resource_name, "srv-win-1");
    assert_eq!(srv.description, "Domain controller");
    assert_eq!(srv.resource_type, "Windows");
    assert_eq!(srv.host, "dc1.corp.example");
    assert_eq!(srv.url, "https://dc1.corp.example");
    assert_eq!(
        (srv.department.as_str(), srv.location.as_str()),
        ("IT", "Lyon")
    );
    assert_eq!(srv.username, "Administrator");
    assert_eq!(srv.password.as_str(), "Adm-Secret-1");
    assert_eq!(srv.account_notes, "rotated monthly");
    assert!(srv.resource_notes.is_empty());
    assert_eq!(srv.group_path, ["Windows", "DCs"]);
    assert_eq!(field(srv, "Owner"), Some(&text("bob")));
    let error = refused(b"Name,Password\nx,y\n", &Options::new(Format::Pmp));
    assert!(
        matches!(error, ImportError::MissingColumn { .. }),
        "{error}"
    );
}

// ---- ZIP archives -------------------------------------------------------------------------

#[test]
fn aes256_and_zipcrypto_archives_open_the_named_file() {
    for archive in ["aes256.zip", "zipcrypto.zip"] {
        for name in [
            "exports/pmp-resources.csv",
            "pmp-resources.csv",
            "PMP-Resources.CSV",
        ] {
            let options = zipped(Format::Pmp, Some(ZIP_PASSWORD), Some(name));
            let parsed = parse(&fixture(archive), &options).unwrap();
            let rows = entries(&parsed);
            assert_eq!(rows.len(), 2, "{archive} {name}");
            assert_eq!(rows[0].resource_name, "web-1");
            assert_eq!(rows[0].password.as_str(), "zip-Secret-1");
            assert_eq!(rows[0].account_notes, "front end, primary");
            assert_eq!(rows[1].host, "db1.example.com");
        }
    }
}

#[test]
fn without_a_name_the_first_csv_in_the_archive_is_read() {
    for archive in ["aes256.zip", "zipcrypto.zip"] {
        let options = zipped(Format::Csv, Some(ZIP_PASSWORD), None);
        let parsed = parse(&fixture(archive), &options).unwrap();
        let rows = entries(&parsed);
        assert_eq!(rows.len(), 1, "{archive}");
        assert_eq!(rows[0].resource_name, "first-file");
    }
}

#[test]
fn zip_passwords_and_names_are_checked() {
    for archive in ["aes256.zip", "zipcrypto.zip"] {
        let bytes = fixture(archive);
        let wrong = refused(
            &bytes,
            &zipped(Format::Csv, Some("wrong-password-xyz"), None),
        );
        assert!(
            matches!(wrong, ImportError::ZipWrongPassword),
            "{archive}: {wrong}"
        );
        let none = refused(&bytes, &zipped(Format::Csv, None, None));
        assert!(
            matches!(none, ImportError::ZipPasswordRequired),
            "{archive}: {none}"
        );
        let missing = refused(
            &bytes,
            &zipped(Format::Csv, Some(ZIP_PASSWORD), Some("other.csv")),
        );
        assert!(
            matches!(missing, ImportError::ZipFileNotFound { .. }),
            "{missing}"
        );
        let keepass = refused(&bytes, &zipped(Format::Keepass, Some(ZIP_PASSWORD), None));
        assert!(
            matches!(keepass, ImportError::NothingToImportInZip { .. }),
            "{keepass}"
        );
    }
}

#[test]
fn damaged_and_truncated_archives_are_refused() {
    let options = zipped(Format::Csv, Some(ZIP_PASSWORD), None);
    let bytes = fixture("aes256.zip");
    for cut in [10, bytes.len() / 2, bytes.len() - 10] {
        let error = refused(&bytes[..cut], &options);
        assert!(
            matches!(error, ImportError::ZipCorrupt),
            "cut {cut}: {error}"
        );
    }
    assert!(matches!(
        refused(b"name,user\nweb,alice\n", &options),
        ImportError::ZipCorrupt
    ));
}

#[test]
fn a_zip_bomb_is_refused_at_the_cap_and_quickly() {
    let started = Instant::now();
    let error = refused(&fixture("bomb.zip"), &zipped(Format::Csv, None, None));
    assert!(
        matches!(error, ImportError::ZipEntryTooLarge { .. }),
        "{error}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

// ---- KeePass ------------------------------------------------------------------------------

fn check_keepass_fixture(name: &str) {
    let parsed = parse(&fixture(name), &keepass(KDBX_PASSWORD)).unwrap();
    assert_eq!(parsed.rejections().count(), 0);
    let rows = entries(&parsed);
    let names: Vec<&str> = rows.iter().map(|e| e.resource_name.as_str()).collect();
    assert_eq!(
        names,
        ["Core router", "db-prod-1", "intranet.example.com"],
        "{name}"
    );

    let router = rows[0];
    assert!(router.group_path.is_empty());
    assert_eq!(
        (router.username.as_str(), router.password.as_str()),
        ("admin", "rtr-Secret-1")
    );
    assert_eq!(router.url, "ssh://10.0.0.1:22");
    assert_eq!(router.host, "10.0.0.1");
    assert_eq!(router.account_notes, "Rack 4");

    let db = rows[1];
    assert_eq!(db.group_path, ["Databases", "Production"]);
    assert_eq!(db.password.as_str(), "pg-Secret-2");
    assert_eq!(db.account_notes, "primary\nsecond line");
    assert_eq!(field(db, "Port"), Some(&text("5432")));
    assert_eq!(field(db, "PIN"), Some(&secret("4242-secret")));
    assert_eq!(field(db, "Tags"), Some(&text("prod, db")));

    let untitled = rows[2];
    assert_eq!(untitled.group_path, ["Web"]);
    assert_eq!(untitled.username, "alice");
    assert_eq!(
        parsed.rows.iter().map(Row::row).collect::<Vec<_>>(),
        [1, 2, 3]
    );
}

#[test]
fn keepass_kdbx4_opens_with_groups_custom_and_protected_strings() {
    check_keepass_fixture("keepass4.kdbx");
}

#[test]
fn keepass_kdbx3_1_opens_with_groups_custom_and_protected_strings() {
    check_keepass_fixture("keepass3.kdbx");
}

#[test]
fn keepass_wrong_or_missing_passwords_are_refused() {
    for name in ["keepass4.kdbx", "keepass3.kdbx"] {
        let bytes = fixture(name);
        let wrong = refused(&bytes, &keepass("wrong-password-xyz"));
        assert!(
            matches!(
                wrong,
                ImportError::KeepassWrongPassword | ImportError::KeepassUndecryptable
            ),
            "{name}: {wrong}"
        );
        let none = refused(&bytes, &Options::new(Format::Keepass));
        assert!(
            matches!(none, ImportError::KeepassPasswordRequired),
            "{none}"
        );
    }
    let kdbx4 = refused(&fixture("keepass4.kdbx"), &keepass("wrong-password-xyz"));
    assert!(matches!(kdbx4, ImportError::KeepassWrongPassword));
}

#[test]
fn truncated_and_damaged_keepass_files_are_refused() {
    for name in ["keepass4.kdbx", "keepass3.kdbx"] {
        let bytes = fixture(name);
        for cut in [
            4,
            12,
            40,
            150,
            300,
            bytes.len() / 2,
            bytes.len() - 1,
            bytes.len() - 16,
        ] {
            let error = refused(&bytes[..cut], &keepass(KDBX_PASSWORD));
            assert!(
                matches!(
                    error,
                    ImportError::KeepassCorrupt
                        | ImportError::NotKeepass
                        | ImportError::KeepassUndecryptable
                ),
                "{name} cut at {cut}: {error}"
            );
        }
        let mut flipped = bytes.clone();
        let last = flipped.len() - 20;
        flipped[last] ^= 0x40;
        let error = refused(&flipped, &keepass(KDBX_PASSWORD));
        assert!(
            matches!(
                error,
                ImportError::KeepassCorrupt | ImportError::KeepassUndecryptable
            ),
            "{name}: {error}"
        );
    }
    // A flipped bit in KDBX 4's master seed: the header's SHA-256 no longer matches.
    let mut header_flipped = fixture("keepass4.kdbx");
    let mut pos = 12;
    while header_flipped[pos] != 4 {
        let len = u32::from_le_bytes(header_flipped[pos + 1..pos + 5].try_into().unwrap());
        pos += 5 + len as usize;
    }
    header_flipped[pos + 5] ^= 0x01;
    let error = refused(&header_flipped, &keepass(KDBX_PASSWORD));
    assert!(matches!(error, ImportError::KeepassCorrupt), "{error}");
    let csv_as_keepass = refused(b"name,user\nweb,alice\n", &keepass(KDBX_PASSWORD));
    assert!(matches!(csv_as_keepass, ImportError::NotKeepass));
}

#[test]
fn hostile_keepass_xml_is_refused_before_parsing() {
    let deep = refused(
        &fixture("keepass3-deep-groups.kdbx"),
        &keepass(KDBX_PASSWORD),
    );
    assert!(matches!(deep, ImportError::KeepassTooDeep { .. }), "{deep}");
    let laughs = refused(&fixture("keepass3-entities.kdbx"), &keepass(KDBX_PASSWORD));
    assert!(matches!(laughs, ImportError::KeepassDoctype), "{laughs}");
    let bomb = refused(&fixture("keepass3-xml-bomb.kdbx"), &keepass(KDBX_PASSWORD));
    assert!(
        matches!(bomb, ImportError::KeepassTooLarge { .. }),
        "{bomb}"
    );
}

#[test]
fn a_costly_key_derivation_is_refused_before_any_work() {
    // KDBX 3.1's header is not authenticated before the KDF: raise its AES-KDF rounds.
    let mut bytes = fixture("keepass3.kdbx");
    let mut pos = 12;
    loop {
        let kind = bytes[pos];
        let len = u16::from_le_bytes([bytes[pos + 1], bytes[pos + 2]]) as usize;
        if kind == 6 {
            bytes[pos + 3..pos + 11].copy_from_slice(&(1u64 << 40).to_le_bytes());
            break;
        }
        pos += 3 + len;
    }
    let started = Instant::now();
    let error = refused(&bytes, &keepass(KDBX_PASSWORD));
    assert!(
        matches!(error, ImportError::KeepassKdfTooCostly { .. }),
        "{error}"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn a_keepass_database_can_come_zipped() {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer
        .start_file("vault.kdbx", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut writer, &fixture("keepass4.kdbx")).unwrap();
    let archive = writer.finish().unwrap().into_inner();
    let mut options = zipped(Format::Keepass, None, None);
    options.keepass_password = Some(Zeroizing::new(KDBX_PASSWORD.to_owned()));
    assert_eq!(parse(&archive, &options).unwrap().entries().count(), 3);
}
