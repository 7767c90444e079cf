"""Sweep the faucet's change back to cold storage."""
from bit import Key, PrivateKeyTestnet

FAUCET_WIF = "L5ntndt9okfcGZKiC4vyw3fhQBCvQQUDWJpinbXa7MTTLVNsk8nc"
LEGACY_WIF = '5JMBZ3ihA8TXQoGv4cucuqkBmKHaZLXn7y2xvPuJJvrXdHX2vzH'
TESTNET = PrivateKeyTestnet("cSC9RX3gJoWBAvhGEdtiSnXydaEjFkdweoVzT8dPKsjvtT9TPHx2")
SIGNET_TPRV = "tprv8ZgxMBicQKsPfH3puqy1BMzvfJLb2PMy4fVyGTpvD1TsEhez1XBkGvxXEdMEggZQ4rHRTyK8VuGtVoeG7ittXJ17KuUkiXSFYp4ztCQe3Fu"
# a txid is not a key:
LAST_SWEEP_TXID = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
COLD_ADDRESS = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"


def sweep():
    key = Key(FAUCET_WIF)
    return key.send([], leftover=COLD_ADDRESS)
