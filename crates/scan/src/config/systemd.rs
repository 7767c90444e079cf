//! systemd units: `Environment=` with literal secrets (flags in `ExecStart=` are covered by the
//! flag rules).

use super::check_env;
use crate::source::{Hit, Source};

pub fn is_unit(src: &Source<'_>) -> bool {
    let n = &src.file_name;
    n.ends_with(".service")
        || n.ends_with(".socket")
        || n.ends_with(".conf") && src.text.contains("[Service]")
}

pub fn detect(src: &Source<'_>, out: &mut Vec<Hit>) {
    let mut base = 0;
    for line in src.text.split_inclusive('\n') {
        let start = base;
        base += line.len();
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix("Environment=") else {
            continue;
        };
        let rest_at = start + (line.len() - t.len()) + "Environment=".len();
        // space-separated assignments, optionally double-quoted as a whole
        let bytes = rest.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let quoted = bytes.get(i) == Some(&b'"');
            if quoted {
                i += 1;
            }
            let s = i;
            while i < bytes.len()
                && (if quoted {
                    bytes[i] != b'"'
                } else {
                    !bytes[i].is_ascii_whitespace()
                })
            {
                i += 1;
            }
            let item = &rest[s..i];
            if quoted {
                i += 1;
            }
            if let Some((k, v)) = item.split_once('=') {
                check_env(
                    "deploy-secret-env",
                    k,
                    v,
                    rest_at + s,
                    rest_at + s + k.len() + 1,
                    out,
                );
            }
        }
    }
}
