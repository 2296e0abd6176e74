//! A profile's sign-in settings, as the config file keeps them under `[profiles.NAME]`.
//!
//! Which app, tenant and cloud; which store holds the tokens; which capability sets decide the
//! scopes; and, written by `auth login`, how the profile signed in and as whom. None of it is a
//! secret — the tokens themselves are only ever in the token store — so `msgate config list`
//! can show all of it.

use std::path::PathBuf;

use msgate_core::config::keys::PROFILES_TABLE;
use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Cloud;
use toml_edit::{Array, DocumentMut, Item, Table, Value};

use crate::store::StoreKind;

/// Microsoft Graph Command Line Tools: a public client Microsoft registers in every tenant, so
/// signing in needs no app registration of one's own.
pub const DEFAULT_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// Work and school accounts: Teams has no personal-account Graph API.
pub const DEFAULT_TENANT: &str = "organizations";

/// How a profile signed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Browser,
    DeviceCode,
    ClientSecret,
    Certificate,
    Federated,
}

impl Flow {
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Browser => "browser",
            Flow::DeviceCode => "device_code",
            Flow::ClientSecret => "client_secret",
            Flow::Certificate => "certificate",
            Flow::Federated => "federated",
        }
    }

    fn parse(name: &str) -> Option<Flow> {
        [
            Flow::Browser,
            Flow::DeviceCode,
            Flow::ClientSecret,
            Flow::Certificate,
            Flow::Federated,
        ]
        .into_iter()
        .find(|f| f.as_str() == name)
    }

    /// App-only flows act as the application, not as a person.
    pub fn is_app_only(self) -> bool {
        matches!(
            self,
            Flow::ClientSecret | Flow::Certificate | Flow::Federated
        )
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub client_id: Option<String>,
    pub tenant: Option<String>,
    pub cloud: Option<String>,
    pub login_url: Option<String>,
    pub graph_url: Option<String>,
    pub token_store: Option<StoreKind>,
    pub token_key_file: Option<PathBuf>,
    pub capabilities: Option<Vec<String>>,
    pub extra_scopes: Vec<String>,
    pub flow: Option<Flow>,
    pub certificate_file: Option<PathBuf>,
    pub federated_token_file: Option<PathBuf>,
    pub account: Option<String>,
    pub account_id: Option<String>,
    pub tenant_id: Option<String>,
    pub granted_scopes: Vec<String>,
}

/// Keys that describe a sign-in rather than a preference: cleared by `auth logout`.
const SIGN_IN_KEYS: &[&str] = &[
    "flow",
    "certificate_file",
    "federated_token_file",
    "account",
    "account_id",
    "tenant_id",
    "granted_scopes",
];

