//! Web3 Secret Storage v3 keystore decryption (the `UTC--…` files geth, clef, ethers and
//! foundry write): scrypt or PBKDF2-HMAC-SHA256, AES-128-CTR, keccak MAC.

use aes::cipher::{KeyIvInit, StreamCipher};
use alloy_primitives::{keccak256, Address};
use serde_json::Value;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::{shown, ChainError};
use crate::json::kind;

type Aes128Ctr = ctr::Ctr128BE<aes::Aes128>;

/// Largest keystore file accepted, in bytes.
pub const MAX_KEYSTORE_JSON_BYTES: usize = 64 * 1024;
/// Largest scrypt `n` accepted (2^20).
const MAX_SCRYPT_N: u64 = 1 << 20;
/// Largest scrypt `r` and `p` accepted.
const MAX_SCRYPT_R: u64 = 16;
const MAX_SCRYPT_P: u64 = 16;
/// scrypt needs `128·n·r` bytes of memory: at most 1 GiB (n = 2^20 with r = 8).
const MAX_SCRYPT_N_R: u64 = 1 << 23;
/// scrypt's work grows with `n·r·p`: at most 8× that of n = 2^20, r = 8, p = 1.
const MAX_SCRYPT_N_R_P: u64 = 1 << 26;
/// Most PBKDF2 iterations accepted.
const MAX_PBKDF2_C: u64 = 10_000_000;
/// Longest salt accepted, in bytes.
const MAX_SALT_BYTES: usize = 1024;

/// The secret key from a keystore file.
pub struct DecryptedKeystore {
    /// The 32-byte secp256k1 private key, wiped on drop.
    pub secret: Zeroizing<[u8; 32]>,
    /// The file's `address` field, if it has one, for callers to cross-check against the
    /// address derived from `secret`.
    pub address_hint: Option<Address>,
}

impl std::fmt::Debug for DecryptedKeystore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecryptedKeystore")
            .field("secret", &"<redacted>")
            .field("address_hint", &self.address_hint)
            .finish()
    }
}

fn bad(reason: impl Into<String>) -> ChainError {
    ChainError::Keystore(reason.into())
}

fn str_field<'a>(obj: &'a Value, path: &str, key: &str) -> Result<&'a str, ChainError> {
    match obj.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(bad(format!(
            "`{path}{key}` must be a string, got {}",
            kind(other)
        ))),
        None => Err(bad(format!("missing `{path}{key}`"))),
    }
}

fn hex_field(obj: &Value, path: &str, key: &str, max: usize) -> Result<Vec<u8>, ChainError> {
    let s = str_field(obj, path, key)?;
    let s = s.strip_prefix("0x").unwrap_or(s);
    if s.len() > 2 * max {
        return Err(bad(format!("`{path}{key}` is longer than {max} bytes")));
    }
    hex::decode(s).map_err(|e| bad(format!("`{path}{key}` is not hex: {e}")))
}

fn fixed_field<const N: usize>(obj: &Value, path: &str, key: &str) -> Result<[u8; N], ChainError> {
    let v = hex_field(obj, path, key, N)?;
    <[u8; N]>::try_from(v.as_slice())
        .map_err(|_| bad(format!("`{path}{key}` must be {N} bytes, got {}", v.len())))
}

fn num_field(obj: &Value, path: &str, key: &str) -> Result<u64, ChainError> {
    match obj.get(key) {
        Some(Value::Number(n)) => n.as_u64().ok_or_else(|| {
            bad(format!(
                "`{path}{key}` must be a non-negative integer, got `{}`",
                shown(&n.to_string())
            ))
        }),
        Some(other) => Err(bad(format!(
            "`{path}{key}` must be a number, got {}",
            kind(other)
        ))),
        None => Err(bad(format!("missing `{path}{key}`"))),
    }
}

