//! Shared identifiers and secret-holding types; no I/O
#![forbid(unsafe_code)]
