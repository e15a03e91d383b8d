//! Every rewrite for one file: the findings' lines rewritten, the diff to show, and what to
//! do where no rewrite is safe.

use super::{suggest, LineChange, Target};
use crate::findings::{Finding, Secret};
use std::collections::BTreeMap;
use std::ops::Range;

/// How much of the file [`FileKind::detect`](super::FileKind::detect) looks at.
const HEAD_LEN: usize = 4096;

/// The rewrites of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileFix {
    /// The changed lines, as the diff shows them (remaining secrets redacted).
    pub changes: Vec<LineChange>,
    /// The file with every rewrite applied.
    pub content: String,
    /// One per finding: the setting it now reads, or why it was left alone, and the steps.
    pub notes: Vec<Note>,
}

/// What happened to one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub line: u32,
    pub rule_id: String,
    /// Whether the line was rewritten.
    pub rewritten: bool,
    /// The setting the rewritten line reads (none when it connects with a managed
    /// identity instead, or was not rewritten).
    pub setting: Option<String>,
    pub steps: Vec<String>,
}

/// Rewrites the lines of `content` (the file at `path`) that `findings` point at.
pub fn fix_file(path: &str, content: &str, findings: &[&Finding]) -> FileFix {
    let mut lines: Vec<&str> = content.split('\n').collect();
    // `split` gives an empty last piece after a final line break; it is not a line.
    let ends_with_newline = content.ends_with('\n');
    if ends_with_newline {
        lines.pop();
    }
    let mut head_end = content.len().min(HEAD_LEN);
    while !content.is_char_boundary(head_end) {
        head_end -= 1;
    }
    let head = &content[..head_end];

    let mut by_line: BTreeMap<u32, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_line.entry(f.line).or_default().push(f);
    }
    let mut out = FileFix::default();
    let mut new_lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    for (line_no, mut on_line) in by_line {
        let Some(index) = (line_no as usize)
            .checked_sub(1)
            .filter(|&i| i < lines.len())
        else {
            for f in on_line {
                out.notes
                    .push(left_alone(f, "the line is not in the file any more"));
            }
            continue;
        };
        let raw = lines[index];
        let (original, cr) = match raw.strip_suffix('\r') {
            Some(l) => (l, "\r"),
            None => (raw, ""),
        };
        let previous = index
            .checked_sub(1)
            .map(|i| lines[i].trim_end_matches('\r'));
        // Right to left, so a rewrite does not move the spans still to do.
        on_line.sort_by_key(|f| std::cmp::Reverse(f.column));
        let spans: Vec<Option<Range<usize>>> =
            on_line.iter().map(|f| span_of(original, f)).collect();
        let mut current = original.to_string();
        let mut rewritten = vec![false; on_line.len()];
        for (i, f) in on_line.iter().enumerate() {
            let Some(span) = spans[i].clone() else {
                out.notes.push(left_alone(
                    f,
                    "the secret spans several lines or no longer matches the file",
                ));
                continue;
            };
            if current.contains('\n') || current.get(span.clone()) != Some(&original[span.clone()])
            {
                out.notes
                    .push(left_alone(f, "another rewrite on this line changed it"));
                continue;
            }
            let s = suggest(&Target {
                rule_id: &f.rule_id,
                path,
                head,
                line: &current,
                previous_line: previous,
                span,
                key: None,
            });
            match s.line {
                Some(new) => {
                    current = new;
                    rewritten[i] = true;
                    out.notes.push(Note {
                        line: line_no,
                        rule_id: f.rule_id.clone(),
                        rewritten: true,
                        setting: (!s.managed_identity).then_some(s.setting),
                        steps: s.steps,
                    });
                }
                None => out.notes.push(Note {
                    line: line_no,
                    rule_id: f.rule_id.clone(),
                    rewritten: false,
                    setting: None,
                    steps: s.steps,
                }),
            }
        }
        if current == original {
            continue;
        }
        // What is left of the secrets that were not rewritten, redacted for showing.
        let mut shown_new = current.clone();
        for (i, f) in on_line.iter().enumerate() {
            if let (false, Some(span)) = (rewritten[i], &spans[i]) {
                shown_new = shown_new.replace(&original[span.clone()], &f.redacted);
            }
        }
        out.changes.push(LineChange {
            line: line_no,
            old_shown: redacted_line(original, &on_line, &spans),
            exact: rewritten.iter().all(|&r| r),
            new: shown_new,
        });
        new_lines[index] = current.replace('\n', &format!("{cr}\n")) + cr;
    }
    out.changes.sort_by_key(|c| c.line);
    out.notes.sort_by_key(|n| n.line);
    out.content = new_lines.join("\n");
    if ends_with_newline {
        out.content.push('\n');
    }
    out
}

fn left_alone(f: &Finding, why: &str) -> Note {
    Note {
        line: f.line,
        rule_id: f.rule_id.clone(),
        rewritten: false,
        setting: None,
        steps: vec![format!("No rewrite: {why}.")],
    }
}

