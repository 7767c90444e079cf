//! Any bytes as a keystore file: no panic, and KDF bounds keep each run short. The first byte
//! splits off a password so the MAC path is reached too.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (password, file) = match data.split_first() {
        Some((&n, rest)) if usize::from(n) <= rest.len() => rest.split_at(usize::from(n)),
        _ => (&b""[..], data),
    };
    let _ = palisade_chain::decrypt_keystore_v3(file, password);
});
