//! `secretgate ci` on Azure Pipelines: predefined variables -> range -> policy from the
//! target branch -> change set -> scan -> SARIF artifact, logging commands, pull-request
//! threads and status -> exit code.
//!
//! What a pull-request build reviews is the merge commit `refs/pull/N/merge` against its
//! first parent (the target branch), deepening a shallow checkout by the change set's one
//! deepening policy. When git cannot give that range, the pull request's iterations API lists the
//! changed files, which are then scanned whole; when that fails too, the gate fails closed
//! and says to set `fetchDepth: 0`. Other builds scan the whole tree.
//!
//! Publishing (threads, status) never changes the exit code: the findings decide it.

use super::{gate_policy, verdict, write_file, Exit, Pipeline, PolicyAt};
use crate::changeset::{
    self, merge_commit_range, ChangeSet, Checkout, CommitRange, FetchAuth, ListedFile, RangeError,
};
use crate::ci::azure::{AccessToken, AzureContext, BuildReason, RepositoryProvider};
use crate::ci::{Env, ScanMode};
use crate::cli::CiArgs;
use crate::findings::{Finding, ScanResult};
use crate::publish::azure::{feedback, iterations, Client, PullRequestRef};
use crate::publish::retry::RetryPolicy;
use crate::report::azure_commands::{self as commands, IssueKind};
use crate::report::{self, text, Format, ReportContext};
use anyhow::Context as _;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The artifact (and folder in it) that SARIF viewers on Azure DevOps read.
pub const SARIF_ARTIFACT: &str = "CodeAnalysisLogs";
pub const SARIF_FILE: &str = "secretgate.sarif";

/// Runs the Azure DevOps pull-request gate.
pub fn run(args: &CiArgs, env: &dyn Env) -> anyhow::Result<Exit> {
    gate(args, env).inspect_err(|e| {
        // `main` prints the error and exits 2; this puts it on the run's timeline too.
        let msg = format!("secretgate: {e:#}");
        println!("{}", commands::log_issue(IssueKind::Error, &msg));
        println!("{}", commands::task_failed("secretgate could not finish"));
    })
}

