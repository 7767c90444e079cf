//! Any JSON value, and any string holding JSON: hashing never panics or runs away.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = palisade_chain::typed_data_hash(&v);
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = palisade_chain::typed_data_hash(&serde_json::Value::String(s.to_owned()));
    }
});
