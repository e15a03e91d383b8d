//! What to write instead of a secret, and how to rotate it: between the findings and the
//! reporters in the data flow, and pure like both.
//!
//! [`suggest`] rewrites the line a secret is on so that the literal becomes a reference
//! that fits the file (`${{ secrets.NAME }}`, `$(NAME)`, `"${NAME:?}"`,
//! `os.environ["NAME"]`, `process.env.NAME`, a Key Vault reference, a `@secure()`
//! parameter, `var.name`, a `secretKeyRef`), or, for an Azure connection string with a
//! key, drops the key for a managed identity. Where no rewrite is safe it gives steps
//! only. A rewrite never holds any part of the secret: [`suggest`] checks it.
//!
//! [`rotation`] says how to make a leaked credential useless, by kind.

mod advice;
mod connection_string;
mod diff;
mod file;
mod file_kind;
mod line;
mod name;
pub mod rotation;

pub use advice::{advise, Advice};
pub use diff::{unified_diff, LineChange};
pub use file::{fix_file, FileFix, Note};
pub use file_kind::FileKind;
pub use rotation::{rotation, Rotation};

use connection_string::Service;
use std::ops::Range;

/// A finding, as much of it as a rewrite needs.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub rule_id: &'a str,
    /// Repository-relative path: tells the file type.
    pub path: &'a str,
    /// The start of the file (a few KiB is plenty): tells Kubernetes manifests, Azure
    /// Pipelines and ARM templates from other YAML and JSON.
    pub head: &'a str,
    /// The whole line the secret starts on, without its line break.
    pub line: &'a str,
    /// The line before, where a Kubernetes `- name:` names the `value:` below it.
    pub previous_line: Option<&'a str>,
    /// The secret's bytes within `line`.
    pub span: Range<usize>,
    /// The setting's name when the caller knows it; otherwise it is read from the line.
    pub key: Option<&'a str>,
}

/// What to write instead of the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub kind: FileKind,
    /// The setting that now holds the value: `STORAGE_CONNECTION_STRING`.
    pub setting: String,
    /// The rewrite drops a connection string's key for a managed identity rather than
    /// reading `setting`.
    pub managed_identity: bool,
    /// The rewritten line (several lines joined by `\n` where the fix needs them), or
    /// `None` where no rewrite is safe.
    pub line: Option<String>,
    /// What else to do: where to store the value, how to connect without it.
    pub steps: Vec<String>,
}

/// Rules whose secret must not be moved anywhere, only removed.
const NEVER_STORED: &[&str] = &["payment-card-number"];

