//! scrypt (RFC 7914) without the `N < 2^(16·r)` rule.
//!
//! RustCrypto's `scrypt` enforces that rule of RFC 7914, but geth (golang.org/x/crypto) never
//! did, so real keystores break it — including the Web3 Secret Storage definition's own scrypt
//! test vector (n = 2^18, r = 1). Callers bound `n`, `r` and `p` before calling; this module
//! only computes. Tested against RFC 7914's vectors and against the `scrypt` crate.

use pbkdf2::pbkdf2_hmac;
use sha2::Sha256;
use zeroize::Zeroizing;

/// Derives `out.len()` bytes. `n` must be a power of two ≥ 2 and `r`, `p` ≥ 1 (checked by the
/// caller, together with the resource bounds).
pub(crate) fn scrypt(password: &[u8], salt: &[u8], n: usize, r: usize, p: usize, out: &mut [u8]) {
    let block_words = 32 * r; // 128·r bytes
    let mut b = Zeroizing::new(vec![0u8; p * 128 * r]);
    pbkdf2_hmac::<Sha256>(password, salt, 1, &mut b);

    let mut x = Zeroizing::new(vec![0u32; block_words]);
    let mut y = Zeroizing::new(vec![0u32; block_words]);
    let mut v = Zeroizing::new(vec![0u32; n * block_words]);
    for chunk in b.chunks_mut(128 * r) {
        for (w, bytes) in x.iter_mut().zip(chunk.chunks_exact(4)) {
            *w = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        ro_mix(&mut x, &mut y, &mut v, n);
        for (w, bytes) in x.iter().zip(chunk.chunks_exact_mut(4)) {
            bytes.copy_from_slice(&w.to_le_bytes());
        }
    }
    pbkdf2_hmac::<Sha256>(password, &b, 1, out);
}

/// ROMix over one 128·r-byte block held as little-endian words in `x`.
fn ro_mix(x: &mut [u32], y: &mut [u32], v: &mut [u32], n: usize) {
    let len = x.len();
    for i in 0..n {
        v[i * len..(i + 1) * len].copy_from_slice(x);
        block_mix(x, y);
        x.copy_from_slice(y);
    }
    for _ in 0..n {
        // Integerify: the first word of the last 64-byte sub-block, modulo n (a power of two).
        let j = (x[len - 16] as usize) & (n - 1);
        for (a, b) in x.iter_mut().zip(&v[j * len..(j + 1) * len]) {
            *a ^= *b;
        }
        block_mix(x, y);
        x.copy_from_slice(y);
    }
}

/// BlockMix with Salsa20/8: even-indexed outputs first, then odd-indexed ones.
fn block_mix(input: &[u32], output: &mut [u32]) {
    let subblocks = input.len() / 16; // 2·r
    let mut t = [0u32; 16];
    t.copy_from_slice(&input[input.len() - 16..]);
    for (i, chunk) in input.chunks_exact(16).enumerate() {
        for (a, b) in t.iter_mut().zip(chunk) {
            *a ^= *b;
        }
        salsa20_8(&mut t);
        let pos = if i % 2 == 0 {
            i / 2
        } else {
            subblocks / 2 + i / 2
        };
        output[pos * 16..(pos + 1) * 16].copy_from_slice(&t);
    }
}

fn salsa20_8(b: &mut [u32; 16]) {
    let mut x = *b;
    fn quarter(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
        x[b] ^= x[a].wrapping_add(x[d]).rotate_left(7);
        x[c] ^= x[b].wrapping_add(x[a]).rotate_left(9);
        x[d] ^= x[c].wrapping_add(x[b]).rotate_left(13);
        x[a] ^= x[d].wrapping_add(x[c]).rotate_left(18);
    }
    for _ in 0..4 {
        quarter(&mut x, 0, 4, 8, 12);
        quarter(&mut x, 5, 9, 13, 1);
        quarter(&mut x, 10, 14, 2, 6);
        quarter(&mut x, 15, 3, 7, 11);
        quarter(&mut x, 0, 1, 2, 3);
        quarter(&mut x, 5, 6, 7, 4);
        quarter(&mut x, 10, 11, 8, 9);
        quarter(&mut x, 15, 12, 13, 14);
    }
    for (out, add) in b.iter_mut().zip(x) {
        *out = out.wrapping_add(add);
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]
mod tests {
    use super::*;

    fn hex_of(password: &[u8], salt: &[u8], n: usize, r: usize, p: usize) -> String {
        let mut out = [0u8; 64];
        scrypt(password, salt, n, r, p, &mut out);
        hex::encode(out)
    }

    /// RFC 7914 section 12, the first two vectors.
    #[test]
    fn rfc7914_vectors() {
        assert_eq!(
            hex_of(b"", b"", 16, 1, 1),
            "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442\
             fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"
        );
        assert_eq!(
            hex_of(b"password", b"NaCl", 1024, 8, 16),
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162\
             2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
        );
    }

    /// Same output as the `scrypt` crate wherever that crate accepts the parameters.
    #[test]
    fn matches_the_scrypt_crate() {
        for (log_n, r, p) in [
            (1u8, 1u32, 1u32),
            (4, 2, 3),
            (10, 8, 1),
            (8, 3, 2),
            (12, 1, 1),
        ] {
            let params = ::scrypt::Params::new(log_n, r, p, 32).unwrap();
            let mut theirs = [0u8; 32];
            ::scrypt::scrypt(b"pw", b"salt", &params, &mut theirs).unwrap();
            let mut ours = [0u8; 32];
            scrypt(
                b"pw",
                b"salt",
                1 << log_n,
                r as usize,
                p as usize,
                &mut ours,
            );
            assert_eq!(ours, theirs, "log_n={log_n} r={r} p={p}");
        }
    }
}
