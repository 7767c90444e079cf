//! Cloud credentials: AWS key pairs, Azure storage keys and client secrets, PEM private keys.

use base64::Engine as _;

use crate::finding::Severity;
use crate::source::{Hit, Source};

/// True when a PEM block's body is well-formed base64 of a plausible key (a DER sequence or
/// an OpenSSH key), so `-----BEGIN PRIVATE KEY-----\n...` placeholders do not count.
pub fn pem_body_decodes(pem: &str) -> bool {
    let body: String = pem
        .replace("\\n", "\n")
        .lines()
        .filter(|l| !l.starts_with("-----") && !l.contains(':'))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'' && *c != ',')
        .collect();
    match base64::engine::general_purpose::STANDARD.decode(body.as_bytes()) {
        Ok(der) => der.len() >= 64 && (der[0] == 0x30 || der.starts_with(b"openssh-key-v1")),
        Err(_) => false,
    }
}

pub fn detect_pem(src: &Source<'_>, out: &mut Vec<Hit>) {
    let Some(re) = regex!(
        r"-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----"
    ) else {
        return;
    };
    for m in re.captures_iter(&src.text) {
        let (Some(all), Some(kind)) = (m.get(0), m.get(1)) else {
            continue;
        };
        let end_marker = format!("-----END {}-----", kind.as_str());
        let Some(rel) = src.text[all.end()..].find(&end_marker) else {
            continue;
        };
        let block_end = all.end() + rel + end_marker.len();
        let block = &src.text[all.start()..block_end];
        if kind.as_str().starts_with("PGP") {
            continue;
        }
        if !pem_body_decodes(block) {
            continue;
        }
        let encrypted =
            kind.as_str().starts_with("ENCRYPTED") || block.contains("Proc-Type: 4,ENCRYPTED");
        let (sev, what) = if encrypted {
            (Severity::Low, "encrypted PEM private key")
        } else {
            (Severity::High, "PEM private key")
        };
        out.push(Hit {
            rule: "pem-private-key",
            severity: sev,
            offset: all.start(),
            secret: Some(all.end()..block_end),
            fingerprint_material: Some(block.as_bytes().to_vec()),
            message: format!("{what} ({})", kind.as_str()),
        });
    }
}

pub fn detect_aws(src: &Source<'_>, out: &mut Vec<Hit>) {
    let Some(id_re) = regex!(r"\b((?:AKIA|ASIA)[A-Z2-7]{16})\b") else {
        return;
    };
    let Some(secret_re) = regex!(
        r#"(?i)(?:secret|aws_secret_access_key|secretaccesskey)[A-Za-z_]*["']?\s*(?::|=|=>)?\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#
    ) else {
        return;
    };
    for m in id_re.captures_iter(&src.text) {
        let Some(id) = m.get(1) else { continue };
        if id.as_str().contains("EXAMPLE") {
            continue;
        }
        // the secret access key within five lines either side
        let line = src.line_range(id.start());
        let (l, _) = src.line_col(id.start());
        let from = src.line_start((l as usize).saturating_sub(5));
        let to = src.line_start(l as usize + 6).max(line.end);
        let window = src.slice(from..to);
        let secret = secret_re
            .captures_iter(window)
            .filter_map(|c| c.get(1))
            .find(|s| super::entropy(s.as_str()) > 4.0 && !s.as_str().contains("EXAMPLE"));
        match secret {
            Some(s) => {
                let mut material = id.as_str().as_bytes().to_vec();
                material.extend_from_slice(s.as_str().as_bytes());
                out.push(Hit {
                    rule: "aws-access-key",
                    severity: Severity::Critical,
                    offset: id.start(),
                    secret: Some(from + s.start()..from + s.end()),
                    fingerprint_material: Some(material),
                    message: format!(
                        "AWS access key {} with its secret access key",
                        &id.as_str()[..8]
                    ),
                });
            }
            None => out.push(Hit::secret(
                "aws-access-key",
                Severity::Medium,
                id.start()..id.end(),
                id.as_str().as_bytes().to_vec(),
                "AWS access key id (no secret access key found nearby)".into(),
            )),
        }
    }
}

pub fn detect_azure(src: &Source<'_>, out: &mut Vec<Hit>) {
    if let Some(re) = regex!(r"(?i)AccountKey=([A-Za-z0-9+/]{86}==)") {
        for c in re.captures_iter(&src.text) {
            let Some(k) = c.get(1) else { continue };
            let ok = base64::engine::general_purpose::STANDARD
                .decode(k.as_str())
                .is_ok_and(|b| b.len() == 64);
            if ok && super::entropy(k.as_str()) > 4.5 {
                out.push(Hit::secret(
                    "azure-storage-account-key",
                    Severity::Critical,
                    k.start()..k.end(),
                    k.as_str().as_bytes().to_vec(),
                    "Azure storage account key (64 bytes)".into(),
                ));
            }
        }
    }
    if let Some(re) = regex!(
        r"(?:^|[^A-Za-z0-9_~.\-])([A-Za-z0-9_~.\-]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34})(?:[^A-Za-z0-9_~.\-]|$)"
    ) {
        for c in re.captures_iter(&src.text) {
            let Some(k) = c.get(1) else { continue };
            if super::entropy(k.as_str()) > 4.0 {
                out.push(Hit::secret(
                    "azure-client-secret",
                    Severity::High,
                    k.start()..k.end(),
                    k.as_str().as_bytes().to_vec(),
                    "Azure AD client secret".into(),
                ));
            }
        }
    }
}
