//! The MCP server driven by a real MCP client (rmcp's), against the sandbox tenant, over both
//! transports: what an agent sees in `tools/list`, what every tool answers, what the policy
//! refuses, and how the HTTP transport guards the account.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use msgate_core::Secret;
use msgate_graph::{ClientOptions, Cloud, GraphClient, StaticToken};
use msgate_mcp::{BearerToken, FileRoot, HttpOptions, Mode, Selection, Server, ServerOptions};
use msgate_ops::policy::{Origin, Pattern, Policy, Preset};
use msgate_ops::{Catalog, Ctx, Face};
use msgate_sandbox::{Sandbox, SandboxOptions};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Map, Value, json};

const CONSENT_URL: &str = "https://login.example.invalid/common/v2.0/adminconsent";
const TOKEN: &str = "fake-mcp-token-0123456789abcdefghijklmnop";

type Client = RunningService<RoleClient, ()>;

struct Rig {
    sandbox: Sandbox,
    state: tempfile::TempDir,
}

impl Rig {
    async fn start() -> Rig {
        let sandbox = Sandbox::start(SandboxOptions {
            strict_requests: true,
            ..SandboxOptions::default()
        })
        .await
        .unwrap();
        Rig {
            sandbox,
            state: tempfile::tempdir().unwrap(),
        }
    }

    async fn server(&self, preset: Option<Preset>, selection: Selection, mode: Mode) -> Server {
        self.server_with(preset, |_| {}, selection, mode).await
    }

    async fn server_with(
        &self,
        preset: Option<Preset>,
        adjust: impl FnOnce(&mut ServerOptions),
        selection: Selection,
        mode: Mode,
    ) -> Server {
        self.server_as(
            &msgate_sandbox::all_delegated_permissions(),
            preset,
            adjust,
            selection,
            mode,
        )
        .await
    }

    /// A server signed in with `scopes`, under `preset`, its options then changed by `adjust`.
    async fn server_as(
        &self,
        scopes: &[String],
        preset: Option<Preset>,
        adjust: impl FnOnce(&mut ServerOptions),
        selection: Selection,
        mode: Mode,
    ) -> Server {
        let info = self.sandbox.info();
        let cloud = Cloud::custom(&info.graph_url, &info.login_url).unwrap();
        let signed_in = self.sandbox.sign_in(None, scopes).await.unwrap();
        let tokens = std::sync::Arc::new(StaticToken::new(signed_in.access_token, "the sandbox"));
        let graph = GraphClient::new(ClientOptions::new(cloud), tokens).unwrap();
        let mut policy = Policy::unconfigured(Origin::File {
            path: "test-policy.toml".into(),
        });
        policy.preset = preset;
        let mut options = ServerOptions {
            policy,
            profile: "default".into(),
            state_root: Some(self.state.path().to_path_buf()),
            selection,
            mode,
            files: None,
            consent_url: Some(CONSENT_URL.into()),
        };
        adjust(&mut options);
        let ctx = Ctx::new(graph, Face::Mcp, Some(self.state.path().join("default")));
        Server::new(ctx, options)
    }
}

/// A client talking to `server` over an in-process pipe, as over stdio.
async fn over_pipe(server: Server) -> Client {
    let (client_side, server_side) = tokio::io::duplex(1 << 20);
    let (server_read, server_write) = tokio::io::split(server_side);
    tokio::spawn(msgate_mcp::serve_streams(server, server_read, server_write));
    ().serve(client_side).await.unwrap()
}

fn http_options(token: Option<&str>) -> HttpOptions {
    HttpOptions {
        bind: "127.0.0.1".parse().unwrap(),
        token: token.map(|t| BearerToken::new(&Secret::new(t), "test").unwrap()),
        allow_insecure: token.is_none(),
        allowed_hosts: Vec::new(),
        allowed_origins: Vec::new(),
        max_body_bytes: 64 * 1024,
        rate_per_minute: 600,
    }
}

/// Serves `server` over HTTP on a free loopback port; returns its base URL.
async fn over_http(server: Server, options: HttpOptions) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(msgate_mcp::serve_http(
        server,
        listener,
        options,
        std::future::pending(),
    ));
    base
}

/// The default server over HTTP with [`TOKEN`]; its base URL.
async fn default_over_http(rig: &Rig) -> String {
    over_http(
        rig.server(None, Selection::default_set(), Mode::Tools)
            .await,
        http_options(Some(TOKEN)),
    )
    .await
}

