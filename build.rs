//! Builds the server of dockmatrix's test plugin (`plugin/server.rs`) as a static binary the crate embeds: a plugin's
//! root file system holds it and nothing else. Where this toolchain cannot link statically (no `libc.a`), the
//! embedded server is empty and a run says the plugin cannot be made, with why.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=plugin/server.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("plugin-server");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    let built = Command::new(rustc)
        .args(["--edition", "2024", "--crate-name", "dockmatrix_plugin_server", "--target", &target])
        .args(["-C", "target-feature=+crt-static", "-C", "opt-level=s", "-C", "strip=symbols", "-C", "panic=abort"])
        .arg("plugin/server.rs")
        .arg("-o")
        .arg(&out)
        .status();
    if !matches!(built, Ok(s) if s.success()) {
        println!(
            "cargo:warning=the test plugin's server was not built statically ({built:?}); runs cannot make a plugin"
        );
        std::fs::write(&out, b"").expect("OUT_DIR is writable");
    }
}
