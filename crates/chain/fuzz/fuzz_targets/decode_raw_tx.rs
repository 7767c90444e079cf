//! Any bytes: decoding never panics, and what decodes re-encodes to the same bytes (checked
//! inside `decode_raw_tx`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = palisade_chain::decode_raw_tx(data);
});
