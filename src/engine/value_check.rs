//! Judges the value a generic rule found: is it a literal that looks generated, or only
//! something that sits where a secret could (a reference, a path, a name, a hash, words)?
//!
//! Generic rules match on a setting's *name* (`password`, `secret`, `token`), so their
//! values are whatever code puts there. The checks here are small and each says why a
//! value is passed over ([`NotSecret`]): a reference or template is not a literal; paths,
//! identifiers, resource names, hashes and base64 of plain text are not secrets; and a
//! string mostly made of dictionary words (after undoing leetspeak: `P@ssw0rd`) was chosen
//! by a person, while a generated one (`Eung6ahthane2ied`, `maLTq5SnDBrWfyban7Wz`) is not
//! covered by words. One entropy threshold cannot tell `BEstrO0ng_#11` from
//! `Hq7~vR2.kD9!wZ4xLp`: both use four character classes.

use std::collections::HashSet;
use std::sync::OnceLock;

/// Which values a rule's matches must be (`value_check:` in a rule file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValueCheck {
    /// A generated-looking literal: see [`judge`].
    Generic,
    /// A literal shaped like a token: not a reference, path, name, or encoded text, but
    /// possibly filler or a person's choice, which a rule naming the provider still reports
    /// (at low confidence when too regular): see [`judge_shape`].
    Shape,
}

/// Why `value` fails `check`, if it does.
pub fn judge_as(check: ValueCheck, value: &[u8]) -> Option<NotSecret> {
    match check {
        ValueCheck::Generic => judge(value),
        ValueCheck::Shape => judge_shape(value),
    }
}

/// Why `value` is not token-shaped: a reference, path, identifier, version, encoded text,
/// ciphertext or a value cut short. Dictionary words and regular filler pass: beside a
/// provider's name they are placeholders worth a warning.
pub fn judge_shape(value: &[u8]) -> Option<NotSecret> {
    let raw = value;
    let value = unquote(value);
    let text = std::str::from_utf8(value).ok()?;
    match judge(raw) {
        Some(NotSecret::HumanChosen | NotSecret::TooRegular | NotSecret::Hash) | None => {}
        other => return other,
    }
    // A dotted name with a word for one part (`bitbucketv1.BasicAuth`, `cloudflare_api_key.`)
    // or a version (`v0.0.0-2024...`).
    let word_part = text.split('.').any(|p| {
        p.len() >= 3
            && p.bytes()
                .all(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'-')
    });
    let version = text.trim_start_matches('v').split('.').take(2).count() == 2
        && text
            .trim_start_matches('v')
            .split('.')
            .take(2)
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if text.contains('.') && (word_part || version) {
        return Some(NotSecret::Name);
    }
    None
}

/// Why a value is not a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotSecret {
    /// A reference to a value kept elsewhere: `var.x`, `local.x`, `azurerm_x.y.attr`,
    /// `${…}`, `$(…)`, `{{ … }}`, `process.env.X`, `@Microsoft.KeyVault(…)`.
    Reference,
    /// A file path, URL, URL path or import path.
    Path,
    /// An identifier, constant, resource or header name: words in camelCase, PascalCase,
    /// snake, kebab or dotted form.
    Name,
    /// A commit id or SHA-1 digest (40 hex digits) or a UUID.
    Hash,
    /// Base64 that decodes to plain text.
    EncodedText,
    /// Fernet ciphertext (a token encrypted with a key, not the key).
    Ciphertext,
    /// Mostly dictionary words, leetspeak undone, or keyboard runs: chosen by a person.
    HumanChosen,
    /// Too few distinct characters for its length and character classes.
    TooRegular,
    /// Cut short in documentation (`eyJhbGciOiJIUzI1Ni...`).
    Truncated,
}

