//! `secretgate ci` on GitHub Actions: event payload -> history -> policy from the base ->
//! change set -> scan -> SARIF file, workflow commands, job summary, outputs -> check run,
//! code-scanning upload, comment -> exit code.
//!
//! The findings alone decide the exit code. Publishing is best effort: a failure is
//! reported (with what to change) and never hides a finding; on a fork's read-only token
//! the gate says so once and relies on the workflow commands and the job summary.

use super::{append_file, gate_policy, verdict, write_file, Exit, GatePolicy, PolicyAt};
use crate::changeset::{self, short_sha, ChangeSet, Checkout, FetchAuth, ListedFile, PathFilter};
use crate::ci::github::{resolve_token, EventRange, GithubContext, PullRequestEvent};
use crate::ci::{Env, ScanMode};
use crate::cli::CiArgs;
use crate::findings::{AccessToken, Finding, ScanResult, Severity};
use crate::fix::Advice;
use crate::publish::github::code_scanning::Poll;
use crate::publish::github::feedback::{Publisher, Subject, Texts, Wanted};
use crate::publish::github::review::LineComment;
use crate::publish::github::{checks, pulls, GithubClient};
use crate::publish::retry::RetryPolicy;
use crate::report::github_commands::{message, multiline_output, Level};
use crate::report::{self, markdown, Format, ReportContext};
use anyhow::Context as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Rows of the findings table in the job summary and check run (the rest are counted).
const SUMMARY_MAX_FINDINGS: usize = 100;
/// `$GITHUB_STEP_SUMMARY` takes at most 1 MiB per step.
const STEP_SUMMARY_MAX: usize = 1 << 20;
/// Suggested changes per review: beyond this the review body and the summary list the rest.
const SUGGESTIONS_MAX: usize = 50;

/// Runs the GitHub pull-request gate.
pub fn run(args: &CiArgs, env: &dyn Env) -> anyhow::Result<Exit> {
    let outcome = gate(args, env);
    if let Err(e) = &outcome {
        // Visible on the run page, not only in the log; the message names what to change.
        println!("{}", message(Level::Error, &format!("{e:#}")));
        if let Some(path) = env.non_empty("GITHUB_OUTPUT") {
            let _ = append_file(Path::new(&path), "result=error\n");
        }
    }
    outcome
}

/// Wall time of the gate's phases, printed at the end (fetch and publish are the network).
#[derive(Default)]
struct Timings {
    fetch: Duration,
    /// Config from the base, rules compiled, baseline.
    prepare: Duration,
    changes: Duration,
    scan: Duration,
    reports: Duration,
    publish: Duration,
}

/// Times one phase into `slot`.
fn timed<T>(slot: &mut Duration, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    *slot += started.elapsed();
    out
}

