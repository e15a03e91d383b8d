//! One test per file type: the rewrite, and that no part of the secret survives in it.

use super::*;
use crate::findings::Secret;

/// A made-up key, built at run time so this file holds no key-shaped literal:
/// `prefix` and then `len` characters of `alphabet`, from a fixed seed.
fn fake(prefix: &str, len: usize, alphabet: &str, seed: u64) -> String {
    let alphabet: Vec<char> = alphabet.chars().collect();
    let mut state = seed | 1;
    let body: String = (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            alphabet[(state % alphabet.len() as u64) as usize]
        })
        .collect();
    format!("{prefix}{body}")
}

const BASE62: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn github_token() -> String {
    fake("ghp_", 36, BASE62, 7)
}

fn account_key() -> String {
    fake("", 86, BASE64, 11) + "=="
}

fn bus_key() -> String {
    fake("", 43, BASE64, 13) + "="
}

struct Case<'a> {
    rule: &'a str,
    path: &'a str,
    head: &'a str,
    previous: Option<&'a str>,
    /// The line, with `{S}` where the secret goes.
    line: &'a str,
    secret: &'a str,
}

impl Case<'_> {
    fn suggest(&self) -> Suggestion {
        let line = self.line.replace("{S}", self.secret);
        let start = line.find(self.secret).expect("secret in line");
        let s = suggest(&Target {
            rule_id: self.rule,
            path: self.path,
            head: self.head,
            line: &line,
            previous_line: self.previous,
            span: start..start + self.secret.len(),
            key: None,
        });
        // No part of the secret, not even the redacted preview's prefix, anywhere.
        let redacted = Secret::new(self.secret.as_bytes()).redacted();
        let prefix = redacted.split('…').next().expect("prefix");
        let all = format!("{:?} {} {}", s.line, s.setting, s.steps.join(" "));
        assert!(!all.contains(self.secret), "{all}");
        if !prefix.is_empty() {
            assert!(!all.contains(prefix), "prefix {prefix} in {all}");
        }
        assert!(holds_no_part_of(&all, self.secret), "{all}");
        s
    }

    fn rewrite(&self) -> String {
        let s = self.suggest();
        s.line
            .unwrap_or_else(|| panic!("no rewrite: {:?}", s.steps))
    }
}

fn case<'a>(rule: &'a str, path: &'a str, line: &'a str, secret: &'a str) -> Case<'a> {
    Case {
        rule,
        path,
        head: "",
        previous: None,
        line,
        secret,
    }
}

#[test]
fn github_workflow_uses_a_repository_secret() {
    let t = github_token();
    let c = case(
        "github-pat",
        ".github/workflows/release.yml",
        "      GITHUB_RELEASE_TOKEN: {S}",
        &t,
    );
    assert_eq!(
        c.rewrite(),
        "      GITHUB_RELEASE_TOKEN: ${{ secrets.GH_RELEASE_TOKEN }}"
    );
    let c = case(
        "github-pat",
        ".github/workflows/ci.yml",
        r#"        run: curl -H "Authorization: token {S}" https://api.github.com/user"#,
        &t,
    );
    assert_eq!(
        c.rewrite(),
        r#"        run: curl -H "Authorization: token ${{ secrets.GH_TOKEN }}" https://api.github.com/user"#
    );
}

#[test]
fn azure_pipelines_use_a_key_vault_variable_group() {
    let pat = fake("", 84, BASE62, 17);
    let c = case(
        "azure-devops-pat",
        "azure-pipelines.yml",
        "  - script: git clone https://build:{S}@dev.azure.com/contoso/app/_git/app",
        &pat,
    );
    assert_eq!(
        c.rewrite(),
        "  - script: git clone https://build:$(AZURE_DEVOPS_PAT)@dev.azure.com/contoso/app/_git/app"
    );
    let s = c.suggest();
    assert!(s.steps[0].contains("variable group"), "{:?}", s.steps);
}