/// An `initialize` request, as a raw HTTP client sends it.
fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
}

/// A POST of `body` to `/mcp` with the Accept header streamable HTTP wants.
fn mcp_post(http: &reqwest::Client, base: &str, body: &Value) -> reqwest::RequestBuilder {
    http.post(format!("{base}/mcp"))
        .header("accept", "application/json, text/event-stream")
        .json(body)
}

async fn http_client(base: &str, token: &str) -> Client {
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(format!("{base}/mcp")).auth_header(token),
    );
    ().serve(transport).await.unwrap()
}

async fn call(client: &Client, tool: &str, args: Value) -> CallToolResult {
    let args: Map<String, Value> = args.as_object().cloned().unwrap_or_default();
    client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(args))
        .await
        .unwrap_or_else(|e| panic!("{tool}: a protocol error instead of a result: {e}"))
}

/// The id of the signed-in user's most recently active chat.
async fn first_chat(client: &Client) -> String {
    let chats = call(client, "chat_list", json!({"max_items": 1})).await;
    structured(&chats)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn structured(result: &CallToolResult) -> &Value {
    result
        .structured_content
        .as_ref()
        .expect("structured content")
}

fn error_code(result: &CallToolResult) -> Option<&str> {
    (result.is_error == Some(true)).then(|| structured(result)["error"]["code"].as_str().unwrap())
}

/// Checks `value` against the parts of JSON Schema msgate's output schemas use.
fn conforms(at: &str, value: &Value, schema: &Value) {
    if let Some(branches) = schema["anyOf"].as_array() {
        assert!(
            branches
                .iter()
                .any(|b| std::panic::catch_unwind(|| conforms(at, value, b)).is_ok()),
            "{at}: {value} matches no branch of {schema}"
        );
        return;
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return,
    };
    let actual = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    assert!(
        types.contains(&actual) || (actual == "integer" && types.contains(&"number")),
        "{at}: {value} is {actual}, the schema says {types:?}"
    );
    if let (Value::Object(object), Some(properties)) = (value, schema["properties"].as_object()) {
        for (name, property) in properties {
            if let Some(member) = object.get(name) {
                conforms(&format!("{at}.{name}"), member, property);
            }
        }
        for name in schema["required"].as_array().into_iter().flatten() {
            assert!(
                object.contains_key(name.as_str().unwrap()),
                "{at}: no {name}"
            );
        }
    }
    if let (Value::Array(items), Some(item)) = (value, schema.get("items")) {
        for (i, member) in items.iter().enumerate() {
            conforms(&format!("{at}[{i}]"), member, item);
        }
    }
}

#[tokio::test]
async fn the_default_tool_list_covers_every_area_in_under_24_kb() {
    let rig = Rig::start().await;
    let client = over_pipe(
        rig.server(None, Selection::default_set(), Mode::Tools)
            .await,
    )
    .await;
    let info = client.peer_info().unwrap();
    assert_eq!(info.server_info.as_ref().unwrap().name, "msgate");
    assert!(info.capabilities.tools.is_some());
    let tools = client.list_all_tools().await.unwrap();
    let bytes = serde_json::to_vec(&json!({ "tools": tools }))
        .unwrap()
        .len();
    assert!(bytes <= 24 * 1024, "tools/list is {bytes} bytes");
    for area in [
        "team",
        "chat",
        "message",
        "user",
        "presence",
        "mail",
        "calendar",
        "files",
        "meeting",
        "transcript",
        "search",
    ] {
        assert!(
            tools
                .iter()
                .any(|t| t.name == area || t.name.starts_with(&format!("{area}_"))),
            "no {area} tool in the default list"
        );
    }
}

#[tokio::test]
async fn annotations_and_schemas_follow_the_catalog() {
    let rig = Rig::start().await;
    let client = over_pipe(rig.server(None, Selection::all(), Mode::Tools).await).await;
    let tools: Vec<Tool> = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), Catalog::get().entries().len());
    for entry in Catalog::get().entries() {
        let spec = entry.spec;
        let tool = tools.iter().find(|t| t.name == spec.tool_name()).unwrap();
        let hints = tool.annotations.as_ref().unwrap();
        let reads = spec.risk == msgate_ops::Risk::Read;
        assert_eq!(hints.read_only_hint, Some(reads), "{}", spec.name);
        // MCP defines the other two hints only for tools that change something.
        let expected = |hint: bool| (!reads).then_some(hint);
        assert_eq!(
            hints.destructive_hint,
            expected(spec.risk == msgate_ops::Risk::Destructive),
            "{}",
            spec.name
        );
        assert_eq!(
            hints.idempotent_hint,
            expected(spec.idempotent),
            "{}",
            spec.name
        );
        assert_eq!(hints.open_world_hint, Some(true));
        assert_eq!(tool.input_schema["type"], "object", "{}", spec.name);
        assert_eq!(
            tool.output_schema.as_ref().unwrap()["type"],
            "object",
            "{}",
            spec.name
        );
        let text = serde_json::to_string(&tool.input_schema).unwrap();
        assert!(
            !text.contains("\"x-"),
            "{}: msgate's extensions leak",
            spec.name
        );
    }
}