/// Share of a value's letters that dictionary words must cover for it to count as chosen
/// by a person. Generated strings rarely pass 0.35.
const HUMAN_COVERAGE: f64 = 0.6;
/// Lowercase names with separators (`istio-ingressgateway-certs`) hold product names
/// that are not words, so less coverage suffices.
const LOWER_NAME_COVERAGE: f64 = 0.4;
/// Shannon entropy as a share of the most the value's length and classes allow.
const MIN_ENTROPY_SHARE: f64 = 0.55;

/// Why `value` is not a generated secret, if it is not one.
pub fn judge(value: &[u8]) -> Option<NotSecret> {
    let raw = value;
    let value = unquote(value);
    let text = std::str::from_utf8(value).ok()?;
    if text.is_empty() {
        return None;
    }
    // Before the quotes come off too: `{{ x }}` is not `{ x }` in braces.
    if is_reference(text) || std::str::from_utf8(raw).is_ok_and(is_reference) {
        return Some(NotSecret::Reference);
    }
    if text.ends_with("...") || text.ends_with('…') {
        return Some(NotSecret::Truncated);
    }
    if is_path(text) {
        return Some(NotSecret::Path);
    }
    if is_hash(text) || is_name_with_uuid(text) {
        return Some(NotSecret::Hash);
    }
    if text.len() >= 60 && text.starts_with("gAAAAA") {
        return Some(NotSecret::Ciphertext);
    }
    if is_name(text) {
        return Some(NotSecret::Name);
    }
    if is_encoded_text(text) {
        return Some(NotSecret::EncodedText);
    }
    if is_human_chosen(text) {
        return Some(NotSecret::HumanChosen);
    }
    if too_regular(value) {
        return Some(NotSecret::TooRegular);
    }
    None
}

/// The value inside one pair of quotes or braces, as some rules capture it.
fn unquote(v: &[u8]) -> &[u8] {
    match (v.first(), v.last()) {
        (Some(b'"'), Some(b'"')) | (Some(b'\''), Some(b'\'')) | (Some(b'{'), Some(b'}'))
            if v.len() >= 2 =>
        {
            &v[1..v.len() - 1]
        }
        _ => v,
    }
}

/// Starts (case-insensitively) that make a value an expression, not a literal.
const REFERENCE_STARTS: &[&str] = &[
    "var.",
    "local.",
    "module.",
    "data.",
    "each.",
    "self.",
    "count.",
    "path.",
    "terraform.",
    "process.env",
    "os.environ",
    "os.getenv",
    "environment.getenvironmentvariable",
    "system.getenv",
    "env.",
    "env[",
    "$env:",
    "secrets.",
    "vars.",
    "settings.",
    "configuration[",
    "config[",
    "[parameters(",
    "[variables(",
];

/// Substrings (case-insensitive) of template and secret-store forms.
const TEMPLATE_MARKERS: &[&str] = &[
    "${",
    "$(",
    "{{",
    "%{",
    "#{",
    "<%",
    "secretkeyref",
    "@microsoft.keyvault(",
];

fn is_reference(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    if REFERENCE_STARTS.iter().any(|s| lower.starts_with(s))
        || TEMPLATE_MARKERS.iter().any(|m| lower.contains(m))
    {
        return true;
    }
    let b = v.as_bytes();
    // `$NAME`, `%NAME%`: shell and Windows variables.
    if b[0] == b'$'
        && b.get(1)
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        return true;
    }
    if b.len() > 2 && b[0] == b'%' && b[b.len() - 1] == b'%' {
        return true;
    }
    is_resource_address(v)
}

/// `azurerm_key_vault_secret.test.value`, `random_password.admin.result`: a Terraform
/// resource type (snake case with an underscore), a name, then attributes.
fn is_resource_address(v: &str) -> bool {
    let mut parts = v.split('.');
    let Some(kind) = parts.next() else {
        return false;
    };
    let rest: Vec<&str> = parts.collect();
    kind.contains('_')
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && kind.as_bytes()[0].is_ascii_lowercase()
        && rest.len() >= 2
        && rest.iter().all(|p| {
            !p.is_empty()
                && p.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'[' | b']' | b'*')
                })
        })
}

