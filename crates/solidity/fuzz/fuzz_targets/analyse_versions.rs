//! The first byte picks a pragma, so both the 0.4-era and the 0.8 grammar (and the detectors
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
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let pragma = PRAGMAS[usize::from(*first) % PRAGMAS.len()];
    let text = format!("{pragma}{}", String::from_utf8_lossy(rest));
    for issue in palisade_solidity::analyse("fuzz.sol", &text) {
        assert!(issue.offset <= text.len());
    }
});