/// The rewrite for one finding.
pub fn suggest(t: &Target) -> Suggestion {
    let kind = FileKind::detect(t.path, t.head);
    let valid_span = t.span.start < t.span.end
        && t.span.end <= t.line.len()
        && t.line.is_char_boundary(t.span.start)
        && t.line.is_char_boundary(t.span.end);
    if !valid_span {
        // A secret that runs past its line (a PEM block) has no one-line rewrite.
        return Suggestion {
            kind,
            setting: name::setting_name(t.rule_id, t.key),
            managed_identity: false,
            line: None,
            steps: vec![format!(
                "Move the whole value out of {} into a secret store (Azure Key Vault) and read it at run time; delete it here.",
                kind.describe()
            )],
        };
    }
    let secret = &t.line[t.span.clone()];
    let unit = if t.rule_id == "azure-storage-sas" || t.rule_id == "azure-messaging-sas-token" {
        line::sas_token(t.line, &t.span)
    } else {
        t.span.clone()
    };
    let literal = line::literal_around(t.line, &unit);
    let key_on_line = t
        .key
        .map(str::to_string)
        .or_else(|| line::key_before(t.line, literal.start))
        // A key cut from the secret's own text must not name anything.
        .filter(|k| holds_no_part_of(k, secret));
    let key = match (&key_on_line, t.previous_line) {
        (Some(k), Some(prev)) if k.eq_ignore_ascii_case("value") => line::yaml_name(prev),
        (k, _) => k.clone(),
    };
    let mut setting = name::setting_name(t.rule_id, key.as_deref());
    if kind == FileKind::GithubWorkflow {
        setting = name::github_secret_name(&setting);
    }
    let mut s = Suggestion {
        kind,
        setting,
        managed_identity: false,
        line: None,
        steps: Vec::new(),
    };
    if NEVER_STORED.contains(&t.rule_id) {
        s.steps.push(
            "Delete the card number; do not move it to a setting or a secret store: a PAN does not belong in source, configuration or test data.".into(),
        );
        return s;
    }
    let keyless = Service::of(t.rule_id).and_then(|service| {
        let content = literal.content();
        connection_string::keyless(service, &t.line[content.clone()]).map(|k| (content, k))
    });
    let rewritten = match keyless {
        Some((content, k)) => {
            s.managed_identity = true;
            s.steps = k.steps;
            s.steps.push(format!(
                "If a key must stay for now, keep the whole connection string in Azure Key Vault as `{}` and read it from configuration, not from source.",
                name::kebab(&s.setting)
            ));
            Some(splice(t.line, content, &k.text))
        }
        None => {
            let r = Rewrite {
                line: t.line,
                unit: &unit,
                literal: &literal,
                key: key_on_line.as_deref(),
                setting: &s.setting,
            };
            let line = r.by_kind(kind);
            s.steps = store_steps(kind, &s.setting, key_on_line.as_deref());
            line
        }
    };
    s.line = rewritten.filter(|l| holds_no_part_of(l, secret) && l != t.line);
    // Steps quote only non-secret parts (account names, endpoints); make sure of it.
    s.steps.retain(|step| holds_no_part_of(step, secret));
    if s.line.is_none() && !s.steps.iter().any(|step| step.starts_with("No rewrite")) {
        s.steps.insert(
            0,
            format!(
                "No rewrite is safe for this line of a {}: move the value to a secret store and read it at run time.",
                kind.describe()
            ),
        );
    }
    s
}

/// Whether `text` holds none of `secret`: not the whole, and no run of six of its characters
/// (the redacted preview shows at most four).
fn holds_no_part_of(text: &str, secret: &str) -> bool {
    let chars: Vec<char> = secret.chars().collect();
    let width = chars.len().min(6);
    if width == 0 {
        return true;
    }
    chars.windows(width).all(|w| {
        let part: String = w.iter().collect();
        !text.contains(&part)
    })
}

fn splice(line: &str, at: Range<usize>, with: &str) -> String {
    format!("{}{}{}", &line[..at.start], with, &line[at.end..])
}

/// One rewrite in the making.
struct Rewrite<'a> {
    line: &'a str,
    /// What the reference replaces: the secret, or the whole SAS token.
    unit: &'a Range<usize>,
    literal: &'a line::Literal,
    key: Option<&'a str>,
    setting: &'a str,
}

