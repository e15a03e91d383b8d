//! Unified-diff hunks to the new-side line numbers they add.
//!
//! One parser for `git diff -U0` output and for API patches (GitHub's per-file `patch`, which
//! keeps three lines of context). It walks the hunk body rather than trusting the header
//! alone: context lines inside a hunk are not added, and the header's counts say exactly
//! where the body ends, so a deleted line that reads `--- a/x` is never mistaken for a header.

use super::LineSet;

/// A hunk header `@@ -a[,b] +c[,d] @@`; an omitted count means 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HunkHeader {
    pub old_start: u32,
    pub old_len: u32,
    pub new_start: u32,
    pub new_len: u32,
}

/// Parses a hunk header line; `None` if it is not one.
pub(crate) fn parse_header(line: &[u8]) -> Option<HunkHeader> {
    let rest = line.strip_prefix(b"@@ -")?;
    let (old_start, old_len, rest) = range(rest)?;
    let rest = rest.strip_prefix(b" +")?;
    let (new_start, new_len, rest) = range(rest)?;
    rest.starts_with(b" @@").then_some(HunkHeader {
        old_start,
        old_len,
        new_start,
        new_len,
    })
}

/// `start[,len]` followed by anything.
fn range(s: &[u8]) -> Option<(u32, u32, &[u8])> {
    let (start, rest) = number(s)?;
    match rest.strip_prefix(b",") {
        Some(rest) => {
            let (len, rest) = number(rest)?;
            Some((start, len, rest))
        }
        None => Some((start, 1, rest)),
    }
}

fn number(s: &[u8]) -> Option<(u32, &[u8])> {
    let end = s
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    let n = std::str::from_utf8(&s[..end]).ok()?.parse().ok()?;
    Some((n, &s[end..]))
}

/// Collects added lines from a file's hunks, fed one line at a time.
#[derive(Debug, Default)]
pub(crate) struct AddedLines {
    ranges: Vec<(u32, u32)>,
    /// New-side number of the next body line.
    next: u32,
    old_left: u32,
    new_left: u32,
}

impl AddedLines {
    /// Feeds one line without its line ending. `Ok(false)`: the line is outside any hunk (a
    /// file header, for the caller to read). `Err`: the hunk body does not match its header.
    pub(crate) fn feed(&mut self, line: &[u8]) -> Result<bool, String> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if self.old_left == 0 && self.new_left == 0 {
            if line.starts_with(b"\\") {
                // `\ No newline at end of file` after a hunk's last line.
                return Ok(true);
            }
            if !line.starts_with(b"@@") {
                return Ok(false);
            }
            // Not quoted in the error: after the second `@@` comes a line of the file.
            let h = parse_header(line).ok_or("malformed hunk header")?;
            self.next = h.new_start;
            self.old_left = h.old_len;
            self.new_left = h.new_len;
            return Ok(true);
        }
        match line.first() {
            Some(b'+') if self.new_left > 0 => {
                match self.ranges.last_mut() {
                    Some(last) if last.1.checked_add(1) == Some(self.next) => last.1 = self.next,
                    _ => self.ranges.push((self.next, self.next)),
                }
                self.new_left -= 1;
                self.next = self.next.saturating_add(1);
            }
            Some(b'-') if self.old_left > 0 => self.old_left -= 1,
            // Some tools strip the space that starts an empty context line.
            Some(b' ') | None if self.old_left > 0 && self.new_left > 0 => {
                self.old_left -= 1;
                self.new_left -= 1;
                self.next = self.next.saturating_add(1);
            }
            Some(b'\\') => {}
            _ => return Err("hunk body does not match its header".into()),
        }
        Ok(true)
    }

    /// The added lines; an error if the last hunk was cut short.
    pub(crate) fn finish(self) -> Result<LineSet, String> {
        if self.old_left > 0 || self.new_left > 0 {
            return Err("patch ends inside a hunk".into());
        }
        Ok(LineSet::from_ranges(self.ranges))
    }
}