/// Extensions of files a key-named setting points at.
const FILE_EXTENSIONS: &[&str] = &[
    "pem", "key", "crt", "cer", "der", "pfx", "p12", "jks", "json", "yaml", "yml", "txt", "conf",
    "cfg", "xml", "pub", "env", "ini", "toml", "keystore", "asc", "gpg", "csr",
];

fn is_path(v: &str) -> bool {
    if v.contains("://") {
        return true;
    }
    let b = v.as_bytes();
    let windows_drive = b.len() > 3 && b[0].is_ascii_alphabetic() && b[1] == b':';
    if windows_drive && matches!(b[2], b'\\' | b'/') {
        return true;
    }
    let has_extension = v.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && stem
                .bytes()
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && FILE_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext))
    });
    if has_extension && !v.contains('=') {
        return true;
    }
    if !v.contains('/') {
        return false;
    }
    let segments: Vec<&str> = v.split('/').filter(|s| !s.is_empty()).collect();
    let rooted =
        v.starts_with('/') || v.starts_with("./") || v.starts_with("../") || v.starts_with("~/");
    let lowercase = |s: &&str| {
        s.bytes().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'_' | b'@')
        })
    };
    // `example.io/pkg/credentials/kube`, `istio.io/dns-key-and-cert`: lowercase segments.
    if segments.iter().all(lowercase) {
        return true;
    }
    // `/providers/Microsoft.Web/sourceControls/`: rooted, and every segment words.
    rooted
        && segments.iter().all(|s| {
            s.bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
                && (s.len() <= 3 || coverage(s, false) >= HUMAN_COVERAGE)
        })
}

fn is_hash(v: &str) -> bool {
    let b = v.as_bytes();
    let hex = |s: &[u8]| s.iter().all(u8::is_ascii_hexdigit);
    let one_case = !(b.iter().any(u8::is_ascii_lowercase) && b.iter().any(u8::is_ascii_uppercase));
    // 40 hex digits: a git commit id or SHA-1. Not 64: `openssl rand -hex 32` is how many
    // webhook and signing secrets are made, and they look like SHA-256 digests.
    if b.len() == 40 && hex(b) && one_case {
        return true;
    }
    // UUID: 8-4-4-4-12.
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A name around a UUID, as .NET `UserSecretsId`s are made
/// (`aspnet-eShopOnContainers.Identity-90487118-103c-4ff0-b9da-e5e26f7ab0c5`).
fn is_name_with_uuid(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() <= 36 {
        return false;
    }
    (0..=b.len() - 36).any(|i| {
        std::str::from_utf8(&b[i..i + 36]).is_ok_and(is_hash) && {
            let rest = format!("{}{}", &v[..i], &v[i + 36..]);
            let rest = rest.trim_matches(|c| matches!(c, '-' | '_' | '.'));
            rest.is_empty() || rest.as_bytes()[0].is_ascii_alphabetic() && is_name(rest)
        }
    })
}

/// Identifiers and names: letters, digits and `_ . -` only, starting with a letter, and
/// mostly words (`expandApiManagementApiSubscriptionKeyParamNames`,
/// `UserAgentFeatureCredentialsIMDS`, `x-ms-authorization-auxiliary`).
fn is_name(v: &str) -> bool {
    let b = v.as_bytes();
    if !b[0].is_ascii_alphabetic()
        || !b
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
    {
        return false;
    }
    let lower_with_separators = b
        .iter()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'.' | b'-'))
        && b.iter().any(|c| matches!(c, b'_' | b'.' | b'-'));
    let needed = if lower_with_separators {
        LOWER_NAME_COVERAGE
    } else {
        HUMAN_COVERAGE
    };
    // Digits in a name are versions and counters, not letters to cover.
    coverage(v, false) >= needed
}

