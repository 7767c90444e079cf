//! Authorization and transaction rules; mints PolicyApproved
#![forbid(unsafe_code)]
