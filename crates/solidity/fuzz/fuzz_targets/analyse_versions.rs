//! The input's length picks a pragma, so both the 0.4-era and the 0.8 grammar (and the detectors
//! that depend on the version: overflow, constructor names, storage pointers) see every input.
#![no_main]

use libfuzzer_sys::fuzz_target;

static QUIET: std::sync::Once = std::sync::Once::new();

const PRAGMAS: &[&str] = &[
    "pragma solidity ^0.4.11;\n",
    "pragma solidity 0.4.24;\n",
    "pragma solidity ^0.5.0;\n",
    "pragma solidity 0.6.12;\n",
    "pragma solidity 0.7.6;\n",
    "pragma solidity 0.8.24;\n",
    "",
];

fuzz_target!(|data: &[u8]| {
    // slang's own recovered panics are parse errors, not crashes (libFuzzer's hook would abort)
    QUIET.call_once(palisade_solidity::parse::quiet_parser_panics);
    // the input's own version pragmas are dropped (seeds carry them) and one is chosen by the
    // input's length, so a seed is tried under every grammar as it grows or shrinks
    let pragma = PRAGMAS[data.len() % PRAGMAS.len()];
    let body = String::from_utf8_lossy(data);
    let mut rest = body.as_ref();
    let mut kept = String::with_capacity(body.len());
    while let Some(i) = rest.find("pragma solidity") {
        kept.push_str(&rest[..i]);
        rest = rest[i..].find(';').map_or("", |j| &rest[i + j + 1..]);
    }
    kept.push_str(rest);
    let text = format!("{pragma}{kept}");
    for issue in palisade_solidity::analyse("fuzz.sol", &text) {
        assert!(issue.offset <= text.len());
    }
});