fn gate(args: &CiArgs, env: &dyn Env) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let mut t = Timings::default();
    let mut notes = Notes::default();
    let ctx = GithubContext::from_env(env)?;
    let token = resolve_token(args.token.as_deref(), env);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let retry = super::retry_policy(env);
    let client = api_client(&ctx, token.as_ref(), retry, &rt, &mut notes);
    let root = changeset::git::stdout_of(&ctx.workspace, &["rev-parse", "--show-toplevel"])
        .map_or_else(|| ctx.workspace.clone(), PathBuf::from);

    let mode = args.scan.unwrap_or_else(|| ctx.default_scan());
    let default_for = format!("this `{}` event", ctx.event_name);
    super::announce_scan(mode, args.scan.is_some(), &default_for);

    // History first: the policy is read from the pull request's base commit.
    let checkout = Checkout {
        dir: &root,
        auth: token.as_ref().and_then(|tk| fetch_auth(&root, &ctx, tk)),
    };
    let policy_from = policy_at(&ctx.range);
    let needs_range = mode == ScanMode::Changes || matches!(policy_from, PolicyAt::Base(_));
    let history = timed(&mut t.fetch, || {
        event_range(&ctx.range)
            .filter(|_| needs_range)
            .map(|(base, head)| changeset::ensure_range(&checkout, base, head))
    });
    let policy = timed(&mut t.prepare, || {
        gate_policy(&args.common, &root, policy_from)
    })?;
    eprintln!("secretgate: policy from {}", policy.origin);
    if let Some(w) = &policy.warning {
        notes.warn(w);
    }
    let pipeline = &policy.pipeline;
    let (changes, result) = match mode {
        ScanMode::Changes => {
            let changes = change_set(
                &ctx,
                &root,
                pipeline.path_filter(),
                client.as_ref(),
                &rt,
                history,
                &mut notes,
                &mut t,
            )?;
            let result = timed(&mut t.scan, || pipeline.scan(&changes))?;
            (changes, result)
        }
        ScanMode::Tree => {
            eprintln!(
                "secretgate: scanning the whole tree at {}",
                short_sha(ctx.head_sha())
            );
            let changes = timed(&mut t.changes, || {
                changeset::tree(std::slice::from_ref(&root), pipeline.path_filter())
            })?;
            let result = timed(&mut t.scan, || pipeline.scan(&changes))?;
            (changes, result)
        }
        ScanMode::History => {
            if let Err(why) = timed(&mut t.fetch, || changeset::ensure_full_history(&checkout)) {
                notes.warn(&format!(
                    "cannot fetch the full history ({why}): scanning the commits the clone has; \
                     use actions/checkout `fetch-depth: 0`"
                ));
            }
            eprintln!("secretgate: scanning every commit in the clone's history");
            let result = timed(&mut t.scan, || pipeline.scan_history(&root, None, None))?;
            let changes = ChangeSet {
                root: root.clone(),
                ..ChangeSet::default()
            };
            (changes, result)
        }
    };
    let threshold = pipeline.threshold(args.fail_on);
    let exit = verdict(&result, threshold);

    let report_ctx = report_context(args, &ctx, mode, &root);
    let sarif_path = sarif_path(args, env, &root);
    let mut summary = timed(&mut t.reports, || {
        write_local_outputs(&result, &report_ctx, &sarif_path, &policy, &mut notes)
    })?;
    // Suggested changes go on lines the pull request adds, which only a change scan knows.
    let review = ctx.pull_request().is_some() && mode == ScanMode::Changes;
    let suggestions = timed(&mut t.reports, || {
        suggested_fixes(args, review, &changes, &result)
    });
    summary.push_str(&suggestions.summary);

    // Publishing: the network side. A deleted branch has no commit to hang results on.
    if let (Some(client), false) = (&client, ctx.range == EventRange::Deleted) {
        let publisher = Publisher {
            client,
            rt: &rt,
            poll: poll(retry),
        };
        let sarif = |r: &ScanResult| -> anyhow::Result<Vec<u8>> {
            Ok(serde_json::to_vec(&report::sarif::build(r, &report_ctx))?)
        };
        let texts = Texts {
            title: &markdown::check_title(&result, threshold),
            summary: &summary,
            sarif: &sarif,
            annotation_steps: &|f: &Finding| suggestions.annotation_steps(f),
            review_body: &suggestions.body,
            suggestions: &suggestions.comments,
        };
        let wanted = Wanted {
            check_run: args.check_run,
            upload: args.upload,
            comment: args.pr_comment,
            suggestions: args.suggest_fixes,
        };
        let warnings = timed(&mut t.publish, || {
            publisher.publish(wanted, &subject(&ctx), &result, threshold, &texts)
        });
        warnings.iter().for_each(|w| notes.warn(w));
    }

    write_step_files(env, &result, exit, summary, &notes, &sarif_path)?;
    log_totals(&result, threshold, &sarif_path, &t, started);
    Ok(exit)
}

/// The SARIF file, the workflow commands (one annotation per finding) and a notice on
/// policy changes; returns the summary text (job summary, check run, comment).
fn write_local_outputs(
    result: &ScanResult,
    report_ctx: &ReportContext,
    sarif_path: &Path,
    policy: &GatePolicy,
    notes: &mut Notes,
) -> anyhow::Result<String> {
    // A SARIF file that cannot be written must not hide the findings: say so and go on.
    if let Err(e) = write_file(sarif_path, |w| {
        report::render(result, Format::Sarif, report_ctx, w)
    }) {
        notes.warn(&format!("{e:#}"));
    }
    {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        report::render(result, Format::Github, report_ctx, &mut out)
            .and_then(|()| out.flush())
            .context("cannot write the workflow commands to standard output")?;
    }
    let mut summary = report::summary_markdown(result, report_ctx);
    summary.push_str(&policy.pending_markdown());
    if let Some(line) = policy.pending_line() {
        println!("{}", message(Level::Notice, &line));
    }
    Ok(summary)
}

