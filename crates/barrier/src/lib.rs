//! The encryption barrier and the seal: the only code that touches Storage
#![forbid(unsafe_code)]