/// The finding's bytes on `line`, if it lies on that one line and is still there (its
/// redacted form matches the finding's).
fn span_of(line: &str, f: &Finding) -> Option<Range<usize>> {
    if f.end_line != f.line || f.end_column < f.column {
        return None;
    }
    let mut chars = line.char_indices().skip(f.column.checked_sub(1)? as usize);
    let (start, _) = chars.next()?;
    let skip = (f.end_column - f.column) as usize;
    let (last, c) = if skip == 0 {
        line[start..]
            .char_indices()
            .next()
            .map(|(i, c)| (start + i, c))?
    } else {
        chars.nth(skip - 1)?
    };
    let span = start..last + c.len_utf8();
    (Secret::new(line[span.clone()].as_bytes()).redacted() == f.redacted).then_some(span)
}

/// `line` with each finding's secret replaced by its redacted form; a finding whose span
/// is unknown masks the rest of the line from its column.
fn redacted_line(line: &str, findings: &[&Finding], spans: &[Option<Range<usize>>]) -> String {
    let mut masks: Vec<(Range<usize>, &str)> = Vec::new();
    for (f, span) in findings.iter().zip(spans) {
        let span = span.clone().unwrap_or_else(|| {
            let start = line
                .char_indices()
                .nth(f.column.saturating_sub(1) as usize)
                .map_or(line.len(), |(i, _)| i);
            start..line.len()
        });
        masks.push((span, &f.redacted));
    }
    masks.sort_by_key(|(s, _)| s.start);
    let mut out = String::new();
    let mut pos = 0;
    for (span, redacted) in masks {
        if span.start >= pos {
            out.push_str(&line[pos..span.start]);
            out.push_str(redacted);
        } else if span.end > pos {
            out.push('…');
        }
        pos = pos.max(span.end);
    }
    out.push_str(&line[pos..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Confidence, Severity, Validation};

    /// A finding for `secret` where it first appears in `content`.
    fn finding(rule: &str, content: &str, secret: &str) -> Finding {
        let at = content.find(secret).expect("secret in content");
        let line_start = content[..at].rfind('\n').map_or(0, |i| i + 1);
        let line = content[..at].matches('\n').count() as u32 + 1;
        let column = content[line_start..at].chars().count() as u32 + 1;
        Finding {
            rule_id: rule.into(),
            rule_name: rule.into(),
            severity: Severity::High,
            detail: String::new(),
            provenance: None,
            confidence: Confidence::High,
            validation: Validation::None,
            path: "p".into(),
            line,
            column,
            end_line: line,
            end_column: column + secret.chars().count() as u32 - 1,
            redacted: Secret::new(secret.as_bytes()).redacted(),
            fingerprint: String::new(),
            line_hash: String::new(),
            snippet: String::new(),
            remediation: String::new(),
        }
    }

    /// Made-up values, assembled so this file holds no key-shaped literal.
    fn token() -> String {
        ["ghp_", "Q7wErTy8uIoP3aSdFgH1", "jKlZxCvBnM0qWeRtYu"].concat()
    }

    #[test]
    fn a_line_that_keeps_a_secret_is_not_exact_and_shows_it_redacted() {
        let (token, card) = (token(), ["4111", "1111", "1111", "1111"].concat());
        let content = format!("x = call(\"{token}\", \"{card}\")\n");
        let fs = [
            finding("github-pat", &content, &token),
            finding("payment-card-number", &content, &card),
        ];
        let fixed = fix_file("app.py", &content, &fs.iter().collect::<Vec<_>>());
        assert_eq!(
            fixed.content,
            format!("x = call(os.environ[\"GH_TOKEN\"], \"{card}\")\n")
        );
        let change = &fixed.changes[0];
        assert!(!change.exact);
        assert_eq!(
            change.new,
            "x = call(os.environ[\"GH_TOKEN\"], \"411…(16 chars)\")"
        );
        assert!(!change.old_shown.contains(&token[4..]) && !change.old_shown.contains(&card));
        assert_eq!(fixed.notes.len(), 2);
        assert!(fixed
            .notes
            .iter()
            .any(|n| !n.rewritten && n.rule_id == "payment-card-number"));
    }

    #[test]
    fn line_endings_are_kept_and_stale_findings_left_alone() {
        let token = token();
        let content = format!("a: 1\r\n  param ghToken string = '{token}'\r\nb: 2");
        let f = finding("github-pat", &content, &token);
        let fixed = fix_file("main.bicep", &content, &[&f]);
        assert_eq!(
            fixed.content,
            "a: 1\r\n  @secure()\r\n  param ghToken string\r\nb: 2"
        );
        assert!(fixed.changes[0].exact);
        // The file changed since the scan: the span no longer holds the secret.
        let edited = content.replace(&token, &"x".repeat(token.len()));
        let fixed = fix_file("main.bicep", &edited, &[&f]);
        assert!(fixed.changes.is_empty());
        assert_eq!(fixed.content, edited);
        assert!(fixed.notes[0].steps[0].contains("no longer matches"));
    }
}
