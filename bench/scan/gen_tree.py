#!/usr/bin/env python3
"""Generates a deterministic code-like tree for the scanner benchmark.

Usage: gen_tree.py DIR SIZE_MB

Files mix JavaScript/TypeScript, Rust, Python, Solidity, JSON (deployments, lockfiles), YAML,
Markdown and logs, with the look-alikes a Web3 repository is full of: transaction hashes,
keccak constants, base64 integrity hashes, URLs, secret-named identifiers, prose comments.
"""
import os
import random
import sys

rnd = random.Random(7)
WORDS = ("account balance transfer owner token vault signer deposit withdraw claim reward pool "
         "router swap price oracle nonce gas fee block chain event emit update config client "
         "server request response handler error result value amount address user admin role "
         "state storage cache index query filter parse encode decode verify check assert").split()
PROSE = ("the this that with from into when then else while returns because should must will "
         "only every each other before after about above below under over").split()


def ident():
    w = rnd.sample(WORDS, 2)
    return w[0] + w[1].capitalize()


def hexs(n):
    return "".join(rnd.choice("0123456789abcdef") for _ in range(n))


def b64(n):
    a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return "".join(rnd.choice(a) for _ in range(n))


def comment():
    return " ".join(rnd.choice(WORDS + PROSE) for _ in range(rnd.randint(6, 16)))


def js_block():
    n = ident()
    return rnd.choice([
        f"export async function {n}(provider, {ident()}) {{\n  // {comment()}\n  const tx = await provider.getTransaction(\"0x{hexs(64)}\");\n  if (!tx) throw new Error(\"{comment()}\");\n  return tx.blockNumber + {rnd.randint(1, 999)};\n}}\n",
        f"const {n} = {{\n  url: \"https://api.example.org/v1/{ident()}\",\n  token: process.env.API_TOKEN,\n  retries: {rnd.randint(1, 9)},\n  topic: \"0x{hexs(64)}\",\n}};\n",
        f"// {comment()}\nfor (let i = 0; i < {ident()}.length; i++) {{\n  total += {ident()}[i].amount * BigInt({rnd.randint(1, 10**6)});\n}}\n",
        f"it(\"{comment()}\", async () => {{\n  const receipt = await (await vault.{ident()}({rnd.randint(0, 99)})).wait();\n  expect(receipt.status).to.equal(1);\n  expect(receipt.logs[0].topics[0]).to.equal(\"0x{hexs(64)}\");\n}});\n",
    ])


def rs_block():
    return rnd.choice([
        f"/// {comment()}\npub fn {ident().lower()}_{rnd.randint(0, 99)}(&self, key: &[u8]) -> Result<Vec<u8>, Error> {{\n    let hash = keccak256(key);\n    self.{ident().lower()}.get(&hash).cloned().ok_or(Error::Missing)\n}}\n",
        f"const {ident().upper()}_ROLE: [u8; 32] = hex!(\"{hexs(64)}\");\n",
        f"#[test]\nfn {ident().lower()}_works() {{\n    assert_eq!(decode(\"{hexs(40)}\").len(), 20);\n}}\n",
    ])


def py_block():
    return rnd.choice([
        f"def {ident().lower()}(session, password_hash, token=None):\n    \"\"\"{comment()}.\"\"\"\n    row = session.query(User).filter_by(id={rnd.randint(1, 10**6)}).one()\n    return row.secret_ref, token\n",
        f"BLOCK_HASH = \"0x{hexs(64)}\"\nTX = {{'hash': '0x{hexs(64)}', 'from': '0x{hexs(40)}'}}\n",
    ])


def sol_block():
    return rnd.choice([
        f"    bytes32 public constant {ident().upper()}_ROLE = 0x{hexs(64)};\n",
        f"    /// @notice {comment()}\n    function {ident()}(uint256 amount) external onlyRole(ADMIN_ROLE) {{\n        balances[msg.sender] -= amount;\n        emit Transfer(msg.sender, address(0), amount);\n    }}\n",
    ])


def json_block():
    return rnd.choice([
        f"  \"node_modules/{ident().lower()}\": {{\n    \"version\": \"{rnd.randint(0, 9)}.{rnd.randint(0, 20)}.{rnd.randint(0, 9)}\",\n    \"resolved\": \"https://registry.npmjs.org/{ident().lower()}/-/x.tgz\",\n    \"integrity\": \"sha512-{b64(86)}==\"\n  }},\n",
        f"  \"transactionHash\": \"0x{hexs(64)}\",\n  \"blockHash\": \"0x{hexs(64)}\",\n  \"gasUsed\": \"{rnd.randint(21000, 10**7)}\",\n",
    ])


def yaml_block():
    return f"- name: {ident()}\n  image: ghcr.io/acme/{ident().lower()}:{rnd.randint(1, 9)}.{rnd.randint(0, 9)}\n  replicas: {rnd.randint(1, 5)}\n  # {comment()}\n"


def md_block():
    return f"## {comment()}\n\n{comment()}. {comment()}.\n\n```sh\nnpm run {ident().lower()}\n```\n"


def log_block():
    return f"2024-05-01T10:{rnd.randint(0, 59):02}:{rnd.randint(0, 59):02}Z INFO {comment()} tx=0x{hexs(64)} block={rnd.randint(10**7, 2 * 10**7)}\n"


KINDS = [("js", js_block, 5), ("ts", js_block, 4), ("rs", rs_block, 3), ("py", py_block, 2),
         ("sol", sol_block, 2), ("json", json_block, 2), ("yaml", yaml_block, 1), ("md", md_block, 1),
         ("log", log_block, 1)]


def main():
    root, size_mb = sys.argv[1], int(sys.argv[2])
    target = size_mb * 1_000_000
    total = 0
    n = 0
    weights = [k[2] for k in KINDS]
    # a pool of blocks per kind keeps generation fast; files are random concatenations
    pools = {k[0]: [k[1]() for _ in range(400)] for k in KINDS}
    while total < target:
        ext = rnd.choices([k[0] for k in KINDS], weights)[0]
        d = os.path.join(root, f"pkg{n % 97}", f"mod{n % 13}")
        os.makedirs(d, exist_ok=True)
        want = rnd.randint(4_000, 80_000)
        parts, got = [], 0
        pool = pools[ext]
        while got < want:
            b = rnd.choice(pool)
            parts.append(b)
            got += len(b)
        data = "".join(parts)
        with open(os.path.join(d, f"{ident()}{n}.{ext}"), "w") as f:
            f.write(data)
        total += len(data)
        n += 1
    print(f"generated {n} files, {total / 1e6:.1f} MB in {root}")


if __name__ == "__main__":
    main()
