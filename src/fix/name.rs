//! The name of the setting that replaces a secret: taken from the key the secret was
//! assigned to (`storageConn` -> `STORAGE_CONN`), made to say what it holds
//! (`Storage` -> `STORAGE_CONNECTION_STRING`), else the rule's own default.

/// Keys that name the slot, not the setting (`value:` under a Kubernetes `- name:`).
const GENERIC_KEYS: &[&str] = &["VALUE", "VAL", "DEFAULT", "DEFAULT_VALUE", "DATA", "V"];

/// Last words that already say what a setting holds.
const NOUNS: &[&str] = &[
    "CONNECTION_STRING",
    "CONNECTIONSTRING",
    "CONN_STR",
    "CONNSTR",
    "CONN",
    "CONNECTION",
    "TOKEN",
    "KEY",
    "APIKEY",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PWD",
    "PASS",
    "PAT",
    "SAS",
    "URL",
    "URI",
    "DSN",
    "CREDENTIAL",
    "CREDENTIALS",
    "SIGNATURE",
    "WEBHOOK",
];

/// The setting name for a secret found by `rule_id`, assigned to `key` if any.
pub(super) fn setting_name(rule_id: &str, key: Option<&str>) -> String {
    let default = default_name(rule_id);
    let Some(key) = key.map(upper_snake).filter(|k| !k.is_empty()) else {
        return default;
    };
    // `value:`, or a bare `token:` / `password=`: the rule's name says more.
    if GENERIC_KEYS.contains(&key.as_str()) || NOUNS.contains(&key.as_str()) {
        return default;
    }
    // The reference replaces the SAS token, not the URL it is part of.
    if default.ends_with("_SAS") {
        for url in ["_URL", "_URI"] {
            if let Some(stem) = key.strip_suffix(url) {
                return format!("{stem}_SAS");
            }
        }
    }
    if NOUNS
        .iter()
        .any(|n| key == *n || key.ends_with(&format!("_{n}")))
    {
        return key;
    }
    let noun = noun_of(&default);
    // `AWS_ACCESS_KEY_ID` already says `ID`: do not make it `AWS_ACCESS_KEY_ID_ID`.
    if key == default || key.ends_with(&format!("_{noun}")) {
        return key;
    }
    format!("{key}_{noun}")
}

/// `STORAGE_CONNECTION_STRING` -> `CONNECTION_STRING`, `GH_TOKEN` -> `TOKEN`.
fn noun_of(default: &str) -> &str {
    for long in ["CONNECTION_STRING", "ACCESS_KEY"] {
        if default.ends_with(long) {
            return &default[default.len() - long.len()..];
        }
    }
    default.rsplit('_').next().unwrap_or(default)
}

/// The name a setting gets when nothing on the line names it.
fn default_name(rule_id: &str) -> String {
    let id = rule_id
        .trim_end_matches("-unverified")
        .trim_end_matches("-legacy")
        .trim_end_matches("-base64");
    let fixed = match id {
        "azure-storage-connection-string" => "STORAGE_CONNECTION_STRING",
        "azure-storage-account-key" => "STORAGE_ACCOUNT_KEY",
        "azure-storage-sas" => "STORAGE_SAS",
        "azure-messaging-sas-token" => "SERVICE_BUS_SAS",
        "azure-cosmosdb-connection-string" => "COSMOS_CONNECTION_STRING",
        "azure-service-bus-connection-string" => "SERVICE_BUS_CONNECTION_STRING",
        "azure-sql-connection-string" => "SQL_CONNECTION_STRING",
        "azure-entra-client-secret" => "AZURE_CLIENT_SECRET",
        "azure-devops-pat" => "AZURE_DEVOPS_PAT",
        "database-connection-string-password" => "DATABASE_CONNECTION_STRING",
        "database-connection-uri" | "url-with-credentials" => "DATABASE_URL",
        "generic-password" | "powershell-plaintext-securestring" => "PASSWORD",
        "generic-secret" => "SECRET",
        "authorization-header-credential" => "AUTH_TOKEN",
        "slack-webhook-url" => "SLACK_WEBHOOK_URL",
        _ if id.starts_with("github-") => "GH_TOKEN",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_string();
    }
    upper_snake(id)
}

