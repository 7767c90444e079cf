//! Key-material validation: secp256k1 scalars and addresses, BIP-39 checksums, BIP-32
//! derivation (to recognise public development keys), Ed25519 keypairs.

use std::collections::HashSet;
use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::elliptic_curve::PrimeField;
use sha2::{Digest, Sha256, Sha512};
use sha3::Keccak256;

/// Returns the secret key if `bytes` is a valid secp256k1 scalar (non-zero, below the order).
pub fn secp_secret(bytes: &[u8]) -> Option<k256::SecretKey> {
    if bytes.len() != 32 {
        return None;
    }
    k256::SecretKey::from_slice(bytes).ok()
}

/// The Ethereum address (20 bytes) of a secp256k1 secret key.
pub fn eth_address(sk: &k256::SecretKey) -> [u8; 20] {
    let point = sk.public_key().to_encoded_point(false);
    let digest = Keccak256::digest(&point.as_bytes()[1..]);
    let mut out = [0u8; 20];
    out.copy_from_slice(&digest[12..]);
    out
}

/// True when `seed[32..]` is the Ed25519 public key of `seed[..32]` (Solana, Tendermint).
pub fn ed25519_keypair_consistent(bytes: &[u8]) -> bool {
    if bytes.len() != 64 {
        return false;
    }
    let mut secret = [0u8; 32];
    secret.copy_from_slice(&bytes[..32]);
    let sk = ed25519_dalek::SigningKey::from_bytes(&secret);
    sk.verifying_key().as_bytes() == &bytes[32..]
}

/// Index of an English BIP-39 word.
pub fn bip39_index(word: &str) -> Option<u16> {
    // INVARIANT: English words are 3 to 8 lower-case letters, unique in their first four
    let w = word.as_bytes();
    if !(3..=8).contains(&w.len()) || !w.iter().all(u8::is_ascii_lowercase) {
        return None;
    }
    let slot = bip39_table()[prefix_slot(w)];
    let list = bip39::Language::English.word_list();
    (slot != u16::MAX && list[usize::from(slot)] == word).then_some(slot)
}

/// Index of a word's first four letters (three-letter words use 26 as the fourth).
fn prefix_slot(w: &[u8]) -> usize {
    let l = |i: usize| w.get(i).map_or(26, |b| usize::from(b - b'a'));
    ((l(0) * 27 + l(1)) * 27 + l(2)) * 27 + l(3)
}

/// First-four-letter lookup table of the English list (531,441 slots).
fn bip39_table() -> &'static [u16] {
    static TABLE: OnceLock<Vec<u16>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = vec![u16::MAX; 27 * 27 * 27 * 27];
        for (i, w) in bip39::Language::English.word_list().iter().enumerate() {
            t[prefix_slot(w.as_bytes())] = u16::try_from(i).unwrap_or(u16::MAX);
        }
        t
    })
}

/// Checks the BIP-39 checksum of 12/15/18/21/24 English words.
pub fn bip39_checksum_ok(words: &[&str]) -> bool {
    let n = words.len();
    if !matches!(n, 12 | 15 | 18 | 21 | 24) {
        return false;
    }
    let mut bits: Vec<bool> = Vec::with_capacity(n * 11);
    for w in words {
        let Some(idx) = bip39_index(w) else {
            return false;
        };
        for i in (0..11).rev() {
            bits.push((idx >> i) & 1 == 1);
        }
    }
    let cs_len = n * 11 / 33; // checksum bits
    let ent_len = n * 11 - cs_len;
    let mut entropy = vec![0u8; ent_len / 8];
    for (i, b) in bits[..ent_len].iter().enumerate() {
        if *b {
            entropy[i / 8] |= 1 << (7 - (i % 8));
        }
    }
    let hash = Sha256::digest(&entropy);
    (0..cs_len).all(|i| ((hash[i / 8] >> (7 - (i % 8))) & 1 == 1) == bits[ent_len + i])
}

type HmacSha512 = Hmac<Sha512>;

fn hmac512(key: &[u8], parts: &[&[u8]]) -> Option<[u8; 64]> {
    let mut mac = HmacSha512::new_from_slice(key).ok()?;
    for p in parts {
        mac.update(p);
    }
    let mut out = [0u8; 64];
    out.copy_from_slice(&mac.finalize().into_bytes());
    Some(out)
}

