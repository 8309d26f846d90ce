//! The renderers: each turns a [`super::document::Document`] into the bytes of its format, and builds no section
//! itself (`tests/integration/report_layers.rs` checks it).

pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod summary;
pub mod text;