/// Base64 (standard or URL-safe) that decodes to plain text: words and spaces, as test
/// data and Kubernetes `data:` examples hold (`VGhpcyBJcyBOb3Qg…`).
fn is_encoded_text(v: &str) -> bool {
    use base64::Engine as _;
    if v.len() < 16
        || !v
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'-' | b'_'))
    {
        return false;
    }
    let standard: String = v
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let Ok(decoded) = engine.decode(standard) else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(&decoded) else {
        return false;
    };
    if decoded.len() < 8
        || !text
            .bytes()
            .all(|c| (0x20..0x7f).contains(&c) || matches!(c, b'\n' | b'\r' | b'\t'))
    {
        return false;
    }
    let words = text.split_whitespace().count();
    // A JSON object: a JWT header alone (`eyJhbGciOiJIUzI1NiJ9`), settings.
    let json = text.starts_with('{') && text.trim_end().ends_with('}');
    json || (words >= 3 && coverage(text, false) >= HUMAN_COVERAGE) || is_human_chosen(text.trim())
}

/// Mostly dictionary words once leetspeak is undone: `BEstrO0ng_#11`, `P@sstoken4567!`,
/// `mypassword`, `#D33p-7h0uGH7~42!`, `QAZwsx123update`.
fn is_human_chosen(v: &str) -> bool {
    coverage(v, true) >= HUMAN_COVERAGE || keyboard_walk(v)
}

/// Keys typed along a keyboard row (`asdfdsdfTYUIOIoj1231hkjhk`): most neighbouring letters
/// are neighbours on a QWERTY row too, which random letters rarely are.
fn keyboard_walk(v: &str) -> bool {
    const ROWS: [&[u8]; 4] = [b"1234567890", b"qwertyuiop", b"asdfghjkl", b"zxcvbnm"];
    let key = |c: u8| {
        let c = c.to_ascii_lowercase();
        ROWS.iter()
            .enumerate()
            .find_map(|(r, row)| row.iter().position(|&k| k == c).map(|i| (r, i)))
    };
    let keys: Vec<(usize, usize)> = v.bytes().filter_map(key).collect();
    let pairs = keys.len().saturating_sub(1);
    if pairs < 8 {
        return false;
    }
    let adjacent = keys
        .windows(2)
        .filter(|w| w[0].0 == w[1].0 && w[0].1.abs_diff(w[1].1) <= 1)
        .count();
    adjacent * 10 >= pairs * 6
}