#[tokio::test]
async fn every_tool_answers_with_a_result_over_both_transports() {
    let rig = Rig::start().await;
    let piped = over_pipe(
        rig.server(Some(Preset::Full), Selection::all(), Mode::Tools)
            .await,
    )
    .await;
    let base = over_http(
        rig.server(Some(Preset::Full), Selection::all(), Mode::Tools)
            .await,
        http_options(Some(TOKEN)),
    )
    .await;
    let remote = http_client(&base, TOKEN).await;
    let codes: Vec<&str> = msgate_core::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    for client in [&piped, &remote] {
        for tool in client.list_all_tools().await.unwrap() {
            // No input at all: every tool must still answer with a result an agent can read —
            // its output, or an error from the taxonomy — never a protocol failure.
            let result = call(client, &tool.name, json!({})).await;
            match error_code(&result) {
                Some(code) => assert!(codes.contains(&code), "{}: unknown code {code}", tool.name),
                None => conforms(
                    &tool.name,
                    structured(&result),
                    &Value::Object((**tool.output_schema.as_ref().unwrap()).clone()),
                ),
            }
            assert!(!result.content.is_empty(), "{}: no text", tool.name);
        }
    }
}

#[tokio::test]
async fn tools_read_the_tenant_and_follow_cursors() {
    let rig = Rig::start().await;
    let client = over_pipe(rig.server(None, Selection::all(), Mode::Tools).await).await;
    let first = call(&client, "chat_list", json!({"max_items": 2})).await;
    assert_eq!(error_code(&first), None, "{first:?}");
    let page = structured(&first);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let cursor = page["next_cursor"].as_str().expect("more chats than two");
    let text = first.content[0].as_text().unwrap().text.clone();
    assert!(
        text.starts_with("2 items\n") && text.contains(cursor),
        "{text}"
    );
    let second = call(
        &client,
        "chat_list",
        json!({"max_items": 2, "cursor": cursor}),
    )
    .await;
    assert_ne!(structured(&second)["items"][0], page["items"][0]);

    let me = call(&client, "user_me", json!({})).await;
    assert!(
        structured(&me)["email"].as_str().unwrap().contains('@'),
        "{me:?}"
    );

    // A read in every area answers with what its output schema promises.
    let tools = client.list_all_tools().await.unwrap();
    let chat = page["items"][0]["id"].clone();
    for (tool, args) in [
        ("chat_list", json!({"max_items": 2})),
        ("user_me", json!({})),
        ("inbox", json!({"since": "-30d"})),
        ("team_list", json!({})),
        ("message_list", json!({"chat": chat, "max_items": 3})),
        ("user_search", json!({"query": "a"})),
        ("presence_get", json!({})),
        ("mail_list", json!({"max_items": 3})),
        ("calendar_list", json!({})),
        ("files_ls", json!({})),
        ("meeting_list", json!({})),
        ("search", json!({"query": "release"})),
        ("todo_lists", json!({})),
    ] {
        let result = call(&client, tool, args).await;
        assert_eq!(error_code(&result), None, "{tool}: {result:?}");
        let schema = tools.iter().find(|t| t.name == tool).unwrap();
        conforms(
            tool,
            structured(&result),
            &Value::Object((**schema.output_schema.as_ref().unwrap()).clone()),
        );
    }
}

