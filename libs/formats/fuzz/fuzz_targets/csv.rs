//! Plain CSV and tab-separated files; the first byte picks the format and a column mapping.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strongroom_formats::import::{Column, Format, Options, parse};

fuzz_target!(|data: &[u8]| {
    let Some((choice, file)) = data.split_first() else {
        return;
    };
    let mut options = Options::new(if choice & 1 == 0 {
        Format::Csv
    } else {
        Format::Tsv
    });
    if choice & 2 != 0 {
        options.column_mapping = vec![
            ("server".into(), Column::ResourceName),
            ("extra".into(), Column::Field(String::new())),
        ];
    }
    let _ = parse(file, &options);
});
