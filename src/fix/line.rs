//! Reading one line of source: the string literal around a secret, the key it is assigned
//! to, and how far a SAS token reaches from its `sig`.

use std::ops::Range;

/// The literal a secret sits in: a quoted string, or an unquoted value (YAML, `.env`,
/// shell words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Literal {
    /// Where the literal starts, string prefix (`f`, `$`, `@`) included.
    pub start: usize,
    /// Just past the closing quote (or the value's end).
    pub end: usize,
    /// The quote character, if quoted.
    pub quote: Option<char>,
    /// String prefix letters before the opening quote (`f`, `rb`, `$`, `@`).
    pub prefix: String,
}

impl Literal {
    /// The text between the quotes (the whole value when unquoted).
    pub fn content(&self) -> Range<usize> {
        match self.quote {
            Some(q) => self.start + self.prefix.len() + q.len_utf8()..self.end - q.len_utf8(),
            None => self.start..self.end,
        }
    }
}

const QUOTES: [char; 3] = ['"', '\'', '`'];

/// The quoted string around `unit`, else the unquoted value holding it.
pub(super) fn literal_around(line: &str, unit: &Range<usize>) -> Literal {
    quoted_around(line, unit).unwrap_or_else(|| unquoted_around(line, unit))
}

fn quoted_around(line: &str, unit: &Range<usize>) -> Option<Literal> {
    let mut open: Option<(usize, char)> = None;
    let mut escaped = false;
    let mut prev: Option<char> = None;
    for (i, c) in line.char_indices() {
        match open {
            Some((start, q)) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q != '\'' {
                    escaped = true;
                } else if c == q {
                    let end = i + c.len_utf8();
                    if start < unit.start && i >= unit.end {
                        let (prefix_start, prefix) = string_prefix(line, start);
                        return Some(Literal {
                            start: prefix_start,
                            end,
                            quote: Some(q),
                            prefix,
                        });
                    }
                    open = None;
                }
            }
            None if QUOTES.contains(&c)
                && (!prev.is_some_and(|p| p.is_alphanumeric())
                    || !string_prefix(line, i).1.is_empty()) =>
            {
                if i >= unit.start {
                    return None;
                }
                open = Some((i, c));
            }
            None => {
                if i >= unit.start {
                    return None;
                }
            }
        }
        prev = Some(c);
    }
    None
}

/// Python (`f`, `rb`) and C# (`$`, `@`) prefixes right before an opening quote.
fn string_prefix(line: &str, quote_at: usize) -> (usize, String) {
    let before = &line[..quote_at];
    let taken: String = before
        .chars()
        .rev()
        .take_while(|c| matches!(c, 'f' | 'F' | 'r' | 'R' | 'b' | 'B' | 'u' | 'U' | '$' | '@'))
        .take(3)
        .collect();
    let start = quote_at - taken.len();
    let word_before = line[..start]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || c == '_');
    if taken.is_empty() || word_before {
        (quote_at, String::new())
    } else {
        (start, line[start..quote_at].to_string())
    }
}

/// An unquoted value: from after the line's first assignment (`=`, or `:` and a space)
/// when that comes before the secret, else from the start of the word, to the end of the
/// word.
fn unquoted_around(line: &str, unit: &Range<usize>) -> Literal {
    let before = &line[..unit.start];
    let word_start = before.rfind(char::is_whitespace).map_or(0, |i| {
        i + before[i..].chars().next().map_or(1, char::len_utf8)
    });
    let glue_end = assignment_end(before).map(|g| {
        g + before[g..]
            .chars()
            .take_while(|c| c.is_whitespace())
            .map(char::len_utf8)
            .sum::<usize>()
    });
    let start = match glue_end {
        Some(g) if g >= word_start => g,
        _ => word_start,
    };
    let end = line[unit.end..]
        .find(char::is_whitespace)
        .map_or(line.len(), |i| unit.end + i);
    Literal {
        start,
        end,
        quote: None,
        prefix: String::new(),
    }
}

/// Just past the first `=` or `: ` of `text`.
fn assignment_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find_map(|i| match bytes[i] {
        b'=' => Some(i + 1),
        b':' if bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace()) => Some(i + 1),
        _ => None,
    })
}

/// The name the literal at `literal_start` is assigned to: `KEY=`, `key: `, `"Key": `,
/// `name = `, `config["Key"] = `, `--token `, or the first argument of a two-argument
/// call (`SetEnvironmentVariable("NAME", "…")`).
pub(super) fn key_before(line: &str, literal_start: usize) -> Option<String> {
    let before = line[..literal_start].trim_end();
    // `--flag value`
    if let Some(word) = before.rsplit(char::is_whitespace).next() {
        if let Some(flag) = word.strip_prefix("--").filter(|f| f.len() > 1) {
            if flag
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
            {
                return Some(flag.to_string());
            }
        }
    }
    if let Some(rest) = before.strip_suffix(',') {
        return quoted_tail(rest.trim_end()).filter(|k| is_name(k));
    }
    let rest = ["=>", ":=", "?=", "+=", "=", ":"]
        .iter()
        .find_map(|g| before.strip_suffix(g))?
        .trim_end();
    // `name: string = "…"` (TypeScript annotations): the name is before the `:`.
    let rest = match rest.rsplit_once(':') {
        Some((name, ty))
            if before.ends_with('=')
                && !ty.trim().is_empty()
                && ty.trim().chars().all(|c| c.is_alphanumeric()) =>
        {
            name.trim_end()
        }
        _ => rest,
    };
    let rest = rest.trim_end_matches(']');
    if let Some(k) = quoted_tail(rest) {
        return Some(k).filter(|k| is_name(k));
    }
    let key: String = rest
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '$'))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let key = key.trim_start_matches('$').trim_start_matches('-');
    // `self.token`, `process.env.TOKEN`: the last part names it.
    let key = key.rsplit('.').next().unwrap_or(key);
    Some(key.to_string()).filter(|k| is_name(k))
}

