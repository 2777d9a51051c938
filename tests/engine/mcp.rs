//! The MCP endpoint end to end: the real engine breaks a real
//! `chaos-target` service in blind mode, and two clients of the official
//! SDK (`rmcp`, Streamable HTTP, protocol 2025-06-18) drive `POST /mcp`:
//! an operator's assistant with the control token (it injects, reads the
//! status and the timeline, pauses, resumes, clears and reads the
//! scorecard) and a responder agent with the agent token (it sees three
//! tools, lists the targets, probes the service itself and reports what it
//! finds). The scorecard then shows that responder with one true and one
//! false positive. No token is 401, a wrong one 403; bad arguments are
//! tool errors naming the field, and journal nothing; no tool result or
//! error the agent gets names the active fault.

use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, ClientCapabilities, ClientConfig, Implementation, ProtocolVersion,
};
use rmcp::service::RunningService;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};

use crate::helpers::{journal, start_with_api, wait_until, Engine, Workspace};
use crate::http;
use crate::target_harness::TargetService;

const CONTROL: &str = "control-token-mcp";
const AGENT: &str = "agent-token-mcp";
const WAIT: Duration = Duration::from_secs(30);

/// An MCP client session.
pub type Client = RunningService<RoleClient, ClientConfig>;

/// An MCP client named `name` on the engine's `/mcp` with `token`.
pub async fn connect(api: u16, token: &str, name: &str) -> Client {
    let config =
        StreamableHttpClientTransportConfig::with_uri(format!("http://127.0.0.1:{api}/mcp"))
            .auth_header(token);
    let transport = StreamableHttpClientTransport::from_config(config);
    ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new(name, "1.0.0"),
    )
    .with_protocol_version(ProtocolVersion::V_2025_06_18)
    .serve(transport)
    .await
    .unwrap_or_else(|err| panic!("{name} cannot connect: {err}"))
}

/// The names of the tools `client` is offered, sorted.
pub async fn tool_names(client: &Client) -> Vec<String> {
    let mut names: Vec<String> = client
        .list_tools(None)
        .await
        .expect("tools/list")
        .tools
        .iter()
        .map(|tool| tool.name.to_string())
        .collect();
    names.sort();
    names
}

/// Calls `tool` with `arguments`: its JSON (`structuredContent`) and
/// whether it is a tool error; panics on a protocol error.
pub async fn call(client: &Client, tool: &str, arguments: Value) -> (Value, bool) {
    let mut request = CallToolRequestParams::new(tool.to_owned());
    if let Value::Object(arguments) = arguments {
        request = request.with_arguments(arguments);
    }
    let result = client
        .call_tool(request)
        .await
        .unwrap_or_else(|err| panic!("{tool}: {err}"));
    let value = result
        .structured_content
        .clone()
        .unwrap_or_else(|| json!({ "content": format!("{:?}", result.content) }));
    (value, result.is_error == Some(true))
}

/// `call`, which must succeed.
async fn ok(client: &Client, tool: &str, arguments: Value) -> Value {
    let (value, is_error) = call(client, tool, arguments).await;
    assert!(!is_error, "{tool} failed: {value}");
    value
}

/// The engine on `targets` with both tokens, journalling to
/// `journal.jsonl` in `ws`, with `extra` arguments: the engine, its API
/// port and the journal's path.
fn engine_with_tokens(
    ws: &Workspace,
    targets: &std::path::Path,
    extra: &[&str],
) -> (Engine, u16, std::path::PathBuf) {
    let journal_path = ws.path("journal.jsonl");
    let args = [
        &[
            "--targets",
            targets.to_str().unwrap(),
            "--journal",
            journal_path.to_str().unwrap(),
        ],
        extra,
    ]
    .concat();
    let (engine, api) = start_with_api(
        &args,
        &[("CHAOS_API_TOKEN", CONTROL), ("CHAOS_AGENT_TOKEN", AGENT)],
    );
    (engine, api, journal_path)
}

/// A runtime for the SDK's client, on this test's thread.
pub fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// The engine's journal lines of `event`.
fn events(path: &std::path::Path, event: &str) -> Vec<Value> {
    journal(path)
        .into_iter()
        .filter(|line| line["event"] == event)
        .collect()
}

