//! Who the sandbox tenant is: its id and domain, and the apps registered in it.

use crate::ids;

/// Microsoft Graph Command Line Tools: the public client msgate signs in with by default, so a
/// plain `msgate auth login` works against the sandbox as it does against Microsoft.
pub const PUBLIC_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

pub const DOMAIN: &str = "larkspur.example.invalid";
pub const DISPLAY_NAME: &str = "Larkspur Labs (sandbox)";

#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: String,
    pub confidential_client_id: String,
    pub confidential_client_secret: String,
}

impl Tenant {
    /// The demo tenant: fixed ids, and a client secret new on every start (or kept in `--data`).
    pub fn new(confidential_client_secret: String) -> Self {
        Tenant {
            id: ids::stable_guid("sandbox-tenant"),
            confidential_client_id: ids::stable_guid("sandbox-confidential-client"),
            confidential_client_secret,
        }
    }

    pub fn new_client_secret() -> String {
        format!("sandbox-fake-secret-{}", ids::random_token(24))
    }

    /// `common`, `organizations`, the tenant id and its domain all name this tenant.
    pub fn accepts(&self, tenant: &str) -> bool {
        tenant == "common"
            || tenant == "organizations"
            || tenant.eq_ignore_ascii_case(&self.id)
            || tenant.eq_ignore_ascii_case(DOMAIN)
    }

    pub fn is_known_client(&self, client_id: &str) -> bool {
        client_id == PUBLIC_CLIENT_ID || client_id == self.confidential_client_id
    }
}