impl Rewrite<'_> {
    /// Whether the literal is the secret and nothing else.
    fn whole(&self) -> bool {
        self.literal.content() == *self.unit
    }

    /// Replaces the whole literal, quotes and prefix included.
    fn replace_literal(&self, with: &str) -> String {
        splice(self.line, self.literal.start..self.literal.end, with)
    }

    /// Replaces the unit alone, inside the literal.
    fn replace_unit(&self, with: &str) -> String {
        splice(self.line, self.unit.clone(), with)
    }

    /// The literal's text before and after the unit.
    fn around(&self) -> (&str, &str) {
        let c = self.literal.content();
        (
            &self.line[c.start..self.unit.start],
            &self.line[self.unit.end..c.end],
        )
    }

    fn by_kind(&self, kind: FileKind) -> Option<String> {
        let name = self.setting;
        match kind {
            FileKind::GithubWorkflow => {
                Some(self.replace_unit(&format!("${{{{ secrets.{name} }}}}")))
            }
            FileKind::AzurePipelines => Some(self.replace_unit(&format!("$({name})"))),
            FileKind::Shell | FileKind::DotEnv => self.shell(),
            FileKind::Compose => Some(self.replace_unit(&format!("${{{name}:?}}"))),
            FileKind::PowerShell => self.powershell(),
            FileKind::Python => self.python(),
            FileKind::JavaScript => self.javascript(),
            FileKind::CSharp => self.csharp(),
            FileKind::AppSettings => self.quoted().then(|| self.replace_literal("\"\"")),
            FileKind::FunctionsSettings => self.quoted().then(|| {
                self.replace_literal(&format!(
                    "\"@Microsoft.KeyVault(SecretUri=https://<vault>.vault.azure.net/secrets/{})\"",
                    name::kebab(name)
                ))
            }),
            FileKind::Bicep => self.bicep(),
            FileKind::ArmTemplate => self.arm_template(),
            FileKind::ArmParameters => self.arm_parameters(),
            FileKind::Terraform => self.terraform(),
            FileKind::Kubernetes => self.kubernetes(),
            FileKind::TerraformVars | FileKind::Other => None,
        }
    }

    fn quoted(&self) -> bool {
        self.literal.quote == Some('"')
    }

    fn shell(&self) -> Option<String> {
        let reference = format!("${{{}:?}}", self.setting);
        let quoted = format!("\"{reference}\"");
        match self.literal.quote {
            _ if self.whole() => Some(self.replace_literal(&quoted)),
            Some('"') => Some(self.replace_unit(&reference)),
            // Close the single quotes, expand in double quotes, reopen.
            Some('\'') => Some(self.replace_unit(&format!("'{quoted}'"))),
            None => Some(self.replace_unit(&quoted)),
            Some(_) => None,
        }
    }

    fn powershell(&self) -> Option<String> {
        let reference = format!("$env:{}", self.setting);
        match self.literal.quote {
            Some('"') | Some('\'') if self.whole() => Some(self.replace_literal(&reference)),
            Some('"') => Some(self.replace_unit(&format!("$({reference})"))),
            Some('\'') => {
                // Single quotes do not expand: double them, if nothing else would expand.
                let (before, after) = self.around();
                let plain = |s: &str| !s.contains(['$', '`', '"']);
                (plain(before) && plain(after)).then(|| {
                    let (before, after) = (before.replace("''", "'"), after.replace("''", "'"));
                    self.replace_literal(&format!("\"{before}$({reference}){after}\""))
                })
            }
            _ => None,
        }
    }

    fn python(&self) -> Option<String> {
        let q = self.literal.quote?;
        if self.whole() && !self.literal.prefix.to_ascii_lowercase().contains('b') {
            return Some(self.replace_literal(&format!("os.environ[\"{}\"]", self.setting)));
        }
        let prefix = self.literal.prefix.to_ascii_lowercase();
        let triple = self.line[self.literal.start + self.literal.prefix.len()..]
            .starts_with(&q.to_string().repeat(3));
        if triple || !matches!(prefix.as_str(), "" | "f" | "u" | "r" | "rf" | "fr") || q == '`' {
            return None;
        }
        let inner_q = if q == '"' { '\'' } else { '"' };
        let (before, after) = self.around();
        let (before, after) = if prefix.contains('f') {
            (before.to_string(), after.to_string())
        } else {
            (escape_braces(before), escape_braces(after))
        };
        let new_prefix = if prefix.contains('r') { "rf" } else { "f" };
        Some(self.replace_literal(&format!(
            "{new_prefix}{q}{before}{{os.environ[{inner_q}{}{inner_q}]}}{after}{q}",
            self.setting
        )))
    }

    fn javascript(&self) -> Option<String> {
        let reference = format!("process.env.{}", self.setting);
        if self.whole() && self.literal.quote.is_some() {
            return Some(self.replace_literal(&reference));
        }
        match self.literal.quote? {
            '`' => Some(self.replace_unit(&format!("${{{reference}}}"))),
            _ => {
                let escape = |s: &str| s.replace('`', "\\`").replace("${", "\\${");
                let (before, after) = self.around();
                Some(self.replace_literal(&format!(
                    "`{}${{{reference}}}{}`",
                    escape(before),
                    escape(after)
                )))
            }
        }
    }

    fn csharp(&self) -> Option<String> {
        let reference = format!("Environment.GetEnvironmentVariable(\"{}\")", self.setting);
        if self.literal.quote != Some('"') {
            return None;
        }
        match self.literal.prefix.as_str() {
            // A `const` cannot hold a call.
            "" if self.whole() => Some(self.replace_literal(&reference).replacen(
                " const ",
                " static readonly ",
                1,
            )),
            "" => {
                let (before, after) = self.around();
                Some(self.replace_literal(&format!(
                    "$\"{}{{{reference}}}{}\"",
                    escape_braces(before),
                    escape_braces(after)
                )))
            }
            "$" => Some(self.replace_unit(&format!("{{{reference}}}"))),
            _ => None,
        }
    }

    fn bicep(&self) -> Option<String> {
        let param = name::lower_camel(self.setting);
        // `param x string = '…'`: the parameter itself becomes secure, with no default.
        let trimmed = self.line.trim_start();
        let indent = &self.line[..self.line.len() - trimmed.len()];
        if trimmed.starts_with("param ") && self.whole() {
            let decl = self.line[..self.literal.start]
                .trim_end()
                .trim_end_matches('=')
                .trim_end();
            return Some(format!("{indent}@secure()\n{decl}"));
        }
        match self.literal.quote {
            Some('\'') if self.whole() => Some(self.replace_literal(&param)),
            Some('\'') => Some(self.replace_unit(&format!("${{{param}}}"))),
            _ => None,
        }
    }

    fn arm_template(&self) -> Option<String> {
        if !self.quoted()
            || self
                .key
                .is_some_and(|k| k.eq_ignore_ascii_case("defaultValue"))
        {
            return None;
        }
        let param = format!("parameters('{}')", name::lower_camel(self.setting));
        if self.whole() {
            return Some(self.replace_literal(&format!("\"[{param}]\"")));
        }
        let (before, after) = self.around();
        let esc = |s: &str| s.replace('\'', "''");
        Some(self.replace_literal(&format!(
            "\"[concat('{}', {param}, '{}')]\"",
            esc(before),
            esc(after)
        )))
    }

    fn arm_parameters(&self) -> Option<String> {
        if !self.quoted() || !self.whole() || self.key != Some("value") {
            return None;
        }
        let key_start = self.line[..self.literal.start].rfind("\"value\"")?;
        Some(splice(
            self.line,
            key_start..self.literal.end,
            &format!(
                "\"reference\": {{ \"keyVault\": {{ \"id\": \"/subscriptions/<subscription-id>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<vault>\" }}, \"secretName\": \"{}\" }}",
                name::kebab(self.setting)
            ),
        ))
    }

    fn terraform(&self) -> Option<String> {
        let var = format!("var.{}", name::snake(self.setting));
        match self.literal.quote {
            Some('"') if self.whole() => Some(self.replace_literal(&var)),
            Some('"') => Some(self.replace_unit(&format!("${{{var}}}"))),
            _ => None,
        }
    }

    fn kubernetes(&self) -> Option<String> {
        if !self.whole() || self.key != Some("value") {
            return None;
        }
        let trimmed = self.line.trim_start();
        let indent = &self.line[..self.line.len() - trimmed.len()];
        let dash = if trimmed.starts_with("- ") { "- " } else { "" };
        let rest = self.line[self.literal.end..].trim();
        if !rest.is_empty() && !rest.starts_with('#') {
            return None;
        }
        let secret = name::kebab(self.setting);
        Some(format!(
            "{indent}{dash}valueFrom: {{ secretKeyRef: {{ name: {secret}, key: value }} }}"
        ))
    }
}

