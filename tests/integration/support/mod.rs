//! Shared test support: the binary under test, temporary git repositories, and a loopback
//! HTTP server that plays a REST API.

#![allow(dead_code)]

pub mod api_server;
pub mod git;

use std::path::{Path, PathBuf};

/// Environment variables that would make a test behave differently inside a CI job.
pub const CI_VARIABLE_PREFIXES: &[&str] = &[
    "GITHUB_",
    "RUNNER_",
    "ACTIONS_",
    "GH_",
    "INPUT_",
    "SYSTEM_",
    "BUILD_",
    "AGENT_",
    "TF_BUILD",
    "SECRETGATE_",
];

/// `secretgate` from this build, with CI variables scrubbed so tests run the same inside CI.
pub fn secretgate() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("secretgate").expect("binary built");
    for (key, _) in std::env::vars() {
        if CI_VARIABLE_PREFIXES.iter().any(|p| key.starts_with(p)) || key == "CI" {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// The API descriptions and schemas the tests check against, kept in the repository
/// (`tests/specs/`) so that a fresh clone passes with nothing beside it.
pub fn specs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs")
}

/// Joins pieces at run time so this source file never holds a contiguous credential.
pub fn join(parts: &[&str]) -> String {
    parts.concat()
}