/// Fix advice for every finding, and the review comments with suggested changes: one per
/// added line that has an exact rewrite, at most [`SUGGESTIONS_MAX`].
#[derive(Default)]
struct Suggestions {
    advice: Vec<Advice>,
    comments: Vec<LineComment>,
    body: String,
    /// Markdown for the summary: rewrites past the limit, findings with no safe rewrite.
    summary: String,
}

impl Suggestions {
    /// The fix and rotation steps a finding's check-run annotation adds.
    fn annotation_steps(&self, f: &Finding) -> Option<String> {
        self.advice
            .iter()
            .find(|a| a.fingerprint == f.fingerprint && a.line == f.line && a.path == f.path)
            .and_then(report::suggestion::annotation_steps)
    }
}

/// `review`: the run may post review comments (a change scan of a pull request).
fn suggested_fixes(
    args: &CiArgs,
    review: bool,
    changes: &ChangeSet,
    result: &ScanResult,
) -> Suggestions {
    if !args.suggest_fixes {
        return Suggestions::default();
    }
    let advice = super::fix_advice(changes, result);
    let mut exact: Vec<(&Advice, LineComment)> = advice
        .iter()
        .filter(|a| review && super::adds_line(changes, &a.path, a.line))
        .filter_map(|a| {
            let f = result
                .findings
                .iter()
                .find(|f| f.fingerprint == a.fingerprint && f.line == a.line)?;
            let body = report::suggestion::review_comment(f, a)?;
            Some((
                a,
                LineComment {
                    path: a.path.clone(),
                    line: a.line,
                    fingerprint: a.fingerprint.clone(),
                    body,
                },
            ))
        })
        .collect();
    // One suggestion per line: the rewrite already covers every secret on it.
    exact.sort_by(|(a, _), (b, _)| (&a.path, a.line).cmp(&(&b.path, b.line)));
    exact.dedup_by(|(a, _), (b, _)| a.path == b.path && a.line == b.line);
    let rest: Vec<&Advice> = exact
        .iter()
        .skip(SUGGESTIONS_MAX)
        .map(|(a, _)| *a)
        .collect();
    let manual: Vec<&Advice> = advice.iter().filter(|a| a.replacement.is_none()).collect();
    let summary =
        report::suggestion::not_suggested(&rest) + &report::suggestion::manual_fixes(&manual);
    let body = report::suggestion::review_body(exact.len().min(SUGGESTIONS_MAX), &rest);
    let comments: Vec<LineComment> = exact
        .into_iter()
        .take(SUGGESTIONS_MAX)
        .map(|(_, c)| c)
        .collect();
    Suggestions {
        advice,
        comments,
        body,
        summary,
    }
}

/// The API client, when there is a token (else a note on what is skipped).
fn api_client(
    ctx: &GithubContext,
    token: Option<&AccessToken>,
    retry: RetryPolicy,
    rt: &tokio::runtime::Runtime,
    notes: &mut Notes,
) -> Option<GithubClient> {
    let Some(token) = token else {
        notes.warn(
            "no token: set the action's `token` input (default `${{ github.token }}`) or \
             GITHUB_TOKEN; no check run, code-scanning upload or comment without one",
        );
        return None;
    };
    // The client's connection pool lives on this runtime.
    let _entered = rt.enter();
    GithubClient::new(&ctx.api_url, token, &ctx.owner, &ctx.repo, retry)
        .map_err(|e| notes.warn(&format!("{e:#}")))
        .ok()
}

/// Where the policy comes from: a pull request's (or merge queue's) base, else the checkout.
fn policy_at(range: &EventRange) -> PolicyAt<'_> {
    match range {
        EventRange::PullRequest(pr) => PolicyAt::Base(&pr.base_sha),
        EventRange::MergeGroup { base_sha, .. } => PolicyAt::Base(base_sha),
        _ => PolicyAt::Checkout,
    }
}

