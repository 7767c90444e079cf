"""50 concurrent eth_sendTransaction from one key: all mined, nonces contiguous, no duplicates."""

from __future__ import annotations

import asyncio
import time

import aiohttp
from eth_account import Account

import harness

N = 50


async def _send_all(url: str, token: str, sender: str, recipients: list[str]) -> list[dict]:
    headers = {"Authorization": f"Bearer {token}"}
    conn = aiohttp.TCPConnector(limit=N)
    async with aiohttp.ClientSession(connector=conn, headers=headers) as s:
        async def one(i: int, to: str) -> dict:
            body = {"jsonrpc": "2.0", "id": i, "method": "eth_sendTransaction",
                    "params": [{"from": sender, "to": to, "value": hex(1000 + i)}]}
            async with s.post(url, json=body, timeout=aiohttp.ClientTimeout(total=120)) as r:
                return {"status": r.status, "body": await r.json(content_type=None)}
        return await asyncio.gather(*(one(i, to) for i, to in enumerate(recipients)))


def test_50_concurrent_send_transaction(palisade, funded):
    """With the server's default configuration (the acceptance criterion as a user meets it)."""
    _check_50_concurrent(palisade, *funded)


def test_50_concurrent_send_transaction_raised_limits(anvil):
    """The same with rate limits raised: nonce management alone, whatever the quotas."""
    pal = harness.start_palisade(anvil, config_toml=harness.RAISED_LIMITS_TOML)
    try:
        _check_50_concurrent(pal, *pal.funded_key())
    finally:
        pal.stop()
        harness.cleanup_workdir(pal)


def _check_50_concurrent(palisade, key, token):
    anvil = palisade.anvil
    sender = key["address"]
    start_nonce = int(anvil.rpc("eth_getTransactionCount", [sender, "latest"]), 16)
    recipients = [Account.create().address for _ in range(N)]

    t0 = time.monotonic()
    results = asyncio.run(_send_all(palisade.rpc_url, token, sender, recipients))
    elapsed = time.monotonic() - t0

    errors = [r for r in results if r["status"] != 200 or "error" in r["body"]]
    assert not errors, f"{len(errors)}/{N} sends failed, e.g. {errors[:3]}"
    hashes = [r["body"]["result"] for r in results]
    assert len(set(hashes)) == N, "duplicate transaction hashes"

    nonces = []
    for h, to in zip(hashes, recipients):
        rc = anvil.wait_receipt(h)
        assert int(rc["status"], 16) == 1, rc
        tx = anvil.rpc("eth_getTransactionByHash", [h])
        assert tx["from"].lower() == sender.lower()
        assert tx["to"].lower() == to.lower()
        nonces.append(int(tx["nonce"], 16))
    assert sorted(nonces) == list(range(start_nonce, start_nonce + N)), \
        f"nonces not contiguous/unique: {sorted(nonces)}"
    assert int(anvil.rpc("eth_getTransactionCount", [sender, "latest"]), 16) == start_nonce + N
    for i, to in enumerate(recipients):
        assert int(anvil.rpc("eth_getBalance", [to, "latest"]), 16) == 1000 + i
    print(f"\n{N} concurrent eth_sendTransaction: {elapsed:.2f}s")


def test_nonce_resync_after_external_tx(palisade, funded):
    """A tx sent around Palisade (same key, raw, straight to anvil) must not wedge its nonces."""
    key, token = funded
    anvil = palisade.anvil
    sender = key["address"]
    h1 = palisade.rpc("eth_sendTransaction", [{"from": sender, "to": sender, "value": "0x1"}],
                      token=token)
    assert int(anvil.wait_receipt(h1)["status"], 16) == 1
    nonce = int(anvil.rpc("eth_getTransactionCount", [sender, "latest"]), 16)
    gp = int(anvil.rpc("eth_gasPrice"), 16)
    raw = palisade.rpc("eth_signTransaction", [{
        "from": sender, "to": sender, "value": "0x2", "nonce": hex(nonce), "gas": hex(21000),
        "maxFeePerGas": hex(gp * 3), "maxPriorityFeePerGas": hex(1), "chainId": hex(anvil.chain_id)}],
        token=token)
    anvil.wait_receipt(anvil.rpc("eth_sendRawTransaction", [raw]))
    # Palisade's next nonce guess is now stale; it must resync (at most one retry by the client)
    last = None
    for _ in range(2):
        try:
            h = palisade.rpc("eth_sendTransaction", [{"from": sender, "to": sender, "value": "0x3"}],
                             token=token)
            assert int(anvil.wait_receipt(h)["status"], 16) == 1
            return
        except Exception as e:  # noqa: BLE001
            last = e
    raise AssertionError(f"eth_sendTransaction did not recover after an external tx: {last}")
