//! Markdown for fix advice: the GitHub review comment that carries a ` ```suggestion `
//! block, the review body, and the code block an Azure DevOps thread shows.
//!
//! The rewritten line comes from [`crate::fix`], which guarantees it holds no part of the
//! secret; steps are our own markdown (inline code only) and are written as they are.

use super::escape::{markdown_code, markdown_text};
use crate::findings::Finding;
use crate::fix::{rotation, Advice};
use std::fmt::Write as _;

/// A code fence longer than any backtick run in `text`, so the block cannot be closed early.
fn fence(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    "`".repeat((longest + 1).max(3))
}

fn steps(md: &mut String, advice: &Advice) {
    for step in &advice.steps {
        let _ = writeln!(md, "- {step}");
    }
    if let Some(r) = rotation(&advice.rule_id) {
        let _ = writeln!(
            md,
            "\n<details><summary>Rotate it ({})</summary>\n",
            markdown_text(r.credential)
        );
        for (i, step) in r.steps.iter().enumerate() {
            let _ = writeln!(md, "{}. {step}", i + 1);
        }
        md.push_str("\n</details>\n");
    }
}

fn heading(f: &Finding, advice: &Advice) -> String {
    let reads = advice.setting.as_ref().map_or_else(
        || "connects without the key".to_string(),
        |s| format!("reads {}", markdown_code(s)),
    );
    format!(
        "**secretgate: {}** ({}): this line adds a secret ({}). The suggestion {reads} instead, and holds no part of it.\n\n",
        markdown_text(&f.rule_name),
        markdown_code(&f.rule_id),
        markdown_code(&f.redacted),
    )
}

/// A review comment with a suggested change on the finding's line, when the rewrite is
/// exact; `None` otherwise.
pub fn review_comment(f: &Finding, advice: &Advice) -> Option<String> {
    let new = advice.replacement.as_ref()?;
    let fence = fence(new);
    let mut md = heading(f, advice);
    let _ = writeln!(md, "{fence}suggestion\n{new}\n{fence}\n");
    steps(&mut md, advice);
    Some(md)
}

/// What an Azure DevOps thread adds to a finding: the replacement as a code block (Azure's
/// REST API documents no suggested-change comment), the steps and the rotation.
pub fn thread_fix(advice: &Advice) -> String {
    let mut md = String::new();
    if let Some(new) = &advice.replacement {
        let fence = fence(new);
        let _ = writeln!(
            md,
            "**Replace the line with** (it holds no part of the secret):\n\n{fence}\n{new}\n{fence}\n"
        );
    }
    steps(&mut md, advice);
    md
}

/// The review's own text: how many suggestions it carries and the findings past the limit.
pub fn review_body(posted: usize, rest: &[&Advice]) -> String {
    let mut md = format!(
        "**secretgate** suggests {posted} change(s) that replace a secret with a reference. \
         Applying them is not enough: rotate each credential (steps in each comment).\n"
    );
    md.push_str(&not_suggested(rest));
    md
}

/// The findings that have an exact rewrite but were not posted (over the limit).
pub fn not_suggested(rest: &[&Advice]) -> String {
    if rest.is_empty() {
        return String::new();
    }
    let mut md = format!(
        "\n### {} more suggested fix(es) not posted (limit per run)\n\nRun `secretgate fix --write` locally for these:\n\n",
        rest.len()
    );
    for a in rest {
        let _ = writeln!(
            md,
            "- {}:{} ({})",
            markdown_code(&a.path),
            a.line,
            markdown_code(&a.rule_id)
        );
    }
    md
}

/// Plain text for a finding's check-run annotation: the fix where there is no safe
/// rewrite (with a rewrite, the suggestion says it), then how to rotate.
pub fn annotation_steps(advice: &Advice) -> Option<String> {
    let mut out = String::new();
    match (&advice.replacement, &advice.setting) {
        (Some(_), Some(setting)) => {
            let _ = writeln!(
                out,
                "Fix: read `{setting}` instead (see the suggested change)."
            );
        }
        (Some(_), None) => {
            let _ = writeln!(out, "Fix: drop the key (see the suggested change).");
        }
        (None, _) => {
            for step in &advice.steps {
                let _ = writeln!(out, "- {step}");
            }
        }
    }
    if let Some(r) = rotation(&advice.rule_id) {
        let _ = writeln!(out, "Rotate it ({}):", r.credential);
        for (i, step) in r.steps.iter().enumerate() {
            let _ = writeln!(out, "{}. {step}", i + 1);
        }
    }
    let out = out.trim_end().to_string();
    (!out.is_empty()).then_some(out)
}

/// The summary's section for findings with no safe rewrite: what to do instead.
pub fn manual_fixes(advice: &[&Advice]) -> String {
    if advice.is_empty() {
        return String::new();
    }
    let mut md = String::from("\n### No safe rewrite: fix these by hand\n\n");
    for a in advice {
        let _ = writeln!(
            md,
            "- {}:{} ({})",
            markdown_code(&a.path),
            a.line,
            markdown_code(&a.rule_id)
        );
        for step in &a.steps {
            let _ = writeln!(md, "  - {step}");
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advice(replacement: Option<&str>) -> Advice {
        Advice {
            fingerprint: "fp".into(),
            path: "notes.txt".into(),
            line: 1,
            rule_id: "github-pat".into(),
            replacement: replacement.map(str::to_string),
            setting: replacement.map(|_| "GH_TOKEN".to_string()),
            steps: vec!["Store the value as `GH_TOKEN`.".into()],
        }
    }

    #[test]
    fn no_safe_rewrite_means_no_suggestion_but_steps_and_rotation() {
        let a = advice(None);
        assert!(thread_fix(&a).contains("Rotate it (GitHub token)"));
        assert!(!thread_fix(&a).contains("Replace the line"));
        let text = annotation_steps(&a).expect("steps");
        assert!(text.starts_with("- Store the value") && text.contains("Rotate it"));
        assert!(manual_fixes(&[&a]).contains("`notes.txt`:1"));
        let a = advice(Some("token = \"${GH_TOKEN:?}\""));
        assert!(thread_fix(&a).contains("```\ntoken = \"${GH_TOKEN:?}\"\n```"));
        assert!(annotation_steps(&a)
            .expect("steps")
            .starts_with("Fix: read `GH_TOKEN`"));
    }

    #[test]
    fn a_fence_outgrows_backticks_in_the_line() {
        assert_eq!(fence("plain"), "```");
        assert_eq!(fence("a ```` b"), "`````");
    }
}
