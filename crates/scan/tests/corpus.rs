//! The exact findings on `testing/scan-corpus`: every true positive with its rule, file, line
//! and severity, and nothing on the decoys (hashes, role constants, lockfiles, signatures,
//! invalid-checksum mnemonics, placeholders, safe configurations).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::path::PathBuf;

use palisade_scan::Severity::{self, *};
use palisade_scan::{ScanOptions, Scanner};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testing/scan-corpus")
}

const EXPECTED: &[(&str, &str, u32, Severity)] = &[
    ("bitcoind-rpc-password", "bitcoin/bitcoin.conf", 5, High),
    ("node-rpc-public-bind", "bitcoin/bitcoin.conf", 6, Medium),
    (
        "bitcoind-rpc-allow-all",
        "bitcoin/bitcoin.conf",
        7,
        Critical,
    ),
    ("node-rpc-public-bind", "config/besu.toml", 4, Medium),
    ("node-rpc-dangerous-api", "config/besu.toml", 5, High),
    ("node-rpc-cors-wildcard", "config/besu.toml", 6, Medium),
    ("node-rpc-vhosts-wildcard", "config/besu.toml", 7, Medium),
    ("node-engine-api-exposed", "config/besu.toml", 8, High),
    ("node-rpc-public-bind", "config/geth.toml", 7, Medium),
    ("node-rpc-dangerous-api", "config/geth.toml", 9, High),
    ("node-rpc-vhosts-wildcard", "config/geth.toml", 10, Medium),
    ("node-insecure-unlock", "config/geth.toml", 11, Critical),
    (
        "substrate-unsafe-rpc",
        "config/polkadot-validator.sh",
        3,
        High,
    ),
    (
        "substrate-unsafe-rpc",
        "config/polkadot-validator.sh",
        4,
        High,
    ),
    (
        "node-rpc-cors-wildcard",
        "config/polkadot-validator.sh",
        5,
        Medium,
    ),
    ("beacon-api-public", "config/prysm-beacon.yaml", 5, Medium),
    (
        "cosmos-validator-key",
        "cosmos/config/priv_validator_key.json",
        9,
        Critical,
    ),
    ("rpc-url-api-key", "dapp/.env", 2, High),
    ("evm-private-key", "dapp/.env", 3, Critical),
    ("generic-secret", "dapp/.env", 4, Low),
    ("rpc-url-api-key", "dapp/foundry.toml", 11, High),
    ("evm-dev-key", "dapp/hardhat.config.js", 14, Info),
    ("rpc-url-api-key", "dapp/hardhat.config.js", 17, High),
    ("evm-private-key", "dapp/hardhat.config.js", 19, Critical),
    ("evm-private-key", "dapp/script/deploy.sh", 7, Critical),
    ("bip39-test-mnemonic", "dapp/test/fixtures.ts", 4, Info),
    ("dockerfile-secret-env", "deploy/Dockerfile", 3, High),
    ("dockerfile-secret-env", "deploy/Dockerfile", 12, High),
    ("evm-private-key", "deploy/Dockerfile", 12, Critical),
    (
        "node-rpc-public-bind",
        "deploy/docker-compose.yml",
        11,
        Medium,
    ),
    (
        "node-rpc-dangerous-api",
        "deploy/docker-compose.yml",
        12,
        Critical,
    ),
    (
        "node-rpc-cors-wildcard",
        "deploy/docker-compose.yml",
        13,
        Medium,
    ),
    (
        "node-rpc-vhosts-wildcard",
        "deploy/docker-compose.yml",
        14,
        Medium,
    ),
    (
        "node-engine-api-exposed",
        "deploy/docker-compose.yml",
        15,
        High,
    ),
    (
        "node-insecure-unlock",
        "deploy/docker-compose.yml",
        17,
        Critical,
    ),
    (
        "container-docker-socket",
        "deploy/docker-compose.yml",
        24,
        High,
    ),
    (
        "container-privileged",
        "deploy/docker-compose.yml",
        25,
        High,
    ),
    ("beacon-api-public", "deploy/docker-compose.yml", 29, Medium),
    (
        "container-host-network",
        "deploy/docker-compose.yml",
        30,
        Medium,
    ),
    (
        "hardcoded-db-password",
        "deploy/docker-compose.yml",
        36,
        High,
    ),
    ("deploy-secret-env", "deploy/docker-compose.yml", 42, High),
    ("evm-private-key", "deploy/docker-compose.yml", 42, Critical),
    (
        "url-embedded-credentials",
        "deploy/docker-compose.yml",
        43,
        Medium,
    ),
    (
        "container-host-network",
        "deploy/k8s/execution.yaml",
        15,
        Medium,
    ),
    (
        "node-rpc-public-bind",
        "deploy/k8s/execution.yaml",
        22,
        Medium,
    ),
    (
        "node-rpc-dangerous-api",
        "deploy/k8s/execution.yaml",
        23,
        High,
    ),
    (
        "node-unprotected-txs",
        "deploy/k8s/execution.yaml",
        24,
        Medium,
    ),
    (
        "node-rpc-public-bind",
        "deploy/k8s/execution.yaml",
        26,
        Medium,
    ),
    ("deploy-secret-env", "deploy/k8s/execution.yaml", 30, High),
    ("evm-private-key", "deploy/k8s/execution.yaml", 30, Critical),
    (
        "container-privileged",
        "deploy/k8s/execution.yaml",
        35,
        High,
    ),
    (
        "node-private-api-exposed",
        "deploy/k8s/execution.yaml",
        58,
        High,
    ),
    (
        "container-docker-socket",
        "deploy/k8s/execution.yaml",
        60,
        High,
    ),
    (
        "container-docker-socket",
        "deploy/k8s/execution.yaml",
        64,
        High,
    ),
    ("node-rpc-public-bind", "deploy/reth.Dockerfile", 3, Medium),
    ("node-rpc-dangerous-api", "deploy/reth.Dockerfile", 3, High),
    ("deploy-secret-env", "deploy/systemd/geth.service", 7, High),
    (
        "node-rpc-public-bind",
        "deploy/systemd/geth.service",
        11,
        Medium,
    ),
    (
        "node-insecure-unlock",
        "deploy/systemd/geth.service",
        15,
        Critical,
    ),
    (
        "node-rpc-public-bind",
        "deploy/systemd/web3signer.service",
        5,
        Medium,
    ),
    (
        "signer-allowlist-wildcard",
        "deploy/systemd/web3signer.service",
        5,
        High,
    ),
    (
        "beacon-api-public",
        "deploy/systemd/web3signer.service",
        6,
        Medium,
    ),
    ("engine-jwt-secret", "execution/jwt.hex", 1, High),
    ("tf-sg-open-ssh", "infra/aws/main.tf", 22, High),
    ("tf-sg-open-rpc", "infra/aws/main.tf", 30, High),
    ("tf-sg-open-rpc", "infra/aws/main.tf", 56, High),
    ("tf-sg-open-ssh", "infra/aws/main.tf", 56, High),
    ("tf-bucket-public", "infra/aws/main.tf", 67, High),
    ("tf-bucket-public", "infra/aws/main.tf", 72, High),
    ("tf-volume-unencrypted", "infra/aws/main.tf", 78, Medium),
    ("hardcoded-db-password", "infra/aws/main.tf", 89, High),
    ("tf-db-public", "infra/aws/main.tf", 90, High),
    ("tf-db-unencrypted", "infra/aws/main.tf", 91, Medium),
    ("tf-imdsv1", "infra/aws/main.tf", 94, Medium),
    ("tf-user-data-secret", "infra/aws/main.tf", 99, High),
    ("tf-volume-unencrypted", "infra/aws/main.tf", 106, Medium),
    ("tf-iam-wildcard", "infra/aws/main.tf", 112, High),
    ("tf-iam-wildcard", "infra/aws/main.tf", 124, High),
    ("tf-kms-rotation-off", "infra/aws/main.tf", 129, Medium),
    (
        "tf-cloudtrail-validation-off",
        "infra/aws/main.tf",
        136,
        Medium,
    ),
    ("tf-sg-open-rpc", "infra/gcp/firewall.tf", 4, High),
    ("tf-bucket-public", "infra/gcp/firewall.tf", 14, High),
    (
        "gcp-service-account-key",
        "infra/gcp/indexer-sa.json",
        5,
        Critical,
    ),
    ("web3-keystore", "keys/ops-hot.json", 5, Medium),
    (
        "web3-keystore",
        "keystore/UTC--2024-03-11T09-12-44.123456789Z--7e9d86bf48c09ab48a61d800e120f589fe89e433",
        1,
        Critical,
    ),
    (
        "evm-private-key",
        "logs/relayer-2024-05-01.log",
        2,
        Critical,
    ),
    ("bip39-mnemonic", "logs/relayer-2024-05-01.log", 6, Critical),
    ("aws-access-key", "ops/aws-credentials", 3, Critical),
    ("azure-storage-account-key", "ops/azure.env", 1, Critical),
    ("azure-client-secret", "ops/azure.env", 4, High),
    ("pem-private-key", "ops/deploy_key", 1, High),
    ("url-embedded-credentials", "ops/indexer.yaml", 3, Medium),
    ("generic-secret", "ops/indexer.yaml", 9, Low),
    ("pem-private-key", "ops/tls-encrypted.key", 1, Low),
    ("solana-keypair", "solana/.env", 3, Critical),
    (
        "solana-keypair",
        "solana/validator-keypair.json",
        1,
        Critical,
    ),
    ("solana-rpc-public", "solana/validator.sh", 7, Medium),
    (
        "solana-full-rpc-api-voting",
        "solana/validator.sh",
        8,
        Medium,
    ),
    ("bip39-mnemonic", "wallet/backup.txt", 1, Critical),
    ("bip32-extended-private-key", "wallet/hd.json", 4, Critical),
    ("bip39-test-mnemonic", "wallet/notes.md", 9, Info),
    ("bitcoin-wif-private-key", "wallet/sweep.py", 4, Critical),
    ("bitcoin-wif-private-key", "wallet/sweep.py", 5, Critical),
    ("bitcoin-wif-private-key", "wallet/sweep.py", 6, Critical),
    ("bip32-extended-private-key", "wallet/sweep.py", 7, Critical),
];

