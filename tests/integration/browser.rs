//! Renders the HTML report in headless Chromium (`--features browser-tests`; needs Debian's chromium, which
//! scripts/test.sh installs: tests never install) and checks that the screenshot is a real page, not a blank one.

use std::path::Path;
use std::process::Command;

#[test]
fn html_report_renders_in_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("tempdir");
    let html = dir.path().join("report.html");
    let png = dir.path().join("heat.png");
    let out = Command::new(env!("CARGO_BIN_EXE_dockmatrix"))
        .args(["report", "tests/fixtures/run-docker-20.10.json", "--format", "html"])
        .arg("-o")
        .arg(&html)
        .current_dir(root)
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // probe-31 is container.attach at 1.41 in the fixture (cells are numbered in page order: its unversioned cell is
    // 0, 1.11 is 1): the screenshot shows the evidence panel open too, with its stream.
    let shot = Command::new("bash")
        .arg(root.join("scripts/html-screenshot.sh"))
        .arg(&html)
        .arg(&png)
        .arg("probe-31")
        .output()
        .expect("the screenshot script runs");
    // The script's last lines say why: a missing chromium names the package, else chromium's own complaint.
    let log = String::from_utf8_lossy(&shot.stderr);
    let tail: Vec<&str> = log.trim().lines().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
    assert!(shot.status.success(), "html-screenshot.sh failed ({}):\n{}", shot.status, tail.join("\n"));
    let size = std::fs::metadata(&png).expect("screenshot written").len();
    // A blank 1400×1000 page compresses to a few kilobytes; the heat map is far larger.
    assert!(size > 20 * 1024, "screenshot is only {size} bytes: a blank page?");
}