#[tokio::test]
async fn under_the_default_read_only_policy_a_write_is_denied_and_says_how_to_allow_it() {
    let rig = Rig::start().await;
    let client = over_pipe(
        rig.server(None, Selection::default_set(), Mode::Tools)
            .await,
    )
    .await;
    let chat = first_chat(&client).await;
    let result = call(
        &client,
        "message_send",
        json!({"chat": chat, "text": "hello"}),
    )
    .await;
    assert_eq!(error_code(&result), Some("policy_denied"), "{result:?}");
    let error = &structured(&result)["error"];
    assert_eq!(error["exit"], 16);
    assert!(
        error["message"].as_str().unwrap().contains("read-only"),
        "{error}"
    );
    assert!(error["hint"].is_string());
    let log = std::fs::read_to_string(rig.state.path().join("audit.jsonl")).unwrap();
    assert!(
        log.contains("\"face\":\"mcp\"") && log.contains("message.send"),
        "{log}"
    );
}

#[tokio::test]
async fn a_policy_that_allows_writes_lets_an_agent_send_and_confirmations_need_a_client_that_can_ask()
 {
    let rig = Rig::start().await;
    let client = over_pipe(
        rig.server_with(
            Some(Preset::Standard),
            |options| options.policy.confirm = vec![Pattern::parse("message.reply").unwrap()],
            Selection::default_set(),
            Mode::Tools,
        )
        .await,
    )
    .await;
    let chat = first_chat(&client).await;
    let sent = call(
        &client,
        "message_send",
        json!({"chat": chat, "text": "fake hello from an agent"}),
    )
    .await;
    assert_eq!(error_code(&sent), None, "{sent:?}");
    let listed = call(
        &client,
        "message_list",
        json!({"chat": chat, "max_items": 1}),
    )
    .await;
    assert!(
        structured(&listed)["items"][0]["text"]
            .as_str()
            .unwrap()
            .contains("fake hello from an agent"),
        "{listed:?}"
    );
    let id = structured(&sent)["id"].as_str().unwrap().to_owned();
    let reply = call(
        &client,
        "message_reply",
        json!({"chat": chat, "id": id, "text": "again"}),
    )
    .await;
    assert_eq!(error_code(&reply), Some("policy_denied"), "{reply:?}");
    let message = structured(&reply)["error"]["message"].as_str().unwrap();
    assert!(message.contains("elicitation"), "{message}");
}

/// A client whose user answers every confirmation with `approve`.
#[derive(Clone)]
struct Person {
    approve: bool,
    asked: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl rmcp::ClientHandler for Person {
    fn get_info(&self) -> rmcp::model::ClientConfig {
        rmcp::model::ClientConfig::new(
            rmcp::model::ClientCapabilities::builder()
                .enable_elicitation()
                .build(),
            rmcp::model::Implementation::new("test-with-a-person", "1"),
        )
    }

    async fn create_elicitation(
        &self,
        request: rmcp::model::ElicitRequestParams,
        _context: rmcp::service::RequestContext<RoleClient>,
    ) -> Result<rmcp::model::ElicitResult, rmcp::ErrorData> {
        if let rmcp::model::ElicitRequestParams::FormElicitationParams { message, .. } = request {
            self.asked.lock().unwrap().push(message);
        }
        Ok(
            rmcp::model::ElicitResult::new(rmcp::model::ElicitationAction::Accept)
                .with_content(json!({"approve": self.approve})),
        )
    }
}

#[tokio::test]
async fn a_confirmation_asks_the_person_through_elicitation() {
    let rig = Rig::start().await;
    for approve in [true, false] {
        let server = rig
            .server_with(
                Some(Preset::Standard),
                |options| options.policy.confirm = vec![Pattern::parse("message.send").unwrap()],
                Selection::default_set(),
                Mode::Tools,
            )
            .await;
        let (client_side, server_side) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server_side);
        tokio::spawn(msgate_mcp::serve_streams(server, server_read, server_write));
        let person = Person {
            approve,
            asked: Default::default(),
        };
        let client = person.clone().serve(client_side).await.unwrap();
        let chats = client
            .call_tool(
                CallToolRequestParams::new("chat_list")
                    .with_arguments(json!({"max_items": 1}).as_object().cloned().unwrap()),
            )
            .await
            .unwrap();
        let chat = structured(&chats)["items"][0]["id"].clone();
        let sent = client
            .call_tool(
                CallToolRequestParams::new("message_send").with_arguments(
                    json!({"chat": chat, "text": "fake confirmed hello"})
                        .as_object()
                        .cloned()
                        .unwrap(),
                ),
            )
            .await
            .unwrap();
        let asked = person.asked.lock().unwrap().clone();
        assert_eq!(asked.len(), 1, "the person was asked once");
        assert!(asked[0].contains("message.send"), "{asked:?}");
        if approve {
            assert_eq!(sent.is_error, Some(false), "{sent:?}");
        } else {
            let error = &structured(&sent)["error"];
            assert_eq!(error["code"], "policy_denied", "{sent:?}");
            assert!(
                error["message"].as_str().unwrap().contains("not confirmed"),
                "{error}"
            );
        }
    }
}