/// Files that hold only look-alikes and must stay silent.
const DECOYS: &[&str] = &[
    "dapp/.env.example",
    "dapp/contracts/Roles.sol",
    "dapp/script/Deploy.s.sol",
    "dapp/deployments/mainnet.json",
    "dapp/package-lock.json",
    "bitcoin/bitcoin-safe.conf",
    "solana/not-a-keypair.json",
    "validator_keys/deposit_data-1714552000.json",
    "deploy/docker-compose.safe.yml",
    "infra/aws/secure.tf",
    ".github/workflows/deploy.yml",
    "docs/running-a-node.md",
    "dapp/CHANGELOG.md",
];

#[test]
fn corpus_findings_are_exactly_the_expected_ones() {
    let scanner = Scanner::new(ScanOptions {
        threads: 2,
        ..ScanOptions::default()
    })
    .unwrap();
    let root = corpus();
    let (findings, summary) = scanner.scan_tree(std::slice::from_ref(&root)).unwrap();
    let prefix = format!("{}/", root.display());
    let mut got: Vec<(String, String, u32, Severity)> = findings
        .iter()
        .map(|f| {
            (
                f.rule_id.clone(),
                f.path.strip_prefix(&prefix).unwrap_or(&f.path).to_string(),
                f.line,
                f.severity,
            )
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, String, u32, Severity)> = EXPECTED
        .iter()
        .map(|(r, p, l, s)| (r.to_string(), p.to_string(), *l, *s))
        .collect();
    want.sort();
    let missing: Vec<_> = want.iter().filter(|w| !got.contains(w)).collect();
    let extra: Vec<_> = got.iter().filter(|g| !want.contains(g)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nunexpected: {extra:#?}"
    );
    for d in DECOYS {
        assert!(
            !got.iter().any(|g| g.1 == *d),
            "decoy {d} produced a finding"
        );
    }
    // the fork-only key carries an inline `palisade:ignore[evm-private-key]`
    assert_eq!(summary.suppressed, 1);
}

#[test]
fn no_excerpt_or_message_contains_a_whole_secret() {
    let scanner = Scanner::new(ScanOptions::default()).unwrap();
    let (findings, _) = scanner.scan_tree(&[corpus()]).unwrap();
    let secrets = [
        "85dd1b24a784e8c5a71159d276ead30f9c9de981c22a2f98985d314589cfe88d",
        "faith call tattoo ensure prosper wheel mom elite wink opinion volume famous",
        "L5ntndt9okfcGZKiC4vyw3fhQBCvQQUDWJpinbXa7MTTLVNsk8nc",
        "LHC+MWRgyvtqJJZJKuvUJG6dY4fsZZDs+3vFKYJl",
        "Xk2pq9Lm4vTz",
        "MIIEv",
        "X5T/bhiIPNg1z",
    ];
    for f in &findings {
        let shown = serde_json::to_string(f).unwrap();
        for s in secrets {
            assert!(
                !shown.contains(s),
                "{} at {}:{} shows a secret",
                f.rule_id,
                f.path,
                f.line
            );
        }
        assert_eq!(f.fingerprint.len(), 32);
    }
}
