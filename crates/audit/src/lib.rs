//! Tamper-evident audit log; mints Audited
#![forbid(unsafe_code)]
