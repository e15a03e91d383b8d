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

use crate::cli::{BaselineArgs, CiArgs, RulesArgs, ScanArgs};

/// `secretgate scan`
pub fn scan(args: &ScanArgs) -> anyhow::Result<Exit> {
    let _ = args;
    anyhow::bail!("not implemented yet")
}

/// `secretgate ci` outside CI: the current branch against its upstream, plus uncommitted
/// changes, so a developer sees what the gate will say before pushing.
pub fn local_gate(args: &CiArgs) -> anyhow::Result<Exit> {
    let _ = args;
    anyhow::bail!("not implemented yet")
}

/// `secretgate rules`
pub fn rules(args: &RulesArgs) -> anyhow::Result<Exit> {
    let _ = args;
    anyhow::bail!("not implemented yet")
}

/// `secretgate baseline`
pub fn baseline(args: &BaselineArgs) -> anyhow::Result<Exit> {
    let _ = args;
    anyhow::bail!("not implemented yet")
}
