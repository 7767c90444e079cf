#!/bin/sh
polkadot --validator --name acme-val-01 \
  --unsafe-rpc-external \
  --rpc-methods unsafe \
  --rpc-cors all
