//! Nothing runs around the choke point: every operation in the catalog, called through
//! `Catalog::invoke` with a gate that refuses, is stopped before it sends a single Graph request
//! — and the gate is asked exactly once per operation. (That the implementation cannot be
//! reached any other way is proven at compile time: see the `compile_fail` example on `Entry`.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::Mutex;

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::{BoxFuture, ClientOptions, Cloud, GraphClient, StaticToken};
use msgate_ops::catalog::Pass;
use msgate_ops::{Catalog, Ctx, Face, Gate, OpenGate, Spec};
use msgate_sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

/// Refuses every call and remembers what it was asked.
#[derive(Debug, Default)]
struct Refusing {
    asked: Mutex<Vec<&'static str>>,
}

impl Gate for Refusing {
    fn admit<'a>(
        &'a self,
        _ctx: &'a Ctx,
        spec: &'static Spec,
        _input: &'a Value,
    ) -> BoxFuture<'a, Result<Box<dyn Pass>>> {
        Box::pin(async move {
            self.asked.lock().unwrap().push(spec.name);
            Err(Error::new(
                ErrorCode::PolicyDenied,
                format!("the test refuses {}", spec.name),
            ))
        })
    }
}

async fn graph_requests(sandbox: &Sandbox) -> u64 {
    let stats: Value = reqwest::get(format!("{}/_sandbox/stats", sandbox.info().login_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["graph_requests"].as_u64().unwrap()
}

#[tokio::test]
async fn every_operation_asks_the_gate_first_and_a_refusal_sends_nothing() {
    let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let info = sandbox.info().clone();
    let token = sandbox
        .sign_in(None, &msgate_sandbox::all_delegated_permissions())
        .await
        .unwrap()
        .access_token;
    let graph = GraphClient::new(
        ClientOptions::new(Cloud::custom(&info.graph_url, &info.login_url).unwrap()),
        Arc::new(StaticToken::new(token, "the test")),
    )
    .unwrap();
    let state = tempfile::tempdir().unwrap();
    let ctx = Ctx::new(graph, Face::Cli, Some(state.path().to_path_buf()));
    let catalog = Catalog::get();
    let gate = Refusing::default();
    let before = graph_requests(&sandbox).await;

    for entry in catalog.entries() {
        let err = catalog
            .invoke(&ctx, &gate, entry.spec.name, json!({}))
            .await
            .unwrap_err();
        assert_eq!(
            err.code(),
            ErrorCode::PolicyDenied,
            "{}: {err:?}",
            entry.spec.name
        );
    }

    let asked = gate.asked.lock().unwrap().clone();
    let names: Vec<&str> = catalog.entries().iter().map(|e| e.spec.name).collect();
    assert_eq!(
        asked, names,
        "the gate is asked once for every operation, in order"
    );
    assert_eq!(
        graph_requests(&sandbox).await,
        before,
        "a refused call sends no Graph request"
    );

    // The same path with an open gate does reach Graph: the check above can fail.
    catalog
        .invoke(&ctx, &OpenGate, "chat.list", json!({}))
        .await
        .unwrap();
    assert!(graph_requests(&sandbox).await > before);
    sandbox.shutdown().await;
}
