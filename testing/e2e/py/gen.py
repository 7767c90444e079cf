"""Seeded random payload generators: each returns (palisade_request, eth_account_input).

The JSON-RPC side uses what wallets send (hex quantities, `data` or `input`, typed data as an
object or a JSON string, big integers as strings); the eth-account side is the same payload in
eth-account's own input form.
"""

from __future__ import annotations

import json
import random
from typing import Any

from eth_account import Account
from eth_utils import to_checksum_address

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def rand_private_key(rng: random.Random) -> str:
    while True:
        k = int.from_bytes(rng.randbytes(32), "big")
        if 0 < k < SECP256K1_N:
            return "0x" + k.to_bytes(32, "big").hex()


def rand_address(rng: random.Random, checksum: bool | None = None) -> str:
    a = "0x" + rng.randbytes(20).hex()
    if checksum is None:
        checksum = rng.random() < 0.5
    return to_checksum_address(a) if checksum else a


def rand_uint(rng: random.Random, bits: int) -> int:
    """Biased towards edge cases: 0, 1, small, max, and uniform."""
    r = rng.random()
    top = (1 << bits) - 1
    if r < 0.1:
        return 0
    if r < 0.15:
        return 1
    if r < 0.2:
        return top
    if r < 0.5:
        return rng.randint(0, min(top, 10**6))
    return rng.randint(0, top)


def q(n: int) -> str:
    return hex(n)


# ------------------------------------------------------------------------------ transactions

def rand_access_list(rng: random.Random) -> list[dict]:
    out = []
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        out.append({
            "address": rand_address(rng),
            "storageKeys": ["0x" + rng.randbytes(32).hex() for _ in range(rng.choice([0, 1, 2, 4]))],
        })
    return out


