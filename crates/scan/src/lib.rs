//! Static scanner: leaked secrets and misconfigurations
#![forbid(unsafe_code)]
