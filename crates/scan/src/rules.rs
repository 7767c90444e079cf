//! The rule catalogue: one entry per stable rule id. SARIF rule metadata and
//! `docs/scan-rules.md` are both produced from this table.

use crate::finding::Severity;

/// Broad family of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Secret,
    Node,
    Container,
    Terraform,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Secret => "secret",
            Category::Node => "node",
            Category::Container => "container",
            Category::Terraform => "terraform",
        }
    }
}

/// Metadata of one rule.
#[derive(Debug)]
pub struct Rule {
    pub id: &'static str,
    pub category: Category,
    /// Default severity; a finding may be raised or lowered with a stated reason.
    pub severity: Severity,
    pub title: &'static str,
    pub what: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
}

macro_rules! rule {
    ($id:literal, $cat:ident, $sev:ident, $title:literal, $what:literal, $why:literal, $fix:literal) => {
        Rule {
            id: $id,
            category: Category::$cat,
            severity: Severity::$sev,
            title: $title,
            what: $what,
            why: $why,
            fix: $fix,
        }
    };
}

/// Every rule the scanner can report.
pub static RULES: &[Rule] = &[
    // ---------------------------------------------------------------- secrets
    rule!("evm-private-key", Secret, Critical, "EVM private key",
        "A 64-hex-digit value in key-like context (a name such as PRIVATE_KEY, DEPLOYER_KEY, `accounts`, `--private-key`, a key file) that is a valid secp256k1 scalar, or whose derived address appears in the same file. Names that say hash, root, role, slot, salt, topic or digest are not reported.",
        "Whoever reads this key controls every asset and contract role of its address on every EVM chain; leaked keys are drained within minutes by bots watching public repositories.",
        "Move the funds and roles to a new key now; assume the old one is compromised. Keep keys in a signer (Palisade vault, hardware wallet, KMS) and pass only a signer URL or keystore path to tools."),
    rule!("evm-dev-key", Secret, Info, "Well-known development key",
        "A private key derived from a public development mnemonic (anvil/hardhat `test test … junk`, ganache, truffle, the BIP-39 `abandon … about` vector).",
        "These keys are public. Harmless on a local chain, but anything sent to their addresses on a real network is stolen at once, and their presence in deploy configs hints that a real key may be handled the same way.",
        "Make sure the configuration using it can only target a local chain (chain id 31337/1337)."),
    rule!("bip39-mnemonic", Secret, Critical, "BIP-39 mnemonic",
        "12 to 24 words from the BIP-39 English list whose checksum is valid. 12-word phrases without mnemonic/seed context are reported as high (1 in 16 random 12-word sequences pass the checksum).",
        "A mnemonic is the root of every key of a wallet, on every chain and account index.",
        "Treat the wallet as compromised: move all assets, rotate every derived key, and keep seeds offline or in a signer."),
    rule!("bip39-test-mnemonic", Secret, Info, "Public test mnemonic",
        "A well-known public test phrase (`test test … junk`, `abandon … about`, BIP-39 test vectors, ganache/truffle defaults) or a degenerate phrase of at most three distinct words.",
        "Public phrases are swept by bots on every network; fine for local development only.",
        "Confine it to local development configuration."),
    rule!("bip32-extended-private-key", Secret, Critical, "BIP-32 extended private key",
        "An `xprv`/`tprv` (or other SLIP-132 private) string that passes Base58Check and decodes to a 78-byte key with a valid private-key byte.",
        "An extended private key yields every child key below it: a whole wallet or account tree.",
        "Move the funds of every derived address and replace the key tree."),
    rule!("bitcoin-wif-private-key", Secret, Critical, "Bitcoin WIF private key",
        "A Wallet Import Format key (Base58Check, version 0x80 or 0xef, 32-byte scalar, optional compression flag) with a valid checksum.",
        "It spends every output of its address.",
        "Sweep the funds to a new key kept in a signer."),
    rule!("solana-keypair", Secret, Critical, "Solana keypair",
        "A JSON array of 64 bytes or a base58 string of 64 bytes whose second half is the Ed25519 public key of the first half (the `solana-keygen` format).",
        "The keypair controls the account and, for validator identity or vote-authority keys, the validator.",
        "Create a new keypair, move funds and authorities, and keep keypairs out of repositories and images."),
    rule!("web3-keystore", Secret, Medium, "Web3 Secret Storage keystore",
        "An encrypted Ethereum keystore (Web3 Secret Storage v3 JSON with crypto.ciphertext, kdf and mac). Raised to critical when a password file or password setting sits next to it.",
        "Encryption only helps while the password is secret and strong; a keystore next to its password is a plaintext key.",
        "Remove it from the repository or image; keep keystores in a signer and never store the password beside them."),
    rule!("eip2335-validator-keystore", Secret, High, "EIP-2335 validator keystore",
        "An Ethereum consensus-layer BLS keystore (EIP-2335: version 4, pubkey, path, crypto.checksum/cipher/kdf). Raised to critical when a password file sits next to it.",
        "A copied validator key that signs from two places gets the validator slashed; with the password it is a plaintext signing key.",
        "Keep validator keys in a remote signer with slashing protection; never commit keystores or their passwords."),
    rule!("engine-jwt-secret", Secret, High, "Engine API JWT secret",
        "A 32-byte hex secret in a JWT secret file (jwt.hex, jwtsecret) or assigned to a JWT-named setting.",
        "With it, anyone who reaches the execution client's authenticated port can drive fork choice and payload building.",
        "Generate the secret at deploy time on the host (e.g. `openssl rand -hex 32`) and keep it out of the repository."),
    rule!("cosmos-validator-key", Secret, Critical, "Cosmos/Tendermint validator key",
        "A `priv_validator_key.json` Ed25519 key whose 64-byte value holds the matching public key.",
        "A leaked consensus key lets an attacker double-sign, which slashes and tombstones the validator.",
        "Rotate the consensus key (or the validator), and sign through a remote signer (tmkms, Horcrux)."),
    rule!("rpc-url-api-key", Secret, High, "RPC provider URL with an embedded key",
        "An Infura, Alchemy, QuickNode, Ankr, Blast, NodeReal, GetBlock, Chainstack or dRPC endpoint whose path or query holds an API key.",
        "Anyone can spend the quota, read private mempool traffic, or get the account suspended; some plans bill per request.",
        "Rotate the key in the provider's dashboard, restrict it by origin/IP, and load the URL from a secret store."),
    rule!("url-embedded-credentials", Secret, Medium, "Credentials embedded in a URL",
        "A URL of the form scheme://user:password@host with a literal password.",
        "URLs are logged, shown in process lists and copied into tickets.",
        "Pass credentials separately from a secret store; rotate the password."),
    rule!("aws-access-key", Secret, Critical, "AWS access key",
        "An AWS access key id (AKIA/ASIA) with a 40-character secret access key nearby (critical), or the key id alone (medium).",
        "AWS keys are abused within minutes of publication (crypto mining, data theft).",
        "Deactivate and delete the key in IAM; use roles or short-lived credentials."),
    rule!("gcp-service-account-key", Secret, Critical, "GCP service account key",
        "A service-account JSON key file (`type: service_account` with a PEM private key).",
        "It authenticates as the service account with all of its IAM roles.",
        "Delete the key in IAM, prefer workload identity, and audit what the account did."),
    rule!("azure-storage-account-key", Secret, Critical, "Azure storage account key",
        "An `AccountKey=` in a storage connection string that decodes to a 64-byte key.",
        "It grants full control of the storage account.",
        "Rotate the key and use managed identities or SAS tokens with short expiry."),
    rule!("azure-client-secret", Secret, High, "Azure AD client secret",
        "A value in the Azure AD application secret format (contains `Q~`).",
        "It authenticates as the application with its granted permissions.",
        "Delete the secret from the app registration and use federated credentials."),
    rule!("pem-private-key", Secret, High, "PEM private key",
        "A PEM private key block (RSA, EC, OpenSSH, PKCS#8) whose body decodes. Encrypted keys are reported as low.",
        "TLS, SSH and signing keys let an attacker impersonate the server or log in.",
        "Revoke and reissue the key; keep it in a secret store."),
    rule!("generic-secret", Secret, Low, "High-entropy secret assignment",
        "A secret-named setting (secret, password, token, api key) assigned a literal high-entropy value.",
        "Hard-coded credentials end up in every clone, image and backup.",
        "Load the value from the environment or a secret store and rotate it."),
    // ------------------------------------------------------------- node flags
    rule!("node-rpc-public-bind", Node, Medium, "Node RPC bound to all interfaces",
        "An execution/consensus/Solana/bitcoind RPC listener bound to 0.0.0.0 or :: (geth/erigon/reth `--http.addr`, `--ws.addr`, legacy `--rpcaddr`, besu `--rpc-http-host`, nethermind `JsonRpc.Host`, geth TOML `HTTPHost`, bitcoind `rpcbind`, Substrate `--rpc-external`).",
        "An RPC port reachable from the network invites scraping, denial of service and, with any unsafe namespace, theft.",
        "Bind to 127.0.0.1 (or a private interface) and put an authenticating proxy such as the Palisade gateway in front."),
    rule!("node-rpc-dangerous-api", Node, High, "Dangerous RPC namespaces enabled",
        "`personal`, `admin`, `debug`, `miner`, `txpool`, `clique`, `parity_*` or `engine` namespaces in `--http.api`/`--ws.api`/`rpc-http-api`/`JsonRpc.EnabledModules` (critical for `personal`).",
        "`personal` unlocks and signs with node-held keys, `admin` adds peers and changes the node, `debug` is a denial-of-service vector.",
        "Expose only `eth,net,web3` and keep the rest on IPC or a loopback-only port."),
    rule!("node-insecure-unlock", Node, Critical, "Account unlocking over HTTP allowed",
        "geth `--allow-insecure-unlock` (or `InsecureUnlockAllowed = true`).",
        "Unlocked accounts sign for anyone who reaches the RPC port; this has drained many nodes.",
        "Remove the flag; sign with an external signer instead of unlocked node accounts."),
    rule!("node-rpc-cors-wildcard", Node, Medium, "RPC CORS wildcard",
        "`--http.corsdomain '*'`, `--ws.origins '*'`, `rpc-http-cors-origins=[\"*\"]`, Substrate `--rpc-cors all`.",
        "Any web page a node operator visits can call the RPC through the browser.",
        "List the exact origins that need access."),
    rule!("node-rpc-vhosts-wildcard", Node, Medium, "RPC virtual-host wildcard",
        "`--http.vhosts '*'`, besu `host-allowlist=[\"*\"]`.",
        "Disables the DNS-rebinding protection of the RPC server.",
        "List the host names the RPC is served under."),
    rule!("node-engine-api-exposed", Node, High, "Engine API exposed",
        "`--authrpc.addr 0.0.0.0`, `--authrpc.vhosts '*'`, nethermind `JsonRpc.EngineHost 0.0.0.0`, besu `engine-host-allowlist=[\"*\"]`.",
        "The Engine API controls block production; it should only be reachable by the paired consensus client.",
        "Bind the Engine API to loopback or a private network shared only with the consensus client."),
    rule!("node-private-api-exposed", Node, High, "Private node API exposed",
        "erigon `--private.api.addr` or geth `--pprof.addr` on a non-loopback address.",
        "The erigon private gRPC API has no authentication; pprof leaks memory and allows denial of service.",
        "Bind these to 127.0.0.1."),
    rule!("node-unprotected-txs", Node, Medium, "Unprotected (pre-EIP-155) transactions accepted",
        "`--rpc.allow-unprotected-txs` or `AllowUnprotectedTxs = true`.",
        "Lets the node relay transactions that can be replayed on other chains.",
        "Remove the flag unless a specific legacy deployment needs it."),
    rule!("substrate-unsafe-rpc", Node, High, "Substrate unsafe RPC exposed",
        "`--unsafe-rpc-external`, `--unsafe-ws-external` or `--rpc-methods unsafe`.",
        "Unsafe methods can insert keys into the keystore, rotate session keys and change the node.",
        "Use `--rpc-methods safe` on public endpoints and keep unsafe methods on loopback."),
    rule!("solana-rpc-public", Node, Medium, "Solana RPC bound publicly without --private-rpc",
        "`--rpc-bind-address 0.0.0.0` on a validator without `--private-rpc`.",
        "Publishes the RPC port in gossip and exposes the validator to RPC load.",
        "Add `--private-rpc` or bind to 127.0.0.1."),
    rule!("solana-full-rpc-api-voting", Node, Medium, "Full RPC API on a voting validator",
        "`--full-rpc-api` on a validator that votes (no `--no-voting`).",
        "Heavy RPC load on a voting validator causes missed votes and slots.",
        "Serve RPC from a separate non-voting node."),
    rule!("bitcoind-rpc-allow-all", Node, Critical, "bitcoind RPC allowed from anywhere",
        "`rpcallowip=0.0.0.0/0` (or `::/0`, `*`).",
        "Anyone who learns or guesses the RPC credentials can spend from the node's wallet.",
        "Allow only the hosts that need RPC and keep rpcbind on a private interface."),
    rule!("bitcoind-rpc-password", Node, High, "bitcoind plaintext rpcpassword",
        "A literal `rpcpassword=` in bitcoin.conf or on the command line.",
        "The password is readable by anyone with the file or the process list; it is deprecated in favour of rpcauth.",
        "Use `rpcauth=` (salted hash) or cookie authentication."),
    rule!("beacon-api-public", Node, Medium, "Beacon/validator API bound publicly",
        "Beacon or validator REST/keymanager listeners on 0.0.0.0 (lighthouse `--http-address`, teku `--rest-api-interface`, nimbus `--rest-address`, lodestar `--rest.address`, prysm `--grpc-gateway-host`/`--rpc-host`, `--keymanager-address`).",
        "The keymanager API imports and deletes validator keys; the beacon API is a denial-of-service target.",
        "Bind to 127.0.0.1 and reach it through an authenticating proxy."),
    rule!("signer-allowlist-wildcard", Node, High, "Remote signer host allowlist wildcard",
        "Web3Signer `--http-host-allowlist=*` (or `http-host-allowlist: \"*\"`).",
        "A signer answering any host name can be reached through DNS rebinding from a browser.",
        "List the host names of the clients allowed to sign."),
    // ------------------------------------------------------------- containers
    rule!("container-privileged", Container, High, "Privileged container",
        "`privileged: true` in docker-compose or a Kubernetes securityContext.",
        "A privileged container is root on the host: a compromised node process owns the machine and its keys.",
        "Drop `privileged`; grant only the capabilities needed."),
    rule!("container-host-network", Container, Medium, "Host network or PID namespace",
        "`network_mode: host`, `hostNetwork: true` or `hostPID: true`.",
        "Every port the process opens, including RPC bound to 0.0.0.0, is on the host's interfaces.",
        "Use a bridge network and publish only the needed ports on 127.0.0.1."),
    rule!("container-docker-socket", Container, High, "Docker socket mounted",
        "A bind mount or hostPath of `/var/run/docker.sock`.",
        "Access to the Docker socket is root on the host.",
        "Remove the mount; use a socket proxy with a narrow API allowlist if it is unavoidable."),
    rule!("deploy-secret-env", Container, High, "Secret in deployment environment",
        "A secret-named environment variable (PRIVATE_KEY, MNEMONIC, *_SECRET, *_TOKEN, *_PASSWORD) given a literal value in compose, Kubernetes or a systemd unit.",
        "Environment values are visible through `docker inspect`, the Kubernetes API, /proc and crash reports.",
        "Reference a secret store (Docker/Kubernetes secrets, systemd credentials) instead."),
    rule!("dockerfile-secret-env", Container, High, "Secret baked into an image",
        "A Dockerfile `ENV` or `ARG` with a secret-like name and a literal value.",
        "Image layers keep the value forever and images are pushed to registries.",
        "Use build secrets (`RUN --mount=type=secret`) or runtime secrets."),
    rule!("hardcoded-db-password", Container, High, "Hard-coded database password",
        "A literal database password in compose/Kubernetes environment (POSTGRES_PASSWORD, MYSQL_ROOT_PASSWORD, …) or a Terraform database resource.",
        "Database passwords in repositories outlive every rotation policy.",
        "Generate the password in a secret manager and reference it."),
    // -------------------------------------------------------------- terraform
    rule!("tf-sg-open-ssh", Terraform, High, "SSH open to the world",
        "A security group / firewall rule allowing 0.0.0.0/0 or ::/0 to port 22 (or all ports).",
        "Internet-wide SSH brute force and exploit attempts reach the host.",
        "Restrict the source to a bastion, VPN or SSM Session Manager."),
    rule!("tf-sg-open-rpc", Terraform, High, "Node RPC port open to the world",
        "A security group / firewall rule allowing 0.0.0.0/0 or ::/0 to a node RPC or Engine API port (8545, 8546, 8551, 8547, 5052, 5051, 3500, 4000, 8899, 8900, 8332, 18332, 9933, 9944, 26657, 1317, 9090).",
        "Public RPC ports are scanned continuously and exploited as soon as an unsafe namespace or unlocked account appears.",
        "Allow only the clients' addresses or put the node behind a gateway."),
    rule!("tf-bucket-public", Terraform, High, "Public storage bucket",
        "An S3 bucket with a public ACL or a public-access block that is switched off, or a GCS bucket granted to allUsers/allAuthenticatedUsers.",
        "Public buckets leak backups, keystores and state files.",
        "Block public access and serve public content through a CDN with an origin identity."),
    rule!("tf-volume-unencrypted", Terraform, Medium, "Unencrypted volume",
        "An EBS volume without `encrypted = true`, or an instance block device with `encrypted = false`.",
        "Snapshots and detached volumes expose node data and keys in plaintext.",
        "Set `encrypted = true` (and a KMS key) or enable EBS encryption by default."),
    rule!("tf-db-unencrypted", Terraform, Medium, "Unencrypted database storage",
        "An RDS instance or cluster without `storage_encrypted = true`.",
        "Backups and snapshots of the database are plaintext.",
        "Set `storage_encrypted = true`."),
    rule!("tf-db-public", Terraform, High, "Publicly accessible database",
        "An RDS instance or cluster instance with `publicly_accessible = true`.",
        "The database endpoint is reachable from the internet.",
        "Keep databases in private subnets with `publicly_accessible = false`."),
    rule!("tf-imdsv1", Terraform, Medium, "Instance metadata v1 allowed",
        "An instance or launch template without `metadata_options { http_tokens = \"required\" }`.",
        "IMDSv1 lets any SSRF in the host's software steal its IAM role credentials.",
        "Require IMDSv2 tokens."),
    rule!("tf-iam-wildcard", Terraform, High, "Wildcard IAM policy",
        "An IAM policy statement that allows action `*` (optionally on resource `*`).",
        "Full administrator rights: any leak of the principal is a total account compromise.",
        "Grant the specific actions and resources needed."),
    rule!("tf-kms-rotation-off", Terraform, Medium, "KMS key rotation off",
        "A symmetric `aws_kms_key` without `enable_key_rotation = true`.",
        "Long-lived key material increases the impact of any exposure.",
        "Set `enable_key_rotation = true`."),
    rule!("tf-cloudtrail-validation-off", Terraform, Medium, "CloudTrail log file validation off",
        "An `aws_cloudtrail` without `enable_log_file_validation = true`.",
        "Without validation an intruder can alter the audit trail unnoticed.",
        "Set `enable_log_file_validation = true`."),
    rule!("tf-user-data-secret", Terraform, High, "Secret in instance user data",
        "A secret-named assignment with a literal value inside `user_data`.",
        "User data is readable from the instance metadata service and the EC2 API.",
        "Fetch secrets at boot from a secret manager using the instance role."),
];

/// Looks a rule up by id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_kebab_case() {
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(n, ids.len());
        for id in ids {
            assert!(id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
        }
    }
}
