//! Untrusted key-value Storage trait and its embedded redb backend
#![forbid(unsafe_code)]
