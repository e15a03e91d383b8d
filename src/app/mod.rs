//! Orchestration: one function per command, each reading like the data flow
//! (context -> change set -> engine -> findings -> reports / publishers -> exit code).

pub mod azure;
pub mod github;
mod import;

pub use import::import_rules;

use crate::changeset::{self, ChangeSet, PathFilter, TreeOptions};
use crate::ci::Env;
use crate::cli::{BaselineArgs, CiArgs, CommonScanArgs, FailOn, RulesArgs, ScanArgs};
use crate::config::Config;
use crate::engine::baseline::Baseline;
use crate::engine::rule::Rule;
use crate::engine::scan::{self, FileScanner, Policy, ScanOptions};
use crate::engine::suppress::AllowRule;
use crate::engine::{ruleset, Engine};
use crate::findings::{ScanResult, Severity};
use crate::publish::retry::RetryPolicy;
use crate::report::{self, Format, ReportContext};
use anyhow::Context as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

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

/// Everything a scan needs once the config is read: the engine, the path filter, the
/// allow entries and baseline, and the failing threshold.
pub struct Pipeline {
    pub engine: Engine,
    pub config: Config,
    filter: PathFilter,
    policy: Policy,
    options: ScanOptions,
}

impl Pipeline {
    /// Reads the config (from `--config` or `root/.secretgate.yml`), compiles the rules
    /// and loads the baseline.
    pub fn prepare(common: &CommonScanArgs, root: &Path) -> anyhow::Result<Self> {
        let (config, config_path) = Config::discover(common.config.as_deref(), root)?;
        let config_dir = config_path
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_else(|| root.to_path_buf());
        let rules = compile_rules(&config, config_path.as_deref())?;
        let rule_known = |id: &str| rules.iter().any(|r| r.id() == id);
        let mut allow = Vec::with_capacity(config.allow.len());
        for (i, entry) in config.allow.iter().enumerate() {
            if let Some(rule) = entry.rule.as_deref().filter(|r| !rule_known(r)) {
                anyhow::bail!(
                    "config allow[{i}]: unknown rule id `{rule}` (see `secretgate rules`)"
                );
            }
            allow.push(
                AllowRule::new(
                    entry.path.as_deref(),
                    entry.rule.as_deref(),
                    entry.fingerprint.as_deref(),
                )
                .with_context(|| format!("config allow[{i}]: bad path glob"))?,
            );
        }
        let baseline_path = common
            .baseline
            .clone()
            .or_else(|| config.baseline.as_ref().map(|b| config_dir.join(b)));
        let baseline = baseline_path.as_deref().map(Baseline::load).transpose()?;
        let filter = PathFilter::new(&config.exclude).context("config exclude: bad glob")?;
        let options = ScanOptions {
            max_file_size: common
                .max_file_size
                .or(config.max_file_size)
                .unwrap_or(ScanOptions::default().max_file_size),
            // 0 means the default, all cores, for the walk and the scan alike.
            threads: common.threads.filter(|&n| n > 0),
        };
        Ok(Self {
            engine: Engine::new(rules)?,
            config,
            filter,
            policy: Policy { allow, baseline },
            options,
        })
    }

    pub fn path_filter(&self) -> &PathFilter {
        &self.filter
    }

    pub fn scan(&self, changes: &ChangeSet) -> anyhow::Result<ScanResult> {
        Ok(scan::scan_changeset(
            &self.engine,
            changes,
            &self.options,
            &self.policy,
        )?)
    }

    /// Walks `paths` (the current directory when empty) and scans each file as the walk
    /// finds it, on the walk's threads, rather than listing the tree first.
    pub fn scan_tree(&self, paths: &[PathBuf]) -> anyhow::Result<ScanResult> {
        let scanner = FileScanner::new(&self.engine, &self.options);
        let options = TreeOptions {
            threads: self.options.threads,
            ..TreeOptions::default()
        };
        let walked =
            changeset::tree_each(paths, &self.filter, &options, &|file| scanner.scan(&file))?;
        Ok(scanner.finish(walked.warnings, &self.policy))
    }

