//! Orchestration: one function per command, each reading like the data flow
//! (context -> change set -> engine -> findings -> reports / publishers -> exit code).

pub mod azure;
pub mod fix;
pub mod github;
mod import;
mod policy;

pub use import::import_rules;
pub use policy::{gate_policy, GatePolicy, PolicyAt};

use crate::changeset::{self, ChangeSet, PathFilter, TreeOptions};
use crate::ci::Env;
use crate::cli::{BaselineArgs, CiArgs, CommonScanArgs, RulesArgs, ScanArgs};
use crate::config::{CheckoutFiles, Config, PolicyFiles};
use crate::engine::baseline::Baseline;
use crate::engine::rule::Rule;
use crate::engine::scan::{self, FileScanner, Policy, ScanOptions};
use crate::engine::suppress::AllowRule;
use crate::engine::{ruleset, Engine};
use crate::findings::{FailOn, ScanResult, Severity, DEFAULT_FAIL_CONFIDENCE};
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
        let files = PolicyFiles::load(
            common.config.as_deref(),
            common.baseline.as_deref(),
            &CheckoutFiles(root),
        )?;
        Self::with_policy(common, files)
    }

    /// Compiles the rules and the filters of a policy already read.
    pub fn with_policy(common: &CommonScanArgs, files: PolicyFiles) -> anyhow::Result<Self> {
        let PolicyFiles {
            config,
            config_path,
            baseline,
        } = files;
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
        let filter = PathFilter::new(&config.exclude).context("config exclude: bad glob")?;
        let options = ScanOptions {
            max_file_size: common
                .max_file_size
                .or(config.max_file_size)
                .unwrap_or(ScanOptions::default().max_file_size),
            // 0 means the default, all cores, for the walk and the scan alike.
            threads: common.threads.filter(|&n| n > 0),
        };
        let inline_allow = config.inline_allow();
        let mut engine = Engine::new(rules)?;
        if let Some(now) = scan_clock()? {
            engine = engine.with_now(now);
        }
        let fail_confidence = (common.fail_confidence)
            .or(config.fail_confidence)
            .unwrap_or(DEFAULT_FAIL_CONFIDENCE);
        Ok(Self {
            engine,
            config,
            filter,
            policy: Policy {
                allow,
                baseline,
                inline_allow,
                fail_confidence: Some(fail_confidence),
            },
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

    /// Scans every blob in the history of the repository at `repo` once, each finding
    /// credited to the commit that introduced it; on a terminal, shows progress on stderr.
    pub fn scan_history(
        &self,
        repo: &Path,
        branch: Option<&str>,
        since: Option<&str>,
    ) -> anyhow::Result<ScanResult> {
        let scanner = FileScanner::new(&self.engine, &self.options);
        let progress = changeset::HistoryProgress::default();
        let options = changeset::HistoryOptions {
            branch: branch.map(str::to_string),
            since: since.map(str::to_string),
            max_blob_size: self.options.max_file_size,
            skip_content: &scan::has_binary_extension,
            threads: self.options.threads,
            progress: Some(&progress),
        };
        let done = std::sync::atomic::AtomicBool::new(false);
        let walked = std::thread::scope(|s| {
            if std::io::stderr().is_terminal() {
                s.spawn(|| report::progress::show_history(&progress, &done));
            }
            let walked = changeset::history_each(repo, &self.filter, &options, &|blob| {
                scanner.scan_attributed(&blob.file, &blob.provenance)
            });
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            walked
        })?;
        Ok(scanner.finish(walked.warnings, &self.policy))
    }

    /// The failing severity: the flag, else the config, else `high`. `None` = never fail.
    pub fn threshold(&self, flag: Option<FailOn>) -> Option<Severity> {
        flag.or(self.config.fail_on)
            .unwrap_or(FailOn::High)
            .threshold()
    }
}

/// `SECRETGATE_NOW` (Unix seconds or a UTC date such as `2026-12-01T00:00:00Z`) fixes the
/// time SAS expiries are judged against, so a scan can be repeated exactly (tests, audits).
fn scan_clock() -> anyhow::Result<Option<i64>> {
    match std::env::var("SECRETGATE_NOW") {
        Ok(v) if !v.trim().is_empty() => crate::engine::validate::sas::parse_time(&v)
            .map(Some)
            .with_context(|| {
                format!(
                    "SECRETGATE_NOW=`{v}` is not Unix seconds or a date like 2026-12-01T00:00:00Z"
                )
            }),
        _ => Ok(None),
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

/// The default SARIF category of a CI history scan: its results are not the tree's, so its
/// upload must not replace (and so close) the alerts of the whole-tree analyses.
pub const HISTORY_CATEGORY: &str = "secretgate-history/";

/// The gate's SARIF category: `--category`, else [`HISTORY_CATEGORY`] for a history scan,
/// else none, so every change and tree scan of a repository shares one category and code
/// scanning closes the alerts a later whole-tree analysis no longer has.
fn sarif_category(args: &CiArgs, mode: crate::ci::ScanMode) -> Option<String> {
    args.category
        .clone()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| (mode == crate::ci::ScanMode::History).then(|| HISTORY_CATEGORY.to_string()))
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
            Some(p) => write_file(p, |w| report::render(result, *format, ctx, w)),
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

/// The one way files are written: parent directories made, buffered, flushed, and the
/// path in the error.
pub(crate) fn write_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut w = std::io::BufWriter::new(file);
    write(&mut w)
        .and_then(|()| w.flush())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Appends `text` to a file the CI runner reads (`$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`).
pub(crate) fn append_file(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The repository root for git modes, else the current directory.
fn git_root(dir: &Path) -> Option<PathBuf> {
    changeset::git::stdout_of(dir, &["rev-parse", "--show-toplevel"]).map(PathBuf::from)
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
    } else if args.history {
        anyhow::ensure!(
            args.paths.len() <= 1,
            "--history scans one repository: give at most one path"
        );
        pipeline.scan_history(root, args.branch.as_deref(), args.since.as_deref())
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
        category: args.category.clone().filter(|c| !c.trim().is_empty()),
        repository: args
            .history
            .then(|| changeset::repository_uri(&root))
            .flatten(),
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
    let pipeline = Pipeline::prepare(&args.common, &root)?;
    let mode = args.scan.unwrap_or(crate::ci::ScanMode::Changes);
    let result = match mode {
        crate::ci::ScanMode::Changes => {
            let base = local_base(&root).context(
                "cannot tell what this branch is based on: set an upstream (`git branch -u \
                 origin/main`) or use `secretgate scan --diff <base>`",
            )?;
            let changes = changeset::diff(&root, &base, None, pipeline.path_filter())?;
            eprintln!(
                "secretgate: local gate: lines added since {base}, including uncommitted changes"
            );
            pipeline.scan(&changes)?
        }
        crate::ci::ScanMode::Tree => {
            eprintln!("secretgate: local gate: the whole tree");
            pipeline.scan_tree(std::slice::from_ref(&root))?
        }
        crate::ci::ScanMode::History => {
            eprintln!("secretgate: local gate: every commit in the history");
            pipeline.scan_history(&root, None, None)?
        }
    };
    warn_skipped(&result);
    let ctx = ReportContext {
        color: std::io::stdout().is_terminal(),
        category: sarif_category(args, mode),
        repository: (mode == crate::ci::ScanMode::History)
            .then(|| changeset::repository_uri(&root))
            .flatten(),
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
    let git = |args: &[&str]| changeset::git::stdout_of(root, args);
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
    write_file(&args.output, |w| w.write_all(baseline.to_json().as_bytes()))?;
    eprintln!(
        "secretgate: wrote {} ({} entries from {} findings)",
        args.output.display(),
        baseline.findings.len(),
        result.findings.len()
    );
    Ok(Exit::Clean)
}

/// What to write instead of each finding's secret, from the scanned content of its file
/// (a file that cannot be read again or is not UTF-8 gets no advice).
pub(crate) fn fix_advice(changes: &ChangeSet, result: &ScanResult) -> Vec<crate::fix::Advice> {
    let mut by_path: std::collections::BTreeMap<&str, Vec<&crate::findings::Finding>> =
        std::collections::BTreeMap::new();
    for f in &result.findings {
        by_path.entry(&f.path).or_default().push(f);
    }
    let mut out = Vec::new();
    for file in &changes.files {
        let Some(findings) = by_path.get(file.path.as_str()) else {
            continue;
        };
        let bytes = match &file.source {
            changeset::Source::Disk(p) => match std::fs::read(p) {
                Ok(b) => b,
                Err(_) => continue,
            },
            changeset::Source::Bytes(b) => b.clone(),
            changeset::Source::TooLarge(_) => continue,
        };
        if let Ok(text) = String::from_utf8(bytes) {
            out.extend(crate::fix::advise(&file.path, &text, findings));
        }
    }
    out
}

/// Whether the change adds line `line` of `path` (where a pull-request suggestion can go).
pub(crate) fn adds_line(changes: &ChangeSet, path: &str, line: u32) -> bool {
    changes
        .files
        .iter()
        .any(|f| f.path == path && f.lines.admits(line, line))
}

/// Says on stderr what a gate scans and why: as set, or the default for `default_for`.
fn announce_scan(mode: crate::ci::ScanMode, set: bool, default_for: &str) {
    let why = if set {
        "as set".to_string()
    } else {
        format!("the default for {default_for}")
    };
    eprintln!("secretgate: scan: {} ({why})", mode.as_str());
}
