//! GitHub Actions workflow commands the gate prints about itself (not per finding: those
//! come from the `github` reporter), and the `$GITHUB_OUTPUT` step-output format.

use super::escape::{github_data, github_property};
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::Instant;

/// The levels of a workflow message without a file position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Notice,
    Warning,
    Error,
}

/// `::warning title=secretgate::message`, escaped so a message cannot open a command.
pub fn message(level: Level, text: &str) -> String {
    let name = match level {
        Level::Notice => "notice",
        Level::Warning => "warning",
        Level::Error => "error",
    };
    format!(
        "::{name} title={}::{}",
        github_property("secretgate"),
        github_data(text)
    )
}

/// A random token for `$GITHUB_OUTPUT` delimiters (std's hasher keys are random per
/// process, which is all an unguessable delimiter needs).
fn random_token() -> String {
    let a = RandomState::new().hash_one(std::process::id());
    let b = RandomState::new().hash_one(Instant::now());
    format!("{a:016x}{b:016x}")
}

/// `name<<DELIM` ... `DELIM`: a step output safe for any value, newlines included.
pub fn multiline_output(name: &str, value: &str) -> String {
    let mut delim = format!("secretgate_{}", random_token());
    while value.contains(&delim) {
        delim = format!("secretgate_{}", random_token());
    }
    format!("{name}<<{delim}\n{value}\n{delim}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_use_a_delimiter_the_value_does_not_contain() {
        let out = multiline_output("sarif-file", "/tmp/a\nb.sarif");
        let mut lines = out.lines();
        let first = lines.next().expect("header");
        let delim = first.strip_prefix("sarif-file<<").expect("heredoc form");
        assert_eq!(lines.next(), Some("/tmp/a"));
        assert_eq!(lines.next(), Some("b.sarif"));
        assert_eq!(lines.next(), Some(delim));
        assert_ne!(random_token(), random_token());
    }

    #[test]
    fn messages_cannot_open_another_command() {
        assert_eq!(
            message(Level::Warning, "a\n::error::b"),
            "::warning title=secretgate::a%0A::error::b"
        );
    }
}
