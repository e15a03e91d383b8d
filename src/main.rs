use clap::Parser;
use secretgate::cli::Cli;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = cli;
    ExitCode::from(2)
}
