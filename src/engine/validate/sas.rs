//! Shared access signatures: the `sig` value must URL-decode and base64-decode to exactly the
//! 32 bytes of an HMAC-SHA256 (credential-formats.md, sections 7.1 and 7.2). The signature
//! itself cannot be checked without the key.

use super::{decode_base64, unescape, Outcome};
use crate::findings::Severity;

pub(super) fn check(secret: &[u8]) -> Outcome {
    match decode_base64(&unescape(sig_value(secret))) {
        Some(hmac) if hmac.len() == 32 => Outcome::Verified,
        _ => Outcome::Rejected,
    }
}

/// The value of the `sig` parameter when `secret` is a whole query string or token
/// (`sv=...&sig=...`, `SharedAccessSignature sr=...&sig=...`); otherwise `secret` itself.
fn sig_value(secret: &[u8]) -> &[u8] {
    let start = (0..secret.len()).find(|&i| {
        secret[i..].starts_with(b"sig=")
            && (i == 0 || matches!(secret[i - 1], b'?' | b'&' | b';' | b' '))
    });
    let Some(start) = start else {
        return secret;
    };
    let value = &secret[start + 4..];
    let end = value
        .iter()
        .position(|c| matches!(c, b'&' | b';' | b' ' | b'"' | b'\''))
        .unwrap_or(value.len());
    &value[..end]
}

/// The fields of a SAS token that say what it allows (Storage: `sv`, `ss`, `srt`, `sr`,
/// `sp`, `st`, `se`, `si`, `spr`, and `skoid` for a user-delegation SAS; Service Bus, Event
/// Hubs and IoT Hub: `sr`, `se`, `skn`). The signature is never kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SasFields {
    pub version: Option<String>,
    /// `ss`: the services of an account SAS (`b`, `q`, `t`, `f`).
    pub services: Option<String>,
    /// `srt`: the resource types of an account SAS (`s`, `c`, `o`).
    pub resource_types: Option<String>,
    /// `sr`: the resource of a service SAS (`b`, `c`, `d`, `f`, `s`), or the messaging URI.
    pub resource: Option<String>,
    /// `sp`: the permissions.
    pub permissions: Option<String>,
    pub start: Option<String>,
    /// `se`: ISO 8601 (Storage) or Unix seconds (messaging).
    pub expiry: Option<String>,
    /// `si`: the stored access policy it is bound to.
    pub policy: Option<String>,
    /// `spr`: `https` or `https,http`.
    pub protocol: Option<String>,
    /// `skn`: the messaging shared access policy that signed it.
    pub key_name: Option<String>,
    /// `skoid` present: signed with a user delegation key.
    pub user_delegation: bool,
    pub has_signature: bool,
}

/// Where the SAS token around the secret `content[start..end]` (its `sig` value) lies: the
/// `&`-joined parameters, up to `?`, a quote, white space, `;` or `,`, and after a
/// connection string's `SharedAccessSignature=`.
pub fn token_around(content: &[u8], start: usize, end: usize) -> (usize, usize) {
    let stop = |b: u8| {
        b.is_ascii_whitespace()
            || matches!(
                b,
                b'?' | b';' | b',' | b'"' | b'\'' | b'`' | b'<' | b'>' | b'(' | b')'
            )
    };
    let mut lo = content[..start]
        .iter()
        .rposition(|&b| stop(b))
        .map_or(0, |i| i + 1);
    let lower = content[lo..start].to_ascii_lowercase();
    if let Some(at) = memchr::memmem::find(&lower, b"sharedaccesssignature=") {
        lo += at + "sharedaccesssignature=".len();
    }
    let hi = content[end..]
        .iter()
        .position(|&b| stop(b))
        .map_or(content.len(), |i| end + i);
    (lo, hi)
}

/// Reads the fields of `token` (`sv=…&sp=…&sig=…`); unknown parameters are ignored.
pub fn parse_fields(token: &[u8]) -> SasFields {
    let mut f = SasFields::default();
    for pair in token.split(|&b| b == b'&') {
        let Some(eq) = pair.iter().position(|&b| b == b'=') else {
            continue;
        };
        let key = pair[..eq].to_ascii_lowercase();
        if key == b"sig" {
            f.has_signature = eq + 1 < pair.len();
            continue;
        }
        let value = || Some(printable(&unescape(&pair[eq + 1..])));
        match key.as_slice() {
            b"sv" => f.version = value(),
            b"ss" => f.services = value(),
            b"srt" => f.resource_types = value(),
            b"sr" => f.resource = value(),
            b"sp" => f.permissions = value(),
            b"st" => f.start = value(),
            b"se" => f.expiry = value(),
            b"si" => f.policy = value(),
            b"spr" => f.protocol = value(),
            b"skn" => f.key_name = value(),
            b"skoid" => f.user_delegation = true,
            _ => {}
        }
    }
    f
}

