//! What a secret allows, read from the text around it that is not secret: a SAS token's
//! rights and expiry (which also set the finding's severity), a connection string's
//! account and endpoint. Never the secret itself.

use super::validate::sas;
use super::validate::Validator;
use crate::findings::Severity;

/// The severity a finding deserves (`None`: the rule's own) and a short message about what
/// the secret allows (empty when there is nothing to say). `content[start..end]` is the
/// secret; `now` is Unix seconds.
pub(super) fn describe(
    validator: Option<Validator>,
    tags: &[String],
    content: &[u8],
    start: usize,
    end: usize,
    now: i64,
) -> (Option<Severity>, String) {
    if validator == Some(Validator::SasSignature) {
        let (lo, hi) = sas::token_around(content, start, end);
        return sas::assess(&sas::parse_fields(&content[lo..hi]), now);
    }
    if tags.iter().any(|t| t == "connection-string") {
        return (None, connection_string(content, start, end));
    }
    (None, String::new())
}

/// Connection-string keys worth naming, and how a message calls them.
const NAMED: &[(&str, &str)] = &[
    ("accountname", "account"),
    ("blobendpoint", "endpoint"),
    ("accountendpoint", "endpoint"),
    ("endpoint", "endpoint"),
    ("hostname", "host"),
    ("server", "server"),
    ("data source", "server"),
    ("database", "database"),
    ("initial catalog", "database"),
    ("sharedaccesskeyname", "key name"),
    ("deviceid", "device"),
];

/// `account `contosodata`, endpoint `https://contosodata.blob.core.windows.net``: the
/// named parts of the `;`-separated connection string on the secret's line. The key stays
/// out: only the parts above are read, and none that overlaps the secret.
fn connection_string(content: &[u8], start: usize, end: usize) -> String {
    let line_start = memchr::memrchr(b'\n', &content[..start]).map_or(0, |i| i + 1);
    let line_end = memchr::memchr(b'\n', &content[end..]).map_or(content.len(), |i| end + i);
    let line = &content[line_start..line_end];
    let mut found: Vec<(&str, String)> = Vec::new();
    let mut suffix = None;
    let mut protocol = None;
    for (at, pair) in pairs(line) {
        let Some((key, value_from)) = key_in(pair) else {
            continue;
        };
        let value_at = line_start + at + value_from;
        let value = &pair[value_from..];
        if value_at < end && start < value_at + value.len() {
            continue;
        }
        let value: String = String::from_utf8_lossy(value)
            .chars()
            .take_while(|c| !matches!(c, '"' | '\'' | '`' | ' ' | '\t' | '\r'))
            .take(120)
            .collect();
        if value.is_empty() {
            continue;
        }
        match key {
            "endpointsuffix" => suffix = Some(value),
            "defaultendpointsprotocol" => protocol = Some(value),
            _ => {
                if let Some((_, label)) = NAMED.iter().find(|(k, _)| *k == key) {
                    if !found.iter().any(|(l, _)| l == label) {
                        found.push((label, value));
                    }
                }
            }
        }
    }
    let account = found
        .iter()
        .find(|(l, _)| *l == "account")
        .map(|(_, v)| v.clone());
    if let (Some(account), false) = (account, found.iter().any(|(l, _)| *l == "endpoint")) {
        let suffix = suffix.unwrap_or_else(|| "core.windows.net".into());
        let protocol = protocol.unwrap_or_else(|| "https".into());
        found.push(("endpoint", format!("{protocol}://{account}.blob.{suffix}")));
    }
    found
        .iter()
        .map(|(label, value)| format!("{label} `{value}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first known key in `piece` (`Server=`, `"Conn": "AccountName=`, `X=Data Source =`)
/// and where its value starts.
fn key_in(piece: &[u8]) -> Option<(&'static str, usize)> {
    let lower = piece.to_ascii_lowercase();
    let keys = NAMED
        .iter()
        .map(|(k, _)| *k)
        .chain(["endpointsuffix", "defaultendpointsprotocol"]);
    let mut best: Option<(usize, &'static str, usize)> = None;
    for key in keys {
        for at in memchr::memmem::find_iter(&lower, key.as_bytes()) {
            let bounded = at == 0 || !lower[at - 1].is_ascii_alphanumeric();
            let rest = &lower[at + key.len()..];
            let spaces = rest.iter().take_while(|&&b| b == b' ').count();
            if bounded && rest.get(spaces) == Some(&b'=') && best.is_none_or(|(b, _, _)| at < b) {
                best = Some((at, key, at + key.len() + spaces + 1));
            }
        }
    }
    best.map(|(_, key, value)| (key, value))
}

/// `;`-separated pieces of `line`, each with its offset.
fn pairs(line: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut at = 0;
    line.split(|&b| b == b';').map(move |piece| {
        let here = at;
        at += piece.len() + 1;
        (here, piece)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn describe_conn(line: &str, secret: &str) -> String {
        let start = line.find(secret).expect("secret");
        connection_string(line.as_bytes(), start, start + secret.len())
    }

    #[test]
    fn connection_strings_name_account_and_endpoint_not_the_key() {
        let key = "K".repeat(86) + "==";
        let line = format!("  \"Storage\": \"DefaultEndpointsProtocol=https;AccountName=contosodata;AccountKey={key};EndpointSuffix=core.windows.net\",");
        let d = describe_conn(&line, &key);
        assert_eq!(
            d,
            "account `contosodata`, endpoint `https://contosodata.blob.core.windows.net`"
        );
        let line = format!(
            "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey={}",
            "k".repeat(44)
        );
        assert_eq!(
            describe_conn(&line, &"k".repeat(44)),
            "endpoint `sb://ns.servicebus.windows.net/`, key name `Root`"
        );
        // Assembled at run time so this file holds no password-shaped literal.
        let password = ["Zr4!kQ9", "~mW2.xV7b"].concat();
        let line = format!(
            "Server=tcp:s.database.windows.net,1433;Initial Catalog=app;Password={password};"
        );
        assert_eq!(
            describe_conn(&line, &password),
            "server `tcp:s.database.windows.net,1433`, database `app`"
        );
    }

    #[test]
    fn sas_fields_are_read_from_urls_connection_strings_and_bare_tokens() {
        const NOW: i64 = 1_796_083_200; // 2026-12-01
        let sig = "S".repeat(43) + "%3D";
        for line in [
            format!("u = \"https://a.blob.core.windows.net/c?sv=2022-11-02&sr=c&sp=rl&se=2027-06-01&sig={sig}\""),
            format!("BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&sr=c&sp=rl&se=2027-06-01&sig={sig}"),
            format!("sas: sv=2022-11-02&sr=c&sp=rl&se=2027-06-01&sig={sig}"),
        ] {
            let start = line.find(&sig).expect("sig");
            let (severity, detail) = describe(
                Some(Validator::SasSignature),
                &[],
                line.as_bytes(),
                start,
                start + sig.len(),
                NOW,
            );
            assert_eq!(severity, None, "{line}");
            assert_eq!(
                detail,
                "service SAS for a container, permissions read, list, expires 2027-06-01 (in 182 days)",
                "{line}"
            );
        }
    }
}
