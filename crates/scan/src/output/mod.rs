//! Printers: each one is a [`Sink`](crate::sink::Sink).

pub mod json;
pub mod sarif;
pub mod text;

pub use json::JsonPrinter;
pub use sarif::SarifPrinter;
pub use text::TextPrinter;
