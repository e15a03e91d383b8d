//! Command-line interface (clap derive). Parsing only: [`crate::app`] does the work.

pub use crate::ci::ScanMode;
use crate::findings::Confidence;
pub use crate::findings::FailOn;
use crate::report::Format;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "secretgate",
    version,
    about = "Stops secrets, keys, tokens and card numbers at the pull request"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files, a directory tree, a git diff or the staged changes.
    Scan(ScanArgs),
    /// Run as a pull-request gate: detect GitHub Actions or Azure Pipelines, scan the lines
    /// the change adds, publish the results and set the exit code. Outside CI, scan the
    /// current branch against its upstream plus uncommitted changes.
    Ci(CiArgs),
    /// List the built-in rules (and the config's custom rules).
    Rules(RulesArgs),
    /// Write a baseline of the current findings so that only new ones fail the gate.
    Baseline(BaselineArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) to standard output.
    Completions(CompletionsArgs),
    /// Show, as a unified diff, each finding's line rewritten to read the secret from a
    /// setting (`${{ secrets.X }}`, `$(X)`, `os.environ["X"]`, a Key Vault reference…);
    /// `--write` applies the rewrites. Secrets are redacted in the diff.
    Fix(FixArgs),
}

/// Options shared by every command that scans.
#[derive(Debug, Clone, Args)]
pub struct CommonScanArgs {
    /// Config file (default: `.secretgate.yml` at the repository root, if present).
    #[arg(long, env = "SECRETGATE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Worker threads (default, or 0: all cores).
    #[arg(long, env = "SECRETGATE_THREADS")]
    pub threads: Option<usize>,
    /// Skip files larger than this many bytes (suffixes K, M, G allowed; default 25M).
    #[arg(long, value_parser = parse_size)]
    pub max_file_size: Option<u64>,
    /// Baseline file: findings listed there do not fail the gate.
    #[arg(long, env = "SECRETGATE_BASELINE")]
    pub baseline: Option<PathBuf>,
    /// Only findings at or above this confidence fail the gate (low, medium, high; default
    /// medium: generic findings are reported as warnings).
    #[arg(long, env = "SECRETGATE_FAIL_CONFIDENCE", value_name = "LEVEL")]
    pub fail_confidence: Option<Confidence>,
}

#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Files or directories (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// Only lines added since the merge base of BASE and HEAD: `BASE` or `BASE..HEAD`
    /// (HEAD defaults to the working tree).
    #[arg(long, value_name = "BASE[..HEAD]", conflicts_with = "staged")]
    pub diff: Option<String>,
    /// Only lines added by the staged changes (pre-commit mode).
    #[arg(long)]
    pub staged: bool,
    /// Every version of every file in the repository's history (all refs), each read once;
    /// a finding names the commit that introduced it. PATH is the repository.
    #[arg(long, conflicts_with_all = ["diff", "staged"])]
    pub history: bool,
    /// With --history: walk only the commits REF reaches.
    #[arg(long, value_name = "REF", requires = "history")]
    pub branch: Option<String>,
    /// With --history: leave out the commits REF reaches (scan what came after it).
    #[arg(long, value_name = "REF", requires = "history")]
    pub since: Option<String>,
    /// Output format; repeat with `--output` after each to write several.
    #[arg(long, value_enum)]
    pub format: Vec<Format>,
    /// Where the preceding `--format` goes (default, or `-`: standard output).
    #[arg(long)]
    pub output: Vec<PathBuf>,
    /// Each format with its destination, paired by position on the command line (filled
    /// by [`parse`]; clap's derive alone cannot see the order of two different options).
    #[arg(skip)]
    pub targets: Vec<(Format, Option<PathBuf>)>,
    /// Fail (exit 1) on findings at or above this severity.
    #[arg(long, value_enum, env = "SECRETGATE_FAIL_ON")]
    pub fail_on: Option<FailOn>,
    /// SARIF category (`automationDetails.id`) of `--format sarif`, e.g. one per repository
    /// when a sweep uploads many scans.
    #[arg(long)]
    pub category: Option<String>,
    #[command(flatten)]
    pub common: CommonScanArgs,
}

