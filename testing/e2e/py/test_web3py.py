"""web3.py with Palisade as its provider: value transfer, contract deploy, state-changing call."""

from __future__ import annotations

import pytest
from eth_account import Account
from web3 import Web3
from web3.providers.rpc import HTTPProvider

from harness import CONTRACT


def make_w3(palisade, token: str) -> Web3:
    provider = HTTPProvider(palisade.rpc_url,
                            request_kwargs={"headers": {"Authorization": f"Bearer {token}"},
                                            "timeout": 60})
    return Web3(provider)


def test_web3py_transfer_deploy_call(palisade, funded):
    key, token = funded
    w3 = make_w3(palisade, token)
    addr = Web3.to_checksum_address(key["address"])

    assert w3.eth.chain_id == palisade.anvil.chain_id
    accounts = [a.lower() for a in w3.eth.accounts]
    assert accounts == [addr.lower()], f"eth_accounts must list exactly the scoped key: {accounts}"

    # 1. value transfer
    recipient = Account.create().address
    tx_hash = w3.eth.send_transaction({"from": addr, "to": recipient, "value": 12345})
    rc = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.05)
    assert rc["status"] == 1
    assert rc["from"].lower() == addr.lower()
    assert w3.eth.get_balance(recipient) == 12345

    # 2. deploy
    Counter = w3.eth.contract(abi=CONTRACT["abi"], bytecode=CONTRACT["bytecode"])
    tx_hash = Counter.constructor(7).transact({"from": addr})
    rc = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.05)
    assert rc["status"] == 1
    assert rc["contractAddress"]
    counter = w3.eth.contract(address=rc["contractAddress"], abi=CONTRACT["abi"])
    assert counter.functions.count().call() == 7

    # 3. state-changing call, read back
    tx_hash = counter.functions.set(42).transact({"from": addr})
    rc = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.05)
    assert rc["status"] == 1
    assert counter.functions.count().call() == 42
    assert counter.functions.lastCaller().call().lower() == addr.lower()

    tx_hash = counter.functions.increment().transact({"from": addr})
    rc = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.05)
    assert rc["status"] == 1
    assert counter.functions.count().call() == 43

    # the chain really saw transactions signed by the key (not e.g. anvil's own accounts)
    assert w3.eth.get_transaction_count(addr) == 4


def test_web3py_legacy_gas_price_transfer(palisade, funded):
    """A type-0 transaction (gasPrice given) through eth_sendTransaction."""
    key, token = funded
    w3 = make_w3(palisade, token)
    addr = Web3.to_checksum_address(key["address"])
    recipient = Account.create().address
    tx_hash = w3.eth.send_transaction(
        {"from": addr, "to": recipient, "value": 1, "gasPrice": w3.eth.gas_price * 2})
    rc = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.05)
    assert rc["status"] == 1
    tx = w3.eth.get_transaction(tx_hash)
    assert tx["type"] == 0
    assert tx["chainId"] == palisade.anvil.chain_id, "legacy tx must be EIP-155 protected"


@pytest.mark.xfail(reason=(
    "contract conflict, not a server deviation: docs/api.md makes eth_signTransaction return the raw "
    "hex string (what ethers and viem expect); web3.py's w3.eth.sign_transaction applies "
    "signed_tx_formatter and expects geth's {'raw', 'tx'} object"), strict=False)
def test_web3py_sign_transaction_then_send_raw(palisade, funded):
    """w3.eth.sign_transaction (eth_signTransaction) + send_raw_transaction, both through Palisade."""
    key, token = funded
    w3 = make_w3(palisade, token)
    addr = Web3.to_checksum_address(key["address"])
    recipient = Account.create().address
    signed = w3.eth.sign_transaction({
        "from": addr, "to": recipient, "value": 55, "gas": 21000,
        "nonce": w3.eth.get_transaction_count(addr, "pending"),
        "maxFeePerGas": w3.eth.gas_price * 3, "maxPriorityFeePerGas": 10**9,
        "chainId": palisade.anvil.chain_id})
    raw = signed["raw"] if isinstance(signed, dict) and "raw" in signed else signed
    tx_hash = w3.eth.send_raw_transaction(raw)
    rc = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.05)
    assert rc["status"] == 1
    assert rc["from"].lower() == addr.lower()
    assert w3.eth.get_balance(recipient) == 55


def test_web3py_raw_sign_then_send_raw(palisade, funded):
    """The same path with the raw result (docs/api.md): eth_signTransaction via the provider,
    then w3.eth.send_raw_transaction through Palisade (forwarded to the node)."""
    key, token = funded
    w3 = make_w3(palisade, token)
    addr = Web3.to_checksum_address(key["address"])
    recipient = Account.create().address
    tx = {"from": addr, "to": recipient, "value": hex(56), "gas": hex(21000),
          "nonce": hex(w3.eth.get_transaction_count(addr, "pending")),
          "maxFeePerGas": hex(w3.eth.gas_price * 3), "maxPriorityFeePerGas": hex(10**9),
          "chainId": hex(palisade.anvil.chain_id)}
    resp = w3.provider.make_request("eth_signTransaction", [tx])
    assert "result" in resp, resp
    raw = resp["result"]
    assert isinstance(raw, str) and raw.startswith("0x02"), raw
    tx_hash = w3.eth.send_raw_transaction(raw)
    rc = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.05)
    assert rc["status"] == 1
    assert w3.eth.get_balance(recipient) == 56