/// `{` and `}` doubled, for text moved into an f-string or interpolated string.
fn escape_braces(s: &str) -> String {
    s.replace('{', "{{").replace('}', "}}")
}

/// Where the value goes now, by file type. Never holds the value.
fn store_steps(kind: FileKind, setting: &str, key: Option<&str>) -> Vec<String> {
    let kv = name::kebab(setting);
    let step = match kind {
        FileKind::GithubWorkflow => format!(
            "Store the value as the repository or environment secret `{setting}` (`gh secret set {setting}`)."
        ),
        FileKind::AzurePipelines => format!(
            "Store the value in Azure Key Vault as `{kv}` and link the vault to a variable group that maps it to `{setting}`; add `- group: <variable group>` to the pipeline's `variables`."
        ),
        FileKind::Compose => format!(
            "Set `{setting}` in the environment Compose runs in (a CI secret, or an `.env` file next to the compose file that is not committed); `${{{setting}:?}}` stops Compose when it is unset."
        ),
        FileKind::PowerShell => format!(
            "Set `{setting}` from a secret store before running (a CI secret, or `Get-Secret` from SecretManagement with the Az.KeyVault vault `{kv}`)."
        ),
        FileKind::Shell | FileKind::DotEnv => format!(
            "Export `{setting}` from a secret store before running (CI secret, `az keyvault secret show --vault-name <vault> --name {kv} --query value -o tsv`); `${{{setting}:?}}` stops with an error when it is unset."
        ),
        FileKind::Python | FileKind::JavaScript | FileKind::CSharp => format!(
            "Provide `{setting}` as an environment variable: an App Service or Functions app setting `@Microsoft.KeyVault(SecretUri=https://<vault>.vault.azure.net/secrets/{kv})`, a CI secret, or a local `.env` that is not committed.{}",
            if kind == FileKind::Python { " (`import os` at the top.)" } else { "" }
        ),
        FileKind::AppSettings => format!(
            "The configuration key `{}` (with its parent sections, `:`-joined) is now empty: set it as an App Service app setting (sections joined by `__`) holding `@Microsoft.KeyVault(SecretUri=https://<vault>.vault.azure.net/secrets/{kv})`, and locally with `dotnet user-secrets set`.",
            key.unwrap_or(setting)
        ),
        FileKind::FunctionsSettings => format!(
            "Store the value in Azure Key Vault as `{kv}` (replace `<vault>` with the vault's name) and give the Function app's managed identity the `Key Vault Secrets User` role; keep `local.settings.json` out of source control."
        ),
        FileKind::Bicep => format!(
            "Declare `@secure() param {} string` and pass it from Key Vault: `keyVault.getSecret('{kv}')` in the calling module, or a `getSecret` reference in the `.bicepparam` file.",
            name::lower_camel(setting)
        ),
        FileKind::ArmTemplate => format!(
            "Declare the parameter `{}` with `\"type\": \"securestring\"` and no default, and pass it with a Key Vault reference from the parameter file.",
            name::lower_camel(setting)
        ),
        FileKind::ArmParameters => format!(
            "Store the value in Azure Key Vault as `{kv}` and fill in the vault's resource id; the vault needs `enabledForTemplateDeployment`."
        ),
        FileKind::Terraform => format!(
            "Declare `variable \"{0}\"` with `type = string` and `sensitive = true`, and set it with `TF_VAR_{0}` from a CI secret, or read it with `data.azurerm_key_vault_secret.{0}.value`.",
            name::snake(setting)
        ),
        FileKind::TerraformVars => format!(
            "Remove the value from the `.tfvars` file and set it with the environment variable `TF_VAR_{}` from a CI secret.",
            name::snake(setting)
        ),
        FileKind::Kubernetes => format!(
            "Create the Secret `{kv}` with the key `value` outside the manifest (`kubectl create secret generic {kv} --from-file=value=<file>`), or sync it from Azure Key Vault with the Secrets Store CSI driver."
        ),
        FileKind::Other => format!(
            "Store the value in a secret store (Azure Key Vault, as `{kv}`) and read it at run time as `{setting}`."
        ),
    };
    vec![step]
}

#[cfg(test)]
mod tests;
