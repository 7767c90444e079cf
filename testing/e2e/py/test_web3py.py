"""web3.py with Palisade as its provider: value transfer, contract deploy, state-changing call."""

from __future__ import annotations

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
