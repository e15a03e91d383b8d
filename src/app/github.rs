//! `secretgate ci` on GitHub Actions: event payload -> change set -> scan -> SARIF upload,
//! check run, workflow commands, job summary -> exit code.

use super::Exit;
use crate::ci::Env;
use crate::cli::CiArgs;

/// Runs the GitHub pull-request gate.
pub fn run(args: &CiArgs, env: &dyn Env) -> anyhow::Result<Exit> {
    let _ = (args, env);
    anyhow::bail!("the GitHub Actions gate is not implemented yet")
}