def rand_tx(rng: random.Random, tx_type: int, from_addr: str, chain_id: int
            ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Random transaction of `tx_type` (0, 1, 2, 3 = blob without sidecar, 4 = set-code)."""
    nonce = rng.choice([0, rng.randint(0, 1000), rand_uint(rng, 64) % ((1 << 64) - 1)])
    gas = rng.choice([21000, rng.randint(21000, 30_000_000), rand_uint(rng, 64)])
    value = rng.choice([0, rng.randint(1, 10**18), rand_uint(rng, 256)])
    data = rng.randbytes(rng.choice([0, 0, 4, 36, 68, rng.randint(1, 600)]))
    create = tx_type in (0, 1, 2) and rng.random() < 0.15
    to = None if create else rand_address(rng)

    # what eth-account signs
    acct: dict[str, Any] = {"nonce": nonce, "gas": gas, "value": value, "data": "0x" + data.hex(),
                            "chainId": chain_id}
    # what a client sends to Palisade
    req: dict[str, Any] = {"from": from_addr if rng.random() < 0.5 else from_addr.lower(),
                           "nonce": q(nonce), "gas": q(gas), "value": q(value)}
    if rng.random() < 0.9:
        req["chainId"] = q(chain_id)  # else: Palisade must fill its configured chain id
    field = rng.choice(["data", "input", "both"])
    if field in ("data", "both"):
        req["data"] = "0x" + data.hex()
    if field in ("input", "both"):
        req["input"] = "0x" + data.hex()
    if to is not None:
        acct["to"] = to_checksum_address(to)
        req["to"] = to

    def fees_1559() -> None:
        max_fee = rng.choice([rng.randint(1, 500 * 10**9), rand_uint(rng, 128)])
        prio = rng.randint(0, max_fee)
        acct["maxFeePerGas"], acct["maxPriorityFeePerGas"] = max_fee, prio
        req["maxFeePerGas"], req["maxPriorityFeePerGas"] = q(max_fee), q(prio)

    def access_list(always: bool) -> None:
        al = rand_access_list(rng)
        acct["accessList"] = [{"address": to_checksum_address(e["address"]),
                               "storageKeys": e["storageKeys"]} for e in al]
        if al or always or rng.random() < 0.5:
            req["accessList"] = al

    if tx_type == 0:
        gp = rng.choice([rng.randint(1, 500 * 10**9), rand_uint(rng, 128)])
        acct["gasPrice"], req["gasPrice"] = gp, q(gp)
    elif tx_type == 1:
        gp = rng.choice([rng.randint(1, 500 * 10**9), rand_uint(rng, 128)])
        acct["gasPrice"], req["gasPrice"] = gp, q(gp)
        acct["type"] = 1
        access_list(always=True)  # gasPrice + accessList is how type 1 is told from type 0
    elif tx_type == 2:
        acct["type"] = 2
        fees_1559()
        access_list(always=False)
    elif tx_type == 3:
        acct["type"] = 3
        fees_1559()
        access_list(always=False)
        blob_fee = rng.choice([1, rng.randint(1, 10**12), rand_uint(rng, 128)])
        hashes = ["0x01" + rng.randbytes(31).hex() for _ in range(rng.randint(1, 6))]
        acct["maxFeePerBlobGas"], req["maxFeePerBlobGas"] = blob_fee, q(blob_fee)
        acct["blobVersionedHashes"] = hashes
        req["blobVersionedHashes"] = hashes
    elif tx_type == 4:
        acct["type"] = 4
        fees_1559()
        access_list(always=False)
        auths_acct, auths_req = [], []
        for _ in range(rng.randint(1, 3)):
            signer = rand_private_key(rng)
            auth = Account.sign_authorization({
                "chainId": rng.choice([0, chain_id, rng.randint(1, 2**32)]),
                "address": to_checksum_address(rand_address(rng)),
                "nonce": rng.choice([0, rng.randint(0, 1000), rand_uint(rng, 64) % ((1 << 64) - 1)]),
            }, signer)
            auths_acct.append(auth)
            auths_req.append({
                "chainId": q(auth.chain_id), "address": "0x" + bytes(auth.address).hex()
                if isinstance(auth.address, bytes) else auth.address,
                "nonce": q(auth.nonce), "yParity": q(auth.y_parity), "r": q(auth.r), "s": q(auth.s),
            })
        acct["authorizationList"] = auths_acct
        req["authorizationList"] = auths_req
    else:
        raise ValueError(tx_type)

    # clients usually send `type`; sometimes leave it to be inferred from the fields
    if rng.random() < 0.75:
        req["type"] = q(tx_type)
    return req, acct


# ------------------------------------------------------------------------------ EIP-712

ATOMIC = (["address", "bool", "string", "bytes"]
          + [f"uint{b}" for b in (8, 16, 32, 64, 128, 256)] + ["uint"] * 0
          + [f"int{b}" for b in (8, 16, 32, 64, 128, 256)]
          + [f"bytes{n}" for n in (1, 2, 4, 8, 16, 20, 31, 32)])


def _rand_ident(rng: random.Random, prefix: str) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return prefix + "".join(rng.choice(letters) for _ in range(rng.randint(1, 8)))


def _rand_text(rng: random.Random) -> str:
    pools = ["abcdefghij ", "0123456789", "äöüßéèñ", "日本語中文", "🦀🔑✉️", "\"\\/\n\t{}[]"]
    n = rng.choice([0, 1, 5, 20, 80])
    return "".join(rng.choice(rng.choice(pools)) for _ in range(n))


def _int_json(rng: random.Random, v: int, signed: bool) -> Any:
    """How wallets put integers in typed data: small as JSON numbers, big as strings."""
    if abs(v) < 2**53 and rng.random() < 0.6:
        return v
    if not signed and v >= 0 and rng.random() < 0.4:
        return hex(v)
    return str(v)


def _rand_value(rng: random.Random, typ: str, types: dict, depth: int) -> Any:
    if typ.endswith("]"):
        base, _, n = typ[:-1].rpartition("[")
        count = int(n) if n else rng.choice([0, 1, 2, 3])
        return [_rand_value(rng, base, types, depth + 1) for _ in range(count)]
    if typ in types:
        return {f["name"]: _rand_value(rng, f["type"], types, depth + 1) for f in types[typ]}
    if typ == "address":
        return rand_address(rng)
    if typ == "bool":
        return rng.random() < 0.5
    if typ == "string":
        return _rand_text(rng)
    if typ == "bytes":
        return "0x" + rng.randbytes(rng.choice([0, 1, 20, 32, 65, 100])).hex()
    if typ.startswith("bytes"):
        return "0x" + rng.randbytes(int(typ[5:])).hex()
    if typ.startswith("uint"):
        return _int_json(rng, rand_uint(rng, int(typ[4:])), signed=False)
    if typ.startswith("int"):
        bits = int(typ[3:])
        v = rng.randint(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
        if rng.random() < 0.3:
            v = rng.choice([0, -1, 1, -(1 << (bits - 1)), (1 << (bits - 1)) - 1])
        return _int_json(rng, v, signed=True)
    raise ValueError(typ)


def rand_typed_data(rng: random.Random, chain_id: int) -> dict[str, Any]:
    """A random, valid EIP-712 document (struct types may nest and form arrays, acyclic)."""
    n_structs = rng.randint(1, 4)
    names = []
    while len(names) < n_structs:
        nm = _rand_ident(rng, rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        if nm not in names and nm != "EIP712Domain":
            names.append(nm)
    types: dict[str, list[dict[str, str]]] = {}
    # build from the last to the first so that a struct refers only to later-built ones
    for i in range(n_structs - 1, -1, -1):
        fields, used = [], set()
        for _ in range(rng.randint(1, 6)):
            fname = _rand_ident(rng, "f")
            if fname in used:
                continue
            used.add(fname)
            refs = names[i + 1:]
            if refs and rng.random() < 0.3:
                t = rng.choice(refs)
            else:
                t = rng.choice(ATOMIC)
            r = rng.random()
            if r < 0.15:
                t += "[]"
            elif r < 0.22:
                t += f"[{rng.randint(1, 3)}]"
            fields.append({"name": fname, "type": t})
        types[names[i]] = fields
    # eth-account (like most wallets) requires a single root: every other struct must be
    # reachable from the primary type
    for i in range(1, n_structs):
        referenced = any(f["type"].split("[")[0] == names[i]
                         for j in range(i) for f in types[names[j]])
        if not referenced:
            parent = types[names[i - 1]]
            fname = _rand_ident(rng, "s")
            while any(f["name"] == fname for f in parent):
                fname = _rand_ident(rng, "s")
            parent.insert(rng.randint(0, len(parent)), {"name": fname, "type": names[i] + rng.choice(["", "", "[]"])})
    primary = names[0]

    domain_fields = [("name", "string"), ("version", "string"), ("chainId", "uint256"),
                     ("verifyingContract", "address"), ("salt", "bytes32")]
    chosen = [f for f in domain_fields if rng.random() < 0.7] or [domain_fields[0]]
    domain: dict[str, Any] = {}
    for name, _t in chosen:
        if name == "name":
            domain[name] = _rand_text(rng) or "App"
        elif name == "version":
            domain[name] = str(rng.randint(1, 9))
        elif name == "chainId":
            domain[name] = rng.choice([chain_id, hex(chain_id), str(chain_id)])
        elif name == "verifyingContract":
            domain[name] = rand_address(rng)
        elif name == "salt":
            domain[name] = "0x" + rng.randbytes(32).hex()
    all_types = {"EIP712Domain": [{"name": n, "type": t} for n, t in chosen], **types}
    message = _rand_value(rng, primary, types, 0)
    return {"types": all_types, "primaryType": primary, "domain": domain, "message": message}


def rand_message(rng: random.Random) -> bytes:
    r = rng.random()
    if r < 0.3:
        return _rand_text(rng).encode()
    if r < 0.35:
        return b""
    return rng.randbytes(rng.choice([1, 32, 64, rng.randint(1, 1024)]))


def typed_data_param(rng: random.Random, doc: dict) -> Any:
    """Some clients send typed data as an object, some as a JSON string: both must work."""
    return json.dumps(doc) if rng.random() < 0.5 else doc