    /// The failing severity: the flag, else the config, else `high`. `None` = never fail.
    pub fn threshold(&self, flag: Option<FailOn>) -> Option<Severity> {
        match flag.or(self.config.fail_on).unwrap_or(FailOn::High) {
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
            FailOn::Never => None,
        }
    }
}

/// Built-in rules plus the config's own, minus the disabled ones.
fn compile_rules(config: &Config, config_path: Option<&Path>) -> anyhow::Result<Vec<Rule>> {
    let mut specs: Vec<(String, _)> = Vec::new();
    for (file, text) in ruleset::BUILTIN_RULE_FILES {
        for spec in ruleset::parse_rule_file(file, text)? {
            specs.push((format!("built-in {file}"), spec));
        }
    }
    let origin = config_path.map_or_else(|| "config".to_string(), |p| p.display().to_string());
    specs.extend(config.rules.iter().cloned().map(|s| (origin.clone(), s)));
    for id in &config.disable_rules {
        anyhow::ensure!(
            specs.iter().any(|(_, s)| s.id == *id),
            "config disable_rules: unknown rule id `{id}` (see `secretgate rules`)"
        );
    }
    specs.retain(|(_, s)| !config.disable_rules.contains(&s.id));
    Ok(ruleset::compile(specs)?)
}

/// `SECRETGATE_RETRY_BASE_MS` shortens the first backoff delay (tests, impatient pipelines).
pub(crate) fn retry_policy(env: &dyn Env) -> RetryPolicy {
    let mut policy = RetryPolicy::default();
    if let Some(ms) = env
        .non_empty("SECRETGATE_RETRY_BASE_MS")
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        policy.base_delay = Duration::from_millis(ms);
    }
    policy
}

/// The gate's verdict for a result.
pub fn verdict(result: &ScanResult, threshold: Option<Severity>) -> Exit {
    match threshold {
        Some(t) if result.failing(t).next().is_some() => Exit::Findings,
        _ => Exit::Clean,
    }
}

