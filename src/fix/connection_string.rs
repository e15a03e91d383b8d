//! Azure connection strings with a key: the fix drops the key and connects with a managed
//! identity instead, which needs a role on the resource and no secret at all.

/// Services whose SDKs connect with `DefaultAzureCredential` given the endpoint alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Service {
    Storage,
    /// Service Bus and Event Hubs share the connection string (and the rule).
    Messaging,
    Cosmos,
    Sql,
}

impl Service {
    pub fn of(rule_id: &str) -> Option<Self> {
        match rule_id {
            "azure-storage-connection-string" => Some(Self::Storage),
            "azure-service-bus-connection-string" => Some(Self::Messaging),
            "azure-cosmosdb-connection-string" => Some(Self::Cosmos),
            "azure-sql-connection-string" => Some(Self::Sql),
            _ => None,
        }
    }

    /// Keys of the parts that carry a credential.
    fn secret_keys(self) -> &'static [&'static str] {
        match self {
            Self::Storage => &["accountkey", "sharedaccesssignature"],
            Self::Messaging => &[
                "sharedaccesskeyname",
                "sharedaccesskey",
                "sharedaccesssignature",
            ],
            Self::Cosmos => &["accountkey"],
            Self::Sql => &[
                "password",
                "pwd",
                "user id",
                "userid",
                "uid",
                "user",
                "username",
                "authentication",
                "integrated security",
            ],
        }
    }
}

/// A connection string without its credential, and how to connect without one.
pub(super) struct Keyless {
    pub text: String,
    pub steps: Vec<String>,
}

/// `conn` without the parts that hold a credential. `None` when nothing was dropped (the
/// secret is not in a part this knows) or nothing but the credential is left.
pub(super) fn keyless(service: Service, conn: &str) -> Option<Keyless> {
    let parts = split_parts(conn);
    let key_of = |p: &str| {
        p.split_once('=')
            .map(|(k, _)| k.trim().to_ascii_lowercase())
            .unwrap_or_default()
    };
    let drop = service.secret_keys();
    let kept: Vec<&str> = parts
        .iter()
        .copied()
        .filter(|p| !p.trim().is_empty() && !drop.contains(&key_of(p).as_str()))
        .collect();
    if kept.len() + parts.iter().filter(|p| p.trim().is_empty()).count() == parts.len()
        || kept.is_empty()
    {
        return None;
    }
    let value = |name: &str| {
        kept.iter()
            .find(|p| key_of(p) == name)
            .and_then(|p| p.split_once('='))
            .map(|(_, v)| v.trim().to_string())
    };
    let mut text: Vec<String> = kept.iter().map(|p| p.trim().to_string()).collect();
    if service == Service::Sql {
        text.push("Authentication=Active Directory Managed Identity".to_string());
    }
    let mut text = text.join(";");
    if conn.trim_end().ends_with(';') {
        text.push(';');
    }
    let steps = match service {
        Service::Storage => {
            let account = value("accountname").unwrap_or_else(|| "<account>".into());
            let suffix = value("endpointsuffix").unwrap_or_else(|| "core.windows.net".into());
            vec![
                format!(
                    "Connect with a managed identity: `new BlobServiceClient(new Uri(\"https://{account}.blob.{suffix}\"), new DefaultAzureCredential())` (Python `BlobServiceClient(account_url, credential=DefaultAzureCredential())`); Functions bindings take `<Connection>__accountName`."
                ),
                format!("Grant the app's managed identity the `Storage Blob Data Contributor` role (or `Storage Queue Data Contributor` / `Storage Table Data Contributor` for queues and tables) on the storage account `{account}`, then disable shared key access (`az storage account update --allow-shared-key-access false`)."),
            ]
        }
        Service::Messaging => {
            let ns = value("endpoint")
                .map(|e| {
                    e.trim_start_matches("sb://")
                        .trim_end_matches('/')
                        .to_string()
                })
                .unwrap_or_else(|| "<namespace>.servicebus.windows.net".into());
            vec![
                format!("Connect with a managed identity: pass the fully qualified namespace `{ns}` and `new DefaultAzureCredential()` to `ServiceBusClient` or `EventHubProducerClient`; Functions bindings take `<Connection>__fullyQualifiedNamespace`."),
                "Grant the app's managed identity `Azure Service Bus Data Sender` / `Azure Service Bus Data Receiver` (Event Hubs: `Azure Event Hubs Data Sender` / `Azure Event Hubs Data Receiver`) on the namespace or entity, then disable local (SAS key) authentication.".into(),
            ]
        }
        Service::Cosmos => {
            let endpoint = value("accountendpoint").unwrap_or_else(|| "<account endpoint>".into());
            vec![
                format!("Connect with a managed identity: `new CosmosClient(\"{endpoint}\", new DefaultAzureCredential())`."),
                "Grant the app's managed identity the `Cosmos DB Built-in Data Contributor` data-plane role (`az cosmosdb sql role assignment create`), then disable key-based access (`disableLocalAuth`).".into(),
            ]
        }
        Service::Sql => vec![
            "Connect with a managed identity: the connection string now says `Authentication=Active Directory Managed Identity` (Microsoft.Data.SqlClient; add `User Id=<client id>` for a user-assigned identity).".into(),
            "Azure SQL has no Azure RBAC data role: create a database user for the identity (`CREATE USER [<app identity>] FROM EXTERNAL PROVIDER`) and add it to `db_datareader` / `db_datawriter`, then turn on Microsoft Entra-only authentication.".into(),
        ],
    };
    Some(Keyless { text, steps })
}

/// `;`-separated parts; a value in quotes or braces may hold `;`.
fn split_parts(conn: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut close: Option<char> = None;
    let mut at_value_start = false;
    for (i, c) in conn.char_indices() {
        match close {
            Some(q) if c == q => close = None,
            Some(_) => {}
            None => match c {
                ';' => {
                    parts.push(&conn[start..i]);
                    start = i + 1;
                }
                '"' | '\'' if at_value_start => close = Some(c),
                '{' if at_value_start => close = Some('}'),
                _ => {}
            },
        }
        at_value_start = close.is_none() && (c == '=' || (at_value_start && c == ' '));
    }
    parts.push(&conn[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_keep_quoted_values_whole() {
        assert_eq!(
            split_parts("Server=a;Password=\"x;y\";Database={b;c};"),
            vec!["Server=a", "Password=\"x;y\"", "Database={b;c}", ""]
        );
    }

    #[test]
    fn keys_are_dropped_and_identity_added() {
        let sql = keyless(
            Service::Sql,
            "Server=tcp:s.database.windows.net,1433;Database=d;User ID=app;Password={a;b};",
        )
        .expect("rewritten");
        assert_eq!(
            sql.text,
            "Server=tcp:s.database.windows.net,1433;Database=d;Authentication=Active Directory Managed Identity;"
        );
        let sb = keyless(
            Service::Messaging,
            "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=k",
        )
        .expect("rewritten");
        assert_eq!(sb.text, "Endpoint=sb://ns.servicebus.windows.net/");
        assert!(sb.steps[0].contains("`ns.servicebus.windows.net`"));
        assert!(keyless(Service::Cosmos, "AccountKey=k").is_none());
        assert!(keyless(Service::Storage, "AccountName=a").is_none());
    }
}
