"""Policy with real peers: web3.py sees a denial that names the rule and the reason; an
M-of-N approved eth_sendTransaction is signed, forwarded and mined on anvil."""

from __future__ import annotations

import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import Web3RPCError
from web3.providers.rpc import HTTPProvider


def make_w3(palisade, token: str) -> Web3:
    return Web3(HTTPProvider(palisade.rpc_url, request_kwargs={"headers": {"Authorization": f"Bearer {token}"}, "timeout": 60}))


def set_rules(palisade, rules: str) -> None:
    cedar = palisade.admin("GET", "/v1/policy").json()["cedar"]
    palisade.admin("PUT", "/v1/policy", {"cedar": cedar, "rules": rules}, expect=200)


def test_web3py_denied_transfer_names_rule_and_reason(fresh_palisade):
    p = fresh_palisade
    key, token = p.funded_key()
    set_rules(p, '[[rule]]\nid = "per-tx-cap"\nkind = "max_value"\nmax = "1 ether"\n')
    w3 = make_w3(p, token)
    sender = Web3.to_checksum_address(key["address"])
    to = Account.create().address
    # Within the cap: mined.
    rc = w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction({"from": sender, "to": to, "value": 10**18}), timeout=30)
    assert rc["status"] == 1
    # Above it: a JSON-RPC error that names the rule and says why; nothing is sent.
    with pytest.raises(Web3RPCError) as e:
        w3.eth.send_transaction({"from": sender, "to": to, "value": 10**18 + 1})
    msg = str(e.value)
    assert "-32001" in msg or "32001" in msg, msg
    assert "per-tx-cap" in msg and "exceeds the per-transaction cap" in msg, msg
    assert w3.eth.get_balance(to) == 10**18


def _ed25519():
    from nacl.signing import SigningKey

    k = SigningKey.generate()
    return k, k.verify_key.encode().hex()


def test_m_of_n_approved_send_is_signed_forwarded_and_mined(fresh_palisade):
    p = fresh_palisade
    key, token = p.funded_key()
    approvers = []
    for name in ("alice", "bob", "carol"):
        sk, pub = _ed25519()
        cred = p.admin("POST", "/v1/credentials", {"name": name, "keys": [], "methods": ["read"], "groups": ["treasury"], "approver_key": pub}).json()
        approvers.append((cred["token"], sk))
    set_rules(p, '[[rule]]\nid = "big-transfers"\nkind = "require_approval"\ngroup = "treasury"\nquorum = 2\nmin_value = "5 ether"\n')
    to = Account.create().address
    r = p.rpc_response("eth_sendTransaction", [{"from": key["address"], "to": to, "value": hex(6 * 10**18)}], token=token).json()
    assert r["error"]["code"] == -32010, r
    approval_id = r["error"]["data"]["approval_id"]
    assert Web3(HTTPProvider(p.anvil.url)).eth.get_balance(to) == 0, "nothing may move before the quorum"

    def vote(tok, sk, accept=True):
        rec = p.admin("GET", f"/v1/approvals/{approval_id}", token=tok).json()
        msg = f"palisade-approval-v1:{approval_id}:{rec['digest']}:{'accept' if accept else 'reject'}".encode()
        return p.admin("POST", f"/v1/approvals/{approval_id}/{'accept' if accept else 'reject'}", {"signature": sk.sign(msg).signature.hex()}, token=tok, expect=None)

    assert vote(*approvers[0]).json()["status"] == "pending"
    done = vote(*approvers[1]).json()
    assert done["status"] == "executed", done
    tx_hash = done["result"]
    # The requester can also wait on the outcome.
    waited = p.admin("GET", f"/v1/approvals/{approval_id}?wait=10", token=token).json()
    assert waited["result"] == tx_hash
    rc = p.anvil.wait_receipt(tx_hash)
    assert int(rc["status"], 16) == 1
    assert Web3(HTTPProvider(p.anvil.url)).eth.get_balance(to) == 6 * 10**18
    # A late third vote cannot re-run it.
    assert vote(*approvers[2]).status_code == 403
