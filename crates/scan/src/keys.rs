//! Key-material validation: secp256k1 scalars and addresses, BIP-39 checksums, BIP-32
//! derivation (to recognise public development keys), Ed25519 keypairs.

use std::collections::HashSet;
use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use k256::elliptic_curve::ops::MulByGenerator;
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
    // `mul_by_generator` uses k256's precomputed generator tables (several times faster than
    // the generic multiplication behind `SecretKey::public_key`)
    let scalar = sk.to_nonzero_scalar();
    let point = k256::ProjectivePoint::mul_by_generator(scalar.as_ref())
        .to_affine()
        .to_encoded_point(false);
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
    // compared inline: a library memcmp call costs more than these few bytes
    let same = |l: &str| l.len() == w.len() && l.bytes().zip(w).all(|(a, &b)| a == b);
    (slot != u16::MAX && list.get(usize::from(slot)).is_some_and(|l| same(l))).then_some(slot)
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
/// (`m/44'/60'/0'/0/i`: 20 of the first phrase, 10 of each other). Precomputed: deriving them
/// costs 60 PBKDF2 runs (about a second of CPU), and a unit test re-derives them.
const DEV_KEYS: &[&str] = &[
    // test test test test test test test test test test test junk
    "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
    "f214f2b2cd398c806f84e317254e0f0b801d0643303237d97a22a48e01628897",
    "701b615bbdfb9de65240bc28bd21bbc0d996645a3dd57e7b12bc2bdf6f192c82",
    "a267530f49f8280200edf313ee7af6b827f2a8bce2897751d06a843f644967b1",
    "47c99abed3324a2707c28affff1267e45918ec8c3f20b8aa892e8b065d2942dd",
    "c526ee95bf44d8fc405a158bb884d9d1238d99f0612e9f33d006bb0789009aaa",
    "8166f546bab6da521a8369cab06c5d2b9e46670292d85c875ee9ec20e84ffb61",
    "ea6c44ac03bff858b476bba40716402b03e41b8e97e276d1baec7c37d42484a0",
    "689af8efa8c651a91ad287602527f3af2fe9f6501a7ac4b061667b5a93e037fd",
    "de9be858da4a475276426320d5e9262ecfc3ba460bfac56360bfa6c4c28b4ee0",
    "df57089febbacf7ba0bc227dafbffa9fc08a93fdc68e1e42411a14efcf23656e",
    // abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about
    "1ab42cc412b618bdea3a599e3c9bae199ebf030895b039e9db1e30dafb12b727",
    "9a983cb3d832fbde5ab49d692b7a8bf5b5d232479c99333d0fc8e1d21f1b55b6",
    "5b824bd1104617939cd07c117ddc4301eb5beeca0904f964158963d69ab9d831",
    "9ffce93c14680776a0c319c76b4c25e7ad03bd780bf47f27ae9153324dcac585",
    "bd443149113127d73c350d0baeceedd2c83be3f10e3d57613a730649ddfaf0c0",
    "5a8787e6b7e11a74a22ee97b8164c7d69cd5668c6065bbfbc87e6a34a24b135c",
    "56e506258e5b0e3b6023b17941d84f8a13d655c525419b9ff0a52999a2c687a3",
    "dfb0930bcb8f6ca83296c1870e941998c641d3d0d413013c890b8b255dd537b5",
    "66014718190fedba55dc3f4709f6b5b34b9b1feebb110e7b87391054cbbffdd2",
    "22fb8f2fe3b2dbf632bc5eb450a96ec56185733234f17e49c2483bb337ebf145",
    // candy maple cake sugar pudding cream honey rich smooth crumble sweet treat
    "c87509a1c067bbde78beb793e6fa76530b6382a4c0241e5e4a9ec0a0f44dc0d3",
    "ae6ae8e5ccbfb04590405997ee2d52d2b330726137b875053c36d94e974d162f",
    "0dbbe8e4ae425a6d2687f1a7e3ba17bc98c673636790f1b8ad91193c05875ef1",
    "c88b703fb08cbea894b6aeff5a544fb92e78a18e19814cd85da83b71f772aa6c",
    "388c684f0ba1ef5017716adb5d21a053ea8e90277d0868337519f97bede61418",
    "659cbb0e2411a44db63778987b1e22153c086a95eb6b18bdf89de078917abc63",
    "82d052c865f5763aad42add438569276c00d3d88a2d062d36b2bae914d58b8c8",
    "aa3680d5d48a8283413f7a108367c7299ca73f553735860a87b08f39395618b7",
    "0f62d96d6675f32685bbdb8ac13cda7c23436f63efbb9d07700d8669ff12b7c4",
    "8d5366123cb560bb606379f90a0bfd4769eecc0557f1b362dcae9012b548b1e5",
    // myth like bonus scare over problem client lizard pioneer submit female collect
    "4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d",
    "6cbed15c793ce57650b9877cf6fa156fbef513c4e6134f022a85b1ffdd59b2a1",
    "6370fd033278c143179d81c5526140625662b8daa446c22ee2d73db3707e620c",
    "646f1ce2fdad0e6deeeb5c7e8e5543bdde65e86029e2fd9fc169899c440a7913",
    "add53f9a7e588d003326d1cbf9e4a43c061aadd9bc938c843a79e7b4fd2ad743",
    "395df67f0c2d2d9fe1ad08d1bc8b6627011959b79c53d7dd6a3536a33ab8a4fd",
    "e485d098507f54e7733a205420dfddbe58db035fa577fc294ebd14db90767a52",
    "a453611d9419d0e56f499079478fd72c37b251a94bfde4d19872c44cf65386e3",
    "829e924fdf021ba3dbbc4225edfece9aca04b929d6e75613329ca6f1d31c0bb4",
    "b0057716d5917badaf911b193b12b910811c1497b5bada8d7711f758981c3773",
    // legal winner thank year wave sausage worth useful legal winner thank yellow
    "33fa40f84e854b941c2b0436dd4a256e1df1cb41b9c1c0ccc8446408c19b8bf9",
    "5e4f6a62c67d2b8735d3cda66e37854d7a80f59aab639c3a4bed7e2c7432a4e4",
    "d46507376b3a8a4af4f1f934375df25213a09857a3ed1086ba284c82d387904b",
    "a42b90503f0d4a418e2b8b140a03901c89d76704c8af49c3ef82d6f3cd91f23d",
    "2e74a49e3a2b8f2e6e7a3499692ca7a4922c66552606f5cbba509bbbf5b6e28e",
    "f3a08eab76cded41a29234a8def21af5c6e508a99a12a97e61250e4c44729fdf",
    "3ac4e195881cc9fd587e21ebc49d540bb72825149ebe93a2284215c55366c3d4",
    "d2c6137cc14729bfc8d9fd3b1233dccfaccdd6d7fb7231745db86e838ccffe36",
    "193389ead9c8a9f9436c287ad266bffff1236eca78f5ec6bae25be458eb10206",
    "f463f691edd59030564b9af442dbf7596f592a42dd67720e587d200f1aa6d8a0",
];