/// Too few distinct characters for the length and the character classes used.
fn too_regular(v: &[u8]) -> bool {
    let classes: u32 = [
        v.iter().any(u8::is_ascii_lowercase),
        v.iter().any(u8::is_ascii_uppercase),
        v.iter().any(u8::is_ascii_digit),
        v.iter().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .zip([26u32, 26, 10, 32])
    .filter(|(used, _)| **used)
    .map(|(_, size)| size)
    .sum();
    let most = (v.len().min(classes as usize).max(2) as f64).log2();
    super::entropy::shannon(v) < most * MIN_ENTROPY_SHARE
}

/// What leetspeak and symbols stand for inside a word.
fn unleet(c: u8, one: u8) -> Option<u8> {
    Some(match c {
        b'0' => b'o',
        b'1' | b'!' => one,
        b'3' => b'e',
        b'4' | b'@' => b'a',
        b'5' | b'$' => b's',
        b'7' | b'+' => b't',
        b'8' => b'b',
        b'9' => b'g',
        b'|' => b'l',
        _ => return None,
    })
}

/// The share of `v`'s letters that dictionary words cover, best over its readings. Letters
/// are read in runs; with `leet`, a run may also hold leetspeak characters (`P@ss`, `D33p`),
/// read as letters when the run holds a real letter, and doubled letters may be read once
/// (`strO0ng`).
fn coverage(v: &str, leet: bool) -> f64 {
    let readings: &[(Option<u8>, bool)] = if leet {
        &[
            (Some(b'i'), false),
            (Some(b'l'), false),
            (Some(b'i'), true),
            (Some(b'l'), true),
        ]
    } else {
        &[(None, false)]
    };
    readings
        .iter()
        .map(|&(one, dedup)| {
            let runs = letter_runs(v.as_bytes(), one, dedup);
            let letters: usize = runs.iter().map(Vec::len).sum();
            if letters < 4 {
                return 0.0;
            }
            let covered: usize = runs.iter().map(|r| covered_letters(r)).sum();
            covered as f64 / letters as f64
        })
        .fold(0.0, f64::max)
}

/// Lowercased runs of letters (and, with `one`, leetspeak read as letters).
fn letter_runs(v: &[u8], one: Option<u8>, dedup: bool) -> Vec<Vec<u8>> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let in_run = |c: u8| c.is_ascii_alphabetic() || one.is_some_and(|o| unleet(c, o).is_some());
        if !in_run(v[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < v.len() && in_run(v[i]) {
            i += 1;
        }
        let raw = &v[start..i];
        if !raw.iter().any(u8::is_ascii_alphabetic) {
            continue;
        }
        let mut run: Vec<u8> = raw
            .iter()
            .map(|&c| match one {
                Some(o) if !c.is_ascii_alphabetic() => unleet(c, o).unwrap_or(c),
                _ => c.to_ascii_lowercase(),
            })
            .collect();
        if dedup {
            run.dedup();
        }
        runs.push(run);
    }
    runs
}

/// The most letters of `run` that non-overlapping dictionary words cover.
fn covered_letters(run: &[u8]) -> usize {
    let dict = words();
    let n = run.len();
    let mut best = vec![0usize; n + 1];
    for i in (0..n).rev() {
        best[i] = best[i + 1];
        for len in 3..=MAX_WORD.min(n - i) {
            let word = std::str::from_utf8(&run[i..i + len]).unwrap_or("");
            if dict.contains(word) {
                best[i] = best[i].max(len + best[i + len]);
            }
        }
    }
    best[0]
}

const MAX_WORD: usize = 12;

fn words() -> &'static HashSet<&'static str> {
    static WORDS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| {
        include_str!("words.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(v: &str) -> Option<NotSecret> {
        judge(v.as_bytes())
    }

    #[test]
    fn references_and_templates_are_not_literals() {
        for v in [
            "var.admin_password",
            "local.admin_password",
            "module.db.password",
            "data.azurerm_key_vault_secret.x.value",
            "azurerm_key_vault_secret.test.value",
            "random_password.admin.result",
            "${DB_PASSWORD}",
            "$(SqlPassword)",
            "{{ .Values.password }}",
            "process.env.API_KEY",
            "os.environ['API_KEY']",
            "Environment.GetEnvironmentVariable(\"KEY\")",
            "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/x)",
            "$DB_PASS",
            "%DB_PASS%",
        ] {
            assert_eq!(verdict(v), Some(NotSecret::Reference), "{v}");
        }
    }

    #[test]
    fn paths_names_and_hashes_are_not_secrets() {
        for (v, why) in [
            ("/etc/certs/client_private_key.pem", NotSecret::Path),
            ("/defaultPrivateKey.pem", NotSecret::Path),
            ("istio.io/istio/pilot/pkg/credentials/kube", NotSecret::Path),
            ("/providers/Microsoft.Web/sourceControls/", NotSecret::Path),
            ("https://login.microsoftonline.com/common", NotSecret::Path),
            ("istio-ingressgateway-ca-certs", NotSecret::Name),
            ("httpbin-credential-bogus", NotSecret::Name),
            ("vindicators-the-return-of-worldender", NotSecret::Name),
            (
                "expandApiManagementApiSubscriptionKeyParamNames",
                NotSecret::Name,
            ),
            ("UserAgentFeatureCredentialsIMDS", NotSecret::Name),
            ("x-ms-authorization-auxiliary", NotSecret::Name),
            ("credentials.0.certificate", NotSecret::Name),
            ("Ocp-Apim-Subscription-Key", NotSecret::Name),
            ("04ae4496a1cc2d3a8d5b6f0a9e7c1b2d3e4f5a6b", NotSecret::Hash),
            ("b2c4c433-cbc4-4342-a4e3-e64c06b58151", NotSecret::Hash),
            (
                "VGhpcyBJcyBOb3QgQSBHb29kIFBhc3N3b3JkCg==",
                NotSecret::EncodedText,
            ),
            ("TXkgZmlyc3Qgc2VjcmV0IEZPTwo=", NotSecret::EncodedText),
            ("c0NhbGVpbzEyMw==", NotSecret::EncodedText),
            ("eyJhbGciOiJIUzI1NiJ9", NotSecret::EncodedText),
            ("eyJhbGciOiJIUzI1Ni...", NotSecret::Truncated),
            (
                "aspnet-eShopOnContainers.Identity-90487118-103c-4ff0-b9da-e5e26f7ab0c5",
                NotSecret::Hash,
            ),
        ] {
            assert_eq!(verdict(v), Some(why), "{v}");
        }
    }

    #[test]
    fn human_chosen_passwords_are_told_from_generated_ones() {
        for v in [
            "BEstrO0ng_#11",
            "P@sstoken4567!",
            "mypassword",
            "#D33p-7h0uGH7~42!",
            "QAZwsx123update",
            "Password1234!",
            "asdfdsdfTYUIOIoj1231hkjhk",
            "pbkdf2:sha256",
            "[Password here]",
        ] {
            // Letters only read as a name too: either way, words.
            let why = verdict(v);
            assert!(
                matches!(why, Some(NotSecret::HumanChosen | NotSecret::Name)),
                "{v}: {why:?}"
            );
        }
        for v in [
            "Eung6ahthane2ied",
            "maLTq5SnDBrWfyban7Wz",
            "fy55RhK*MDdjvzBeeae@CoQlVH",
            "Hq7~vR2.kD9!wZ4xLp",
            "X4X_Awjb4HyD70adCrw6FmFgA4wiu_TTWSZFcayBN6U",
            "CYhTIsM2M9hcqutUUZgFv/dhLEK1Bf9xNxOn5FXulIc=",
            "Wq3vT8xLm2Rz7Kp4Nd9Yb6Hc1Fg5Js0A",
            "88c492a49d266ea79df8cec91e5941ad",
            "8c00cbbbcbb5d974532d4c951898875e6dde1dcf6f7e134129ca08817026e064",
            "1Az2F4dLb3g9GLhsEMwZbL08KLSq7ldc",
            "hJq=Ur7k2Wz9!Lx4Vb6n",
        ] {
            assert_eq!(verdict(v), None, "{v}");
        }
    }

    #[test]
    fn the_word_list_loads_and_holds_what_the_checks_need() {
        let w = words();
        assert!(w.len() > 10_000);
        for word in ["password", "strong", "token", "deep", "thought", "qaz"] {
            assert!(w.contains(word), "{word}");
        }
    }

    #[test]
    fn shape_passes_filler_and_words_but_not_names_paths_or_versions() {
        // secretgate:allow (fake values and identifiers from real code)
        for v in [
            "abcdefghij1234567890abcdefghij1234567890",
            "123456789012345678901234",
            "t1aIz3z199DQ87IUod41YxjISOfW7EHFAo",
            "examplevalidkeyABCDEFGHIJKLMNOPQRSTUVWXYYZ",
        ] {
            assert_eq!(judge_shape(v.as_bytes()), None, "{v}");
        }
        for v in [
            "bitbucketv1.BasicAuth",
            "cloudflare_api_key.",
            "v0.0.0-20241219171906-3f2ca0c14ada",
            "flattenFacebookAuthV2Settings",
            "ARM_TEST_PAGE_ID2",
            "aGVsbG8td29ybGQ=",
            "${MAILGUN_API_KEY}",
        ] {
            assert!(judge_shape(v.as_bytes()).is_some(), "{v}");
            assert!(judge_as(ValueCheck::Shape, v.as_bytes()).is_some(), "{v}");
        }
    }
}
