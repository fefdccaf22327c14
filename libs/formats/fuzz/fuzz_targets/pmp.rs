//! Password Manager Pro CSV exports.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strongroom_formats::import::{Format, Options, parse};

fuzz_target!(|data: &[u8]| {
    let _ = parse(data, &Options::new(Format::Pmp));
});
