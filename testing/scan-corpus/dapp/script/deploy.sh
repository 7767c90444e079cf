#!/usr/bin/env bash
# Deploys the vault to mainnet. Run from the repo root.
set -euo pipefail

forge script script/Deploy.s.sol:Deploy \
  --rpc-url "$RPC_URL" \
  --private-key 0x32609992360a3b74a90ba2127cf8f57e09ff1216bb287849c85a734be9dc964d \
  --broadcast --verify -vvvv

cast send 0x47a833c5ae7297df559270f74ef0d779897c8fa2 "grantRole(bytes32,address)" \
  0x9f2df0fed2c77648de5860a4cc508cd0818c85b8b8a1ab4ceeef8d981c8956a6 \
  0x7e9d86bf48c09ab48a61d800e120f589fe89e433 --rpc-url "$RPC_URL" --private-key "$PRIVATE_KEY"