/// Decrypts a version 3 keystore file.
///
/// KDF parameters are bounded before any work is done so a hostile file cannot exhaust memory
/// or CPU: scrypt `n` a power of two ≤ 2^20, `r` ≤ 16, `p` ≤ 16, `128·n·r` ≤ 1 GiB and
/// `n·r·p` ≤ 2^26; PBKDF2 `c` ≤ 10,000,000. The MAC is compared in constant time; a mismatch
/// is [`ChainError::KeystoreMac`].
pub fn decrypt_keystore_v3(json: &[u8], password: &[u8]) -> Result<DecryptedKeystore, ChainError> {
    if json.len() > MAX_KEYSTORE_JSON_BYTES {
        return Err(bad(format!(
            "file of {} bytes is larger than the limit of {MAX_KEYSTORE_JSON_BYTES} bytes",
            json.len()
        )));
    }
    let v: Value = serde_json::from_slice(json).map_err(|e| bad(format!("not valid JSON: {e}")))?;
    if !v.is_object() {
        return Err(bad(format!("expected a JSON object, got {}", kind(&v))));
    }
    match v.get("version") {
        Some(Value::Number(n)) if n.as_u64() == Some(3) => {}
        Some(other) => {
            return Err(bad(format!(
                "unsupported version `{}`; only version 3 is supported",
                shown(&other.to_string())
            )))
        }
        None => return Err(bad("missing `version`")),
    }
    // geth wrote `Crypto` in early versions.
    let (crypto, cp) = match (v.get("crypto"), v.get("Crypto")) {
        (Some(c), _) => (c, "crypto."),
        (None, Some(c)) => (c, "Crypto."),
        (None, None) => return Err(bad("missing `crypto`")),
    };
    let cipher = str_field(crypto, cp, "cipher")?;
    if cipher != "aes-128-ctr" {
        return Err(bad(format!(
            "unsupported cipher `{}`; only aes-128-ctr is supported",
            shown(cipher)
        )));
    }
    let params_path = format!("{cp}cipherparams.");
    let cipherparams = crypto
        .get("cipherparams")
        .ok_or_else(|| bad(format!("missing `{cp}cipherparams`")))?;
    let iv = fixed_field::<16>(cipherparams, &params_path, "iv")?;
    let ciphertext = fixed_field::<32>(crypto, cp, "ciphertext")?;
    let mac = fixed_field::<32>(crypto, cp, "mac")?;

    let kdf = str_field(crypto, cp, "kdf")?;
    let kp = format!("{cp}kdfparams.");
    let kdfparams = crypto
        .get("kdfparams")
        .ok_or_else(|| bad(format!("missing `{cp}kdfparams`")))?;
    let dklen = num_field(kdfparams, &kp, "dklen")?;
    if dklen != 32 {
        return Err(bad(format!("`{kp}dklen` must be 32, got `{dklen}`")));
    }
    let salt = hex_field(kdfparams, &kp, "salt", MAX_SALT_BYTES)?;
    let mut dk = Zeroizing::new([0u8; 32]);
    match kdf {
        "scrypt" => {
            let n = num_field(kdfparams, &kp, "n")?;
            let r = num_field(kdfparams, &kp, "r")?;
            let p = num_field(kdfparams, &kp, "p")?;
            if n < 2 || !n.is_power_of_two() {
                return Err(bad(format!(
                    "`{kp}n` must be a power of two ≥ 2, got `{n}`"
                )));
            }
            if r == 0 || p == 0 {
                return Err(bad(format!("`{kp}r` and `{kp}p` must be at least 1")));
            }
            if n > MAX_SCRYPT_N
                || r > MAX_SCRYPT_R
                || p > MAX_SCRYPT_P
                || n * r > MAX_SCRYPT_N_R
                || n * r * p > MAX_SCRYPT_N_R_P
            {
                return Err(ChainError::KeystoreKdfTooExpensive(format!(
                    "scrypt n={n} r={r} p={p} exceeds the limits n ≤ 2^20, r ≤ 16, p ≤ 16, \
                     128·n·r ≤ 1 GiB, n·r·p ≤ 2^26"
                )));
            }
            // Bounded above, so these conversions cannot fail.
            let to_usize =
                |x: u64| usize::try_from(x).map_err(|_| bad("scrypt parameter out of range"));
            crate::scrypt::scrypt(
                password,
                &salt,
                to_usize(n)?,
                to_usize(r)?,
                to_usize(p)?,
                dk.as_mut(),
            );
        }
        "pbkdf2" => {
            let prf = str_field(kdfparams, &kp, "prf")?;
            if prf != "hmac-sha256" {
                return Err(bad(format!(
                    "unsupported `{kp}prf` `{}`; only hmac-sha256 is supported",
                    shown(prf)
                )));
            }
            let c = num_field(kdfparams, &kp, "c")?;
            if c == 0 {
                return Err(bad(format!("`{kp}c` must be at least 1")));
            }
            if c > MAX_PBKDF2_C {
                return Err(ChainError::KeystoreKdfTooExpensive(format!(
                    "pbkdf2 c={c} exceeds the limit of {MAX_PBKDF2_C} iterations"
                )));
            }
            let c = u32::try_from(c).map_err(|_| bad("pbkdf2 `c` out of range"))?;
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, &salt, c, dk.as_mut());
        }
        other => {
            return Err(bad(format!(
                "unsupported kdf `{}`; only scrypt and pbkdf2 are supported",
                shown(other)
            )))
        }
    }

    let mut mac_body = Zeroizing::new([0u8; 48]);
    mac_body[..16].copy_from_slice(&dk[16..32]);
    mac_body[16..].copy_from_slice(&ciphertext);
    let computed = keccak256(mac_body.as_slice());
    if !bool::from(computed.as_slice().ct_eq(&mac)) {
        return Err(ChainError::KeystoreMac);
    }

    let mut secret = Zeroizing::new(ciphertext);
    let mut key = Zeroizing::new([0u8; 16]);
    key.copy_from_slice(&dk[..16]);
    let mut cipher = Aes128Ctr::new(key.as_ref().into(), (&iv).into());
    cipher.apply_keystream(secret.as_mut());
    if k256::SecretKey::from_slice(secret.as_slice()).is_err() {
        return Err(bad(
            "the decrypted key is not a valid secp256k1 private key",
        ));
    }

    let address_hint = match v.get("address") {
        None | Some(Value::Null) => None,
        Some(_) => Some(Address::from(fixed_field::<20>(&v, "", "address")?)),
    };
    Ok(DecryptedKeystore {
        secret,
        address_hint,
    })
}