/// The contents of a quoted string that `text` ends with.
fn quoted_tail(text: &str) -> Option<String> {
    let q = text.chars().next_back().filter(|c| QUOTES.contains(c))?;
    let inner = &text[..text.len() - q.len_utf8()];
    let open = inner.rfind(q)?;
    Some(inner[open + q.len_utf8()..].to_string())
}

fn is_name(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 80
        && key.chars().any(|c| c.is_ascii_alphabetic())
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
}

/// `- name: DB_PASSWORD` on the line before a Kubernetes `value:`.
pub(super) fn yaml_name(line: &str) -> Option<String> {
    let t = line.trim_start().trim_start_matches("- ").trim_start();
    let v = t.strip_prefix("name:")?.trim();
    let v = v.trim_matches(|c| c == '"' || c == '\'');
    Some(v.to_string()).filter(|k| is_name(k))
}

/// A SAS token reaches from its `sig` to the `&`-joined parameters around it: stops at
/// `?`, a quote, white space, `;` or `,`, and after `SharedAccessSignature=`.
pub(super) fn sas_token(line: &str, secret: &Range<usize>) -> Range<usize> {
    let stop = |c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '?' | ';' | ',' | '"' | '\'' | '`' | '<' | '>' | '(' | ')'
            )
    };
    let before = &line[..secret.start];
    let mut start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| stop(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    // `SharedAccessSignature=sv=…` in a storage connection string: the key is not the token.
    let lower = before[start..].to_ascii_lowercase();
    if let Some(at) = lower.find("sharedaccesssignature=") {
        start += at + "sharedaccesssignature=".len();
    }
    let end = line[secret.end..]
        .find(stop)
        .map_or(line.len(), |i| secret.end + i);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(line: &str, s: &str) -> Range<usize> {
        let i = line.find(s).expect("in line");
        i..i + s.len()
    }

    #[test]
    fn quoted_and_unquoted_literals() {
        let line = r#"token = f"Bearer abc123" # x"#;
        let l = literal_around(line, &unit(line, "abc123"));
        assert_eq!((l.quote, l.prefix.as_str()), (Some('"'), "f"));
        assert_eq!(&line[l.start..l.end], r#"f"Bearer abc123""#);
        assert_eq!(&line[l.content()], "Bearer abc123");
        let line = "  password: abc123 # prod";
        let l = literal_around(line, &unit(line, "abc123"));
        assert_eq!(&line[l.start..l.end], "abc123");
        let line = "export CONN=Endpoint=sb://x;SharedAccessKey=abc123";
        let l = literal_around(line, &unit(line, "abc123"));
        assert_eq!(&line[l.content()], "Endpoint=sb://x;SharedAccessKey=abc123");
        let line = "it's token=abc123";
        let l = literal_around(line, &unit(line, "abc123"));
        assert_eq!(l.quote, None);
    }

    #[test]
    fn keys_before_literals() {
        let key =
            |line: &str, s: &str| key_before(line, literal_around(line, &unit(line, s)).start);
        assert_eq!(
            key(r#"  "Storage": "x=abc123""#, "abc123").as_deref(),
            Some("Storage")
        );
        assert_eq!(
            key("STORAGE_KEY=abc123", "abc123").as_deref(),
            Some("STORAGE_KEY")
        );
        assert_eq!(
            key("const ghToken: string = 'abc123';", "abc123").as_deref(),
            Some("ghToken")
        );
        assert_eq!(
            key(r#"cfg["Api:Key"] = "abc123";"#, "abc123").as_deref(),
            Some("Api:Key")
        );
        assert_eq!(
            key("self.api_token = 'abc123'", "abc123").as_deref(),
            Some("api_token")
        );
        assert_eq!(
            key(r#"Set("NAME", "abc123")"#, "abc123").as_deref(),
            Some("NAME")
        );
        assert_eq!(
            key("az login --password abc123", "abc123").as_deref(),
            Some("password")
        );
        assert_eq!(key(r#"connect("abc123")"#, "abc123"), None);
    }

    #[test]
    fn sas_tokens_reach_their_parameters() {
        let line = "url: https://a.blob.core.windows.net/c?sv=2022&sp=r&sig=SIG%3D&se=1 # x";
        let t = sas_token(line, &unit(line, "SIG%3D"));
        assert_eq!(&line[t], "sv=2022&sp=r&sig=SIG%3D&se=1");
        let line = "BlobEndpoint=https://a;SharedAccessSignature=sv=2022&sig=SIG%3D\"";
        let t = sas_token(line, &unit(line, "SIG%3D"));
        assert_eq!(&line[t], "sv=2022&sig=SIG%3D");
    }
}
