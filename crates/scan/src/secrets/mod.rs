//! Secret detectors. Each one starts from a prefilter candidate, looks at the context, and
//! validates the key material before it reports.

pub mod cloud;
pub mod evm;
pub mod generic;
pub mod json_keys;
pub mod mnemonic;
pub mod packed;
pub mod rpc_url;

/// Splits an identifier into lower-case words: `DEPLOYER_PRIVATE_KEY`, `privateKey`,
/// `--private-key`, `ethers.Wallet` → `[deployer, private, key]`, `[private, key]`, ….
pub fn name_tokens(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            cur.push(c.to_ascii_lowercase());
        } else {
            prev_lower = false;
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'$')
}

/// The nearest identifier before `pos` in `line` (e.g. `PRIVATE_KEY` in `PRIVATE_KEY="0x…`,
/// `accounts` in `accounts: ["0x…`, `Wallet` in `new Wallet('0x…`).
pub fn name_before(line: &str) -> &str {
    let b = line.as_bytes();
    let mut end = b.len();
    // skip separators between the name and the value
    while end > 0
        && matches!(
            b[end - 1],
            b' ' | b'\t'
                | b'"'
                | b'\''
                | b'`'
                | b'='
                | b':'
                | b'('
                | b'['
                | b'{'
                | b','
                | b'>'
                | b'<'
        )
    {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && is_name_byte(b[start - 1]) {
        start -= 1;
    }
    let name = &line[start..end];
    if name.bytes().all(|c| c == b'-') {
        ""
    } else {
        name
    }
}

/// Names a secret is commonly stored under.
pub fn is_secret_name(tokens: &[String]) -> bool {
    const WORDS: &[&str] = &[
        "secret",
        "password",
        "passwd",
        "passphrase",
        "pass",
        "pwd",
        "token",
        "mnemonic",
        "seed",
        "privkey",
        "privatekey",
        "apikey",
        "credential",
        "credentials",
        "auth",
    ];
    let has = |w: &str| tokens.iter().any(|t| t == w);
    if tokens.iter().any(|t| WORDS.contains(&t.as_str())) {
        return !(has("path") || has("file") || has("dir") || has("id") && !has("secret"));
    }
    if has("key") || has("pk") {
        // *_KEY is a secret unless it names a public part or a reference to a key
        const NOT: &[&str] = &[
            "public",
            "pub",
            "id",
            "path",
            "file",
            "dir",
            "name",
            "type",
            "size",
            "alias",
            "arn",
            "url",
            "uri",
            "ref",
            "hash",
            "fingerprint",
            "length",
            "format",
            "prefix",
            "pair",
        ];
        return !tokens.iter().any(|t| NOT.contains(&t.as_str()));
    }
    false
}

/// True for values that are clearly not literal secrets: references, templates, placeholders.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    if v.is_empty() {
        return true;
    }
    let l = v.to_ascii_lowercase();
    const MARKERS: &[&str] = &[
        "${",
        "$(",
        "{{",
        "<",
        ">",
        "xxx",
        "your",
        "example",
        "changeme",
        "change_me",
        "change-me",
        "placeholder",
        "redacted",
        "dummy",
        "todo",
        "***",
        "...",
        "…",
        "here",
        "insert",
        "replace",
        "process.env",
        "os.environ",
        "getenv",
        "env(",
        "secretkeyref",
        "valuefrom",
        "fake",
        "sample",
        "notsecret",
        "not-a-secret",
        "none",
        "null",
        "undefined",
        "secrets.",
        "vault:",
        "ssm:",
        "arn:aws",
    ];
    if l.starts_with('$') || l.starts_with('%') || l.starts_with('@') && l.len() < 40 {
        return true;
    }
    // one automaton over all markers (37 substring searches cost more than the rest)
    static MARKER_AC: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::OnceLock::new();
    let found = match MARKER_AC.get_or_init(|| aho_corasick::AhoCorasick::new(MARKERS).ok()) {
        Some(ac) => ac.is_match(&l),
        None => MARKERS.iter().any(|m| l.contains(m)),
    };
    if found {
        return true;
    }
    if matches!(l.as_str(), "true" | "false" | "yes" | "no" | "on" | "off") {
        return true;
    }
    // a file or path reference rather than the secret itself
    if l.starts_with('/') || l.starts_with("./") || l.starts_with("~/") || l.starts_with("file:") {
        return true;
    }
    const EXT: &[&str] = &[
        ".txt", ".json", ".pem", ".key", ".hex", ".pass", ".env", ".yaml", ".yml",
    ];
    if EXT.iter().any(|e| l.ends_with(e)) {
        return true;
    }
    let first = l.as_bytes()[0];
    l.bytes().all(|c| c == first)
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = f64::from(n);
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_split_identifiers() {
        assert_eq!(
            name_tokens("DEPLOYER_PRIVATE_KEY"),
            ["deployer", "private", "key"]
        );
        assert_eq!(name_tokens("privateKey"), ["private", "key"]);
        assert_eq!(name_tokens("--private-key"), ["private", "key"]);
        assert_eq!(name_tokens("transactionHash"), ["transaction", "hash"]);
    }

    #[test]
    fn name_before_value() {
        assert_eq!(name_before("PRIVATE_KEY=\""), "PRIVATE_KEY");
        assert_eq!(name_before("  accounts: [\""), "accounts");
        assert_eq!(
            name_before("const w = new ethers.Wallet('"),
            "ethers.Wallet"
        );
        assert_eq!(name_before("  - "), "");
    }

    #[test]
    fn secret_names() {
        let t = |s| is_secret_name(&name_tokens(s));
        assert!(t("DB_PASSWORD"));
        assert!(t("DEPLOYER_KEY"));
        assert!(!t("PUBLIC_KEY"));
        assert!(!t("KEY_PATH"));
        assert!(!t("PASSWORD_FILE"));
        assert!(t("GITHUB_TOKEN"));
    }

    #[test]
    fn placeholders() {
        assert!(is_placeholder("${DB_PASSWORD}"));
        assert!(is_placeholder("<your-key>"));
        assert!(is_placeholder("/run/secrets/db"));
        assert!(!is_placeholder("q8Vt3xK0pLm2"));
    }
}
