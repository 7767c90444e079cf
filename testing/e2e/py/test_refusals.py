"""Refusals with precise errors (docs/api.md error table): codes exact, messages mention the thing."""

from __future__ import annotations

import json
import time

import pytest
import requests
from eth_account import Account


def post(pal, body, token=None, raw: bytes | None = None, headers=None):
    h = {"Content-Type": "application/json", **(headers or {})}
    if token:
        h["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else json.dumps(body).encode()
    return requests.post(pal.rpc_url, data=data, headers=h, timeout=60)


def rpc_body(method, params=None, id_=1):
    return {"jsonrpc": "2.0", "id": id_, "method": method, "params": params or []}


def expect_rpc_error(r: requests.Response, code: int, *mentions: str, http=(200,), req_id=1):
    """JSON-RPC error `code` in the body; message mentions each of `mentions` (case-insensitive);
    the answer carries the request's id (clients such as ethers match answers by id)."""
    try:
        j = r.json()
    except ValueError:
        pytest.fail(f"expected JSON-RPC error {code}, got HTTP {r.status_code} non-JSON {r.text[:300]!r}")
    assert isinstance(j, dict) and "error" in j, \
        f"expected JSON-RPC error {code}, got HTTP {r.status_code} {j}"
    err = j["error"]
    assert err.get("code") == code, f"expected code {code}, got HTTP {r.status_code} {err}"
    msg = str(err.get("message", "")) + " " + json.dumps(err.get("data", ""))
    for m in mentions:
        assert m.lower() in msg.lower(), f"error message should mention {m!r}: {err}"
    if http is not None:
        assert r.status_code in http, f"HTTP status {r.status_code} (expected {http}) for {err}"
    if req_id is not None:
        assert j.get("id") == req_id, \
            f"error answer has id {j.get('id')!r}, the request had id {req_id!r}: {j}"
    return err


def sign_params(addr):
    return ["0x" + b"refusal test".hex(), addr]


def expect_401(r: requests.Response, what: str):
    assert r.status_code == 401, f"{what}: expected HTTP 401, got {r.status_code} {r.text[:300]!r}"
    j = r.json()
    # docs/api.md: a JSON body {"error": "..."}; for JSON-RPC also a JSON-RPC error -32000
    if isinstance(j.get("error"), dict):
        assert j["error"].get("code") == -32000, f"{what}: {j}"
        assert j["error"].get("message"), f"{what}: {j}"
    else:
        assert isinstance(j.get("error"), str) and j["error"], f"{what}: {j}"


# ----------------------------------------------------------------------------- credentials

def test_no_credential_401(palisade, funded):
    key, _ = funded
    r = post(palisade, rpc_body("personal_sign", sign_params(key["address"])))
    expect_401(r, "no credential")
    r = post(palisade, rpc_body("eth_chainId"))
    expect_401(r, "no credential (read-only method)")


@pytest.mark.parametrize("bad", [
    "garbage",
    "pal_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "TOKEN_OF_WRONG_SECRET",
])
def test_bad_credential_401(palisade, funded, bad):
    key, token = funded
    if bad == "TOKEN_OF_WRONG_SECRET":  # right id, wrong secret
        prefix, _, secret = token.rpartition("_")
        bad = prefix + "_" + ("A" if secret[0] != "A" else "B") + secret[1:]
    r = post(palisade, rpc_body("personal_sign", sign_params(key["address"])), token=bad)
    expect_401(r, f"bad credential {bad[:25]}...")


def test_token_format(palisade, funded):
    _, token = funded
    parts = token.split("_")
    assert token.startswith("pal_") and len(parts[1]) == 16 and len(token.split("_", 2)[2]) == 43, \
        f"token format pal_<16 hex>_<43 base64url>: {token[:8]}..."


def test_revoked_credential_401(palisade, funded):
    key, _ = funded
    cred = palisade.create_credential([key["id"]])
    ok = post(palisade, rpc_body("eth_accounts"), token=cred["token"])
    assert ok.status_code == 200 and "result" in ok.json(), ok.text
    palisade.admin("POST", f"/v1/credentials/{cred['id']}/revoke")
    r = post(palisade, rpc_body("personal_sign", sign_params(key["address"])), token=cred["token"])
    expect_401(r, "revoked credential")
    listed = palisade.admin("GET", "/v1/credentials").json()["credentials"]
    assert not any("token" in c for c in listed), "GET /v1/credentials must never show tokens"


def test_expired_credential_401(palisade, funded):
    key, _ = funded
    cred = palisade.create_credential([key["id"]], expires_in_secs=1)
    time.sleep(2.2)
    r = post(palisade, rpc_body("personal_sign", sign_params(key["address"])), token=cred["token"])
    expect_401(r, "expired credential")


def test_admin_api_needs_admin_credential(palisade, funded):
    _, token = funded
    r = requests.post(palisade.url + "/v1/keys", json={"type": "secp256k1"},
                      headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code in (401, 403), f"non-admin credential on admin API: {r.status_code} {r.text}"
    r = requests.post(palisade.url + "/v1/keys", json={"type": "secp256k1"}, timeout=30)
    assert r.status_code == 401, f"no credential on admin API: {r.status_code} {r.text}"


# ----------------------------------------------------------------------------- keys

def test_key_out_of_scope_32004(palisade, funded):
    key_a, token_a = funded
    key_b = palisade.create_key()
    assert [a.lower() for a in palisade.rpc("eth_accounts", token=token_a)] == [key_a["address"].lower()]
    r = post(palisade, rpc_body("personal_sign", sign_params(key_b["address"])), token=token_a)
    expect_rpc_error(r, -32004, key_b["address"][2:10])  # names the address (any case)
    r = post(palisade, rpc_body("eth_sendTransaction",
                                [{"from": key_b["address"], "to": key_a["address"], "value": "0x1"}]),
             token=token_a)
    expect_rpc_error(r, -32004)
    # an address Palisade does not hold at all
    stranger = Account.create().address
    r = post(palisade, rpc_body("eth_sign", [stranger, "0x00"]), token=token_a)
    expect_rpc_error(r, -32004)


def test_frozen_key_32003(palisade, funded):
    key, token = funded
    palisade.admin("POST", f"/v1/keys/{key['id']}/freeze")
    assert palisade.admin("GET", f"/v1/keys/{key['id']}").json()["status"] == "frozen"
    r = post(palisade, rpc_body("personal_sign", sign_params(key["address"])), token=token)
    expect_rpc_error(r, -32003, "frozen")
    r = post(palisade, rpc_body("eth_sendTransaction",
                                [{"from": key["address"], "to": key["address"], "value": "0x1"}]),
             token=token)
    expect_rpc_error(r, -32003, "frozen")
    palisade.admin("POST", f"/v1/keys/{key['id']}/unfreeze")
    sig = palisade.rpc("personal_sign", sign_params(key["address"]), token=token)
    assert isinstance(sig, str) and len(sig) == 132


def test_sealed_server_32002(fresh_palisade):
    pal = fresh_palisade
    key, token = pal.funded_key()
    assert pal.rpc("personal_sign", sign_params(key["address"]), token=token)
    st = pal.admin("POST", "/v1/sys/seal").json()
    assert st.get("sealed") is True, st
    assert requests.get(pal.url + "/v1/sys/status", timeout=10).json()["sealed"] is True
    assert requests.get(pal.url + "/readyz", timeout=10).status_code == 503
    assert requests.get(pal.url + "/healthz", timeout=10).status_code == 200
    r = post(pal, rpc_body("personal_sign", sign_params(key["address"])), token=token)
    # docs/api.md pins 503 for the admin API only; JSON-RPC clients need the body either way
    expect_rpc_error(r, -32002, "seal", http=(200, 503))
    r = post(pal, rpc_body("eth_signTransaction", [{"from": key["address"], "to": key["address"],
                                                    "gas": "0x5208", "gasPrice": "0x1", "nonce": "0x0",
                                                    "value": "0x0", "chainId": hex(pal.anvil.chain_id)}]),
             token=token)
    expect_rpc_error(r, -32002, "seal", http=(200, 503))


# ----------------------------------------------------------------------------- firewall

@pytest.mark.parametrize("method,params", [
    ("admin_nodeInfo", []),
    ("personal_unlockAccount", ["0x" + "11" * 20, "password", 300]),
    ("debug_traceTransaction", ["0x" + "00" * 32]),
    ("miner_start", []),
    ("txpool_content", []),
    ("engine_getPayloadV3", ["0x01"]),
])
def test_firewall_denies_32001(palisade, funded, method, params):
    _, token = funded
    r = post(palisade, rpc_body(method, params), token=token)
    expect_rpc_error(r, -32001, method)


@pytest.mark.parametrize("method,params", [
    ("eth_totallyMadeUp", []),
    ("anvil_setBalance", ["0x" + "11" * 20, "0xffffffff"]),  # the upstream has it: must not pass
    ("hardhat_impersonateAccount", ["0x" + "11" * 20]),
])
def test_unknown_method_refused(palisade, funded, method, params):
    """docs/api.md: "anything unknown" is refused; -32001 (firewall) or -32601 (not found)."""
    _, token = funded
    r = post(palisade, rpc_body(method, params), token=token)
    j = r.json()
    assert r.status_code == 200 and j.get("error", {}).get("code") in (-32001, -32601), \
        f"HTTP {r.status_code} {j}"
    assert method in j["error"]["message"], j


def test_firewall_forwards_read_only(palisade, funded):
    key, token = funded
    assert int(palisade.rpc("eth_blockNumber", token=token), 16) >= 0
    bal = palisade.rpc("eth_getBalance", [key["address"], "latest"], token=token)
    assert int(bal, 16) == int(palisade.anvil.rpc("eth_getBalance", [key["address"], "latest"]), 16)
    assert palisade.rpc("net_version", token=token) == str(palisade.anvil.chain_id)
    assert isinstance(palisade.rpc("web3_clientVersion", token=token), str)
    assert int(palisade.rpc("eth_chainId", token=token), 16) == palisade.anvil.chain_id


# ----------------------------------------------------------------------------- transport

def test_oversized_body_413(palisade, funded):
    key, token = funded
    big = "0x" + "ab" * (600 * 1024)  # 1.2 MB of JSON
    body = json.dumps(rpc_body("personal_sign", [big, key["address"]])).encode()
    assert len(body) > 1024 * 1024
    try:
        r = post(palisade, None, token=token, raw=body)
    except requests.ConnectionError as e:
        pytest.fail(f"oversized body: connection dropped instead of HTTP 413 ({e})")
    assert r.status_code == 413, f"oversized body: HTTP {r.status_code} {r.text[:300]!r}"
    # just under the limit is fine
    ok = json.dumps(rpc_body("personal_sign", ["0x" + "ab" * (400 * 1024), key["address"]])).encode()
    r = post(palisade, None, token=token, raw=ok)
    assert r.status_code == 200 and "result" in r.json(), r.text[:300]


@pytest.mark.parametrize("raw", [b"{not json", b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId"', b"\xff\xfe"])
def test_malformed_json_32700(palisade, funded, raw):
    _, token = funded
    r = post(palisade, None, token=token, raw=raw)
    # JSON-RPC over HTTP: 200 is usual, 400 acceptable
    expect_rpc_error(r, -32700, http=(200, 400), req_id=None)


def test_invalid_request_32600(palisade, funded):
    _, token = funded
    expect_rpc_error(post(palisade, {"id": 1, "method": "eth_chainId"}, token=token), -32600,
                     http=(200, 400), req_id=None)
    expect_rpc_error(post(palisade, [], token=token), -32600, http=(200, 400), req_id=None)
    batch = [rpc_body("eth_chainId", id_=i) for i in range(101)]
    expect_rpc_error(post(palisade, batch, token=token), -32600, http=(200, 400), req_id=None)


def test_batch_within_limit(palisade, funded):
    key, token = funded
    batch = [rpc_body("eth_chainId", id_=1), rpc_body("eth_accounts", id_=2),
             rpc_body("admin_nodeInfo", id_=3)]
    r = post(palisade, batch, token=token)
    assert r.status_code == 200, r.text
    by_id = {x["id"]: x for x in r.json()}
    assert int(by_id[1]["result"], 16) == palisade.anvil.chain_id
    assert [a.lower() for a in by_id[2]["result"]] == [key["address"].lower()]
    assert by_id[3]["error"]["code"] == -32001


def test_invalid_params_32602_names_field(palisade, funded):
    key, token = funded
    r = post(palisade, rpc_body("eth_signTransaction", [{"from": key["address"], "to": "0x1234",
                                                          "gas": "0x5208", "gasPrice": "0x1",
                                                          "nonce": "0x0"}]), token=token)
    expect_rpc_error(r, -32602, "to")


# ----------------------------------------------------------------------------- chain id

def test_wrong_chain_id_32006(palisade, funded):
    key, token = funded
    wrong = palisade.anvil.chain_id + 1
    tx = {"from": key["address"], "to": key["address"], "gas": "0x5208", "gasPrice": "0x3b9aca00",
          "nonce": "0x0", "value": "0x0", "chainId": hex(wrong)}
    err = expect_rpc_error(post(palisade, rpc_body("eth_signTransaction", [tx]), token=token), -32006)
    msg = json.dumps(err).lower()
    assert "chain" in msg, f"message should mention the chain id: {err}"
    assert str(wrong) in msg or hex(wrong) in msg or str(palisade.anvil.chain_id) in msg, \
        f"message should name the chain ids: {err}"
    tx2 = {"from": key["address"], "to": key["address"], "value": "0x1", "chainId": "0x1"}
    expect_rpc_error(post(palisade, rpc_body("eth_sendTransaction", [tx2]), token=token), -32006, "chain")
    tx3 = {**tx, "type": "0x2", "maxFeePerGas": "0x3b9aca00", "maxPriorityFeePerGas": "0x1"}
    del tx3["gasPrice"]
    expect_rpc_error(post(palisade, rpc_body("account_signTransaction", [tx3]), token=token), -32006)


def test_data_and_input_differ_rejected(palisade, funded):
    key, token = funded
    tx = {"from": key["address"], "to": key["address"], "gas": "0x5208", "gasPrice": "0x1",
          "nonce": "0x0", "value": "0x0", "chainId": hex(palisade.anvil.chain_id),
          "data": "0x01", "input": "0x02"}
    expect_rpc_error(post(palisade, rpc_body("eth_signTransaction", [tx]), token=token), -32602)


def test_unauthenticated_status_endpoint(palisade):
    st = requests.get(palisade.url + "/v1/sys/status", timeout=10).json()
    assert st["sealed"] is False and st["initialized"] is True, st
    assert requests.get(palisade.url + "/healthz", timeout=10).status_code == 200


# ----------------------------------------------------------------------------- credential scope

def test_method_group_scope_32001(palisade, funded):
    """A credential's method groups: read-only may not sign, sign-only may not send."""
    key, _ = funded
    read_only = palisade.create_credential([key["id"]], methods=["read"])["token"]
    sign_only = palisade.create_credential([key["id"]], methods=["sign"])["token"]
    assert int(palisade.rpc("eth_blockNumber", token=read_only), 16) >= 0
    expect_rpc_error(post(palisade, rpc_body("personal_sign", sign_params(key["address"])),
                          token=read_only), -32001, "personal_sign")
    assert palisade.rpc("personal_sign", sign_params(key["address"]), token=sign_only)
    expect_rpc_error(post(palisade, rpc_body("eth_sendTransaction", [
        {"from": key["address"], "to": key["address"], "value": "0x1"}]), token=sign_only),
        -32001, "eth_sendTransaction")


def test_credential_keys_by_address_and_wildcard(palisade):
    k1, k2 = palisade.create_key(), palisade.create_key()
    by_addr = palisade.create_credential([k1["address"].lower()])["token"]
    assert [a.lower() for a in palisade.rpc("eth_accounts", token=by_addr)] == [k1["address"].lower()]
    assert palisade.rpc("personal_sign", sign_params(k1["address"]), token=by_addr)
    expect_rpc_error(post(palisade, rpc_body("personal_sign", sign_params(k2["address"])),
                          token=by_addr), -32004)
    wildcard = palisade.create_credential(["*"])["token"]
    seen = {a.lower() for a in palisade.rpc("eth_accounts", token=wildcard)}
    assert {k1["address"].lower(), k2["address"].lower()} <= seen


def test_destroyed_key_32004(palisade):
    key = palisade.create_key()
    token = palisade.create_credential([key["id"]])["token"]
    assert palisade.rpc("personal_sign", sign_params(key["address"]), token=token)
    r = palisade.admin("DELETE", f"/v1/keys/{key['id']}?confirm={key['id']}")
    assert r.json()["status"] == "destroyed"
    expect_rpc_error(post(palisade, rpc_body("personal_sign", sign_params(key["address"])),
                          token=token), -32004)
    assert key["address"].lower() not in [a.lower() for a in palisade.rpc("eth_accounts", token=token)]
