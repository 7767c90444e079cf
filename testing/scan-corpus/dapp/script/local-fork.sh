#!/usr/bin/env bash
# Throwaway key for the local fork only, funded by anvil_setBalance below.
# palisade:ignore[evm-private-key] reviewed 2024-05-02: fork-only key, never funded on mainnet
FORK_KEY=0x26426c8317853bbd45009166453271cb46a03940964564c285e78622d9212cf4
anvil --fork-url "$RPC_URL" &
cast rpc anvil_setBalance 0x567ee1a3afbd606707f77d81d004c4a93dd6a7d8 0x56BC75E2D63100000