fn gate(args: &CiArgs, env: &dyn Env) -> anyhow::Result<Exit> {
    let ctx = AzureContext::from_env(env)?;
    let root = ctx.sources_dir.clone();
    let token = args
        .token
        .clone()
        .map(AccessToken::new)
        .or_else(|| ctx.token.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the HTTP runtime")?;
    let client = pr_client(&ctx, token.as_ref(), super::retry_policy(env))?;

    let mode = scan_mode(args, &ctx);
    // The pull request's range first: its base commit is where the policy is read from.
    let range = ctx
        .pull_request
        .as_ref()
        .map(|pr| pr_range(&ctx, pr.target_branch.as_str(), token.as_ref()));
    let policy = gate_policy(&args.common, &root, policy_at(range.as_ref()))?;
    eprintln!("secretgate: policy from {}", policy.origin);
    if let Some(w) = &policy.warning {
        warn(w);
    }
    let pipeline = &policy.pipeline;
    let (changes, result) = match mode {
        ScanMode::Changes => {
            let changes = match change_set(&ctx, pipeline, range, client.as_ref(), &rt) {
                Ok(set) => set,
                Err(e) => {
                    if let (Some(c), true) = (client.as_ref(), args.check_run) {
                        feedback::publish_error(c, &rt, ctx.build_url.clone()).inspect(|w| warn(w));
                    }
                    return Err(e);
                }
            };
            let result = pipeline.scan(&changes)?;
            (changes, result)
        }
        ScanMode::Tree => {
            eprintln!(
                "secretgate: {} build: scanning the whole tree",
                reason_name(&ctx.reason)
            );
            let changes = changeset::tree(std::slice::from_ref(&root), pipeline.path_filter())?;
            let result = pipeline.scan(&changes)?;
            (changes, result)
        }
        ScanMode::History => {
            let checkout = Checkout {
                dir: &root,
                auth: fetch_auth(&ctx, token.as_ref()),
            };
            if let Err(why) = changeset::ensure_full_history(&checkout) {
                warn(&format!(
                    "cannot fetch the full history ({why}): scanning the commits the clone has; \
                     set `fetchDepth: 0` on the checkout step"
                ));
            }
            eprintln!("secretgate: scanning every commit in the clone's history");
            let result = pipeline.scan_history(&root, None, None)?;
            let changes = ChangeSet {
                root: root.clone(),
                ..ChangeSet::default()
            };
            (changes, result)
        }
    };
    let threshold = pipeline.threshold(args.fail_on);
    let exit = verdict(&result, threshold);

    write_local_outputs(args, &ctx, mode, &result, &policy.pending_markdown())?;
    if let Some(line) = policy.pending_line() {
        eprintln!("secretgate: {line}");
    }
    if let Some(client) = feedback_client(args, &ctx, client.as_ref(), token.is_some()) {
        // Threads go on the lines the pull request adds, which only a change scan knows.
        if args.pr_comment && mode != ScanMode::Changes {
            eprintln!(
                "secretgate: scan: {}: no pull-request threads (they are for the lines a change \
                 adds); the status, logging commands and SARIF artifact still apply",
                mode.as_str()
            );
        }
        let wanted = feedback::Wanted {
            threads: args.pr_comment && mode == ScanMode::Changes,
            status: args.check_run,
        };
        let comment = thread_comment(args, &changes, &result);
        let warnings = feedback::publish(
            client,
            &rt,
            wanted,
            &result,
            threshold,
            policy.pending_line().as_deref(),
            ctx.build_url.clone(),
            &comment,
        );
        warnings.iter().for_each(|w| warn(w));
    }
    if exit == Exit::Findings {
        let n = threshold.map_or(0, |t| result.failing(t).count());
        let what = if n == 1 { "secret" } else { "secrets" };
        let msg = format!("secretgate: {n} {what} found at or above the failing severity");
        println!("{}", commands::task_failed(&msg));
    }
    Ok(exit)
}

/// What the build scans: `--scan`, else [`AzureContext::default_scan`]. The predefined
/// variables name no previous commit for a CI build, so `changes` there means the whole
/// tree too, and says so.
fn scan_mode(args: &CiArgs, ctx: &AzureContext) -> ScanMode {
    let mode = match args.scan {
        Some(ScanMode::Changes) if ctx.pull_request.is_none() => {
            eprintln!(
                "secretgate: scan: changes: a {} build names no previous commit to compare \
                 with, so the whole tree is scanned",
                reason_name(&ctx.reason)
            );
            ScanMode::Tree
        }
        Some(mode) => mode,
        None => ctx.default_scan(),
    };
    let default_for = format!("a {} build", reason_name(&ctx.reason));
    super::announce_scan(mode, args.scan.is_some(), &default_for);
    mode
}

/// Credentials for `git fetch`: Azure Repos only, never sent to another host's remote.
fn fetch_auth(ctx: &AzureContext, token: Option<&AccessToken>) -> Option<FetchAuth> {
    match (&ctx.provider, token) {
        (RepositoryProvider::TfsGit, Some(t)) => Some(FetchAuth::new(
            "http.extraheader".into(),
            format!("AUTHORIZATION: bearer {}", t.expose()),
        )),
        _ => None,
    }
}

/// Where the policy comes from: the pull request's base commit, else the checkout.
fn policy_at(range: Option<&Result<CommitRange, RangeError>>) -> PolicyAt<'_> {
    match range {
        None => PolicyAt::Checkout,
        Some(Ok(r)) => PolicyAt::Base(&r.base),
        Some(Err(_)) => PolicyAt::UnreadableBase,
    }
}

/// A pull request's added lines, or the whole tree for other builds.
fn change_set(
    ctx: &AzureContext,
    pipeline: &Pipeline,
    range: Option<Result<CommitRange, RangeError>>,
    client: Option<&Client>,
    rt: &tokio::runtime::Runtime,
) -> anyhow::Result<ChangeSet> {
    match range {
        Some(range) => pr_changes(ctx, pipeline, range, client, rt),
        None => Ok(changeset::tree(
            std::slice::from_ref(&ctx.sources_dir),
            pipeline.path_filter(),
        )?),
    }
}