/// The private keys of [`DEV_KEYS`], decoded once on first use.
pub fn dev_keys() -> &'static HashSet<[u8; 32]> {
    static KEYS: OnceLock<HashSet<[u8; 32]>> = OnceLock::new();
    KEYS.get_or_init(|| {
        DEV_KEYS
            .iter()
            .filter_map(|h| {
                let mut k = [0u8; 32];
                hex::decode_to_slice(h, &mut k).ok().map(|()| k)
            })
            .collect()
    })
}

/// Whether `key` is one of [`dev_keys`] (binary search in a sorted copy: cheaper than hashing
/// for every 64-hex value of a file).
pub fn is_dev_key(key: &[u8; 32]) -> bool {
    static SORTED: OnceLock<Vec<[u8; 32]>> = OnceLock::new();
    SORTED
        .get_or_init(|| {
            let mut v: Vec<[u8; 32]> = dev_keys().iter().copied().collect();
            v.sort_unstable();
            v
        })
        .binary_search(key)
        .is_ok()
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
    fn dev_keys_are_the_derived_keys() {
        let mut derived = HashSet::new();
        for (n, phrase) in PUBLIC_MNEMONICS.iter().enumerate() {
            let count = if n == 0 { 20 } else { 10 };
            for i in 0..count {
                let path = [(44, true), (60, true), (0, true), (0, false), (i, false)];
                derived.insert(derive_bip44(phrase, &path).unwrap());
            }
        }
        assert_eq!(derived.len(), DEV_KEYS.len());
        assert_eq!(&derived, dev_keys());
        assert!(derived.iter().all(is_dev_key));
        assert!(!is_dev_key(&[7u8; 32]));
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
