"""Keystore (Web3 Secret Storage v3) import: files made by eth-account import to the same address."""

from __future__ import annotations

import json
import os

import pytest
from eth_account import Account

# Light KDF parameters keep a debug-build server fast; the "default" cases use eth-account's
# own defaults (scrypt n=2^18, pbkdf2 c=1,000,000), as real wallets write them.
CASES = [
    ("scrypt", 1 << 14, "light"),
    ("pbkdf2", 1 << 16, "light"),
    ("scrypt", None, "default"),
    ("pbkdf2", None, "default"),
]


@pytest.mark.parametrize("kdf,iterations,_label", CASES,
                         ids=[f"{k}-{lbl}" for k, _, lbl in CASES])
@pytest.mark.parametrize("form", ["object", "string"])
def test_keystore_import(palisade, kdf, iterations, _label, form):
    priv = "0x" + os.urandom(32).hex()
    acct = Account.from_key(priv)
    password = "correct horse battery staple ✓"
    ks = Account.encrypt(priv, password, kdf=kdf, iterations=iterations)
    assert ks["crypto"]["kdf"] == kdf
    body = {"keystore": ks if form == "object" else json.dumps(ks), "password": password,
            "labels": {"source": f"keystore-{kdf}"}}
    key = palisade.admin("POST", "/v1/keys/import", body).json()
    assert key["address"].lower() == acct.address.lower(), f"imported {key} from {ks['address']}"
    assert key["type"] == "secp256k1"
    assert key.get("labels", {}).get("source") == f"keystore-{kdf}"
    # and it signs as that key
    token = palisade.create_credential([key["id"]], methods=["sign"])["token"]
    sig = palisade.rpc("personal_sign", ["0x68656c6c6f", acct.address], token=token)
    from eth_account.messages import encode_defunct
    assert sig.lower() == Account.sign_message(encode_defunct(b"hello"), priv).signature.to_0x_hex()


@pytest.mark.parametrize("kdf", ["scrypt", "pbkdf2"])
def test_keystore_wrong_password_400(palisade, kdf):
    priv = "0x" + os.urandom(32).hex()
    ks = Account.encrypt(priv, "the right one", kdf=kdf,
                         iterations=(1 << 14) if kdf == "scrypt" else (1 << 16))
    r = palisade.admin("POST", "/v1/keys/import", {"keystore": ks, "password": "the wrong one"},
                       expect=None)
    assert r.status_code == 400, f"wrong password: HTTP {r.status_code} {r.text!r}"
    body = r.json()
    assert isinstance(body.get("error"), str) and body["error"]
    assert "password" in body["error"].lower() or "mac" in body["error"].lower() \
        or "decrypt" in body["error"].lower(), f"error should say why: {body}"
    # nothing was imported
    keys = palisade.admin("GET", "/v1/keys").json()["keys"]
    assert Account.from_key(priv).address.lower() not in [k.get("address", "").lower() for k in keys]


def test_keystore_duplicate_import_409(palisade):
    priv = "0x" + os.urandom(32).hex()
    ks = Account.encrypt(priv, "pw", kdf="scrypt", iterations=1 << 14)
    palisade.admin("POST", "/v1/keys/import", {"keystore": ks, "password": "pw"})
    r = palisade.admin("POST", "/v1/keys/import", {"private_key": priv}, expect=None)
    assert r.status_code == 409, f"duplicate import: HTTP {r.status_code} {r.text!r}"