/// Logging commands (one issue per finding), the SARIF file and its artifact, and the run
/// summary page (with `policy_section` appended).
fn write_local_outputs(
    args: &CiArgs,
    ctx: &AzureContext,
    mode: ScanMode,
    result: &ScanResult,
    policy_section: &str,
) -> anyhow::Result<()> {
    let report_ctx = ReportContext {
        category: super::sarif_category(args, mode),
        repository: (mode == ScanMode::History)
            .then(|| changeset::repository_uri(&ctx.sources_dir))
            .flatten(),
        // A history finding's file need not exist at the built commit: no link there.
        file_link: file_link(ctx).filter(|_| mode != ScanMode::History),
        summary_max_findings: Some(200),
        ..ReportContext::default()
    };
    {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        report::render(result, Format::Azure, &report_ctx, &mut out)
            .and_then(|()| out.flush())
            .context("cannot write the logging commands")?;
    }
    eprintln!("secretgate: {}", text::stats_line(result));

    // SARIF, where the Scans tab and Advanced Security publishing look for it.
    let sarif_path = args
        .sarif
        .clone()
        .unwrap_or_else(|| ctx.staging_dir.join(SARIF_ARTIFACT).join(SARIF_FILE));
    write_file(&sarif_path, |w| {
        report::render(result, Format::Sarif, &report_ctx, w)
    })?;
    if args.upload {
        println!(
            "{}",
            commands::artifact_upload(SARIF_ARTIFACT, SARIF_ARTIFACT, &absolute(&sarif_path))
        );
    }

    let summary_dir = ctx.temp_dir.as_ref().unwrap_or(&ctx.staging_dir);
    let summary_path = summary_dir.join("secretgate-summary.md");
    let mut summary = report::summary_markdown(result, &report_ctx);
    summary.push_str(policy_section);
    write_file(&summary_path, |w| w.write_all(summary.as_bytes()))?;
    println!("{}", commands::upload_summary(&absolute(&summary_path)));
    Ok(())
}

/// A client for the pull request's REST API: Azure Repos pull-request builds with a token.
fn pr_client(
    ctx: &AzureContext,
    token: Option<&AccessToken>,
    retry: RetryPolicy,
) -> anyhow::Result<Option<Client>> {
    let (Some(pr), Some(token), RepositoryProvider::TfsGit) =
        (ctx.pull_request.as_ref(), token, &ctx.provider)
    else {
        return Ok(None);
    };
    let Some(id) = pr.id else { return Ok(None) };
    let pr_ref = PullRequestRef {
        collection_uri: ctx.collection_uri.clone(),
        project: ctx.project.clone(),
        repository_id: ctx.repository_id.clone(),
        pull_request_id: id,
    };
    Ok(Some(Client::new(pr_ref, token.clone(), retry)?))
}

/// The commits a pull-request build reviews, deepening a shallow checkout as needed.
fn pr_range(
    ctx: &AzureContext,
    target_branch: &str,
    token: Option<&AccessToken>,
) -> Result<CommitRange, RangeError> {
    let checkout = Checkout {
        dir: &ctx.sources_dir,
        auth: fetch_auth(ctx, token),
    };
    merge_commit_range(
        &checkout,
        &ctx.source_version,
        ctx.source_branch.as_deref(),
        target_branch,
    )
}