/// `storageConn`, `storage-conn`, `ConnectionStrings:Storage` -> `STORAGE_CONN`,
/// `CONNECTION_STRINGS_STORAGE`. Only ASCII letters and digits survive, joined by `_`.
pub(super) fn upper_snake(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1);
        // camelCase and HTTPServer boundaries.
        let boundary = c.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if boundary && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        word.push(c.to_ascii_uppercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    let mut name = words.join("_");
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

/// GitHub secret names may not start with `GITHUB_`: `GITHUB_RELEASE_TOKEN` -> `GH_RELEASE_TOKEN`.
pub(super) fn github_secret_name(name: &str) -> String {
    match name.strip_prefix("GITHUB_") {
        Some(rest) => format!("GH_{rest}"),
        None => name.to_string(),
    }
}

/// Key Vault secret names: letters, digits and `-`: `storage-connection-string`.
pub(super) fn kebab(name: &str) -> String {
    name.trim_start_matches('_')
        .to_ascii_lowercase()
        .replace('_', "-")
}

/// Terraform variables: `storage_connection_string`.
pub(super) fn snake(name: &str) -> String {
    name.trim_start_matches('_').to_ascii_lowercase()
}

/// Bicep parameters: `storageConnectionString`.
pub(super) fn lower_camel(name: &str) -> String {
    let mut out = String::new();
    for (i, word) in name.split('_').filter(|w| !w.is_empty()).enumerate() {
        let lower = word.to_ascii_lowercase();
        if i == 0 {
            out.push_str(&lower);
        } else {
            let mut cs = lower.chars();
            if let Some(first) = cs.next() {
                out.push(first.to_ascii_uppercase());
                out.extend(cs);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_key_and_say_what_they_hold() {
        assert_eq!(
            setting_name("azure-storage-connection-string", Some("Storage")),
            "STORAGE_CONNECTION_STRING"
        );
        assert_eq!(
            setting_name("github-pat", Some("ghReleaseToken")),
            "GH_RELEASE_TOKEN"
        );
        assert_eq!(setting_name("github-pat", Some("release")), "RELEASE_TOKEN");
        assert_eq!(
            setting_name("azure-storage-connection-string", None),
            "STORAGE_CONNECTION_STRING"
        );
        assert_eq!(
            setting_name("slack-bot-token", Some("value")),
            "SLACK_BOT_TOKEN"
        );
        assert_eq!(setting_name("stripe-secret-key", None), "STRIPE_SECRET_KEY");
        assert_eq!(
            setting_name("azure-devops-pat-legacy-unverified", None),
            "AZURE_DEVOPS_PAT"
        );
        assert_eq!(
            setting_name("aws-secret-access-key", Some("aws")),
            "AWS_ACCESS_KEY"
        );
        assert_eq!(setting_name("generic-password", Some("db-pwd")), "DB_PWD");
        assert_eq!(setting_name("github-pat", Some("token")), "GH_TOKEN");
        // A key that already ends in what the rule holds is kept as it is.
        assert_eq!(
            setting_name("aws-access-key-id", Some("AWS_ACCESS_KEY_ID")),
            "AWS_ACCESS_KEY_ID"
        );
    }

    #[test]
    fn case_conversions() {
        assert_eq!(upper_snake("HTTPServerKey"), "HTTP_SERVER_KEY");
        assert_eq!(
            upper_snake("ConnectionStrings:Storage"),
            "CONNECTION_STRINGS_STORAGE"
        );
        assert_eq!(upper_snake("db.password2"), "DB_PASSWORD2");
        assert_eq!(upper_snake("1st"), "_1ST");
        assert_eq!(
            github_secret_name("GITHUB_RELEASE_TOKEN"),
            "GH_RELEASE_TOKEN"
        );
        assert_eq!(
            kebab("STORAGE_CONNECTION_STRING"),
            "storage-connection-string"
        );
        assert_eq!(snake("STORAGE_KEY"), "storage_key");
        assert_eq!(
            lower_camel("STORAGE_CONNECTION_STRING"),
            "storageConnectionString"
        );
    }
}
