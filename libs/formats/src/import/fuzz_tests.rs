//! A deterministic stand-in for the fuzz targets (`libs/formats/fuzz`), run by `cargo
//! test`: every parser reads a few thousand mutations of valid files (seeded byte flips,
//! truncations, insertions, splices) without panicking. Panics the `keepass` crate raises
//! (which [`super::keepass`] catches) are counted too.

use std::cell::Cell;
use std::sync::Once;

use zeroize::Zeroizing;

use super::{Format, Options, ZipOptions, parse};

const CSV: &[u8] = b"\xEF\xBB\xBFResource Name,Type,DNS Name,User Account,Password,Notes,Group,Extra\n\
db-prod-1,PostgreSQL,db1.example.com,postgres,\"pg,\"\"Secret\",\"line one\nline two\",Databases/Prod,x\n\
web-1,Linux,10.0.0.7,root,r00t,,,\n\
,no-name,,,,,,\n";
const TSV: &[u8] = b"name\tusername\tpassword\nweb-1\talice\tpw\n\"quoted\ttab\"\tbob\tpw2\n";
const BITWARDEN: &[u8] = b"folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n\
Infra/DB,1,login,db-prod-1,notes,\"Port: 5432\nline\",0,\"https://a.example,https://b.example\",postgres,pw,JBSWY3DP\n\
,,note,Wi-Fi,SSID: x,,0,,,,\n,,card,Card,,,0,,,,\n";
const PMP: &[u8] = b"Resource Name,Description,Resource Type,DNS Name,User Account,Password,Notes,Resource Group\n\
srv-1,DC,Windows,dc1.corp,Administrator,Adm-1,rotated,Windows/DCs\n";
const AES_ZIP: &[u8] = include_bytes!("../../tests/fixtures/aes256.zip");
const ZIPCRYPTO_ZIP: &[u8] = include_bytes!("../../tests/fixtures/zipcrypto.zip");
const KDBX3: &[u8] = include_bytes!("../../tests/fixtures/keepass3.kdbx");
const KDBX4: &[u8] = include_bytes!("../../tests/fixtures/keepass4.kdbx");

/// xorshift64*: the same mutations on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            usize::try_from(self.next() % n as u64).unwrap_or(0)
        }
    }
}

/// One to four mutations of `seed`, some spliced from `other`.
fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    const INTERESTING: [u8; 10] = [0, 0xff, b'"', b',', b'\n', b'\r', b'\t', b':', 0x80, 0x7f];
    let mut data = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let len = data.len();
        match rng.below(8) {
            0 | 1 => {
                if len > 0 {
                    let at = rng.below(len);
                    data[at] ^= 1 << rng.below(8);
                }
            }
            2 => {
                if len > 0 {
                    let at = rng.below(len);
                    data[at] = INTERESTING[rng.below(INTERESTING.len())];
                }
            }
            3 => data.truncate(rng.below(len + 1)),
            4 => {
                let at = rng.below(len + 1);
                let byte = u8::try_from(rng.below(256)).unwrap_or(0);
                let count = 1 + rng.below(16);
                data.splice(at..at, std::iter::repeat_n(byte, count));
            }
            5 => {
                // Splice a piece of another valid file in.
                if !other.is_empty() {
                    let from = rng.below(other.len());
                    let to = (from + 1 + rng.below(64)).min(other.len());
                    let at = rng.below(len + 1);
                    data.splice(at..at, other[from..to].iter().copied());
                }
            }
            6 => {
                if len > 1 {
                    let from = rng.below(len);
                    let to = (from + 1 + rng.below(32)).min(len);
                    data.drain(from..to);
                }
            }
            _ => {
                // Duplicate a slice in place.
                if len > 1 {
                    let from = rng.below(len);
                    let to = (from + 1 + rng.below(64)).min(len);
                    let piece = data[from..to].to_vec();
                    data.splice(to..to, piece);
                }
            }
        }
    }
    data
}

thread_local! {
    static PANICKED: Cell<usize> = const { Cell::new(0) };
}

/// Counts panics on this thread (caught ones too), then reports them as before.
fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.with(|count| count.set(count.get() + 1));
            previous(info);
        }));
    });
}

fn run(name: &str, seeds: &[&[u8]], options: &Options, iterations: usize, seed: u64) {
    count_panics();
    let mut rng = Rng(seed);
    let before = PANICKED.with(Cell::get);
    for i in 0..iterations {
        let base = seeds[i % seeds.len()];
        let other = seeds[(i + 1) % seeds.len()];
        let input = mutate(&mut rng, base, other);
        let _ = parse(&input, options);
    }
    let panics = PANICKED.with(Cell::get) - before;
    assert_eq!(
        panics, 0,
        "{name}: {panics} panics in {iterations} mutated inputs"
    );
}

#[test]
fn csv_parser_survives_mutated_files() {
    run(
        "csv",
        &[CSV, TSV, BITWARDEN],
        &Options::new(Format::Csv),
        4_000,
        1,
    );
    run("tsv", &[TSV, CSV], &Options::new(Format::Tsv), 1_000, 2);
}

#[test]
fn bitwarden_parser_survives_mutated_files() {
    run(
        "bitwarden",
        &[BITWARDEN, CSV],
        &Options::new(Format::Bitwarden),
        4_000,
        3,
    );
}

#[test]
fn pmp_parser_survives_mutated_files() {
    let mut options = Options::new(Format::Pmp);
    options.column_mapping = vec![("Notes".into(), super::Column::ResourceNotes)];
    run("pmp", &[PMP, CSV], &options, 4_000, 4);
}

#[test]
fn zip_reader_survives_mutated_archives() {
    let mut options = Options::new(Format::Csv);
    options.zip = Some(ZipOptions {
        password: Some(Zeroizing::new("fixture-zip-pw".to_owned())),
        file_name: None,
    });
    run("zip", &[AES_ZIP, ZIPCRYPTO_ZIP], &options, 3_000, 5);
    options.zip = Some(ZipOptions {
        password: None,
        file_name: Some("exports/pmp-resources.csv".to_owned()),
    });
    run(
        "zip (no password)",
        &[ZIPCRYPTO_ZIP, AES_ZIP],
        &options,
        1_000,
        6,
    );
}

#[test]
fn keepass_reader_survives_mutated_databases() {
    let mut options = Options::new(Format::Keepass);
    options.keepass_password = Some(Zeroizing::new("fixture-kdbx-pw".to_owned()));
    run("keepass 3.1", &[KDBX3, KDBX4], &options, 1_500, 7);
    run("keepass 4", &[KDBX4, KDBX3], &options, 400, 8);
}

#[test]
fn mutations_change_the_input() {
    let mut rng = Rng(9);
    let changed = (0..100)
        .filter(|_| mutate(&mut rng, CSV, TSV) != CSV)
        .count();
    assert!(changed > 90);
}
