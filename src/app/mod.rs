//! Orchestration: one function per command, each reading like the data flow
//! (context -> change set -> engine -> findings -> reports / publishers -> exit code).

pub mod azure;
pub mod github;

use std::process::ExitCode;

/// The exit-code contract of every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// No finding at or above the failing severity.
    Clean = 0,
    /// Findings at or above the failing severity.
    Findings = 1,
    /// Usage or runtime error.
    Error = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}