/// A parameter's value for a message: printable ASCII, at most 80 characters.
fn printable(value: &[u8]) -> String {
    value
        .iter()
        .filter(|b| b.is_ascii_graphic() || **b == b' ')
        .take(80)
        .map(|&b| b as char)
        .collect()
}

/// What a SAS allows, judged: the severity it deserves (`None`: the rule's own) and a
/// message with its kind, rights and expiry. `now` is Unix seconds.
pub fn assess(f: &SasFields, now: i64) -> (Option<Severity>, String) {
    const DAY: i64 = 24 * 3600;
    let account = f.services.is_some() || f.resource_types.is_some();
    let messaging = f.key_name.is_some()
        || f.resource
            .as_deref()
            .is_some_and(|r| r.contains('.') || r.contains('/'));
    let mut parts = Vec::new();
    if messaging {
        parts.push(match &f.key_name {
            Some(k) => format!("messaging SAS signed by policy `{k}`"),
            None => "messaging SAS".to_string(),
        });
        if let Some(r) = &f.resource {
            parts.push(format!("for `{r}`"));
        }
    } else if account {
        let mut s = "account SAS".to_string();
        if let Some(ss) = &f.services {
            s.push_str(&format!(" for {}", letters(ss, SERVICES)));
        }
        if let Some(srt) = &f.resource_types {
            s.push_str(&format!(" ({})", letters(srt, RESOURCE_TYPES)));
        }
        parts.push(s);
    } else {
        let kind = if f.user_delegation {
            "user-delegation SAS"
        } else {
            "service SAS"
        };
        parts.push(match &f.resource {
            Some(sr) => format!("{kind} for {}", letters(sr, SERVICE_RESOURCES)),
            None => kind.to_string(),
        });
    }
    match (&f.permissions, &f.policy) {
        (Some(sp), _) => parts.push(format!("permissions {}", letters(sp, PERMISSIONS))),
        (None, Some(si)) => parts.push(format!("permissions set by stored access policy `{si}`")),
        (None, None) if !messaging => parts.push("permissions not stated".into()),
        _ => {}
    }
    if let Some(si) = f.policy.as_ref().filter(|_| f.permissions.is_some()) {
        parts.push(format!("bound to stored access policy `{si}`"));
    }
    let expiry = f.expiry.as_deref().and_then(parse_time);
    match (&f.expiry, expiry) {
        (Some(raw), Some(at)) if at <= now => parts.push(format!("expired {raw}")),
        (Some(raw), Some(at)) => parts.push(format!(
            "expires {raw} (in {} days)",
            (at - now + DAY - 1) / DAY
        )),
        (Some(raw), None) => parts.push(format!("expiry `{raw}` unreadable")),
        (None, _) => match &f.policy {
            Some(si) => parts.push(format!("expiry set by stored access policy `{si}`")),
            None => parts.push("no expiry".into()),
        },
    }
    if f.protocol.as_deref() == Some("https") {
        parts.push("HTTPS only".into());
    }
    let rights = f.permissions.as_deref().unwrap_or("");
    let read_only = !rights.is_empty() && rights.chars().all(|c| c == 'r');
    let writes = rights.chars().any(|c| "wdlacuxyp".contains(c));
    let severity = match expiry {
        Some(at) if at <= now => Some(Severity::Low),
        _ if messaging => None,
        Some(at) if account && (writes || at - now > 30 * DAY) => Some(Severity::Critical),
        None if account && f.policy.is_none() => Some(Severity::Critical),
        _ if account && writes => Some(Severity::Critical),
        Some(at) if !account && read_only && at - now <= 30 * DAY => Some(Severity::Medium),
        _ => None,
    };
    (severity, parts.join(", "))
}

const SERVICES: &[(char, &str)] = &[('b', "blob"), ('q', "queue"), ('t', "table"), ('f', "file")];
const RESOURCE_TYPES: &[(char, &str)] = &[('s', "service"), ('c', "container"), ('o', "object")];
const SERVICE_RESOURCES: &[(char, &str)] = &[
    ('b', "a blob"),
    ('c', "a container"),
    ('d', "a directory"),
    ('f', "a file"),
    ('s', "a share"),
    ('v', "a blob version"),
    ('o', "an object"),
];
const PERMISSIONS: &[(char, &str)] = &[
    ('r', "read"),
    ('a', "add"),
    ('c', "create"),
    ('w', "write"),
    ('d', "delete"),
    ('x', "delete version"),
    ('y', "permanent delete"),
    ('l', "list"),
    ('t', "tags"),
    ('f', "find"),
    ('m', "move"),
    ('e', "execute"),
    ('o', "ownership"),
    ('p', "process"),
    ('u', "update"),
    ('i', "immutability"),
    ('s', "permissions"),
];