#[test]
fn shell_reads_a_variable_that_must_be_set() {
    let key = account_key();
    let c = case(
        "azure-storage-account-key",
        "deploy/upload.sh",
        "export STORAGE_KEY={S}",
        &key,
    );
    assert_eq!(c.rewrite(), r#"export STORAGE_KEY="${STORAGE_KEY:?}""#);
    let t = github_token();
    let c = case(
        "github-pat",
        "scripts/release.sh",
        "curl -H 'Authorization: token {S}' https://api.github.com",
        &t,
    );
    assert_eq!(
        c.rewrite(),
        r#"curl -H 'Authorization: token '"${GH_TOKEN:?}"'' https://api.github.com"#
    );
}

#[test]
fn dotenv_reads_the_environment() {
    let key = fake("sk-proj-", 48, BASE62, 19);
    let c = case("openai-api-key", ".env", "OPENAI_API_KEY={S}", &key);
    assert_eq!(c.rewrite(), r#"OPENAI_API_KEY="${OPENAI_API_KEY:?}""#);
}

#[test]
fn compose_interpolates_from_the_environment() {
    let password = fake("Pw!", 17, BASE62, 61);
    let c = case(
        "generic-password",
        "docker-compose.yml",
        "      - POSTGRES_PASSWORD={S}",
        &password,
    );
    assert_eq!(
        c.rewrite(),
        "      - POSTGRES_PASSWORD=${POSTGRES_PASSWORD:?}"
    );
}

#[test]
fn powershell_reads_env() {
    let password = fake("Pw!", 17, BASE62, 67);
    let c = case(
        "powershell-plaintext-securestring",
        "build/sign.ps1",
        r#"$pw = ConvertTo-SecureString "{S}" -AsPlainText -Force"#,
        &password,
    );
    assert_eq!(
        c.rewrite(),
        "$pw = ConvertTo-SecureString $env:PASSWORD -AsPlainText -Force"
    );
    let t = github_token();
    let c = case(
        "github-pat",
        "build/release.ps1",
        "$headers = @{ Authorization = 'token {S}' }",
        &t,
    );
    assert_eq!(
        c.rewrite(),
        r#"$headers = @{ Authorization = "token $($env:AUTHORIZATION_TOKEN)" }"#
    );
}

#[test]
fn python_reads_os_environ() {
    let key = fake("sk-proj-", 48, BASE62, 23);
    let c = case(
        "openai-api-key",
        "app/chat.py",
        r#"client = OpenAI(api_key="{S}")"#,
        &key,
    );
    assert_eq!(
        c.rewrite(),
        r#"client = OpenAI(api_key=os.environ["API_KEY"])"#
    );
    let c = case(
        "openai-api-key",
        "app/chat.py",
        r#"headers = {"Authorization": "Bearer {S}", "x": "{y}"}"#,
        &key,
    );
    assert_eq!(
        c.rewrite(),
        r#"headers = {"Authorization": f"Bearer {os.environ['AUTHORIZATION_KEY']}", "x": "{y}"}"#
    );
}

#[test]
fn javascript_reads_process_env() {
    let key = fake("sk_live_", 40, BASE62, 29);
    let c = case(
        "stripe-secret-key",
        "web/pay.ts",
        "const stripe = new Stripe('{S}');",
        &key,
    );
    assert_eq!(
        c.rewrite(),
        "const stripe = new Stripe(process.env.STRIPE_SECRET_KEY);"
    );
    let c = case(
        "stripe-secret-key",
        "web/pay.js",
        "fetch(url, { headers: { Authorization: 'Bearer {S}' } });",
        &key,
    );
    assert_eq!(
        c.rewrite(),
        "fetch(url, { headers: { Authorization: `Bearer ${process.env.AUTHORIZATION_KEY}` } });"
    );
}

#[test]
fn csharp_reads_the_environment_or_drops_the_password() {
    let key = fake("SG.", 66, BASE62, 31);
    let c = case(
        "sendgrid-api-key",
        "Api/Mail.cs",
        r#"    private const string SendGridKey = "{S}";"#,
        &key,
    );
    assert_eq!(
        c.rewrite(),
        r#"    private static readonly string SendGridKey = Environment.GetEnvironmentVariable("SEND_GRID_KEY");"#
    );
    let password = fake("Pw!", 17, BASE62, 37);
    let c = case(
        "azure-sql-connection-string",
        "Api/Db.cs",
        r#"var conn = "Server=tcp:contoso.database.windows.net,1433;Database=app;User ID=app;Password={S};";"#,
        &password,
    );
    assert_eq!(
        c.rewrite(),
        r#"var conn = "Server=tcp:contoso.database.windows.net,1433;Database=app;Authentication=Active Directory Managed Identity;";"#
    );
    let steps = c.suggest().steps.join(" ");
    assert!(steps.contains("FROM EXTERNAL PROVIDER") && steps.contains("db_datareader"));
}

#[test]
fn appsettings_drop_the_account_key_for_a_managed_identity() {
    let key = account_key();
    let c = case(
        "azure-storage-connection-string",
        "Api/appsettings.json",
        r#"    "Storage": "DefaultEndpointsProtocol=https;AccountName=contosodata;AccountKey={S};EndpointSuffix=core.windows.net","#,
        &key,
    );
    assert_eq!(
        c.rewrite(),
        r#"    "Storage": "DefaultEndpointsProtocol=https;AccountName=contosodata;EndpointSuffix=core.windows.net","#
    );
    let s = c.suggest();
    assert_eq!(s.setting, "STORAGE_CONNECTION_STRING");
    let steps = s.steps.join(" ");
    assert!(
        steps.contains("DefaultAzureCredential") && steps.contains("Storage Blob Data Contributor")
    );
    assert!(steps.contains("https://contosodata.blob.core.windows.net"));
}

#[test]
fn appsettings_values_are_emptied_and_named() {
    let key = fake("SG.", 66, BASE62, 41);
    let c = case(
        "sendgrid-api-key",
        "Api/appsettings.Production.json",
        r#"    "SendGridKey": "{S}""#,
        &key,
    );
    assert_eq!(c.rewrite(), r#"    "SendGridKey": """#);
    let steps = c.suggest().steps.join(" ");
    assert!(
        steps.contains("`SendGridKey`") && steps.contains("@Microsoft.KeyVault("),
        "{steps}"
    );
}

#[test]
fn functions_settings_use_a_key_vault_reference() {
    let key = bus_key();
    let c = case(
        "azure-event-grid-key",
        "fn/local.settings.json",
        r#"    "EventGridKey": "{S}","#,
        &key,
    );
    assert_eq!(
        c.rewrite(),
        r#"    "EventGridKey": "@Microsoft.KeyVault(SecretUri=https://<vault>.vault.azure.net/secrets/event-grid-key)","#
    );
}

#[test]
fn bicep_parameters_become_secure() {
    let key = account_key();
    let c = case(
        "azure-storage-account-key",
        "infra/main.bicep",
        "  param storageKey string = '{S}'",
        &key,
    );
    assert_eq!(c.rewrite(), "  @secure()\n  param storageKey string");
    let c = case(
        "azure-storage-account-key",
        "infra/main.bicep",
        "    accountKey: '{S}'",
        &key,
    );
    assert_eq!(c.rewrite(), "    accountKey: accountKey");
    assert!(c.suggest().steps[0].contains("getSecret('account-key')"));
}

#[test]
fn arm_parameter_files_reference_key_vault() {
    let key = bus_key();
    let head = r#"{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#","#;
    let c = Case {
        head,
        previous: Some(r#"    "serviceBusKey": {"#),
        ..case(
            "azure-service-bus-key",
            "infra/azuredeploy.parameters.json",
            r#"      "value": "{S}""#,
            &key,
        )
    };
    let line = c.rewrite();
    assert!(
        line.starts_with(r#"      "reference": { "keyVault": { "id": "/subscriptions/"#),
        "{line}"
    );
    assert!(
        line.ends_with(r#""secretName": "azure-service-bus-key" }"#),
        "{line}"
    );
}

#[test]
fn terraform_uses_a_sensitive_variable() {
    let secret = fake("", 3, BASE62, 43) + "8Q~" + &fake("", 34, BASE62, 47);
    let c = case(
        "azure-entra-client-secret",
        "infra/main.tf",
        r#"  client_secret = "{S}""#,
        &secret,
    );
    assert_eq!(c.rewrite(), "  client_secret = var.client_secret");
    assert!(c.suggest().steps[0].contains("sensitive = true"));
    let c = case(
        "azure-entra-client-secret",
        "infra/prod.tfvars",
        r#"client_secret = "{S}""#,
        &secret,
    );
    let s = c.suggest();
    assert_eq!(s.line, None);
    assert!(s.steps.join(" ").contains("TF_VAR_client_secret"));
}

#[test]
fn kubernetes_env_values_become_secret_key_refs() {
    let token = fake("xoxb-", 40, BASE62, 53);
    let c = Case {
        head: "apiVersion: apps/v1\nkind: Deployment\n",
        previous: Some("        - name: SLACK_TOKEN"),
        ..case(
            "slack-bot-token",
            "deploy/bot.yaml",
            "          value: \"{S}\"",
            &token,
        )
    };
    assert_eq!(
        c.rewrite(),
        "          valueFrom: { secretKeyRef: { name: slack-token, key: value } }"
    );
    let key = bus_key();
    let c = Case {
        head: "apiVersion: apps/v1\nkind: Deployment\n",
        previous: Some("        - name: ORDERS"),
        ..case(
            "azure-service-bus-connection-string",
            "deploy/orders.yaml",
            "          value: Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={S}",
            &key,
        )
    };
    assert_eq!(
        c.rewrite(),
        "          value: Endpoint=sb://contoso.servicebus.windows.net/"
    );
    let steps = c.suggest().steps.join(" ");
    assert!(
        steps.contains("Azure Service Bus Data Sender")
            && steps.contains("fullyQualifiedNamespace")
    );
}

#[test]
fn cosmos_connection_strings_lose_the_key() {
    let key = account_key();
    let c = case(
        "azure-cosmosdb-connection-string",
        "src/db.js",
        r#"const cosmos = "AccountEndpoint=https://contoso.documents.azure.com:443/;AccountKey={S};";"#,
        &key,
    );
    assert_eq!(
        c.rewrite(),
        r#"const cosmos = "AccountEndpoint=https://contoso.documents.azure.com:443/;";"#
    );
    assert!(c
        .suggest()
        .steps
        .join(" ")
        .contains("Cosmos DB Built-in Data Contributor"));
}

#[test]
fn sas_tokens_are_replaced_whole() {
    let sig = fake("", 43, BASE62, 59) + "%3D";
    let c = case(
        "azure-storage-sas",
        ".github/workflows/upload.yml",
        "      UPLOAD_URL: https://contoso.blob.core.windows.net/in?sv=2022-11-02&sp=r&se=2030-01-01&sig={S}",
        &sig,
    );
    assert_eq!(
        c.rewrite(),
        "      UPLOAD_URL: https://contoso.blob.core.windows.net/in?${{ secrets.UPLOAD_SAS }}"
    );
}

#[test]
fn no_rewrite_where_none_is_safe() {
    let card = "4111111111111111";
    let s = case(
        "payment-card-number",
        "tests/data.py",
        r#"CARD = "{S}""#,
        card,
    )
    .suggest();
    assert_eq!(s.line, None);
    assert!(s.steps[0].contains("do not move it"));
    let t = github_token();
    let s = case(
        "github-pat",
        "docs/setup.md",
        "Use the token {S} to log in.",
        &t,
    )
    .suggest();
    assert_eq!(s.line, None);
    assert!(s.steps[0].starts_with("No rewrite"));
    // A span that runs past the line.
    let s = suggest(&Target {
        rule_id: "private-key",
        path: "k.pem",
        head: "",
        line: "-----BEGIN",
        previous_line: None,
        span: 0..99,
        key: None,
    });
    assert_eq!(s.line, None);
}
