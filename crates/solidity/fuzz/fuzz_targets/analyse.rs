//! Any bytes as a Solidity file: parsing, the model and every detector never panic, and every
//! issue points inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

static QUIET: std::sync::Once = std::sync::Once::new();

fuzz_target!(|data: &[u8]| {
    // slang's own recovered panics are parse errors, not crashes (libFuzzer's hook would abort)
    QUIET.call_once(palisade_solidity::parse::quiet_parser_panics);
    let text = String::from_utf8_lossy(data);
    for issue in palisade_solidity::analyse("fuzz.sol", &text) {
        assert!(issue.offset <= text.len());
    }
    // the scanner-facing path (hits, suppression, fingerprints) on the same input
    let _ = palisade_solidity::findings("fuzz.sol", text.as_bytes());
});