#[tokio::test]
async fn a_missing_permission_names_it_and_where_an_admin_consents() {
    let rig = Rig::start().await;
    let scopes = ["User.Read".to_owned(), "Chat.Read".to_owned()];
    let client = over_pipe(
        rig.server_as(&scopes, None, |_| {}, Selection::default_set(), Mode::Tools)
            .await,
    )
    .await;
    let result = call(&client, "mail_list", json!({})).await;
    assert_eq!(
        error_code(&result),
        Some("scope_insufficient"),
        "{result:?}"
    );
    let hint = structured(&result)["error"]["hint"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        hint.contains("Mail.Read") && hint.contains(CONSENT_URL),
        "{hint}"
    );
    let text = result.content[0].as_text().unwrap().text.clone();
    assert!(
        text.starts_with("scope_insufficient: ") && text.contains(CONSENT_URL),
        "{text}"
    );
}

#[tokio::test]
async fn a_long_text_is_cut_and_the_rest_follows_with_text_from() {
    let rig = Rig::start().await;
    let client = over_pipe(
        rig.server(Some(Preset::Standard), Selection::all(), Mode::Tools)
            .await,
    )
    .await;
    let chat = first_chat(&client).await;
    let long: String = (0..600).map(|i| format!("word{i:04} ")).collect();
    let sent = call(&client, "message_send", json!({"chat": chat, "text": long})).await;
    assert_eq!(error_code(&sent), None, "{sent:?}");
    let id = structured(&sent)["id"].clone();
    let first = call(&client, "message_get", json!({"chat": chat, "id": id})).await;
    let text = structured(&first)["text"]
        .as_str()
        .unwrap_or_else(|| panic!("{first:?}"))
        .to_owned();
    assert!(
        text.contains("\"text_from\": 4000"),
        "{}",
        &text[text.len() - 120..]
    );
    let rest = call(
        &client,
        "message_get",
        json!({"chat": chat, "id": id, "text_from": 4000}),
    )
    .await;
    let rest = structured(&rest)["text"].as_str().unwrap().to_owned();
    let whole = format!("{}{rest}", &text[..text.find(" […cut").unwrap()]);
    assert_eq!(whole, long.trim_end());
}

#[tokio::test]
async fn an_unknown_tool_is_a_protocol_error() {
    let rig = Rig::start().await;
    let client = over_pipe(
        rig.server(None, Selection::default_set(), Mode::Tools)
            .await,
    )
    .await;
    let answer = client
        .call_tool(CallToolRequestParams::new("team_archive"))
        .await;
    assert!(answer.is_err(), "a tool outside the selection must not run");
}

#[tokio::test]
async fn discovery_mode_finds_describes_and_runs_through_the_policy() {
    let rig = Rig::start().await;
    let client = over_pipe(rig.server(None, Selection::all(), Mode::Discovery).await).await;
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        names,
        ["find_operations", "describe_operation", "run_operation"]
    );
    let found = call(
        &client,
        "find_operations",
        json!({"query": "chat message send"}),
    )
    .await;
    let items = structured(&found)["items"].as_array().unwrap().clone();
    assert!(
        items.iter().any(|i| i["name"] == "message.send"),
        "{items:?}"
    );
    let described = call(&client, "describe_operation", json!({"name": "chat.list"})).await;
    assert!(structured(&described)["input_schema"]["properties"]["max_items"].is_object());
    let listed = call(
        &client,
        "run_operation",
        json!({"name": "chat.list", "input": {"max_items": 1}}),
    )
    .await;
    assert_eq!(structured(&listed)["items"].as_array().unwrap().len(), 1);
    let denied = call(
        &client,
        "run_operation",
        json!({"name": "team.archive", "input": {"team": "x"}}),
    )
    .await;
    assert_eq!(error_code(&denied), Some("policy_denied"));
}

