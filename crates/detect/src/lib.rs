//! Detection and response: rules over the live audit stream and on-chain activity, alert sinks,
//! and the response plans rules carry.
//!
//! The pieces are deliberately separate: [`engine::Engine`] is synchronous and pure (events in,
//! detections out); [`sinks::Dispatcher`] delivers alerts with retries on its own tasks;
//! [`watch`] polls the upstream node for on-chain events. Carrying out a response (freeze a key,
//! suspend a credential, block a source, lockdown) is the node's job: it owns the state.
#![forbid(unsafe_code)]

pub mod config;
pub mod engine;
pub mod event;
pub mod rules;
pub mod sinks;
pub mod watch;

pub use config::DetectConfig;
pub use engine::{Detection, Engine};
pub use event::Event;
pub use rules::{Action, Rule, RuleError, Severity};
pub use sinks::{Alert, Dispatcher};

#[cfg(test)]
mod tests;
