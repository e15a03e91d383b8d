//! Escaping for text that CI agents parse out of the log, and for the other sinks we write to.
//!
//! File paths are chosen by whoever opens the pull request, so every one of them is hostile
//! input: a newline or a separator in a path must not end a command early or start a new one.
//!
//! - GitHub: `actions/toolkit` `packages/core/src/command.ts` (`escapeData`, `escapeProperty`);
//!   see `shared/specs/github-actions-conventions.md`.
//! - Azure: `azure-pipelines-task-lib` `node/taskcommand.ts` (`escapedata`, `escape`);
//!   see `shared/specs/azure-pipelines-conventions.md`.

/// GitHub workflow command message: `%`, CR and LF.
pub fn github_data(s: &str) -> String {
    map_chars(s, |c| match c {
        '%' => Some("%25"),
        '\r' => Some("%0D"),
        '\n' => Some("%0A"),
        _ => None,
    })
}

/// GitHub workflow command property value: as [`github_data`], plus `:` and `,`, which
/// end a property (`,`) or the property list (`::`).
pub fn github_property(s: &str) -> String {
    map_chars(s, |c| match c {
        '%' => Some("%25"),
        '\r' => Some("%0D"),
        '\n' => Some("%0A"),
        ':' => Some("%3A"),
        ',' => Some("%2C"),
        _ => None,
    })
}

/// Azure logging command message: `%`, CR and LF. The agent unescapes `%AZP25` (not `%25`)
/// to `%`, so a literal `%25` in a message survives.
pub fn azure_data(s: &str) -> String {
    map_chars(s, |c| match c {
        '%' => Some("%AZP25"),
        '\r' => Some("%0D"),
        '\n' => Some("%0A"),
        _ => None,
    })
}

/// Azure logging command property value: as [`azure_data`], plus `;` (ends a property) and
/// `]` (ends the property list).
pub fn azure_property(s: &str) -> String {
    map_chars(s, |c| match c {
        '%' => Some("%AZP25"),
        '\r' => Some("%0D"),
        '\n' => Some("%0A"),
        ';' => Some("%3B"),
        ']' => Some("%5D"),
        _ => None,
    })
}

/// Untrusted text for one line of human output that may end up in a CI log.
///
/// Control characters are shown as Rust escapes (`\n`, `\u{1b}`), so a path cannot break the
/// line or drive the terminal. The Azure agent runs `##vso[` found anywhere in a line, and
/// both agents run `##[` and GitHub runs a line that starts with `::`; a backslash defuses each.
pub fn log_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    let mut out = out.replace("##", "#\\#");
    if out.starts_with("::") {
        out.insert(0, '\\');
    }
    out
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `/`: safe in a URL path
/// or query and inside a `{path}` link template.
pub fn url_path(s: &str) -> String {
    percent_encode(s, |b| b.is_ascii_alphanumeric() || b"-._~/".contains(&b))
}

/// A repository-relative path as a SARIF relative URI reference. Sub-delimiters (`,;=!$&'()*+`)
/// and `@` stay as they are; `:` is encoded because in the first segment it would read as a
/// scheme, and `%`, `#`, `?`, spaces and non-ASCII are encoded as RFC 3986 requires.
pub fn uri_path(s: &str) -> String {
    percent_encode(s, |b| {
        b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b)
    })
}

/// Markdown inline text: backslash-escapes the punctuation that could start markup, a link
/// or HTML, or end a table cell. Line breaks become spaces so a cell stays one row.
pub fn markdown_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Markdown code span that holds any text, even inside a table cell: the fence is longer than
/// the longest backtick run inside, `|` is escaped (GFM splits cells before parsing spans),
/// and control characters become spaces.
pub fn markdown_code(s: &str) -> String {
    let body: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    // A span that starts or ends with a backtick needs a space so the fence is unambiguous.
    let pad = if body.starts_with('`') || body.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

fn map_chars(s: &str, f: impl Fn(char) -> Option<&'static str>) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match f(c) {
            Some(rep) => out.push_str(rep),
            None => out.push(c),
        }
    }
    out
}

fn percent_encode(s: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if keep(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRICKY: &str = "a%b\rc\nd:e,f;g]h[i%25";

    #[test]
    fn github_data_matches_toolkit() {
        assert_eq!(github_data(TRICKY), "a%25b%0Dc%0Ad:e,f;g]h[i%2525");
        assert_eq!(github_data("::error::x"), "::error::x");
    }

    #[test]
    fn github_property_also_escapes_colon_and_comma() {
        assert_eq!(github_property(TRICKY), "a%25b%0Dc%0Ad%3Ae%2Cf;g]h[i%2525");
        // A path cannot close the property list and inject a command.
        assert_eq!(
            github_property("x,line=1::evil\n::add-mask::y"),
            "x%2Cline=1%3A%3Aevil%0A%3A%3Aadd-mask%3A%3Ay"
        );
    }

    #[test]
    fn azure_data_matches_task_lib() {
        assert_eq!(azure_data(TRICKY), "a%AZP25b%0Dc%0Ad:e,f;g]h[i%AZP2525");
    }

    #[test]
    fn azure_property_also_escapes_semicolon_and_bracket() {
        assert_eq!(
            azure_property(TRICKY),
            "a%AZP25b%0Dc%0Ad:e,f%3Bg%5Dh[i%AZP2525"
        );
        assert_eq!(
            azure_property("x;code=1]\n##vso[task.complete result=Succeeded]"),
            "x%3Bcode=1%5D%0A##vso[task.complete result=Succeeded%5D"
        );
    }

    #[test]
    fn escapes_keep_unicode() {
        assert_eq!(github_property("dé/ü…"), "dé/ü…");
        assert_eq!(azure_property("dé/ü…"), "dé/ü…");
    }

    #[test]
    fn log_line_defuses_commands_and_control_characters() {
        assert_eq!(log_line("a\nb\x1b[31m"), "a\\nb\\u{1b}[31m");
        assert_eq!(
            log_line("x ##vso[task.setvariable variable=a]b"),
            "x #\\#vso[task.setvariable variable=a]b"
        );
        assert_eq!(log_line("::error::x"), "\\::error::x");
        assert_eq!(log_line("src/a:b.rs"), "src/a:b.rs");
    }

    #[test]
    fn uris_encode_what_rfc_3986_requires() {
        assert_eq!(
            uri_path("src/a b,c:d%e#f?.rs"),
            "src/a%20b,c%3Ad%25e%23f%3F.rs"
        );
        assert_eq!(uri_path("dé.txt"), "d%C3%A9.txt");
        assert_eq!(url_path("a b/c,d(e).rs"), "a%20b/c%2Cd%28e%29.rs");
        assert_eq!(url_path("{path}"), "%7Bpath%7D");
    }

    #[test]
    fn markdown_escapes_cells() {
        assert_eq!(
            markdown_text("a|b *c* [d](e)\n"),
            "a\\|b \\*c\\* \\[d\\](e) "
        );
        assert_eq!(markdown_code("ghp_…(40 chars)"), "`ghp_…(40 chars)`");
        assert_eq!(markdown_code("a`b|c"), "``a`b\\|c``");
        assert_eq!(markdown_code("`x"), "`` `x ``");
    }
}