/// The two commits whose difference an event reviews, when it has a range.
fn event_range(range: &EventRange) -> Option<(&str, &str)> {
    match range {
        EventRange::Push {
            before: Some(b),
            after,
        } => Some((b, after)),
        EventRange::MergeGroup { base_sha, head_sha } => Some((base_sha, head_sha)),
        EventRange::PullRequest(pr) => Some((&pr.base_sha, &pr.head_sha)),
        EventRange::Push { before: None, .. } | EventRange::Deleted | EventRange::Full => None,
    }
}

fn report_context(
    args: &CiArgs,
    ctx: &GithubContext,
    mode: ScanMode,
    root: &Path,
) -> ReportContext {
    let history = mode == ScanMode::History;
    ReportContext {
        category: super::sarif_category(args, mode),
        repository: history.then(|| changeset::repository_uri(root)).flatten(),
        color: false,
        // A history finding's file need not exist at the scanned commit: no link there.
        file_link: (!history).then(|| {
            format!(
                "{}/{}/{}/blob/{}/{{path}}#L{{line}}-L{{end_line}}",
                ctx.server_url,
                ctx.owner,
                ctx.repo,
                ctx.head_sha()
            )
        }),
        summary_max_findings: Some(SUMMARY_MAX_FINDINGS),
    }
}

/// Code scanning is polled at ten times the first retry delay, at most the default.
fn poll(retry: RetryPolicy) -> Poll {
    Poll {
        interval: retry
            .base_delay
            .saturating_mul(10)
            .min(Poll::default().interval),
        timeout: Poll::default().timeout,
    }
}

fn subject(ctx: &GithubContext) -> Subject {
    let pr = ctx.pull_request();
    Subject {
        head_sha: ctx.head_sha().to_string(),
        sarif_ref: ctx.sarif_ref(),
        details_url: ctx.run_url(),
        pull_request: pr.map(|p| p.number),
        fork: pr.is_some_and(|p| p.fork),
    }
}

/// Credentials for `git fetch` from a private repository when actions/checkout ran with
/// `persist-credentials: false`: scoped to the server's URL, and only when the checkout
/// left no header of its own (two would be refused).
fn fetch_auth(root: &Path, ctx: &GithubContext, token: &AccessToken) -> Option<FetchAuth> {
    let url = changeset::git::stdout_of(root, &["remote", "get-url", "origin"])?;
    let prefix = format!("{}/", ctx.server_url);
    if !url.starts_with(&prefix) || !prefix.starts_with("https://") {
        return None;
    }
    let key = format!("http.{prefix}.extraheader");
    if changeset::git::stdout_of(root, &["config", "--get-all", &key]).is_some() {
        return None;
    }
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("x-access-token:{}", token.expose()));
    Some(FetchAuth::new(key, format!("AUTHORIZATION: basic {basic}")))
}

/// The job summary, the step outputs.
fn write_step_files(
    env: &dyn Env,
    result: &ScanResult,
    exit: Exit,
    mut summary: String,
    notes: &Notes,
    sarif_path: &Path,
) -> anyhow::Result<()> {
    for note in &notes.lines {
        summary.push_str(&format!("\n> **Note:** {note}\n"));
    }
    if let Some(path) = env.non_empty("GITHUB_STEP_SUMMARY") {
        let text = checks::truncate(&summary, STEP_SUMMARY_MAX / 4);
        if let Err(e) = append_file(Path::new(&path), &text) {
            eprintln!("secretgate: warning: {e:#}");
        }
    }
    if let Some(path) = env.non_empty("GITHUB_OUTPUT") {
        let result_word = if exit == Exit::Findings {
            "findings"
        } else {
            "clean"
        };
        let outputs = format!(
            "findings={}\nresult={result_word}\n{}",
            result.findings.len(),
            multiline_output("sarif-file", &sarif_path.display().to_string())
        );
        append_file(Path::new(&path), &outputs).context("cannot write the step outputs")?;
    }
    Ok(())
}

