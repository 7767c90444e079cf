"""On-chain watch with a real chain: an ownership transfer on a watched contract raises an alert
within two blocks (anvil mines a block every second)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import harness

OWNABLE = json.loads((harness.E2E_DIR / "contracts" / "Ownable.json").read_text())
TRANSFER_OWNERSHIP = "0xf2fde38b"  # transferOwnership(address)


def test_ownership_transfer_alerts_within_two_blocks(tmp_path: Path):
    anvil = harness.start_anvil(extra=["--block-time", "1"])
    pal = None
    try:
        owner = anvil.rpc("eth_accounts")[0]
        deploy = anvil.rpc("eth_sendTransaction", [{"from": owner, "data": OWNABLE["bytecode"], "gas": hex(500_000)}])
        contract = anvil.wait_receipt(deploy)["contractAddress"]
        alerts = tmp_path / "alerts.jsonl"
        cfg = tmp_path / "detect.yaml"
        cfg.write_text(
            "dedup: 0s\n"  # the deploy's own OwnershipTransferred must not mask the transfer's alert
            "alerts:\n"
            f"  - {{type: file, path: {alerts}}}\n"
            "watch:\n"
            "  interval: 1s\n"
            f"  contracts: [\"{contract}\"]\n"
        )
        pal = harness.start_palisade(anvil, extra_args=["--detect-config", str(cfg)])
        time.sleep(2.5)  # let the watcher take the current head as its start

        new_owner = "0x" + "ab" * 20
        tx = anvil.rpc("eth_sendTransaction", [{"from": owner, "to": contract, "data": TRANSFER_OWNERSHIP + new_owner[2:].rjust(64, "0"), "gas": hex(100_000)}])
        mined_in = int(anvil.wait_receipt(tx)["blockNumber"], 16)

        deadline = time.time() + 20
        found = None
        while time.time() < deadline and found is None:
            if alerts.exists():
                for line in alerts.read_text().splitlines():
                    if "chain-admin-event" in line and tx[2:].lower() in line.lower():
                        found = json.loads(line)
                        break
            if found is None:
                time.sleep(0.1)
        head = int(anvil.rpc("eth_blockNumber"), 16)
        assert found is not None, f"no chain-admin-event alert for {contract}; alerts file: {alerts.read_text() if alerts.exists() else '<missing>'}"
        assert head <= mined_in + 2, f"alert came only at block {head}, transfer was mined in {mined_in}"
        assert tx.lower() in json.dumps(found).lower(), f"alert must name the transfer transaction {tx}: {found}"
        assert found["rule"] == "chain-admin-event" and found.get("severity") in ("critical", "high"), found
    finally:
        if pal is not None:
            pal.stop()
            harness.cleanup_workdir(pal)
        anvil.stop()