#[tokio::test]
async fn local_files_are_refused_without_allow_files() {
    let rig = Rig::start().await;
    let client = over_pipe(
        rig.server(Some(Preset::Full), Selection::all(), Mode::Tools)
            .await,
    )
    .await;
    let result = call(
        &client,
        "files_upload",
        json!({"local": "/etc/hostname", "remote": "x.txt"}),
    )
    .await;
    assert_eq!(error_code(&result), Some("policy_denied"));
    assert!(
        structured(&result)["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("--allow-files")
    );
}

#[tokio::test]
async fn with_allow_files_tools_reach_files_inside_the_directory_only() {
    let rig = Rig::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("report.txt"), "fake quarterly report").unwrap();
    std::fs::create_dir(dir.path().join("copies")).unwrap();
    let root = FileRoot::new(dir.path()).unwrap();
    let client = over_pipe(
        rig.server_with(
            Some(Preset::Standard),
            |options| options.files = Some(root),
            Selection::all(),
            Mode::Tools,
        )
        .await,
    )
    .await;
    let uploaded = call(
        &client,
        "files_upload",
        json!({"local": "report.txt", "remote": "Documents/"}),
    )
    .await;
    assert_eq!(error_code(&uploaded), None, "{uploaded:?}");
    let saved = call(
        &client,
        "files_download",
        json!({"path": "Documents/report.txt", "out": "copies/"}),
    )
    .await;
    assert_eq!(error_code(&saved), None, "{saved:?}");
    let copy = std::fs::read_to_string(dir.path().join("copies/report.txt")).unwrap();
    assert_eq!(copy, "fake quarterly report");
    for out in ["../escaped.txt", "/tmp/escaped.txt"] {
        let refused = call(
            &client,
            "files_download",
            json!({"path": "Documents/report.txt", "out": out}),
        )
        .await;
        assert_eq!(
            error_code(&refused),
            Some("policy_denied"),
            "{out}: {refused:?}"
        );
    }
    let secret = call(&client, "files_upload", json!({"local": "/etc/hostname"})).await;
    assert_eq!(error_code(&secret), Some("policy_denied"));
}

#[tokio::test]
async fn http_wants_the_right_bearer_token() {
    let rig = Rig::start().await;
    let base = default_over_http(&rig).await;
    let http = reqwest::Client::new();
    let post = |token: Option<&str>| {
        let request = mcp_post(&http, &base, &initialize());
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
        .send()
    };
    let none = post(None).await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(
        none.headers()["www-authenticate"],
        "Bearer realm=\"msgate\""
    );
    let wrong = post(Some("fake-wrong-token-0123456789abcdefghijkl"))
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    let right = post(Some(TOKEN)).await.unwrap();
    assert_eq!(right.status(), 200);

    let health = http.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), r#"{"status":"ok"}"#);

    let client = http_client(&base, TOKEN).await;
    assert!(!client.list_all_tools().await.unwrap().is_empty());
}

#[tokio::test]
async fn http_refuses_foreign_hosts_and_origins_and_big_bodies() {
    let rig = Rig::start().await;
    let base = default_over_http(&rig).await;
    let http = reqwest::Client::new();
    let request = |body: &Value| mcp_post(&http, &base, body).bearer_auth(TOKEN);
    let rebound = request(&initialize())
        .header("host", "attacker.example.invalid")
        .send()
        .await
        .unwrap();
    assert!(rebound.status().is_client_error(), "{}", rebound.status());
    let foreign = request(&initialize())
        .header("origin", "https://attacker.example.invalid")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    let local = request(&initialize())
        .header("origin", "http://localhost:3000")
        .send()
        .await
        .unwrap();
    assert_eq!(local.status(), 200);
    let huge = json!({"jsonrpc": "2.0", "id": 2, "method": "ping", "params": {"pad": "x".repeat(100 * 1024)}});
    let big = request(&huge).send().await.unwrap();
    assert_eq!(big.status(), 413);
}

#[tokio::test]
async fn http_limits_the_rate_per_token() {
    let rig = Rig::start().await;
    let mut options = http_options(Some(TOKEN));
    options.rate_per_minute = 3;
    let base = over_http(
        rig.server(None, Selection::default_set(), Mode::Tools)
            .await,
        options,
    )
    .await;
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let answer = http
            .get(format!("{base}/mcp"))
            .bearer_auth(TOKEN)
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .unwrap();
        statuses.push((
            answer.status().as_u16(),
            answer.headers().get("retry-after").cloned(),
        ));
    }
    let limited: Vec<_> = statuses.iter().filter(|(s, _)| *s == 429).collect();
    assert_eq!(limited.len(), 2, "{statuses:?}");
    assert!(limited.iter().all(|(_, retry)| retry.is_some()));
}
