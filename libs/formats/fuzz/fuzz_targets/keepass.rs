//! KeePass databases (the seed corpus: the test fixtures, whose password this is). A panic
//! inside the `keepass` crate, which the importer catches, still aborts here.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strongroom_formats::import::{Format, Options, parse};
use zeroize::Zeroizing;

fuzz_target!(|data: &[u8]| {
    let mut options = Options::new(Format::Keepass);
    options.keepass_password = Some(Zeroizing::new("fixture-kdbx-pw".to_owned()));
    let _ = parse(data, &options);
});
