//! `secretgate ci` on GitHub Actions: event payload -> change set -> scan -> SARIF file,
//! workflow commands, job summary, outputs -> check run, code-scanning upload, comment ->
//! exit code.
//!
//! The findings alone decide the exit code. Publishing is best effort: a failure is
//! reported (with what to change) and never hides a finding; on a fork's read-only token
//! the gate says so once and relies on the workflow commands and the job summary.

use super::{verdict, Exit, Pipeline};
use crate::changeset::{self, ChangeSet, PathFilter};
use crate::ci::github::{resolve_token, GithubContext, PullRequest, Scope};
use crate::ci::Env;
use crate::cli::CiArgs;
use crate::findings::{ScanResult, Severity, Warning};
use crate::publish::github::checks::{self, CheckRun};
use crate::publish::github::code_scanning::{self, Poll, Processing, Target};
use crate::publish::github::{comment, pulls, ApiError, GithubClient};
use crate::report::escape::{github_data, github_property};
use crate::report::{self, Format, ReportContext};
use anyhow::Context as _;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Rows of the findings table in the job summary and check run (the rest are counted).
const SUMMARY_MAX_FINDINGS: usize = 100;
/// `$GITHUB_STEP_SUMMARY` takes at most 1 MiB per step.
const STEP_SUMMARY_MAX: usize = 1 << 20;
/// Deepening steps for a shallow clone before `--unshallow`.
const DEEPEN: [u32; 3] = [50, 200, 1000];

/// Runs the GitHub pull-request gate.
pub fn run(args: &CiArgs, env: &dyn Env) -> anyhow::Result<Exit> {
    let outcome = gate(args, env);
    if let Err(e) = &outcome {
        // Visible on the run page, not only in the log; the message names what to change.
        println!(
            "::error title={}::{}",
            github_property("secretgate"),
            github_data(&format!("{e:#}"))
        );
        if let Some(path) = env.non_empty("GITHUB_OUTPUT") {
            let _ = append(Path::new(&path), "result=error\n");
        }
    }
    outcome
}

/// Wall time of the gate's phases, printed at the end (publishing is the network part).
#[derive(Default)]
struct Timings {
    /// Config, rules compiled, baseline.
    prepare: Duration,
    changes: Duration,
    fetch: Duration,
    scan: Duration,
    reports: Duration,
    publish: Duration,
}

