//! Composition root: wires vault, policy, audit and upstream nodes
#![forbid(unsafe_code)]
