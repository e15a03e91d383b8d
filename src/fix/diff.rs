//! A unified diff of line rewrites, with no context lines: a neighbouring line may hold a
//! secret that was suppressed or baselined, and the diff must not print it. Removed lines
//! are shown redacted, so the diff is for reading; `secretgate fix --write` applies it.

/// One line replaced by one or more lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineChange {
    /// 1-based line number in the original file.
    pub line: u32,
    /// The original line with every secret on it redacted.
    pub old_shown: String,
    /// The rewritten text (may span several lines, joined by `\n`), with any secret still
    /// on the line redacted.
    pub new: String,
    /// No secret is left on the line, so `new` is exactly what the file now holds: safe
    /// to post as a pull-request suggestion.
    pub exact: bool,
}

/// `--- a/path`, `+++ b/path`, then one hunk per run of consecutive changed lines.
/// `changes` must be sorted by line and hold each line once.
pub fn unified_diff(path: &str, changes: &[LineChange]) -> String {
    if changes.is_empty() {
        return String::new();
    }
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    // How many lines the new file has gained above the current hunk.
    let mut shift: i64 = 0;
    let mut i = 0;
    while i < changes.len() {
        let mut j = i + 1;
        while j < changes.len() && changes[j].line == changes[j - 1].line + 1 {
            j += 1;
        }
        let run = &changes[i..j];
        let old_count = run.len() as i64;
        let new_count: i64 = run.iter().map(|c| c.new.split('\n').count() as i64).sum();
        let old_start = i64::from(run[0].line);
        out.push_str(&format!(
            "@@ -{old_start},{old_count} +{},{new_count} @@\n",
            old_start + shift
        ));
        for c in run {
            out.push_str(&format!("-{}\n", c.old_shown));
        }
        for c in run {
            for l in c.new.split('\n') {
                out.push_str(&format!("+{l}\n"));
            }
        }
        shift += new_count - old_count;
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_merge_adjacent_lines_and_track_added_lines() {
        let change = |line, new: &str| LineChange {
            line,
            old_shown: format!("old {line}"),
            new: new.to_string(),
            exact: true,
        };
        let d = unified_diff(
            "infra/main.bicep",
            &[change(3, "a\nb"), change(4, "c"), change(9, "d")],
        );
        assert_eq!(
            d,
            "--- a/infra/main.bicep\n+++ b/infra/main.bicep\n\
             @@ -3,2 +3,3 @@\n-old 3\n-old 4\n+a\n+b\n+c\n\
             @@ -9,1 +10,1 @@\n-old 9\n+d\n"
        );
        assert_eq!(unified_diff("x", &[]), "");
    }
}
