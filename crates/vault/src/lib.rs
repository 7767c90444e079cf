//! Keystore: key lifecycle, signing behind proof values, offline backups
#![forbid(unsafe_code)]
