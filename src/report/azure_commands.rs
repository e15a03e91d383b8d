//! Azure Pipelines logging commands the gate itself prints (`##vso[area.action props]data`),
//! escaped as azure-pipelines-task-lib escapes them (the reporter's escape helpers).
//! Per-finding `task.logissue` lines come from the `azure` reporter.

use super::escape::{azure_data, azure_property};
use std::fmt::Write as _;
use std::path::Path;

/// `##vso[area.action k=v;k=v]data`
pub fn command(name: &str, props: &[(&str, &str)], data: &str) -> String {
    let mut out = format!("##vso[{name}");
    for (i, (k, v)) in props.iter().enumerate() {
        let sep = if i == 0 { ' ' } else { ';' };
        let _ = write!(out, "{sep}{k}={}", azure_property(v));
    }
    let _ = write!(out, "]{}", azure_data(data));
    out
}

/// Marks the task failed; the task ends when the process exits. (The gate never sets
/// any other result: a task that prints nothing succeeds.)
pub fn task_failed(message: &str) -> String {
    command("task.complete", &[("result", "Failed")], message)
}

/// An error or warning without a file position (the timeline and the build summary).
pub fn log_issue(kind: IssueKind, message: &str) -> String {
    command("task.logissue", &[("type", kind.as_str())], message)
}

/// Adds a markdown file to the run's summary page.
pub fn upload_summary(path: &Path) -> String {
    command("task.uploadsummary", &[], &path.display().to_string())
}

/// Publishes a file as a build artifact in `artifact` under `folder`.
pub fn artifact_upload(folder: &str, artifact: &str, path: &Path) -> String {
    command(
        "artifact.upload",
        &[("containerfolder", folder), ("artifactname", artifact)],
        &path.display().to_string(),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueKind {
    Error,
    Warning,
}

impl IssueKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_formatted_like_the_task_lib() {
        assert_eq!(
            artifact_upload("CodeAnalysisLogs", "CodeAnalysisLogs", Path::new("/a/CodeAnalysisLogs/secretgate.sarif")),
            "##vso[artifact.upload containerfolder=CodeAnalysisLogs;artifactname=CodeAnalysisLogs]/a/CodeAnalysisLogs/secretgate.sarif"
        );
        assert_eq!(
            task_failed("2 secrets\nfound"),
            "##vso[task.complete result=Failed]2 secrets%0Afound"
        );
        assert_eq!(
            upload_summary(Path::new("/t/s.md")),
            "##vso[task.uploadsummary]/t/s.md"
        );
        // A message cannot open a second command on the same line or a new one.
        assert_eq!(
            log_issue(IssueKind::Error, "x\n##vso[task.setvariable variable=a]b"),
            "##vso[task.logissue type=error]x%0A##vso[task.setvariable variable=a]b"
        );
    }
}