/// The lines the pull request adds: from git when it gave the range, else the changed
/// files whole from the iterations API.
fn pr_changes(
    ctx: &AzureContext,
    pipeline: &Pipeline,
    range: Result<CommitRange, RangeError>,
    client: Option<&Client>,
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<ChangeSet> {
    let range_err = match range {
        Ok(range) => {
            eprintln!("secretgate: pull request: lines added by {}", range.how);
            return Ok(changeset::diff_range(
                &ctx.sources_dir,
                &range.base,
                &range.head,
                pipeline.path_filter(),
            )?);
        }
        Err(e) => e,
    };
    let fix = "set `fetchDepth: 0` on the checkout step (or allow fetching from origin, e.g. \
               `persistCredentials: true`) so secretgate can read the pull request's base commit";
    let Some(client) = client else {
        let why = match ctx.provider {
            RepositoryProvider::TfsGit => "no access token for the pull-request API either",
            _ => "the pull-request API fallback exists for Azure Repos only",
        };
        anyhow::bail!("{range_err}; {why}: {fix}");
    };
    eprintln!(
        "secretgate: warning: {range_err}; asking the pull-request API for the changed files"
    );
    match runtime.block_on(iterations::changed_paths(client)) {
        Ok(paths) => {
            warn(&format!(
                "shallow checkout: the {} file(s) this pull request changes are scanned whole, so \
                 secrets already on unchanged lines are reported too; {fix}",
                paths.len()
            ));
            let files = paths
                .into_iter()
                .map(|path| ListedFile { path, patch: None })
                .collect();
            Ok(changeset::from_listed(
                &ctx.sources_dir,
                files,
                pipeline.path_filter(),
            ))
        }
        Err(api) => {
            anyhow::bail!("{range_err}; the pull-request API did not help either ({api}): {fix}")
        }
    }
}

/// The client to post threads and status with, when the flags, the repository and the token
/// allow it (else a line in the log says why not).
fn feedback_client<'a>(
    args: &CiArgs,
    ctx: &AzureContext,
    client: Option<&'a Client>,
    have_token: bool,
) -> Option<&'a Client> {
    if ctx.pull_request.is_none() || (!args.pr_comment && !args.check_run) {
        return None;
    }
    match (&ctx.provider, client) {
        (RepositoryProvider::GitHub, _) => {
            eprintln!(
                "secretgate: GitHub repository: pull-request comments and status are not published from \
                 Azure Pipelines (use the secretgate GitHub Action for them); the logging commands, SARIF \
                 artifact and task result still apply"
            );
            None
        }
        (RepositoryProvider::Other(p), _) => {
            eprintln!(
                "secretgate: {p} repository: no pull-request comments or status for this provider"
            );
            None
        }
        (RepositoryProvider::TfsGit, None) => {
            if !have_token {
                eprintln!(
                    "secretgate: no access token: pull-request threads and status skipped; map it with \
                     `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)` or use the secretgate task"
                );
            }
            None
        }
        (RepositoryProvider::TfsGit, Some(c)) => Some(c),
    }
}

/// A publishing problem: a warning on the timeline, never a change of exit code.
fn warn(message: &str) {
    println!(
        "{}",
        commands::log_issue(IssueKind::Warning, &format!("secretgate: {message}"))
    );
}

fn reason_name(r: &BuildReason) -> &str {
    match r {
        BuildReason::PullRequest => "PullRequest",
        BuildReason::IndividualCi => "IndividualCI",
        BuildReason::BatchedCi => "BatchedCI",
        BuildReason::Manual => "Manual",
        BuildReason::Schedule => "Schedule",
        BuildReason::Other(s) => s,
    }
}

/// Links from the summary to the file at the scanned commit (Azure Repos only).
fn file_link(ctx: &AzureContext) -> Option<String> {
    if ctx.provider != RepositoryProvider::TfsGit {
        return None;
    }
    let uri = ctx.repository_uri.as_deref()?;
    Some(format!(
        "{uri}?path=/{{path}}&version=GC{}&line={{line}}&lineEnd={{end_line}}&lineStartColumn=1&lineEndColumn=1&lineStyle=plain&_a=contents",
        ctx.source_version
    ))
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// A finding's thread text: what it is, then (with `--suggest-fixes`) the line to write
/// instead as a code block, where to store the value and how to rotate it. Azure DevOps'
/// REST API documents no suggested-change comment (a comment's `commentType` is `text`,
/// `codeChange` or `system`), so the replacement is shown for copying.
fn thread_comment(
    args: &CiArgs,
    changes: &ChangeSet,
    result: &ScanResult,
) -> impl Fn(&Finding) -> String {
    let advice = if args.suggest_fixes {
        super::fix_advice(changes, result)
    } else {
        Vec::new()
    };
    move |f: &Finding| {
        let mut md = report::markdown::thread_comment(f);
        if let Some(a) = advice
            .iter()
            .find(|a| a.fingerprint == f.fingerprint && a.line == f.line && a.path == f.path)
        {
            md.push_str("\n\n");
            md.push_str(&report::suggestion::thread_fix(a));
        }
        md
    }
}
