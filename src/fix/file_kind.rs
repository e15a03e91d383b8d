//! What kind of file a finding is in, which decides how a reference to a setting is written.

/// File types with their own way of reading a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `.github/workflows/*.yml`: `${{ secrets.NAME }}`.
    GithubWorkflow,
    /// Azure Pipelines YAML: `$(NAME)` from a Key Vault-linked variable group.
    AzurePipelines,
    /// Shell scripts: `"${NAME:?}"`, which fails when the variable is unset.
    Shell,
    /// `.env` files: `"${NAME:?}"` too (Docker Compose and most dotenv loaders expand it).
    DotEnv,
    /// Docker Compose files: `${NAME:?}`, interpolated from the environment by Compose.
    Compose,
    /// PowerShell: `$env:NAME`.
    PowerShell,
    /// Python: `os.environ["NAME"]`.
    Python,
    /// JavaScript and TypeScript: `process.env.NAME`.
    JavaScript,
    /// C#: `Environment.GetEnvironmentVariable("NAME")`.
    CSharp,
    /// ASP.NET `appsettings*.json`: read by the app itself, so the value is emptied and the
    /// configuration key named; App Service supplies it from Key Vault.
    AppSettings,
    /// Azure Functions `local.settings.json`: the `Values` are app settings, so a Key Vault
    /// reference (`@Microsoft.KeyVault(SecretUri=…)`).
    FunctionsSettings,
    /// Bicep: a `@secure()` parameter fed by `getSecret`.
    Bicep,
    /// ARM template: a `securestring` parameter.
    ArmTemplate,
    /// ARM parameter file: a Key Vault `reference`.
    ArmParameters,
    /// Terraform: `var.name` declared `sensitive`.
    Terraform,
    /// Terraform variable values (`*.tfvars`): cannot reference anything.
    TerraformVars,
    /// Kubernetes manifests: a `secretKeyRef`.
    Kubernetes,
    /// Anything else: no rewrite, steps only.
    Other,
}

impl FileKind {
    /// Tells the kind from the path, and for YAML and JSON from the start of the file
    /// (`head`), since Kubernetes manifests, pipelines and ARM templates have no fixed names.
    pub fn detect(path: &str, head: &str) -> Self {
        let lower = path.replace('\\', "/").to_ascii_lowercase();
        let file = lower.rsplit('/').next().unwrap_or(&lower);
        let ext = file.rsplit_once('.').map_or("", |(_, e)| e);
        let yaml = matches!(ext, "yml" | "yaml");
        if yaml
            && (lower.starts_with(".github/workflows/") || lower.contains("/.github/workflows/"))
        {
            return Self::GithubWorkflow;
        }
        if yaml && is_azure_pipelines(&lower, file, head) {
            return Self::AzurePipelines;
        }
        if yaml && (file.starts_with("docker-compose") || file.starts_with("compose.")) {
            return Self::Compose;
        }
        if yaml && has_top_level(head, "apiVersion:") && has_top_level(head, "kind:") {
            return Self::Kubernetes;
        }
        if file == ".env" || file.starts_with(".env.") || ext == "env" {
            return Self::DotEnv;
        }
        if file == "local.settings.json" {
            return Self::FunctionsSettings;
        }
        if file.starts_with("appsettings") && ext == "json" {
            return Self::AppSettings;
        }
        if ext == "json" {
            if head.contains("deploymentParameters.json") {
                return Self::ArmParameters;
            }
            if head.contains("deploymentTemplate.json") {
                return Self::ArmTemplate;
            }
        }
        match ext {
            "sh" | "bash" | "zsh" | "ksh" => Self::Shell,
            "ps1" | "psm1" => Self::PowerShell,
            "py" => Self::Python,
            "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" => Self::JavaScript,
            "cs" => Self::CSharp,
            "bicep" => Self::Bicep,
            "tf" => Self::Terraform,
            "tfvars" => Self::TerraformVars,
            _ => Self::Other,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::GithubWorkflow => "GitHub workflow",
            Self::AzurePipelines => "Azure Pipelines YAML",
            Self::Shell => "shell script",
            Self::DotEnv => ".env file",
            Self::Compose => "Docker Compose file",
            Self::PowerShell => "PowerShell script",
            Self::Python => "Python",
            Self::JavaScript => "JavaScript/TypeScript",
            Self::CSharp => "C#",
            Self::AppSettings => "appsettings JSON",
            Self::FunctionsSettings => "Functions local.settings.json",
            Self::Bicep => "Bicep",
            Self::ArmTemplate => "ARM template",
            Self::ArmParameters => "ARM parameter file",
            Self::Terraform => "Terraform",
            Self::TerraformVars => "Terraform variable values",
            Self::Kubernetes => "Kubernetes manifest",
            Self::Other => "file",
        }
    }
}