impl Profile {
    /// The profile `name` as the config document describes it (empty when absent).
    pub fn read(doc: Option<&DocumentMut>, name: &str) -> Profile {
        let table = doc
            .and_then(|d| d.get(PROFILES_TABLE))
            .and_then(|p| p.get(name))
            .and_then(Item::as_table_like);
        let text = |key: &str| {
            table
                .and_then(|t| t.get(key))
                .and_then(Item::as_str)
                .map(str::to_owned)
        };
        let list = |key: &str| -> Option<Vec<String>> {
            table
                .and_then(|t| t.get(key))
                .and_then(Item::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
        };
        Profile {
            name: name.to_owned(),
            client_id: text("client_id"),
            tenant: text("tenant"),
            cloud: text("cloud"),
            login_url: text("login_url"),
            graph_url: text("graph_url"),
            token_store: text("token_store").and_then(|s| s.parse().ok()),
            token_key_file: text("token_key_file").map(PathBuf::from),
            capabilities: list("capabilities"),
            extra_scopes: list("extra_scopes").unwrap_or_default(),
            flow: text("flow").as_deref().and_then(Flow::parse),
            certificate_file: text("certificate_file").map(PathBuf::from),
            federated_token_file: text("federated_token_file").map(PathBuf::from),
            account: text("account"),
            account_id: text("account_id"),
            tenant_id: text("tenant_id"),
            granted_scopes: list("granted_scopes").unwrap_or_default(),
        }
    }

    /// Write every setting into `[profiles.NAME]`, keeping the table's other keys and comments.
    pub fn write(&self, doc: &mut DocumentMut) {
        let Some(table) = profile_table(doc, &self.name) else {
            return;
        };
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        let texts = [
            ("client_id", self.client_id.clone()),
            ("tenant", self.tenant.clone()),
            ("cloud", self.cloud.clone()),
            ("login_url", self.login_url.clone()),
            ("graph_url", self.graph_url.clone()),
            (
                "token_store",
                self.token_store.map(|s| s.as_str().to_owned()),
            ),
            ("token_key_file", path(&self.token_key_file)),
            ("flow", self.flow.map(|f| f.as_str().to_owned())),
            ("certificate_file", path(&self.certificate_file)),
            ("federated_token_file", path(&self.federated_token_file)),
            ("account", self.account.clone()),
            ("account_id", self.account_id.clone()),
            ("tenant_id", self.tenant_id.clone()),
        ];
        for (key, value) in texts {
            match value {
                Some(value) => table[key] = toml_edit::value(value),
                None => {
                    table.remove(key);
                }
            }
        }
        let lists = [
            (
                "capabilities",
                self.capabilities.clone().unwrap_or_default(),
            ),
            ("extra_scopes", self.extra_scopes.clone()),
            ("granted_scopes", self.granted_scopes.clone()),
        ];
        for (key, values) in lists {
            if values.is_empty() && !(key == "capabilities" && self.capabilities.is_some()) {
                table.remove(key);
            } else {
                table[key] = Item::Value(Value::Array(values.iter().collect::<Array>()));
            }
        }
    }

    /// Forget the sign-in (who, how, what was granted), keeping the preferences.
    pub fn clear_sign_in(doc: &mut DocumentMut, name: &str) {
        if let Some(table) = doc
            .get_mut(PROFILES_TABLE)
            .and_then(|p| p.get_mut(name))
            .and_then(Item::as_table_like_mut)
        {
            for key in SIGN_IN_KEYS {
                table.remove(key);
            }
        }
    }

    pub fn client_id(&self) -> &str {
        self.client_id.as_deref().unwrap_or(DEFAULT_CLIENT_ID)
    }

    pub fn tenant(&self) -> &str {
        self.tenant.as_deref().unwrap_or(DEFAULT_TENANT)
    }

    pub fn store_kind(&self) -> StoreKind {
        self.token_store.unwrap_or(StoreKind::Keyring)
    }

    pub fn is_signed_in(&self) -> bool {
        self.flow.is_some()
    }

    /// The capability sets (the defaults when the profile names none).
    pub fn capabilities(&self) -> Vec<String> {
        self.capabilities.clone().unwrap_or_else(|| {
            crate::scopes::DEFAULT_CAPABILITIES
                .iter()
                .map(|s| (*s).to_owned())
                .collect()
        })
    }

    /// The cloud the profile signs in to and calls Graph in.
    pub fn cloud(&self) -> Result<Cloud> {
        match (self.cloud.as_deref(), &self.login_url, &self.graph_url) {
            (Some("custom") | None, Some(login), Some(graph)) => Cloud::custom(graph, login),
            (Some("custom"), _, _) => Err(Error::new(
                ErrorCode::ConfigInvalid,
                format!(
                    "profile '{}' uses a custom cloud but lacks login_url or graph_url",
                    self.name
                ),
            )),
            (Some(name), _, _) => name.parse(),
            (None, _, _) => Ok(Cloud::Global),
        }
    }

    /// Record `cloud` in the profile.
    pub fn set_cloud(&mut self, cloud: &Cloud) {
        match cloud {
            Cloud::Custom { graph, login } => {
                self.cloud = Some("custom".to_owned());
                self.login_url = Some(login.as_str().trim_end_matches('/').to_owned());
                self.graph_url = Some(graph.as_str().trim_end_matches('/').to_owned());
            }
            national => {
                self.cloud = Some(national.to_string());
                self.login_url = None;
                self.graph_url = None;
            }
        }
    }
}

/// `[profiles.NAME]`, created when missing (and replacing a non-table there).
fn profile_table<'d>(doc: &'d mut DocumentMut, name: &str) -> Option<&'d mut Table> {
    let profiles = doc.entry(PROFILES_TABLE).or_insert_with(|| {
        let mut table = Table::new();
        table.set_implicit(true);
        Item::Table(table)
    });
    if !profiles.is_table() {
        *profiles = Item::Table(Table::new());
    }
    let profile = &mut profiles[name];
    if !profile.is_table() {
        *profile = Item::Table(Table::new());
    }
    profile.as_table_mut()
}

/// Names of the profiles the config file defines.
pub fn names(doc: Option<&DocumentMut>) -> Vec<String> {
    doc.and_then(|d| d.get(PROFILES_TABLE))
        .and_then(Item::as_table_like)
        .map(|t| t.iter().map(|(k, _)| k.to_owned()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_back_keeping_other_keys() {
        let mut doc: DocumentMut = "[profiles.work] # mine\noutput = \"csv\"\n"
            .parse()
            .unwrap();
        let mut profile = Profile {
            name: "work".into(),
            tenant: Some("contoso.example.invalid".into()),
            token_store: Some(StoreKind::File),
            capabilities: Some(vec!["chat".into(), "mail".into()]),
            flow: Some(Flow::DeviceCode),
            account: Some("ada@contoso.example.invalid".into()),
            granted_scopes: vec!["Chat.ReadWrite".into()],
            ..Profile::default()
        };
        profile.set_cloud(&Cloud::UsGov);
        profile.write(&mut doc);
        let text = doc.to_string();
        assert!(text.contains("output = \"csv\""), "{text}");
        assert!(text.contains("# mine"), "{text}");
        assert_eq!(Profile::read(Some(&doc), "work"), profile);
        assert_eq!(profile.cloud().unwrap(), Cloud::UsGov);

        Profile::clear_sign_in(&mut doc, "work");
        let cleared = Profile::read(Some(&doc), "work");
        assert!(!cleared.is_signed_in());
        assert_eq!(cleared.account, None);
        assert_eq!(cleared.tenant.as_deref(), Some("contoso.example.invalid"));
        assert_eq!(cleared.token_store, Some(StoreKind::File));
    }

    #[test]
    fn defaults_are_the_graph_cli_app_and_organizations() {
        let profile = Profile::read(None, "default");
        assert_eq!(profile.client_id(), DEFAULT_CLIENT_ID);
        assert_eq!(profile.tenant(), "organizations");
        assert_eq!(profile.store_kind(), StoreKind::Keyring);
        assert_eq!(profile.cloud().unwrap(), Cloud::Global);
        assert_eq!(profile.capabilities(), ["chat", "people"]);
    }
}
