//! `secretgate ci` on Azure Pipelines: predefined variables -> change set -> scan -> SARIF
//! artifact, logging commands, pull-request threads and status -> exit code.

use super::Exit;
use crate::ci::Env;
use crate::cli::CiArgs;

/// Runs the Azure DevOps pull-request gate.
pub fn run(args: &CiArgs, env: &dyn Env) -> anyhow::Result<Exit> {
    let _ = (args, env);
    anyhow::bail!("the Azure Pipelines gate is not implemented yet")
}
