"""geth's external-signer protocol (what `geth --signer <url>` calls)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import requests
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak


def test_account_version_and_list(palisade, funded):
    key, token = funded
    assert palisade.rpc("account_version", [], token=token) == "6.1.0"
    lst = palisade.rpc("account_list", [], token=token)
    assert [a.lower() for a in lst] == [key["address"].lower()]


def _sign_and_mine(palisade, key, token, tx_fields):
    anvil = palisade.anvil
    nonce = int(anvil.rpc("eth_getTransactionCount", [key["address"], "pending"]), 16)
    to = Account.create().address
    tx = {"from": key["address"], "to": to, "gas": hex(21000), "value": hex(777),
          "nonce": hex(nonce), "chainId": hex(anvil.chain_id), "input": "0x", **tx_fields}
    out = palisade.rpc("account_signTransaction", [tx], token=token)
    assert isinstance(out, dict) and out.get("raw", "").startswith("0x"), out
    raw = out["raw"]
    assert Account.recover_transaction(raw).lower() == key["address"].lower()
    t = out.get("tx")
    assert isinstance(t, dict), f"geth reads `tx`: {out}"
    assert t.get("hash", "").lower() == "0x" + keccak(hexstr=raw).hex(), \
        f"tx.hash must be keccak(raw): {t.get('hash')}"
    assert int(t["nonce"], 16) == nonce
    assert t["to"].lower() == to.lower()
    assert int(t["value"], 16) == 777
    for f in ("r", "s", "v"):
        assert f in t, f"tx lacks {f}: {t}"
    # the chain accepts the raw transaction as is, straight to anvil
    h = anvil.rpc("eth_sendRawTransaction", [raw])
    assert h.lower() == t["hash"].lower()
    rc = anvil.wait_receipt(h)
    assert int(rc["status"], 16) == 1, rc
    assert int(anvil.rpc("eth_getBalance", [to, "latest"]), 16) == 777


def test_account_sign_transaction_1559_mined(palisade, funded):
    key, token = funded
    gp = int(palisade.anvil.rpc("eth_gasPrice"), 16)
    _sign_and_mine(palisade, key, token,
                   {"maxFeePerGas": hex(gp * 3), "maxPriorityFeePerGas": hex(10**9)})


def test_account_sign_transaction_legacy_mined(palisade, funded):
    key, token = funded
    gp = int(palisade.anvil.rpc("eth_gasPrice"), 16)
    _sign_and_mine(palisade, key, token, {"gasPrice": hex(gp * 2)})


def test_account_sign_data_text_plain(palisade):
    priv = "0x" + os.urandom(32).hex()
    key = palisade.import_key(priv)
    token = palisade.create_credential([key["id"]], methods=["sign"])["token"]
    msg = b"geth clique says hi \x00\xff"
    sig = palisade.rpc("account_signData", ["text/plain", key["address"], "0x" + msg.hex()],
                       token=token)
    assert sig.lower() == Account.sign_message(encode_defunct(msg), priv).signature.to_0x_hex()


def test_basic_auth_url_works(palisade, funded):
    """geth's --signer takes a URL: http://x:<token>@host:port must authenticate."""
    key, token = funded
    parts = urlsplit(palisade.rpc_url)
    url = urlunsplit((parts.scheme, f"x:{token}@{parts.netloc}", parts.path, "", ""))
    r = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "account_list", "params": []},
                      timeout=30)
    assert r.status_code == 200, r.text
    assert [a.lower() for a in r.json()["result"]] == [key["address"].lower()]