/// `rwl` -> `read, write, list`; unknown letters are shown as they are.
fn letters(code: &str, names: &[(char, &str)]) -> String {
    let words: Vec<String> = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| {
            names
                .iter()
                .find(|(l, _)| *l == c)
                .map_or_else(|| format!("`{c}`"), |(_, n)| n.to_string())
        })
        .collect();
    if words.is_empty() {
        "none".into()
    } else {
        words.join(", ")
    }
}

/// Unix seconds from `1893456000`, `2030-01-01`, `2030-01-01T00:00Z` or
/// `2030-01-01T00:00:00.0000000Z` (times are UTC).
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && text.len() <= 12 {
        return text.parse().ok();
    }
    let num = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (date, time) = text.split_once(['T', ' ']).unwrap_or((text, ""));
    let mut d = date.split('-');
    let (y, m, day) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let time = time.trim_end_matches('Z');
    let time = time.split('.').next().unwrap_or("");
    let mut t = time.split(':').filter(|s| !s.is_empty());
    let h = t.next().map_or(Some(0), num)?;
    let min = t.next().map_or(Some(0), num)?;
    let sec = t.next().map_or(Some(0), num)?;
    if h > 23 || min > 59 || sec > 60 {
        return None;
    }
    Some(days_from_civil(y, m, day) * 86_400 + h * 3600 + min * 60 + sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;

    /// A base64 HMAC-sized value with `+`, `/` and `=` in it, built at run time.
    fn signature() -> String {
        let mut bytes = [0x5Au8; 32];
        bytes[0] = 0xFB; // `+` in the first character
        bytes[3] = 0xFF; // `/` in the fifth
        let sig = STANDARD.encode(bytes);
        assert!(
            sig.contains('+') && sig.contains('/') && sig.ends_with('='),
            "{sig}"
        );
        sig
    }

    fn percent_encode(sig: &str, upper: bool) -> String {
        let (plus, slash, eq) = if upper {
            ("%2B", "%2F", "%3D")
        } else {
            ("%2b", "%2f", "%3d")
        };
        sig.replace('+', plus).replace('/', slash).replace('=', eq)
    }

    #[test]
    fn thirty_two_byte_signatures_verify() {
        let sig = signature();
        for value in [
            sig.clone(),
            percent_encode(&sig, true),
            percent_encode(&sig, false),
            sig.trim_end_matches('=').to_string(),
            sig.replace('/', "\\/"),
        ] {
            assert_eq!(check(value.as_bytes()), Outcome::Verified, "{value}");
        }
    }

    #[test]
    fn sig_is_found_inside_a_token() {
        let sig = percent_encode(&signature(), true);
        for token in [
            format!("sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01T00:00:00Z&sig={sig}"),
            format!("?sig={sig}&se=2030-01-01"),
            format!("SharedAccessSignature sr=https%3A%2F%2Fns.servicebus.windows.net%2F&sig={sig}&se=1&skn=RootManageSharedAccessKey"),
        ] {
            assert_eq!(check(token.as_bytes()), Outcome::Verified, "{token}");
        }
        assert_eq!(check(b"sv=2022-11-02&sig=&se=1"), Outcome::Rejected);
    }

    #[test]
    fn other_values_are_rejected() {
        let short = STANDARD.encode([1u8; 31]);
        let long = STANDARD.encode([1u8; 33]);
        let double = percent_encode(&signature(), true).replace('%', "%25");
        for value in [
            "<signature>",
            "sig",
            "",
            short.as_str(),
            long.as_str(),
            double.as_str(),
        ] {
            assert_eq!(check(value.as_bytes()), Outcome::Rejected, "{value}");
        }
    }

    /// 2026-12-01T00:00:00Z, the tests' "now".
    const NOW: i64 = 1_796_083_200;

    fn judge(token: &str) -> (Option<Severity>, String) {
        let sig = percent_encode(&signature(), true);
        let token = token.replace("{sig}", &sig);
        let (severity, message) = assess(&parse_fields(token.as_bytes()), NOW);
        assert!(
            !message.contains(&sig) && !message.contains("sig="),
            "{message}"
        );
        (severity, message)
    }

    #[test]
    fn times_parse_as_utc() {
        assert_eq!(parse_time("2026-12-01"), Some(NOW));
        assert_eq!(parse_time("2026-12-01T00:00:00Z"), Some(NOW));
        assert_eq!(parse_time("2026-12-01T01:00Z"), Some(NOW + 3600));
        assert_eq!(parse_time("2026-12-01T00:00:01.0000000Z"), Some(NOW + 1));
        assert_eq!(parse_time("1893456000"), Some(1_893_456_000));
        assert_eq!(parse_time("1970-01-01"), Some(0));
        for bad in ["", "2026-13-01", "2026-12", "tomorrow", "2026-12-01T25:00Z"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_expired_sas_is_low() {
        let (severity, message) =
            judge("sv=2022-11-02&ss=b&srt=co&sp=rwdl&se=2025-06-30T00:00:00Z&sig={sig}");
        assert_eq!(severity, Some(Severity::Low));
        assert!(
            message.contains("expired 2025-06-30T00:00:00Z"),
            "{message}"
        );
    }

    #[test]
    fn a_read_only_service_sas_expiring_soon_is_medium() {
        let (severity, message) = judge(
            "sp=r&st=2026-11-30&se=2026-12-08T00%3A00%3A00Z&spr=https&sv=2022-11-02&sr=b&sig={sig}",
        );
        assert_eq!(severity, Some(Severity::Medium));
        assert_eq!(
            message,
            "service SAS for a blob, permissions read, expires 2026-12-08T00:00:00Z (in 7 days), HTTPS only"
        );
        // The same token for a year is left at the rule's severity.
        let (severity, _) = judge("sp=r&se=2027-12-01&sv=2022-11-02&sr=b&sig={sig}");
        assert_eq!(severity, None);
    }

    #[test]
    fn an_account_sas_with_write_rights_or_a_long_life_is_critical() {
        let (severity, message) =
            judge("sv=2022-11-02&ss=bq&srt=sco&sp=rwdlacup&se=2026-12-05&sig={sig}");
        assert_eq!(severity, Some(Severity::Critical));
        assert!(
            message.starts_with("account SAS for blob, queue (service, container, object), permissions read, write, delete, list, add, create, update, process, expires 2026-12-05 (in 4 days)"),
            "{message}"
        );
        let (severity, _) = judge("sv=2022-11-02&ss=b&srt=o&sp=r&se=2027-06-01&sig={sig}");
        assert_eq!(severity, Some(Severity::Critical));
        let (severity, _) = judge("sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-10&sig={sig}");
        assert_eq!(severity, None);
    }

    #[test]
    fn a_stored_access_policy_sets_what_the_token_does_not() {
        let (severity, message) = judge("sv=2022-11-02&sr=c&si=uploads&sig={sig}");
        assert_eq!(severity, None);
        assert_eq!(
            message,
            "service SAS for a container, permissions set by stored access policy `uploads`, expiry set by stored access policy `uploads`"
        );
        let (_, message) = judge("sv=2022-11-02&sr=c&si=uploads&sp=rl&se=2026-12-03&sig={sig}");
        assert!(
            message.contains("bound to stored access policy `uploads`"),
            "{message}"
        );
    }

    #[test]
    fn messaging_tokens_name_their_policy_and_expiry() {
        let (severity, message) =
            judge("sr=contoso.servicebus.windows.net%2Forders&sig={sig}&se=1893456000&skn=send");
        assert_eq!(severity, None);
        assert_eq!(
            message,
            "messaging SAS signed by policy `send`, for `contoso.servicebus.windows.net/orders`, expires 1893456000 (in 1127 days)"
        );
    }

    #[test]
    fn the_token_reaches_from_its_sig_to_its_parameters() {
        let line = b"x = \"https://a.blob.core.windows.net/c?sv=1&sp=r&sig=SIG&se=2\";";
        let start = memchr::memmem::find(line, b"SIG").expect("sig");
        let (lo, hi) = token_around(line, start, start + 3);
        assert_eq!(&line[lo..hi], b"sv=1&sp=r&sig=SIG&se=2");
        let line = b"BlobEndpoint=https://a/;SharedAccessSignature=sv=1&sig=SIG";
        let start = memchr::memmem::find(line, b"SIG").expect("sig");
        let (lo, hi) = token_around(line, start, start + 3);
        assert_eq!(&line[lo..hi], b"sv=1&sig=SIG");
    }
}
