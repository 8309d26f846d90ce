//! Integration tests: the real `dockmatrix` binary, one module per area.

mod report;

#[cfg(feature = "browser-tests")]
mod browser;