/// The lines of a diff, without the empty piece after a final newline (which an empty
/// context line stripped of its space would otherwise look like).
pub(crate) fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let text = text.strip_suffix(b"\n").unwrap_or(text);
    text.split(|&b| b == b'\n')
        .filter(move |_| !text.is_empty())
}

/// Added lines of a whole patch that holds only hunks (an API patch).
pub(crate) fn added_lines(patch: &[u8]) -> Result<LineSet, String> {
    let mut added = AddedLines::default();
    for line in lines(patch) {
        if !added.feed(line)? {
            return Err("text outside a hunk".into());
        }
    }
    added.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(s: &str) -> Option<(u32, u32, u32, u32)> {
        parse_header(s.as_bytes()).map(|h| (h.old_start, h.old_len, h.new_start, h.new_len))
    }

    fn added(patch: &str) -> Vec<(u32, u32)> {
        added_lines(patch.as_bytes())
            .expect("well-formed patch")
            .ranges()
            .to_vec()
    }

    #[test]
    fn headers_default_omitted_counts_to_one() {
        assert_eq!(header("@@ -0,0 +1 @@"), Some((0, 0, 1, 1)));
        assert_eq!(header("@@ -3 +3,2 @@ fn main() {"), Some((3, 1, 3, 2)));
        assert_eq!(header("@@ -7,2 +5,0 @@"), Some((7, 2, 5, 0)));
        assert_eq!(header("@@ -1,2 +1,2"), None);
        assert_eq!(header("@@ -x +1 @@"), None);
        assert_eq!(
            header("@@ -1 +99999999999 @@"),
            None,
            "overflow is no header"
        );
    }

    #[test]
    fn new_file_with_one_line() {
        assert_eq!(added("@@ -0,0 +1 @@\n+only\n"), [(1, 1)]);
    }

    #[test]
    fn zero_new_lines_adds_nothing() {
        assert_eq!(added("@@ -5,2 +4,0 @@\n-gone\n-gone too\n"), []);
        assert_eq!(added("@@ -5 +5,0 @@\n-gone\n"), []);
    }

    #[test]
    fn no_newline_marker_is_not_a_line() {
        let patch = "@@ -3 +3,2 @@\n-old\n\\ No newline at end of file\n+new\n+last\n\\ No newline at end of file\n";
        assert_eq!(added(patch), [(3, 4)]);
    }

    #[test]
    fn context_lines_count_but_are_not_added() {
        // GitHub-style patch: three lines of context around each change.
        let patch =
            "@@ -1,4 +1,5 @@\n a\n b\n-c\n+C\n+D\n d\n@@ -20,3 +21,4 @@ fn x() {\n x\n+y\n \n z";
        assert_eq!(added(patch), [(3, 4), (22, 22)]);
    }

    #[test]
    fn several_zero_context_hunks() {
        let patch = "@@ -2 +2 @@\n-b\n+B\n@@ -9,0 +10,3 @@\n+x\n+y\n+z\n@@ -30 +33 @@\n--- a/looks-like-a-header\n++++ b/also\n";
        assert_eq!(added(patch), [(2, 2), (10, 12), (33, 33)]);
    }

    #[test]
    fn malformed_patches_are_errors_without_content() {
        let e = added_lines(b"@@ -1 +1 @@\n+a\n+secret-ish extra line\n").expect_err("too long");
        assert!(!e.contains("secret"), "{e}");
        let e = added_lines(b"@@ -1,3 +1,3 @@\n a\n").expect_err("cut short");
        assert!(e.contains("ends inside"), "{e}");
        let e = added_lines(b"@@ -1 +1 @@ fn hidden_secret() {\n").expect_err("cut short");
        assert!(!e.contains("hidden_secret"), "{e}");
        let e = added_lines(b"@@ nonsense fn hidden_secret()\n").expect_err("bad header");
        assert!(!e.contains("hidden_secret"), "{e}");
        assert!(added_lines(b"diff --git a/x b/x\n").is_err());
    }
}
