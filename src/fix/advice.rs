//! Per-finding fix advice for the publishers: the rewritten line where it is exact (safe
//! to post as a suggested change), and the steps where it is not.

use super::fix_file;
use crate::findings::Finding;

/// What to tell the author about one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advice {
    pub fingerprint: String,
    pub path: String,
    pub line: u32,
    pub rule_id: String,
    /// The rewritten line (several joined by `\n`) when no secret is left on it: what the
    /// file should hold instead. `None` where no rewrite is safe or another secret on the
    /// line has none.
    pub replacement: Option<String>,
    /// The setting the rewrite reads, when it reads one.
    pub setting: Option<String>,
    /// Where to store the value, how to connect without it (never the value).
    pub steps: Vec<String>,
}

/// Advice for each of `findings` in the file at `path` holding `content`.
pub fn advise(path: &str, content: &str, findings: &[&Finding]) -> Vec<Advice> {
    let fixed = fix_file(path, content, findings);
    findings
        .iter()
        .map(|f| {
            let replacement = fixed
                .changes
                .iter()
                .find(|c| c.line == f.line && c.exact)
                .map(|c| c.new.clone());
            let note = fixed
                .notes
                .iter()
                .find(|n| n.line == f.line && n.rule_id == f.rule_id);
            Advice {
                fingerprint: f.fingerprint.clone(),
                path: f.path.clone(),
                line: f.line,
                rule_id: f.rule_id.clone(),
                replacement,
                setting: note.and_then(|n| n.setting.clone()),
                steps: note.map(|n| n.steps.clone()).unwrap_or_default(),
            }
        })
        .collect()
}