fn gate(args: &CiArgs, env: &dyn Env) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let mut t = Timings::default();
    let ctx = GithubContext::from_env(env)?;
    let token = resolve_token(args.token.as_deref(), env);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let policy = super::retry_policy(env);
    let mut notes = Notes::default();
    let client = match &token {
        None => {
            notes.warn(
                "no token: set the action's `token` input (default `${{ github.token }}`) or \
                 GITHUB_TOKEN; no check run, code-scanning upload or comment without one",
            );
            None
        }
        Some(token) => {
            // The client's connection pool lives on this runtime.
            let _entered = rt.enter();
            match GithubClient::new(&ctx.api_url, token, &ctx.owner, &ctx.repo, policy) {
                Ok(c) => Some(c),
                Err(e) => {
                    notes.warn(&format!("{e:#}"));
                    None
                }
            }
        }
    };

    let root = git_toplevel(&ctx.workspace).unwrap_or_else(|| ctx.workspace.clone());
    let phase = Instant::now();
    let pipeline = Pipeline::prepare(&args.common, &root)?;
    t.prepare = phase.elapsed();
    let phase = Instant::now();
    let git_auth = token
        .as_deref()
        .and_then(|tk| GitAuth::for_remote(&root, &ctx, tk));
    let changes = change_set(
        &ctx,
        &root,
        pipeline.path_filter(),
        client.as_ref(),
        &rt,
        git_auth.as_ref(),
        &mut notes,
        &mut t,
    )?;
    t.changes = phase.elapsed().saturating_sub(t.fetch);

    let phase = Instant::now();
    let result = pipeline.scan(&changes)?;
    t.scan = phase.elapsed();
    let threshold = pipeline.threshold(args.fail_on);
    let exit = verdict(&result, threshold);

    // Local outputs: SARIF file, workflow commands, job summary, step outputs.
    let phase = Instant::now();
    let report_ctx = ReportContext {
        category: args.category.clone(),
        color: false,
        file_link: Some(format!(
            "{}/{}/{}/blob/{}/{{path}}#L{{line}}-L{{end_line}}",
            ctx.server_url,
            ctx.owner,
            ctx.repo,
            ctx.head_sha()
        )),
        summary_max_findings: Some(SUMMARY_MAX_FINDINGS),
        ..ReportContext::default()
    };
    let sarif_path = sarif_path(args, env, &root);
    // A SARIF file that cannot be written must not hide the findings: say so and go on.
    if let Err(e) = write_report(&result, Format::Sarif, &report_ctx, &sarif_path) {
        notes.warn(&format!("{e:#}"));
    }
    {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        report::render(&result, Format::Github, &report_ctx, &mut out)
            .and_then(|()| out.flush())
            .context("cannot write the workflow commands to standard output")?;
    }
    let summary = report::summary_markdown(&result, &report_ctx);
    t.reports = phase.elapsed();

    // Publishing: the network side.
    let phase = Instant::now();
    // A deleted branch has no commit to hang results on.
    if let (Some(client), false) = (&client, ctx.scope == Scope::Deleted) {
        let publisher = Publisher {
            ctx: &ctx,
            client,
            rt: &rt,
            poll: Poll {
                interval: policy
                    .base_delay
                    .saturating_mul(10)
                    .min(Poll::default().interval),
                timeout: Poll::default().timeout,
            },
        };
        publisher.publish(args, &result, threshold, &summary, &report_ctx, &mut notes);
    }
    t.publish = phase.elapsed();

    let failing = threshold.map_or(0, |s| result.failing(s).count());
    let result_word = if exit == Exit::Findings {
        "findings"
    } else {
        "clean"
    };
    let mut step_summary = summary;
    for note in &notes.lines {
        step_summary.push_str(&format!("\n> **Note:** {}\n", note));
    }
    if let Some(path) = env.non_empty("GITHUB_STEP_SUMMARY") {
        let text = checks::truncate(&step_summary, STEP_SUMMARY_MAX / 4);
        if let Err(e) = append(Path::new(&path), &text) {
            eprintln!("secretgate: warning: cannot write the job summary {path}: {e}");
        }
    }
    if let Some(path) = env.non_empty("GITHUB_OUTPUT") {
        let outputs = format!(
            "findings={}\nresult={result_word}\n{}",
            result.findings.len(),
            multiline_output("sarif-file", &sarif_path.display().to_string())
        );
        append(Path::new(&path), &outputs)
            .with_context(|| format!("cannot write the step outputs to {path}"))?;
    }

    eprintln!(
        "secretgate: {} finding(s), {} at or above the threshold ({}); {} file(s) scanned; SARIF: {}",
        result.findings.len(),
        failing,
        threshold.map_or("never", Severity::as_str),
        result.stats.files_scanned,
        sarif_path.display()
    );
    eprintln!(
        "secretgate: timings: gate {} ms without network (rules {} ms, change set {} ms, scan {} ms, \
         reports {} ms); network: fetch {} ms, publish {} ms; total {} ms",
        (t.prepare + t.changes + t.scan + t.reports).as_millis(),
        t.prepare.as_millis(),
        t.changes.as_millis(),
        t.scan.as_millis(),
        t.reports.as_millis(),
        t.fetch.as_millis(),
        t.publish.as_millis(),
        started.elapsed().as_millis()
    );
    Ok(exit)
}

/// Warnings the job shows once each, as annotations, and repeats in the job summary.
#[derive(Default)]
struct Notes {
    lines: Vec<String>,
}

impl Notes {
    fn warn(&mut self, msg: &str) {
        println!(
            "::warning title={}::{}",
            github_property("secretgate"),
            github_data(msg)
        );
        self.lines.push(msg.to_string());
    }
}

/// `--sarif`, else `$RUNNER_TEMP/secretgate.sarif`, else `secretgate.sarif` in the repository.
fn sarif_path(args: &CiArgs, env: &dyn Env, root: &Path) -> PathBuf {
    args.sarif.clone().unwrap_or_else(|| {
        env.non_empty("RUNNER_TEMP")
            .map_or_else(|| root.to_path_buf(), PathBuf::from)
            .join("secretgate.sarif")
    })
}

