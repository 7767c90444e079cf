//! EVM chain logic: transaction requests, RLP, EIP-155/191/712 hashing, keystore v3
#![forbid(unsafe_code)]