/// Writes every requested output; all are attempted before an error is returned.
pub fn write_outputs(
    result: &ScanResult,
    outputs: &[(Format, Option<PathBuf>)],
    ctx: &ReportContext,
) -> anyhow::Result<()> {
    let mut first_error = None;
    for (format, path) in outputs {
        let written = match path {
            Some(p) => std::fs::File::create(p)
                .map(std::io::BufWriter::new)
                .and_then(|mut w| {
                    report::render(result, *format, ctx, &mut w)?;
                    w.flush()
                })
                .with_context(|| format!("cannot write {}", p.display())),
            None => {
                let stdout = std::io::stdout();
                let mut lock = stdout.lock();
                report::render(result, *format, ctx, &mut lock)
                    .and_then(|()| lock.flush())
                    .context("cannot write to standard output")
            }
        };
        if let Err(e) = written {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// The repository root for git modes, else the current directory.
fn git_root(dir: &Path) -> Option<PathBuf> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// Where config and baseline are looked for: the git root of the first path (or of the
/// current directory), else that directory.
fn scan_root(paths: &[PathBuf]) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let first = paths.first().map_or(cwd.clone(), |p| {
        let dir = if p.is_dir() {
            p.clone()
        } else {
            p.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        if dir.as_os_str().is_empty() {
            cwd.clone()
        } else {
            dir
        }
    });
    git_root(&first).unwrap_or(first)
}

/// The scan the arguments ask for: staged changes, a diff, or the tree.
fn scan_changes(args: &ScanArgs, pipeline: &Pipeline, root: &Path) -> anyhow::Result<ScanResult> {
    let filter = pipeline.path_filter();
    if args.staged {
        pipeline.scan(&changeset::staged(root, filter)?)
    } else if let Some(range) = &args.diff {
        let (base, head) = match range.split_once("..") {
            Some((b, h)) => (b, Some(h).filter(|h| !h.is_empty())),
            None => (range.as_str(), None),
        };
        pipeline.scan(&changeset::diff(root, base, head, filter)?)
    } else {
        pipeline.scan_tree(&args.paths)
    }
}

fn warn_skipped(result: &ScanResult) {
    for w in &result.warnings {
        eprintln!("secretgate: warning: {}: {}", w.path, w.message);
    }
}

/// `secretgate scan`
pub fn scan(args: &ScanArgs) -> anyhow::Result<Exit> {
    let root = if args.staged || args.diff.is_some() {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        git_root(&cwd).context("--diff and --staged need a git repository (run inside one)")?
    } else {
        scan_root(&args.paths)
    };
    let pipeline = Pipeline::prepare(&args.common, &root)?;
    let result = scan_changes(args, &pipeline, &root)?;
    warn_skipped(&result);
    let ctx = ReportContext {
        color: std::io::stdout().is_terminal(),
        ..ReportContext::default()
    };
    write_outputs(&result, &args.targets, &ctx)?;
    Ok(verdict(&result, pipeline.threshold(args.fail_on)))
}

/// `secretgate ci` outside CI: the current branch against its upstream (or the default
/// branch), plus uncommitted changes, so a developer sees what the gate will say.
pub fn local_gate(args: &CiArgs) -> anyhow::Result<Exit> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let root = git_root(&cwd).context("`secretgate ci` outside CI needs a git repository")?;
    let base = local_base(&root).context(
        "cannot tell what this branch is based on: set an upstream (`git branch -u origin/main`) \
         or use `secretgate scan --diff <base>`",
    )?;
    let pipeline = Pipeline::prepare(&args.common, &root)?;
    let changes = changeset::diff(&root, &base, None, pipeline.path_filter())?;
    let result = pipeline.scan(&changes)?;
    warn_skipped(&result);
    eprintln!("secretgate: local gate: lines added since {base}, including uncommitted changes");
    let ctx = ReportContext {
        color: std::io::stdout().is_terminal(),
        category: args.category.clone(),
        ..ReportContext::default()
    };
    let mut outs = vec![(Format::Text, None)];
    if let Some(p) = &args.sarif {
        outs.push((Format::Sarif, Some(p.clone())));
    }
    write_outputs(&result, &outs, &ctx)?;
    Ok(verdict(&result, pipeline.threshold(args.fail_on)))
}

/// The upstream of the current branch, else `origin/HEAD`, else `main` or `master`.
fn local_base(root: &Path) -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
            .filter(|s| !s.is_empty())
    };
    git(&[
        "rev-parse",
        "--abbrev-ref",
        "--symbolic-full-name",
        "@{upstream}",
    ])
    .or_else(|| git(&["symbolic-ref", "--short", "refs/remotes/origin/HEAD"]))
    .or_else(|| {
        ["main", "master"]
            .into_iter()
            .find(|b| git(&["rev-parse", "--verify", "--quiet", b]).is_some())
            .map(str::to_string)
    })
}

/// `secretgate rules`
pub fn rules(args: &RulesArgs) -> anyhow::Result<Exit> {
    let config = match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let rules = compile_rules(&config, args.config.as_deref())?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        let infos: Vec<_> = rules.iter().map(|r| &r.info).collect();
        serde_json::to_writer_pretty(&mut out, &infos)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{:<44} {:<9} {:<8} NAME / VALIDATION",
            "ID", "SEVERITY", "KEYWORDS"
        )?;
        for r in &rules {
            let validation = if r.info.validators.is_empty() {
                "format and context".to_string()
            } else {
                r.info.validators.join(", ")
            };
            writeln!(
                out,
                "{:<44} {:<9} {:<8} {} [{}]",
                r.info.id,
                r.info.severity,
                if r.keywords.is_empty() { "none" } else { "yes" },
                r.info.name,
                validation
            )?;
        }
        writeln!(out, "{} rules", rules.len())?;
    }
    Ok(Exit::Clean)
}

/// `secretgate baseline`
pub fn baseline(args: &BaselineArgs) -> anyhow::Result<Exit> {
    let root = scan_root(&args.paths);
    let mut pipeline = Pipeline::prepare(&args.common, &root)?;
    // The baseline being written must not hide the findings it is made of.
    pipeline.policy.baseline = None;
    let result = pipeline.scan_tree(&args.paths)?;
    warn_skipped(&result);
    let baseline = Baseline::from_findings(&result.findings);
    std::fs::write(&args.output, baseline.to_json())
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    eprintln!(
        "secretgate: wrote {} ({} entries from {} findings)",
        args.output.display(),
        baseline.findings.len(),
        result.findings.len()
    );
    Ok(Exit::Clean)
}
