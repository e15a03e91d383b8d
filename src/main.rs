//! The `secretgate` binary: parse the command line, run the command, map the outcome to
//! the exit-code contract (0 clean, 1 findings, 2 usage or runtime error).

use secretgate::app::{self, Exit};
use secretgate::ci::{self, ProcessEnv, Provider};
use secretgate::cli::{Command, RulesAction};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match secretgate::cli::parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap exits 2 on usage errors already; help and version are not errors.
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Error.into()
            } else {
                Exit::Clean.into()
            };
        }
    };
    let outcome = match &cli.command {
        Command::Scan(args) => app::scan(args),
        Command::Ci(args) => match ci::detect(&ProcessEnv) {
            Provider::GitHubActions => app::github::run(args, &ProcessEnv),
            Provider::AzurePipelines => app::azure::run(args, &ProcessEnv),
            Provider::Local => app::local_gate(args),
        },
        Command::Rules(args) => match &args.action {
            Some(RulesAction::Import(import)) => app::import_rules(import),
            None => app::rules(args),
        },
        Command::Baseline(args) => app::baseline(args),
        Command::Completions(args) => {
            secretgate::cli::write_completions(args.shell, &mut std::io::stdout().lock());
            Ok(Exit::Clean)
        }
        Command::Fix(args) => app::fix::run(args),
    };
    match outcome {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("secretgate: error: {e:#}");
            Exit::Error.into()
        }
    }
}
