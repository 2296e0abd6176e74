//! Shared helpers for msgate-auth's tests: an in-process sandbox tenant on port 0, the
//! endpoints and client msgate would use for it, and a freshly generated self-signed
//! certificate.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use msgate_auth::entra::{Authority, EntraClient};
use msgate_graph::Cloud;
use msgate_sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

pub struct Tenant {
    pub sandbox: Sandbox,
    pub cloud: Cloud,
    pub client: EntraClient,
    pub http: reqwest::Client,
}

pub async fn tenant_with(options: SandboxOptions) -> Tenant {
    let sandbox = Sandbox::start(options).await.unwrap();
    let info = sandbox.info();
    let cloud = Cloud::custom(&info.graph_url, &info.login_url).unwrap();
    Tenant {
        sandbox,
        cloud,
        client: EntraClient::new().unwrap(),
        http: reqwest::Client::new(),
    }
}

pub async fn tenant() -> Tenant {
    tenant_with(SandboxOptions::default()).await
}

impl Tenant {
    pub fn authority(&self) -> Authority {
        Authority::new(&self.cloud, "organizations")
    }

    /// The sandbox tenant by id, as app-only sign-ins name it.
    pub fn tenant_authority(&self) -> Authority {
        Authority::new(&self.cloud, &self.sandbox.info().tenant_id)
    }

    pub fn control(&self, path: &str) -> String {
        format!("{}/_sandbox/{path}", self.sandbox.info().login_url)
    }

    pub async fn post_control(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(self.control(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// How many times the token endpoint was called since the sandbox started.
    pub async fn token_requests(&self) -> usize {
        let log: Value = self
            .http
            .get(self.control("requests"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        log["value"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["path"].as_str().unwrap().ends_with("/oauth2/v2.0/token"))
            .count()
    }

    /// GET a Graph path with `token`; the status.
    pub async fn graph_status(&self, token: &str, path: &str) -> u16 {
        self.http
            .get(format!("{}{path}", self.sandbox.info().graph_url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// A workload identity token from the sandbox's own test issuer.
    pub async fn workload_token(&self, subject: &str, lifetime_s: i64) -> String {
        let minted = self
            .post_control(
                "workload/token",
                json!({"subject": subject, "lifetime_s": lifetime_s}),
            )
            .await;
        minted["token"].as_str().unwrap().to_owned()
    }

    pub fn workload_issuer(&self) -> String {
        self.control("workload")
    }
}

/// A new RSA key and a self-signed certificate for it: (certificate PEM, key PEM).
pub fn self_signed_certificate() -> (String, String) {
    let key = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .unwrap();
    let params =
        rcgen::CertificateParams::new(vec!["msgate-test.example.invalid".to_owned()]).unwrap();
    let certificate = params.self_signed(&key).unwrap();
    (certificate.pem(), key.serialize_pem())
}