fn log_totals(
    result: &ScanResult,
    threshold: Option<Severity>,
    sarif_path: &Path,
    t: &Timings,
    started: Instant,
) {
    eprintln!(
        "secretgate: {} finding(s), {} at or above the threshold ({}); {} inline suppression(s); \
         {} file(s) scanned; SARIF: {}",
        result.findings.len(),
        threshold.map_or(0, |s| result.failing(s).count()),
        threshold.map_or("never", Severity::as_str),
        result.inline_allowed.len(),
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
}

/// Warnings the job shows once each, as annotations, and repeats in the job summary.
#[derive(Default)]
struct Notes {
    lines: Vec<String>,
}

impl Notes {
    fn warn(&mut self, msg: &str) {
        println!("{}", message(Level::Warning, msg));
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

// ---------------------------------------------------------------------------------------
// The change set: git range, files API, or the whole tree
// ---------------------------------------------------------------------------------------

/// The lines the event adds: from git when the history is there, else (pull requests) from
/// the files API, else the gate fails closed with what to change.
#[allow(clippy::too_many_arguments)]
fn change_set(
    ctx: &GithubContext,
    root: &Path,
    filter: &PathFilter,
    client: Option<&GithubClient>,
    rt: &tokio::runtime::Runtime,
    history: Option<Result<(), String>>,
    notes: &mut Notes,
    t: &mut Timings,
) -> anyhow::Result<ChangeSet> {
    let phase = Instant::now();
    let whole_tree =
        || -> anyhow::Result<ChangeSet> { Ok(changeset::tree(&[root.to_path_buf()], filter)?) };
    let (base, head) = match (&ctx.range, event_range(&ctx.range)) {
        (EventRange::Deleted, _) => {
            eprintln!("secretgate: the push deleted the branch: nothing to scan");
            return Ok(ChangeSet {
                root: root.to_path_buf(),
                ..ChangeSet::default()
            });
        }
        (_, Some(range)) => range,
        (EventRange::Full, None) => {
            eprintln!(
                "secretgate: `{}` event: scanning the whole tree",
                ctx.event_name
            );
            return whole_tree();
        }
        (_, None) => {
            eprintln!("secretgate: new branch: scanning the whole tree");
            return whole_tree();
        }
    };

    let git_error = match history.unwrap_or_else(|| Err("no range to fetch".into())) {
        Ok(()) => match changeset::diff_range(root, base, head, filter) {
            Ok(set) => {
                eprintln!(
                    "secretgate: scanning the lines {} adds since it branched from {}",
                    short_sha(head),
                    short_sha(base)
                );
                t.changes += phase.elapsed();
                return Ok(set);
            }
            Err(e) => e.to_string(),
        },
        Err(why) => why,
    };

    // Git cannot give the range: a pull request can still be read from the API.
    if let (EventRange::PullRequest(pr), Some(client)) = (&ctx.range, client) {
        let listed = timed(&mut t.fetch, || {
            rt.block_on(pulls::list_files(client, pr.number))
        });
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
        short_sha(base),
        short_sha(head)
    )
}

/// The change set from the files API: each file's patch gives the added lines, its content
/// comes from the checkout. Over the API's 3,000-file cap, the listed files count whole, and
/// when the payload says the pull request has more files than were listed, the whole tree is
/// scanned: a gate had rather scan too much than miss a file.
fn from_api(
    root: &Path,
    filter: &PathFilter,
    pr: &PullRequestEvent,
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
    let checkout = changeset::git::stdout_of(root, &["rev-parse", "HEAD"]);
    if checkout.as_deref() != Some(pr.head_sha.as_str()) {
        notes.warn(&format!(
            "file contents come from the checkout ({}), not the pull request's head {}: line \
             numbers can differ where the base branch changed the same files",
            checkout.as_deref().map_or("unknown", short_sha),
            short_sha(&pr.head_sha)
        ));
    }
    let files = listed
        .files
        .into_iter()
        .filter(|f| f.status != "removed" && f.status != "unchanged")
        .map(|f| ListedFile {
            path: f.filename,
            patch: if listed.capped { None } else { f.patch },
        })
        .collect();
    Ok(changeset::from_listed(root, files, filter))
}