fn is_azure_pipelines(lower: &str, file: &str, head: &str) -> bool {
    file.contains("azure-pipelines")
        || lower.starts_with(".azure-pipelines/")
        || lower.contains("/.azure-pipelines/")
        || lower.starts_with(".azuredevops/")
        || lower.contains("/.azuredevops/")
        || (["trigger:", "pr:", "pool:", "stages:", "jobs:", "extends:"]
            .iter()
            .any(|k| has_top_level(head, k))
            && ["steps:", "stages:", "jobs:", "extends:"]
                .iter()
                .any(|k| head.lines().any(|l| l.trim_start().starts_with(k))))
}

/// Whether a line of `text` starts with `key` at column 0.
fn has_top_level(text: &str, key: &str) -> bool {
    text.lines().any(|l| l.starts_with(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_paths_and_heads() {
        let k = FileKind::detect;
        assert_eq!(k(".github/workflows/ci.yml", ""), FileKind::GithubWorkflow);
        assert_eq!(k("azure-pipelines.yml", ""), FileKind::AzurePipelines);
        assert_eq!(
            k(
                "ci/build.yml",
                "trigger:\n- main\npool:\n  vmImage: x\nsteps:\n"
            ),
            FileKind::AzurePipelines
        );
        assert_eq!(
            k("deploy/app.yaml", "apiVersion: apps/v1\nkind: Deployment\n"),
            FileKind::Kubernetes
        );
        assert_eq!(k("config/other.yml", "a: 1\n"), FileKind::Other);
        assert_eq!(k("scripts/deploy.sh", ""), FileKind::Shell);
        assert_eq!(k(".env.production", ""), FileKind::DotEnv);
        assert_eq!(k("docker-compose.prod.yml", ""), FileKind::Compose);
        assert_eq!(k("build/sign.ps1", ""), FileKind::PowerShell);
        assert_eq!(k("app/main.py", ""), FileKind::Python);
        assert_eq!(k("web/src/api.ts", ""), FileKind::JavaScript);
        assert_eq!(k("Api/Program.cs", ""), FileKind::CSharp);
        assert_eq!(
            k("Api/appsettings.Development.json", ""),
            FileKind::AppSettings
        );
        assert_eq!(k("fn/local.settings.json", ""), FileKind::FunctionsSettings);
        assert_eq!(k("infra/main.bicep", ""), FileKind::Bicep);
        let arm = "{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",";
        assert_eq!(k("infra/azuredeploy.json", arm), FileKind::ArmTemplate);
        let params = arm.replace("deploymentTemplate", "deploymentParameters");
        assert_eq!(
            k("infra/azuredeploy.parameters.json", &params),
            FileKind::ArmParameters
        );
        assert_eq!(k("infra/main.tf", ""), FileKind::Terraform);
        assert_eq!(k("infra/prod.tfvars", ""), FileKind::TerraformVars);
        assert_eq!(k("README.md", ""), FileKind::Other);
    }
}
