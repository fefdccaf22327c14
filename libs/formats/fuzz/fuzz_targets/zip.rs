//! Password-protected ZIP archives holding a CSV file (the seed corpus: the test fixtures,
//! whose password this is).
#![no_main]

use libfuzzer_sys::fuzz_target;
use strongroom_formats::import::{Format, Options, ZipOptions, parse};
use zeroize::Zeroizing;

fuzz_target!(|data: &[u8]| {
    let mut options = Options::new(Format::Csv);
    options.zip = Some(ZipOptions {
        password: Some(Zeroizing::new("fixture-zip-pw".to_owned())),
        file_name: None,
    });
    let _ = parse(data, &options);
});