fn write_report(
    result: &ScanResult,
    format: Format,
    ctx: &ReportContext,
    path: &Path,
) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = std::io::BufWriter::new(file);
    report::render(result, format, ctx, &mut w)
        .and_then(|()| w.flush())
        .with_context(|| format!("cannot write {}", path.display()))
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(text.as_bytes())
}

/// A random token for `$GITHUB_OUTPUT` delimiters (std's hasher keys are random per
/// process, which is all an unguessable delimiter needs).
fn random_token() -> String {
    let a = RandomState::new().hash_one(std::process::id());
    let b = RandomState::new().hash_one(Instant::now());
    format!("{a:016x}{b:016x}")
}

/// `name<<DELIM` ... `DELIM`: safe for any value, newlines included.
fn multiline_output(name: &str, value: &str) -> String {
    let mut delim = format!("secretgate_{}", random_token());
    while value.contains(&delim) {
        delim = format!("secretgate_{}", random_token());
    }
    format!("{name}<<{delim}\n{value}\n{delim}\n")
}

// ---------------------------------------------------------------------------------------
// The change set: git range (deepening a shallow clone), files API, or the whole tree
// ---------------------------------------------------------------------------------------

#[allow(clippy::too_many_arguments)]
fn change_set(
    ctx: &GithubContext,
    root: &Path,
    filter: &PathFilter,
    client: Option<&GithubClient>,
    rt: &tokio::runtime::Runtime,
    auth: Option<&GitAuth>,
    notes: &mut Notes,
    t: &mut Timings,
) -> anyhow::Result<ChangeSet> {
    let whole_tree =
        || -> anyhow::Result<ChangeSet> { Ok(changeset::tree(&[root.to_path_buf()], filter)?) };
    let (base, head) = match &ctx.scope {
        Scope::Deleted => {
            eprintln!("secretgate: the push deleted the branch: nothing to scan");
            return Ok(ChangeSet {
                root: root.to_path_buf(),
                ..ChangeSet::default()
            });
        }
        Scope::Full => {
            eprintln!(
                "secretgate: `{}` event: scanning the whole tree",
                ctx.event_name
            );
            return whole_tree();
        }
        Scope::Push { before: None, .. } => {
            eprintln!("secretgate: new branch: scanning the whole tree");
            return whole_tree();
        }
        Scope::Push {
            before: Some(b),
            after,
        } => (b.as_str(), after.as_str()),
        Scope::MergeGroup { base_sha, head_sha } => (base_sha.as_str(), head_sha.as_str()),
        Scope::PullRequest(pr) => (pr.base_sha.as_str(), pr.head_sha.as_str()),
    };

    let fetch_started = Instant::now();
    let history = ensure_history(root, base, head, auth);
    t.fetch = fetch_started.elapsed();
    let git_error = match history {
        Ok(()) => match changeset::diff_range(root, base, head, filter) {
            Ok(set) => {
                eprintln!(
                    "secretgate: scanning the lines {} adds since it branched from {}",
                    short(head),
                    short(base)
                );
                return Ok(set);
            }
            Err(e) => e.to_string(),
        },
        Err(why) => why,
    };

    // Git cannot give the range: a pull request can still be read from the API.
    if let (Scope::PullRequest(pr), Some(client)) = (&ctx.scope, client) {
        let fetch_started = Instant::now();
        let listed = rt.block_on(pulls::list_files(client, pr.number));
        t.fetch += fetch_started.elapsed();
        match listed {
            Ok(files) => {
                notes.warn(&format!(
                    "git could not give the pull request's range ({git_error}); the changed \
                     lines come from the pull request's files API instead. Use \
                     `fetch-depth: 0` on actions/checkout to scan from git."
                ));
                return from_api(root, filter, pr, files, notes, whole_tree);
            }
            Err(e) => {
                anyhow::bail!(
                    "cannot build the pull request's range: git: {git_error}; files API: {e}. \
                     Check out full history with actions/checkout `fetch-depth: 0`."
                )
            }
        }
    }
    anyhow::bail!(
        "cannot build the range {}..{}: {git_error}. Check out full history with \
         actions/checkout `fetch-depth: 0`.",
        short(base),
        short(head)
    )
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// The change set from the files API: each file's patch gives the added lines, its content
/// comes from the checkout. Over the API's 3,000-file cap, the listed files count whole, and
/// when the payload says the pull request has more files than were listed, the whole tree is
/// scanned: a gate had rather scan too much than miss a file.
fn from_api(
    root: &Path,
    filter: &PathFilter,
    pr: &PullRequest,
    listed: pulls::PullFiles,
    notes: &mut Notes,
    whole_tree: impl Fn() -> anyhow::Result<ChangeSet>,
) -> anyhow::Result<ChangeSet> {
    if listed.capped {
        let total = pr.changed_files.map(|n| n as usize);
        if total.is_none_or(|n| n > listed.files.len()) {
            notes.warn(&format!(
                "the pull request changes {} files, more than the files API lists ({}): \
                 scanning the whole tree",
                total.map_or_else(|| "at least 3000".to_string(), |n| n.to_string()),
                pulls::FILES_CAP
            ));
            return whole_tree();
        }
        notes.warn(&format!(
            "the pull request changes {} files (the files API's cap): every line of them is scanned",
            listed.files.len()
        ));
    }
    let checkout = git(root, &["rev-parse", "HEAD"], None)
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if checkout.as_deref() != Some(pr.head_sha.as_str()) {
        notes.warn(&format!(
            "file contents come from the checkout ({}), not the pull request's head {}: line \
             numbers can differ where the base branch changed the same files",
            checkout.as_deref().map_or("unknown", short),
            short(&pr.head_sha)
        ));
    }
    let mut warnings = Vec::new();
    let mut files = Vec::new();
    for f in listed.files {
        if f.status == "removed" || f.status == "unchanged" {
            continue;
        }
        if !is_safe_relative(&f.filename) {
            warnings.push(Warning {
                path: f.filename.clone(),
                message: "the files API named a path outside the repository; skipped".into(),
            });
            continue;
        }
        let patch = if listed.capped { None } else { f.patch };
        match std::fs::read(root.join(&f.filename)) {
            Ok(content) => files.push((f.filename, patch, content)),
            Err(e) => warnings.push(Warning {
                path: f.filename,
                message: format!("not in the checkout ({e}); not scanned"),
            }),
        }
    }
    let mut set = changeset::from_patches(root.to_path_buf(), files, filter);
    set.warnings.extend(warnings);
    Ok(set)
}

/// A repository-relative path without `..`, a root or a drive.
fn is_safe_relative(p: &str) -> bool {
    !p.is_empty()
        && Path::new(p)
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

fn git_toplevel(dir: &Path) -> Option<PathBuf> {
    let out = git(dir, &["rev-parse", "--show-toplevel"], None).ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        .filter(|p| !p.as_os_str().is_empty())
}

/// Credentials for `git fetch` from a private repository when actions/checkout ran with
/// `persist-credentials: false`: the token goes to git through `GIT_CONFIG_*` variables
/// (never the command line, where other processes could read it), scoped to the server's
/// URL, and only when the checkout left no header of its own (two would be refused).
struct GitAuth {
    key: String,
    value: String,
}

impl GitAuth {
    fn for_remote(root: &Path, ctx: &GithubContext, token: &str) -> Option<Self> {
        let origin = git(root, &["remote", "get-url", "origin"], None).ok()?;
        let url = String::from_utf8_lossy(&origin.stdout).trim().to_string();
        let prefix = format!("{}/", ctx.server_url);
        if !origin.status.success() || !url.starts_with(&prefix) || !prefix.starts_with("https://")
        {
            return None;
        }
        let key = format!("http.{prefix}.extraheader");
        let existing = git(root, &["config", "--get-all", &key], None).ok()?;
        if existing.status.success() && !existing.stdout.is_empty() {
            return None;
        }
        use base64::Engine as _;
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"));
        Some(Self {
            key,
            value: format!("AUTHORIZATION: basic {basic}"),
        })
    }
}

/// Runs git in `dir` without prompting; `auth` adds the credentials header.
fn git(dir: &Path, args: &[&str], auth: Option<&GitAuth>) -> std::io::Result<Output> {
    let mut cmd = Command::new("git");
    cmd.args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(std::process::Stdio::null());
    if let Some(a) = auth {
        cmd.env("GIT_CONFIG_COUNT", "1")
            .env("GIT_CONFIG_KEY_0", &a.key)
            .env("GIT_CONFIG_VALUE_0", &a.value);
    }
    cmd.output()
}

fn git_ok(dir: &Path, args: &[&str]) -> bool {
    git(dir, args, None).is_ok_and(|o| o.status.success())
}

/// Makes sure `base`, `head` and their merge base are in the clone, fetching from `origin`
/// when they are not: deeper and deeper for a shallow clone (50, 200, 1000 commits, then
/// the full history), by SHA once for a full one. Says why when it cannot.
fn ensure_history(
    root: &Path,
    base: &str,
    head: &str,
    auth: Option<&GitAuth>,
) -> Result<(), String> {
    let complete = || {
        let have = |sha: &str| git_ok(root, &["cat-file", "-e", &format!("{sha}^{{commit}}")]);
        have(base) && have(head) && git_ok(root, &["merge-base", base, head])
    };
    if complete() {
        return Ok(());
    }
    let shallow = git(root, &["rev-parse", "--is-shallow-repository"], None)
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "true")
        .unwrap_or(false);
    let mut steps: Vec<Vec<String>> = Vec::new();
    if shallow {
        for depth in DEEPEN {
            steps.push(vec![format!("--depth={depth}")]);
        }
        steps.push(vec!["--unshallow".into()]);
    } else {
        steps.push(vec![]);
    }
    let mut last = String::from("the commits are not in the clone");
    for extra in steps {
        let mut args: Vec<&str> = vec!["fetch", "--no-tags", "--quiet"];
        args.extend(extra.iter().map(String::as_str));
        args.extend(["origin", base, head]);
        eprintln!("secretgate: git {}", args.join(" "));
        match git(root, &args, auth) {
            Ok(o) if o.status.success() => {
                if complete() {
                    return Ok(());
                }
                last = format!(
                    "no common ancestor of {} and {} after `git {}`",
                    short(base),
                    short(head),
                    args.join(" ")
                );
            }
            Ok(o) => {
                last = format!(
                    "`git {}` failed: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                // A fetch that fails once (no `origin`, no access) fails again deeper.
                break;
            }
            Err(e) => {
                last = format!("cannot run git: {e}");
                break;
            }
        }
    }
    Err(last)
}

// ---------------------------------------------------------------------------------------
// Publishing
// ---------------------------------------------------------------------------------------

struct Publisher<'a> {
    ctx: &'a GithubContext,
    client: &'a GithubClient,
    rt: &'a tokio::runtime::Runtime,
    poll: Poll,
}

impl Publisher<'_> {
    fn publish(
        &self,
        args: &CiArgs,
        result: &ScanResult,
        threshold: Option<Severity>,
        summary: &str,
        report_ctx: &ReportContext,
        notes: &mut Notes,
    ) {
        let fork = self.ctx.pull_request().is_some_and(|pr| pr.fork);
        let failed = threshold.is_some_and(|t| result.failing(t).next().is_some());
        // A fork's token is read-only: after the first refusal the others would fail alike,
        // so the gate says so once and stops publishing. Returns whether to stop.
        let report = |what: &str, e: ApiError, notes: &mut Notes| -> bool {
            if fork && e.is_forbidden() {
                notes.warn(
                    "this pull request comes from a fork, so its token is read-only: no check \
                     run, code-scanning upload or comment. The findings are in the annotations \
                     and this job summary, and the job still fails on them.",
                );
                return true;
            }
            notes.warn(&format!("{what}: {e}"));
            false
        };

        if args.check_run {
            let run = CheckRun {
                head_sha: self.ctx.head_sha().to_string(),
                failed,
                title: check_title(result, threshold),
                summary: summary.to_string(),
                details_url: self.ctx.run_url(),
                annotations: checks::annotations(result, threshold),
            };
            match self.rt.block_on(checks::publish(self.client, &run)) {
                Ok(id) => eprintln!("secretgate: check run {id} created"),
                Err(e) => {
                    if report("check run", e, notes) {
                        return;
                    }
                }
            }
        }

        if args.upload {
            match self.upload_sarif(result, report_ctx) {
                Ok(msg) => eprintln!("secretgate: {msg}"),
                Err(UploadError::Api(e)) => {
                    if report("code-scanning upload", e, notes) {
                        return;
                    }
                }
                Err(UploadError::Rejected(msg)) => notes.warn(&msg),
            }
        }

        if args.pr_comment {
            if let Some(pr) = self.ctx.pull_request() {
                let has_findings = !result.findings.is_empty();
                match self.rt.block_on(comment::upsert(
                    self.client,
                    pr.number,
                    summary,
                    has_findings,
                )) {
                    Ok(outcome) => eprintln!("secretgate: pull-request comment: {outcome:?}"),
                    Err(e) => {
                        report("pull-request comment", e, notes);
                    }
                }
            }
        }
    }

    fn upload_sarif(
        &self,
        result: &ScanResult,
        report_ctx: &ReportContext,
    ) -> Result<String, UploadError> {
        let build = |r: &ScanResult| -> anyhow::Result<Vec<u8>> {
            Ok(serde_json::to_vec(&report::sarif::build(r, report_ctx))?)
        };
        let prepared = code_scanning::prepare(result, &build)
            .map_err(|e| UploadError::Rejected(format!("cannot prepare the SARIF: {e:#}")))?;
        if prepared.dropped > 0 {
            eprintln!(
                "secretgate: code scanning takes at most {} results and 10 MB: uploading the {} \
                 most severe, leaving out {} (all are in the SARIF file and the check run)",
                code_scanning::MAX_RESULTS,
                prepared.kept,
                prepared.dropped
            );
        }
        let git_ref = self.ctx.sarif_ref();
        if git_ref.is_empty() {
            return Err(UploadError::Rejected(
                "no GITHUB_REF to pair the SARIF upload with: skipped".into(),
            ));
        }
        let target = Target {
            commit_sha: self.ctx.head_sha(),
            git_ref: &git_ref,
        };
        let processing = self.rt.block_on(async {
            let id = code_scanning::upload(self.client, &target, &prepared).await?;
            code_scanning::wait_processed(self.client, &id, self.poll).await
        })?;
        match processing {
            Processing::Complete => Ok(format!(
                "SARIF uploaded to code scanning for {} ({} results)",
                git_ref, prepared.kept
            )),
            Processing::Pending => Ok(format!(
                "SARIF uploaded for {git_ref}; code scanning was still processing it after {} s",
                self.poll.timeout.as_secs()
            )),
            Processing::Failed(errors) => Err(UploadError::Rejected(format!(
                "code scanning rejected the SARIF: {}",
                errors.join("; ")
            ))),
        }
    }
}