#[test]
fn an_agent_and_an_operator_over_mcp_break_report_and_score() {
    let ws = Workspace::new();
    let orders = TargetService::start("orders", &ws.path("orders.json"));
    let targets = ws.targets(&format!(
        "defaults:\n  interval: 2h\n  recovery: 30s\n  startup_wait: 1h\n  scenarios:\n\
         \x20   - {{ name: CONFIG_ERROR, mode: config_error, weight: 1, category: misconfiguration }}\n\
         policy:\n  min_interval: 0\n  blind: true\ntargets:\n\
         \x20 - {{ name: orders, state_file: '{{dir}}/orders.json', probe: {{ url: 'http://127.0.0.1:{}/orders', period: 100ms, timeout: 400ms }} }}\n",
        orders.port
    ));
    let (mut engine, api, journal_path) = engine_with_tokens(&ws, &targets, &[]);

    // Refused before MCP reads the request: no token 401, a wrong one 403.
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "curl", "version": "1"}}})
    .to_string();
    let post = |token: Option<&str>| {
        http::post_json_with(api, "/mcp", &initialize, token, Duration::from_secs(10))
            .expect("POST /mcp")
    };
    let missing = post(None);
    assert_eq!(missing.status, 401, "{}", missing.body);
    let wrong = post(Some("not-the-token"));
    assert_eq!(wrong.status, 403, "{}", wrong.body);
    for refused in [&missing, &wrong] {
        assert!(
            refused
                .head
                .to_ascii_lowercase()
                .contains("www-authenticate: bearer"),
            "{}",
            refused.head
        );
    }

    let runtime = client_runtime();
    runtime.block_on(async {
        let agent = connect(api, AGENT, "mcp-responder").await;
        let operator = connect(api, CONTROL, "operator-assistant").await;
        assert_eq!(
            tool_names(&agent).await,
            ["list_targets", "my_findings", "report_finding"]
        );
        assert_eq!(
            tool_names(&operator).await,
            [
                "clear",
                "inject",
                "list_targets",
                "my_findings",
                "pause",
                "report_finding",
                "resume",
                "scorecard",
                "status",
                "timeline"
            ]
        );
        // Every answer the agent gets, to check none names the fault.
        let mut seen_by_agent: Vec<String> = Vec::new();

        // No operator tool is callable with the agent token.
        for tool in ["status", "inject", "scorecard", "timeline"] {
            let refused = agent
                .call_tool(CallToolRequestParams::new(tool))
                .await
                .expect_err("an operator tool for the agent");
            assert!(refused.to_string().contains("tool not found"), "{refused}");
            seen_by_agent.push(refused.to_string());
        }
        let listed = ok(&agent, "list_targets", json!({})).await;
        assert_eq!(
            listed,
            json!({"targets": [{"name": "orders", "kind": "state_file"}]})
        );
        seen_by_agent.push(listed.to_string());

        // Bad arguments: a tool error naming the field; nothing journalled.
        for (arguments, field) in [
            (json!({"target": "orders", "kind": "found"}), "`kind`"),
            (json!({"target": "nowhere", "kind": "detected"}), "`target`"),
            (
                json!({"target": "orders", "kind": "detected", "colour": "red"}),
                "colour",
            ),
        ] {
            let (answer, is_error) = call(&agent, "report_finding", arguments).await;
            assert!(is_error && answer.to_string().contains(field), "{answer}");
            seen_by_agent.push(answer.to_string());
        }
        let (answer, is_error) = call(
            &operator,
            "inject",
            json!({"target": "orders", "scenario": "CONFIG_ERROR", "for": "soon"}),
        )
        .await;
        assert!(is_error && answer.to_string().contains("`for`"), "{answer}");
        assert!(events(&journal_path, "finding").is_empty());
        assert!(events(&journal_path, "injected").is_empty());

        // The operator breaks the service for 4 s.
        let injected = ok(
            &operator,
            "inject",
            json!({"target": "orders", "scenario": "CONFIG_ERROR", "for": "4s"}),
        )
        .await;
        let failure = &injected["injected"];
        let held =
            failure["expires_at"].as_f64().unwrap() - failure["injected_at"].as_f64().unwrap();
        assert!((held - 4.0).abs() < 0.01, "held {held}s: {injected}");
        let status = ok(&operator, "status", json!({})).await;
        assert_eq!(status["targets"][0]["name"], "orders", "{status}");

        // The agent finds out with its own probe, and reports.
        wait_until(WAIT, "the service to answer 500", || {
            http::get(orders.port, "/orders", Duration::from_millis(400))
                .is_ok_and(|answer| answer.status == 500)
        });
        for (kind, extra) in [
            ("detected", json!({})),
            (
                "diagnosed",
                json!({"mode": "config_error", "category": "misconfiguration"}),
            ),
        ] {
            let mut arguments = json!({"target": "orders", "kind": kind});
            arguments
                .as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            let answer = ok(&agent, "report_finding", arguments).await;
            let mut keys: Vec<&String> = answer.as_object().unwrap().keys().collect();
            keys.sort();
            assert_eq!(keys, ["id", "timestamp"], "{answer}");
            seen_by_agent.push(answer.to_string());
        }
        for answer in &seen_by_agent {
            for secret in [
                "CONFIG_ERROR",
                "config_error",
                "misconfiguration",
                failure["id"].as_str().unwrap(),
            ] {
                assert!(
                    !answer.contains(secret),
                    "the agent was shown {secret}: {answer}"
                );
            }
        }

        // Over by its hold; a detection long after is a false alarm.
        wait_until(WAIT, "the failure's end in the journal", || {
            !events(&journal_path, "ended").is_empty()
        });
        wait_until(WAIT, "the service healthy again", || {
            http::get(orders.port, "/orders", Duration::from_millis(400))
                .is_ok_and(|answer| answer.status == 200)
        });
        std::thread::sleep(Duration::from_secs(2));
        ok(
            &agent,
            "report_finding",
            json!({"target": "orders", "kind": "detected", "note": "looks slow"}),
        )
        .await;
        let mine = ok(&agent, "my_findings", json!({})).await;
        let findings = mine["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 3, "{mine}");
        assert!(findings
            .iter()
            .all(|shown| shown["responder"] == "mcp-responder"));

        let card = ok(
            &operator,
            "scorecard",
            json!({"responder": "mcp-responder", "grace": "500ms"}),
        )
        .await;
        let figures = &card["responders"][0]["figures"];
        assert_eq!(
            card["responders"][0]["responder"], "mcp-responder",
            "{card}"
        );
        assert_eq!(figures["true_positives"], 1, "{card}");
        assert_eq!(figures["false_positives"], 1, "{card}");
        assert_eq!(figures["false_negatives"], 0, "{card}");

        let timeline = ok(&operator, "timeline", json!({})).await;
        assert!(timeline["events"].as_array().is_some_and(|e| !e.is_empty()));
        assert_eq!(
            ok(&operator, "pause", json!({"target": "orders"})).await,
            json!({"paused": ["orders"]})
        );
        assert_eq!(
            ok(&operator, "resume", json!({})).await,
            json!({"resumed": ["orders"]})
        );
        let (answer, is_error) = call(&operator, "pause", json!({"target": "nowhere"})).await;
        assert!(
            is_error && answer.to_string().contains("nowhere"),
            "{answer}"
        );
        ok(&operator, "clear", json!({"target": "orders"})).await;
        agent.cancel().await.expect("agent closes");
        operator.cancel().await.expect("operator closes");
    });
    let (status, _) = engine.terminate();
    assert!(status.success(), "the engine exits 0");
    let findings = events(&journal_path, "finding");
    assert_eq!(findings.len(), 3, "{findings:?}");
}

#[test]
fn findings_over_mcp_keep_to_the_findings_limit() {
    let ws = Workspace::new();
    let targets = ws.targets(
        "defaults:\n  interval: 2h\n  startup_wait: 1h\ntargets:\n\
         \x20 - { name: orders, state_file: '{dir}/orders.json' }\n",
    );
    let (mut engine, api, journal_path) =
        engine_with_tokens(&ws, &targets, &["--findings-rate", "2/1h"]);
    let runtime = client_runtime();
    runtime.block_on(async {
        let agent = connect(api, AGENT, "eager").await;
        let finding = json!({"target": "orders", "kind": "detected"});
        for _ in 0..2 {
            ok(&agent, "report_finding", finding.clone()).await;
        }
        let (answer, is_error) = call(&agent, "report_finding", finding).await;
        assert!(is_error, "{answer}");
        assert!(
            answer
                .to_string()
                .contains("too many findings from responder `eager`"),
            "{answer}"
        );
        agent.cancel().await.expect("the agent closes");
    });
    engine.terminate();
    assert_eq!(
        events(&journal_path, "finding").len(),
        2,
        "the refused one is not journalled"
    );
}