/// Derives the secp256k1 key at `path` (BIP-32, `h` = hardened) from a BIP-39 phrase.
pub fn derive_bip44(phrase: &str, path: &[(u32, bool)]) -> Option<[u8; 32]> {
    let mut seed = [0u8; 64];
    pbkdf2::pbkdf2_hmac::<Sha512>(phrase.as_bytes(), b"mnemonic", 2048, &mut seed);
    let i = hmac512(b"Bitcoin seed", &[&seed])?;
    let mut key: k256::Scalar = Option::from(k256::Scalar::from_repr(
        *k256::FieldBytes::from_slice(&i[..32]),
    ))?;
    let mut chain = [0u8; 32];
    chain.copy_from_slice(&i[32..]);
    for &(index, hardened) in path {
        let idx = if hardened { index | 0x8000_0000 } else { index };
        let kbytes = key.to_repr();
        let i = if hardened {
            hmac512(&chain, &[&[0u8], &kbytes, &idx.to_be_bytes()])?
        } else {
            let sk = k256::SecretKey::from_slice(&kbytes).ok()?;
            let pubc = sk.public_key().to_encoded_point(true);
            hmac512(&chain, &[pubc.as_bytes(), &idx.to_be_bytes()])?
        };
        let tweak: Option<k256::Scalar> = Option::from(k256::Scalar::from_repr(
            *k256::FieldBytes::from_slice(&i[..32]),
        ));
        key += tweak?;
        chain.copy_from_slice(&i[32..]);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(&key.to_repr());
    Some(out)
}

/// Public development mnemonics whose keys appear in countless repositories.
pub const PUBLIC_MNEMONICS: &[&str] = &[
    "test test test test test test test test test test test junk",
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    "candy maple cake sugar pudding cream honey rich smooth crumble sweet treat",
    "myth like bonus scare over problem client lizard pioneer submit female collect",
    "legal winner thank year wave sausage worth useful legal winner thank yellow",
];

/// The private keys of the first accounts of the public development mnemonics
/// (`m/44'/60'/0'/0/i`), computed once on first use.
pub fn dev_keys() -> &'static HashSet<[u8; 32]> {
    static KEYS: OnceLock<HashSet<[u8; 32]>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut set = HashSet::new();
        for (n, phrase) in PUBLIC_MNEMONICS.iter().enumerate() {
            let count = if n == 0 { 20 } else { 10 };
            for i in 0..count {
                let path = [(44, true), (60, true), (0, true), (0, false), (i, false)];
                if let Some(k) = derive_bip44(phrase, &path) {
                    set.insert(k);
                }
            }
        }
        set
    })
}

/// Double SHA-256 Base58Check decode (version bytes included in the output).
pub fn base58check(s: &str) -> Option<Vec<u8>> {
    bs58::decode(s).with_check(None).into_vec().ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn anvil_first_key_matches_reference() {
        let k = hex::decode("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
            .unwrap();
        let mut a = [0u8; 32];
        a.copy_from_slice(&k);
        assert!(dev_keys().contains(&a));
        let sk = secp_secret(&k).unwrap();
        assert_eq!(
            hex::encode(eth_address(&sk)),
            "f39fd6e51aad88f6f4ce6ab8827279cfffb92266"
        );
    }

    #[test]
    fn bip39_checksums() {
        let ok: Vec<&str> = PUBLIC_MNEMONICS[1].split(' ').collect();
        assert!(bip39_checksum_ok(&ok));
        let mut bad = ok.clone();
        bad[11] = "abandon";
        assert!(!bip39_checksum_ok(&bad));
        let junk: Vec<&str> = PUBLIC_MNEMONICS[0].split(' ').collect();
        assert!(bip39_checksum_ok(&junk));
    }

    #[test]
    fn scalar_bounds() {
        assert!(secp_secret(&[0u8; 32]).is_none());
        assert!(secp_secret(&[0xffu8; 32]).is_none());
        assert!(secp_secret(&[1u8; 32]).is_some());
    }
}

#[cfg(test)]
mod wordlist_tests {
    #[test]
    fn english_list_is_sorted_for_binary_search() {
        let l = bip39::Language::English.word_list();
        assert!(l.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(super::bip39_index("abandon"), Some(0));
        assert_eq!(super::bip39_index("zoo"), Some(2047));
    }
}
