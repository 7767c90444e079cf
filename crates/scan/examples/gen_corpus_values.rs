//! Prints fresh random key material in every format the scanner validates, for writing test
//! corpora (`testing/scan-corpus` was written with values from this). Never use real secrets.
use std::io::Read;

use base64::Engine as _;
use k256::elliptic_curve::sec1::ToEncodedPoint;
use sha2::{Digest, Sha256};

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = f.read_exact(&mut b);
    }
    b
}

fn mnemonic(entropy: &[u8]) -> String {
    let words = bip39::Language::English.word_list();
    let cs_bits = entropy.len() * 8 / 32;
    let hash = Sha256::digest(entropy);
    let mut bits: Vec<bool> = Vec::new();
    for byte in entropy {
        for i in (0..8).rev() {
            bits.push((byte >> i) & 1 == 1);
        }
    }
    for i in 0..cs_bits {
        bits.push((hash[i / 8] >> (7 - i % 8)) & 1 == 1);
    }
    bits.chunks(11)
        .map(|c| words[c.iter().fold(0usize, |a, b| a * 2 + usize::from(*b))])
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    for i in 0..4 {
        let sk = loop {
            if let Some(k) = palisade_scan::keys::secp_secret(&random::<32>()) {
                break k;
            }
        };
        let addr = palisade_scan::keys::eth_address(&sk);
        println!(
            "evm{i}: 0x{} address 0x{}",
            hex::encode(sk.to_bytes()),
            hex::encode(addr)
        );
    }
    println!("jwt: {}", hex::encode(random::<32>()));
    println!("mnemonic12: {}", mnemonic(&random::<16>()));
    println!("mnemonic12b: {}", mnemonic(&random::<16>()));
    println!("mnemonic24: {}", mnemonic(&random::<32>()));
    // an invalid checksum: change the last word until the checksum fails
    let m = mnemonic(&random::<16>());
    let mut w: Vec<&str> = m.split(' ').collect();
    for cand in bip39::Language::English.word_list() {
        w[11] = cand;
        if !palisade_scan::keys::bip39_checksum_ok(&w) {
            break;
        }
    }
    println!("mnemonic-bad: {}", w.join(" "));
    // xprv (BIP-32 master, mainnet) and tprv
    for (name, ver) in [
        ("xprv", [0x04, 0x88, 0xAD, 0xE4]),
        ("tprv", [0x04, 0x35, 0x83, 0x94]),
    ] {
        let mut d = Vec::new();
        d.extend_from_slice(&ver);
        d.push(0);
        d.extend_from_slice(&[0; 4]);
        d.extend_from_slice(&[0; 4]);
        d.extend_from_slice(&random::<32>());
        d.push(0);
        d.extend_from_slice(&random::<32>());
        println!("{name}: {}", bs58::encode(&d).with_check().into_string());
    }
    for (name, ver, comp) in [
        ("wif-compressed", 0x80u8, true),
        ("wif-uncompressed", 0x80, false),
        ("wif-testnet", 0xef, true),
    ] {
        let mut d = vec![ver];
        d.extend_from_slice(&random::<32>());
        if comp {
            d.push(1);
        }
        println!("{name}: {}", bs58::encode(&d).with_check().into_string());
    }
    let seed = random::<32>();
    let sk = ed25519_dalek::SigningKey::from_bytes(&seed);
    let mut kp = seed.to_vec();
    kp.extend_from_slice(sk.verifying_key().as_bytes());
    println!("solana-json: {:?}", kp);
    println!(
        "solana-pubkey: {}",
        bs58::encode(sk.verifying_key().as_bytes()).into_string()
    );
    let seed2 = random::<32>();
    let sk2 = ed25519_dalek::SigningKey::from_bytes(&seed2);
    let mut kp2 = seed2.to_vec();
    kp2.extend_from_slice(sk2.verifying_key().as_bytes());
    println!("solana-b58: {}", bs58::encode(&kp2).into_string());
    let seed3 = random::<32>();
    let sk3 = ed25519_dalek::SigningKey::from_bytes(&seed3);
    let mut kp3 = seed3.to_vec();
    kp3.extend_from_slice(sk3.verifying_key().as_bytes());
    let b64 = base64::engine::general_purpose::STANDARD;
    println!("cosmos-priv: {}", b64.encode(&kp3));
    println!("cosmos-pub: {}", b64.encode(sk3.verifying_key().as_bytes()));
    let addr = &Sha256::digest(sk3.verifying_key().as_bytes())[..20];
    println!("cosmos-addr: {}", hex::encode_upper(addr));
    const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let id: String = random::<16>()
        .iter()
        .map(|b| B32[(*b % 32) as usize] as char)
        .collect();
    println!("aws-id: AKIA{id}");
    let secret = b64.encode(random::<30>());
    println!("aws-secret: {secret}");
    println!("azure-account-key: {}", b64.encode(random::<64>()));
    const AZ: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_~.-";
    let r: Vec<char> = random::<40>()
        .iter()
        .map(|b| AZ[(*b as usize) % AZ.len()] as char)
        .collect();
    let s: String =
        r[..3].iter().collect::<String>() + "8Q~" + &r[3..37].iter().collect::<String>();
    println!("azure-client-secret: {s}");
    println!("infura: {}", hex::encode(random::<16>()));
    println!(
        "alchemy: {}",
        b64.encode(random::<24>()).replace(['+', '/'], "_")
    );
    println!("hex32-a: {}", hex::encode(random::<32>()));
    println!(
        "token: {}",
        b64.encode(random::<24>()).replace(['+', '/'], "x")
    );
    let _ = sk.verifying_key().to_bytes();
    let _ = k256::SecretKey::from_slice(&[1u8; 32]).map(|k| k.public_key().to_encoded_point(true));
}