#[derive(Debug, Clone, Args)]
pub struct CiArgs {
    /// API token (GitHub: else INPUT_TOKEN, GITHUB_TOKEN, GH_TOKEN; Azure: SYSTEM_ACCESSTOKEN).
    #[arg(long, env = "SECRETGATE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Fail on findings at or above this severity.
    #[arg(long, value_enum, env = "SECRETGATE_FAIL_ON")]
    pub fail_on: Option<FailOn>,
    /// Where to write the SARIF file.
    #[arg(long, env = "SECRETGATE_SARIF")]
    pub sarif: Option<PathBuf>,
    /// Publish the SARIF file. GitHub: upload it to code scanning (needs
    /// `security-events: write`). Azure Pipelines: publish it as the `CodeAnalysisLogs`
    /// build artifact, where the SARIF viewer and Advanced Security read it. The file is
    /// written either way.
    #[arg(long, env = "SECRETGATE_UPLOAD", default_value_t = true, action = clap::ArgAction::Set)]
    pub upload: bool,
    /// Report the verdict on the commit. GitHub: a check run with one annotation per
    /// finding (needs `checks: write`). Azure Repos: the pull-request status
    /// `secretgate/secret-scan` (a branch policy can require it). The exit code fails the
    /// job either way.
    #[arg(long, env = "SECRETGATE_CHECK_RUN", default_value_t = true, action = clap::ArgAction::Set)]
    pub check_run: bool,
    /// Comment on the pull request. GitHub: one sticky comment with the summary, updated in
    /// place. Azure Repos: one thread per finding, resolved when the finding is gone.
    #[arg(long, env = "SECRETGATE_PR_COMMENT", default_value_t = false, action = clap::ArgAction::Set)]
    pub pr_comment: bool,
    /// Suggest fixes on the pull request. GitHub: one review whose comments carry a
    /// suggested change replacing each secret with a reference (needs `pull-requests:
    /// write`). Azure Repos: each finding's thread shows the replacement line.
    #[arg(long, env = "SECRETGATE_SUGGEST_FIXES", default_value_t = true, action = clap::ArgAction::Set)]
    pub suggest_fixes: bool,
    /// SARIF category (`automationDetails.id`), to tell several uploads apart (default:
    /// none; `secretgate-history/` for `--scan history`).
    #[arg(long, env = "SECRETGATE_CATEGORY")]
    pub category: Option<String>,
    /// What to scan: `changes` (the lines the change adds), `tree` (every file of the
    /// checkout) or `history` (every commit in the clone). Default: `changes` on pull
    /// requests, merge queues and pushes to other branches; `tree` on pushes to the default
    /// branch, schedules and manual runs (Azure Pipelines: every build but a pull request's).
    #[arg(long, value_enum, env = "SECRETGATE_SCAN", value_name = "MODE")]
    pub scan: Option<ScanMode>,
    #[command(flatten)]
    pub common: CommonScanArgs,
}

#[derive(Debug, Clone, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub action: Option<RulesAction>,
    /// Config file whose custom rules are listed too.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Subcommand)]