enum UploadError {
    Api(ApiError),
    Rejected(String),
}

impl From<ApiError> for UploadError {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

fn check_title(result: &ScanResult, threshold: Option<Severity>) -> String {
    let n = result.findings.len();
    let failing = threshold.map_or(0, |t| result.failing(t).count());
    match (n, failing) {
        (0, _) => "No secrets found".to_string(),
        (1, 1) => "1 secret found".to_string(),
        (n, f) if f == n => format!("{n} secrets found"),
        (n, f) => format!("{n} possible secrets found, {f} at or above the threshold"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_use_a_delimiter_the_value_does_not_contain() {
        let out = multiline_output("sarif-file", "/tmp/a\nb.sarif");
        let mut lines = out.lines();
        let first = lines.next().expect("header");
        let delim = first.strip_prefix("sarif-file<<").expect("heredoc form");
        assert_eq!(lines.next(), Some("/tmp/a"));
        assert_eq!(lines.next(), Some("b.sarif"));
        assert_eq!(lines.next(), Some(delim));
        assert_ne!(random_token(), random_token());
    }

    #[test]
    fn api_paths_must_stay_inside_the_repository() {
        assert!(is_safe_relative("src/a.rs"));
        assert!(!is_safe_relative("../etc/passwd"));
        assert!(!is_safe_relative("/etc/passwd"));
        assert!(!is_safe_relative("a/../../b"));
        assert!(!is_safe_relative(""));
    }
}
