//! Offline backups: plaintext encrypted to age X25519 recipients, ASCII-armoured.
//!
//! The matching identities are meant to live offline (a hardware token or paper), so a backup
//! file copied anywhere inside the cloud is useless on its own.

use std::io::{Read, Write};
use std::iter;
use std::str::FromStr;

use age::armor::{ArmoredReader, ArmoredWriter, Format};
use zeroize::Zeroizing;

use crate::{CryptoError, SecretBytes};

/// Upper bound on a backup we are willing to decrypt (defends the restore path).
pub const MAX_BACKUP_BYTES: usize = 64 * 1024 * 1024;

pub fn parse_recipient(text: &str) -> Result<age::x25519::Recipient, CryptoError> {
    age::x25519::Recipient::from_str(text.trim())
        .map_err(|_| CryptoError::BadRecipient(text.trim().to_string()))
}

/// Encrypts `plaintext` to every recipient; any one identity can decrypt.
pub fn encrypt(recipients: &[String], plaintext: &SecretBytes) -> Result<String, CryptoError> {
    if recipients.is_empty() {
        return Err(CryptoError::Backup(
            "at least one age recipient is required".into(),
        ));
    }
    let parsed: Vec<age::x25519::Recipient> = recipients
        .iter()
        .map(|r| parse_recipient(r))
        .collect::<Result<_, _>>()?;
    let encryptor =
        age::Encryptor::with_recipients(parsed.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| CryptoError::Backup(e.to_string()))?;
    let mut out = Vec::new();
    let io = |e: std::io::Error| CryptoError::Backup(e.to_string());
    let armor = ArmoredWriter::wrap_output(&mut out, Format::AsciiArmor).map_err(io)?;
    let mut writer = encryptor.wrap_output(armor).map_err(io)?;
    writer.write_all(plaintext.expose_secret()).map_err(io)?;
    writer
        .finish()
        .and_then(|armor| armor.finish())
        .map_err(io)?;
    String::from_utf8(out)
        .map_err(|_| CryptoError::Backup("armour produced non-UTF-8 output".into()))
}

/// Decrypts an armoured (or binary) age file with an `AGE-SECRET-KEY-1...` identity.
pub fn decrypt(identity: &str, file: &[u8]) -> Result<SecretBytes, CryptoError> {
    if file.len() > MAX_BACKUP_BYTES {
        return Err(CryptoError::Backup(format!(
            "backup is larger than {MAX_BACKUP_BYTES} bytes"
        )));
    }
    let identity =
        age::x25519::Identity::from_str(identity.trim()).map_err(|_| CryptoError::BadIdentity)?;
    let decryptor = age::Decryptor::new_buffered(ArmoredReader::new(file))
        .map_err(|e| CryptoError::Backup(format!("not a valid age file: {e}")))?;
    let mut reader = decryptor
        .decrypt(iter::once(&identity as &dyn age::Identity))
        .map_err(|e| CryptoError::Backup(format!("cannot decrypt backup: {e}")))?;
    let mut plain = Zeroizing::new(Vec::new());
    reader
        .by_ref()
        .take(MAX_BACKUP_BYTES as u64 + 1)
        .read_to_end(&mut plain)
        .map_err(|e| CryptoError::Backup(format!("backup is damaged or was modified: {e}")))?;
    Ok(SecretBytes::new(std::mem::take(&mut *plain)))
}

/// A fresh X25519 identity and its recipient, for tests and `palisade backup keygen`.
pub fn generate_identity() -> (SecretBytes, String) {
    use age::secrecy::ExposeSecret;
    let id = age::x25519::Identity::generate();
    let recipient = id.to_public().to_string();
    (
        SecretBytes::from_slice(id.to_string().expose_secret().as_bytes()),
        recipient,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_tamper_detection() {
        let (id, rcpt) = generate_identity();
        let id = std::str::from_utf8(id.expose_secret()).unwrap().to_string();
        let armored = encrypt(&[rcpt], &SecretBytes::from_slice(b"key material")).unwrap();
        assert!(armored.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
        assert_eq!(
            decrypt(&id, armored.as_bytes()).unwrap().expose_secret(),
            b"key material"
        );

        // Flip one base64 character in the body.
        let mut lines: Vec<String> = armored.lines().map(String::from).collect();
        let body = &mut lines[2];
        let c = body.pop().unwrap();
        body.push(if c == 'A' { 'B' } else { 'A' });
        let tampered = lines.join("\n") + "\n";
        assert!(decrypt(&id, tampered.as_bytes()).is_err());

        let (other, _) = generate_identity();
        assert!(decrypt(
            std::str::from_utf8(other.expose_secret()).unwrap(),
            armored.as_bytes()
        )
        .is_err());
    }

    #[test]
    fn bad_recipient_named() {
        let e = encrypt(&["age1nope".into()], &SecretBytes::from_slice(b"x")).unwrap_err();
        assert!(e.to_string().contains("age1nope"));
    }
}