pub enum RulesAction {
    /// Convert a gitleaks config's `[[rules]]` into secretgate rules (YAML for the
    /// `rules:` list of .secretgate.yml) and report what could not be carried over.
    Import(ImportArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The gitleaks TOML config (`gitleaks.toml`, `.gitleaks.toml`).
    pub file: PathBuf,
    /// Write the rules here instead of to standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct BaselineArgs {
    /// Files or directories (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// Where to write the baseline.
    #[arg(long, default_value = ".secretgate-baseline.json")]
    pub output: PathBuf,
    #[command(flatten)]
    pub common: CommonScanArgs,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to write completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Writes the completion script for `shell` to `out`, generated from the clap definition so
/// it never lags behind the options.
pub fn write_completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
    clap_complete::generate(shell, &mut Cli::command(), "secretgate", out);
}

#[derive(Debug, Clone, Args)]
pub struct FixArgs {
    /// Files or directories (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// Rewrite the files instead of printing the diff.
    #[arg(long)]
    pub write: bool,
    #[command(flatten)]
    pub common: CommonScanArgs,
}

/// Parses the process arguments, pairing each `scan --output` with the `--format` before it.
pub fn parse() -> Result<Cli, clap::Error> {
    let matches = Cli::command().try_get_matches()?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    if let (Command::Scan(args), Some(("scan", sub))) = (&mut cli.command, matches.subcommand()) {
        args.targets = pair_outputs(sub, &args.format, &args.output)?;
    }
    Ok(cli)
}

/// `--format a --output x --format b` -> `[(a, x), (b, stdout)]`; no `--format` -> text.
fn pair_outputs(
    matches: &ArgMatches,
    formats: &[Format],
    outputs: &[PathBuf],
) -> Result<Vec<(Format, Option<PathBuf>)>, clap::Error> {
    let usage = |msg: &str| Cli::command().error(clap::error::ErrorKind::ArgumentConflict, msg);
    if formats.is_empty() {
        return match outputs {
            [] => Ok(vec![(Format::Text, None)]),
            _ => Err(usage("--output needs a --format before it")),
        };
    }
    let format_at: Vec<usize> = matches.indices_of("format").into_iter().flatten().collect();
    let output_at: Vec<usize> = matches.indices_of("output").into_iter().flatten().collect();
    let mut targets: Vec<(Format, Option<PathBuf>)> = formats.iter().map(|f| (*f, None)).collect();
    let mut has_output = vec![false; targets.len()];
    for (path, at) in outputs.iter().zip(output_at) {
        let owner = format_at.iter().rposition(|&f| f < at);
        match owner {
            Some(i) if has_output[i] => {
                return Err(usage("each --format takes at most one --output"))
            }
            Some(i) => {
                has_output[i] = true;
                // `-` is standard output, as for most command-line tools.
                targets[i].1 = (path.as_os_str() != "-").then(|| path.clone());
            }
            None => return Err(usage("--output needs a --format before it")),
        }
    }
    Ok(targets)
}

/// Parses `1048576`, `512K`, `25M` or `1G` (powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, mult) = match s.char_indices().last() {
        Some((i, c)) if c.eq_ignore_ascii_case(&'k') => (&s[..i], 1u64 << 10),
        Some((i, c)) if c.eq_ignore_ascii_case(&'m') => (&s[..i], 1 << 20),
        Some((i, c)) if c.eq_ignore_ascii_case(&'g') => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    digits
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("`{s}` is not a size (try 1048576, 512K, 25M or 1G)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(args: &[&str]) -> Result<Vec<(Format, Option<PathBuf>)>, clap::Error> {
        let matches = Cli::command().try_get_matches_from(args)?;
        let cli = Cli::from_arg_matches(&matches)?;
        let (Command::Scan(scan), Some((_, sub))) = (&cli.command, matches.subcommand()) else {
            unreachable!("scan")
        };
        pair_outputs(sub, &scan.format, &scan.output)
    }

    #[test]
    fn each_output_goes_with_the_format_before_it() {
        let got = targets(&[
            "sg", "scan", "--format", "text", "--format", "json", "--output", "x",
        ]);
        assert_eq!(
            got.expect("valid"),
            vec![
                (Format::Text, None),
                (Format::Json, Some(PathBuf::from("x")))
            ]
        );
        let got = targets(&[
            "sg", "scan", "--format", "sarif", "--output", "s", "--format", "text",
        ]);
        assert_eq!(
            got.expect("valid"),
            vec![
                (Format::Sarif, Some(PathBuf::from("s"))),
                (Format::Text, None)
            ]
        );
        assert_eq!(
            targets(&["sg", "scan"]).expect("valid"),
            vec![(Format::Text, None)]
        );
        assert!(targets(&["sg", "scan", "--output", "x", "--format", "json"]).is_err());
        assert!(
            targets(&["sg", "scan", "--format", "json", "--output", "a", "--output", "b"]).is_err()
        );
    }

    #[test]
    fn a_dash_output_is_standard_output() {
        let got = targets(&[
            "sg", "scan", "--format", "sarif", "--output", "-", "--format", "json", "--output", "j",
        ]);
        assert_eq!(
            got.expect("valid"),
            vec![
                (Format::Sarif, None),
                (Format::Json, Some(PathBuf::from("j")))
            ]
        );
        assert!(
            targets(&["sg", "scan", "--format", "json", "--output", "-", "--output", "b"]).is_err()
        );
    }

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("25M"), Ok(25 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("lots").is_err());
    }
}
