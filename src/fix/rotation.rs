//! How to rotate a leaked credential, by kind. Removing it from the code is not enough: a
//! pushed secret is in the history, in forks and in CI logs, so it must be made useless.
//!
//! Keyed by rule id prefix here rather than in `rules/*.yml`, so that every rule of one
//! kind shares one text and the rule files stay about detection.

/// The rotation steps for one kind of credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    /// What leaked, for a heading: "Storage account key".
    pub credential: &'static str,
    /// Steps in order; markdown (inline code only).
    pub steps: &'static [&'static str],
}

/// Rule id prefixes and the rotation each kind takes. The first prefix that matches wins.
const ROTATIONS: &[(&[&str], Rotation)] = &[
    (
        &[
            "azure-storage-account-key",
            "azure-storage-connection-string",
        ],
        Rotation {
            credential: "Storage account key",
            steps: &[
                "Find which of the two account keys leaked: compare the redacted prefix with `az storage account keys list -g <group> -n <account>` (`key1` or `key2`).",
                "Move anything that still needs a key to the other one, then renew the leaked key: `az storage account keys renew -g <group> -n <account> --key key1` (or `--key key2`). This also invalidates every account and service SAS signed with it.",
                "Move the app to a managed identity (`DefaultAzureCredential`) with `Storage Blob Data Contributor` (or the queue/table role) on the account, and disable shared key access: `az storage account update -g <group> -n <account> --allow-shared-key-access false`.",
            ],
        },
    ),
    (
        &["azure-storage-sas", "azure-messaging-sas-token"],
        Rotation {
            credential: "Shared access signature (SAS)",
            steps: &[
                "A SAS is valid until its expiry (`se`); it cannot be deleted, only made invalid.",
                "If the token has `si=<policy>`, it is bound to that stored access policy: delete or shorten the policy (`az storage container policy delete --container-name <container> --name <policy> --account-name <account>`) and the SAS stops working.",
                "Without `si`, rotate the key that signed it: `az storage account keys renew -g <group> -n <account> --key key1` (or `key2`); for Service Bus and Event Hubs, `az servicebus namespace authorization-rule keys renew --key PrimaryKey` on the rule named by `skn`.",
                "A user-delegation SAS (it has `skoid` and `sktid`) is revoked with all user delegation keys of the account: `az storage account revoke-delegation-keys -g <group> -n <account>` (REST `revokeUserDelegationKeys`).",
                "Issue short-lived user-delegation SAS at run time from a managed identity instead of storing one.",
            ],
        },
    ),
    (
        &["azure-entra-client-secret"],
        Rotation {
            credential: "Microsoft Entra ID client secret",
            steps: &[
                "Find the secret's key id: `az ad app credential list --id <app-id>` (its `hint` is the secret's first three characters).",
                "Delete it: `az ad app credential delete --id <app-id> --key-id <key-id>`, and review the service principal's sign-in logs since the commit.",
                "Replace the secret with a federated credential (`az ad app federated-credential create`, workload identity federation for GitHub Actions or Azure Pipelines) or, for code running in Azure, a managed identity.",
            ],
        },
    ),
    (
        &["azure-devops-pat"],
        Rotation {
            credential: "Azure DevOps personal access token",
            steps: &[
                "Revoke the token: User settings > Personal access tokens > Revoke (its owner), or an organization administrator revokes it in Organization settings > Microsoft Entra > revoke PATs.",
                "Administrators can list and revoke any user's tokens with the PAT lifecycle management API (`/_apis/tokens/pats`) and the token revocation API (`/_apis/tokenadmin/revocations`).",
                "Replace it with a service connection that uses workload identity federation, or a managed identity / Entra token (`az account get-access-token --resource 499b84ac-1321-427f-aa17-267ca6975798`).",
            ],
        },
    ),
    (
        &["github-"],
        Rotation {
            credential: "GitHub token",
            steps: &[
                "Revoke the token: its owner deletes it under Settings > Developer settings (personal access tokens) or Applications (OAuth and GitHub App authorizations).",
                "Anyone who finds it can have GitHub revoke it and notify the owner through the credential revocation API (`POST /credentials/revoke`), which takes `ghp_`, `github_pat_`, `gho_`, `ghu_` and `ghr_` tokens.",
                "In workflows use the job's `GITHUB_TOKEN` with the least `permissions`, or a GitHub App installation token (`actions/create-github-app-token`), never a personal token.",
            ],
        },
    ),
    (
        &["payment-card-number"],
        Rotation {
            credential: "Payment card number (PAN)",
            steps: &[
                "Treat it as a PCI DSS incident: report it to your security and payments team under the incident response plan; the card issuer may need to reissue the card.",
                "Remove it from the git history (`git filter-repo --replace-text`), from forks and caches, and from CI logs and artifacts; a new commit that deletes the line is not enough.",
                "Never store a PAN in source code or test data: use the processor's published test card numbers or tokens.",
            ],
        },
    ),
];

/// The rotation steps for the rule `rule_id`, if its kind has them.
pub fn rotation(rule_id: &str) -> Option<&'static Rotation> {
    ROTATIONS
        .iter()
        .find(|(prefixes, _)| prefixes.iter().any(|p| rule_id.starts_with(p)))
        .map(|(_, r)| r)
}

/// Every kind, for documentation and tests.
pub fn all() -> impl Iterator<Item = (&'static [&'static str], &'static Rotation)> {
    ROTATIONS.iter().map(|(p, r)| (*p, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_names_its_rotation() {
        let steps = |id: &str| rotation(id).expect(id).steps.join("\n");
        assert!(steps("azure-storage-account-key-legacy").contains("az storage account keys renew"));
        assert!(steps("azure-storage-connection-string").contains("--key key1"));
        let sas = steps("azure-storage-sas");
        assert!(sas.contains("si=") && sas.contains("revokeUserDelegationKeys"));
        assert!(steps("azure-entra-client-secret-legacy").contains("az ad app credential delete"));
        assert!(steps("azure-devops-pat-legacy-unverified").contains("PAT lifecycle"));
        let gh = steps("github-fine-grained-pat");
        for prefix in ["ghp_", "github_pat_", "gho_", "ghu_", "ghr_"] {
            assert!(gh.contains(prefix), "{prefix}");
        }
        assert!(steps("payment-card-number").contains("PCI"));
        assert!(rotation("slack-bot-token").is_none());
    }
}
