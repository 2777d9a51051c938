//! Blind mode and the responder API (`/findings`) against the real binary:
//! with an active failure injected through the control token, no read
//! reachable with the agent token or with none reveals it (the MCP
//! endpoint's headers, tool results and errors included), and bad findings
//! never reach the journal.

use std::time::Duration;

use crate::helpers::{journal_events, start_with_api, Engine, Workspace};
use crate::http;

const TIMEOUT: Duration = Duration::from_secs(10);
const CONTROL: &str = "control-s3cret";
const AGENT: &str = "agent-s3cret";

fn get(port: u16, path: &str, token: Option<&str>) -> http::Response {
    http::get_with(port, path, token, TIMEOUT).unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

fn post(port: u16, path: &str, body: &str, token: Option<&str>) -> http::Response {
    http::post_json_with(port, path, body, token, TIMEOUT)
        .unwrap_or_else(|e| panic!("POST {path}: {e}"))
}

/// A single-target engine in blind mode (both tokens), its first injection
/// ten minutes away, journalling to `journal.jsonl` in its workspace, with
/// `extra` arguments; answers the workspace, the engine and its API port.
fn blind_engine(extra: &[&str]) -> (Workspace, Engine, u16) {
    let ws = Workspace::new();
    let state = ws.path("s.json");
    let journal = ws.path("journal.jsonl");
    let env = [
        ("FAILURE_STATE_FILE", state.to_str().unwrap()),
        ("CHAOS_API_TOKEN", CONTROL),
        ("CHAOS_AGENT_TOKEN", AGENT),
    ];
    let args = [
        &[
            "--startup-wait",
            "600",
            "--journal",
            journal.to_str().unwrap(),
        ],
        extra,
    ]
    .concat();
    let (engine, port) = start_with_api(&args, &env);
    (ws, engine, port)
}

#[test]
fn in_blind_mode_nothing_but_the_control_token_reveals_the_active_failure() {
    let (ws, mut engine, port) = blind_engine(&["--recovery", "300s", "--interval", "600s"]);
    let journal = ws.path("journal.jsonl");
    let page_before = get(port, "/", None);
    assert_eq!(page_before.status, 200);

    let injected = post(
        port,
        "/inject",
        r#"{"target": "target-app", "mode": "corrupt"}"#,
        Some(CONTROL),
    );
    assert_eq!(injected.status, 200, "{}", injected.body);
    let id = injected.json()["injected"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The control token sees it.
    let status = get(port, "/status", Some(CONTROL));
    assert_eq!(status.status, 200);
    assert!(status.body.contains(&id) && status.body.contains("corrupt"));
    assert_eq!(get(port, "/metrics", Some(CONTROL)).status, 200);
    assert_eq!(get(port, "/timeline", Some(CONTROL)).status, 200);

    // Nothing else does: every read, every method, unknown paths.
    let reveals = |response: &http::Response| {
        let text = format!("{}\n{}", response.head, response.body);
        text.contains(&id) || text.contains("corrupt")
    };
    for token in [None, Some(AGENT), Some("wrong")] {
        for path in ["/status", "/timeline", "/metrics", "/status?x=1"] {
            let answer = get(port, path, token);
            assert!(
                answer.status == 401 || answer.status == 403,
                "GET {path} with {token:?}: {} {}",
                answer.status,
                answer.body
            );
            assert!(
                !reveals(&answer),
                "GET {path} with {token:?}: {}",
                answer.body
            );
        }
        for path in [
            "/healthz",
            "/",
            "/findings",
            "/nowhere",
            "/pause",
            "/inject",
        ] {
            let answer = get(port, path, token);
            assert!(
                !reveals(&answer),
                "GET {path} with {token:?}: {}",
                answer.body
            );
        }
        for path in [
            "/status",
            "/timeline",
            "/metrics",
            "/healthz",
            "/",
            "/nowhere",
        ] {
            let answer = post(port, path, "{}", token);
            assert!(
                !reveals(&answer),
                "POST {path} with {token:?}: {}",
                answer.body
            );
        }
        // Control endpoints refuse the agent token too; their answers name
        // no target state.
        for path in ["/pause", "/clear", "/reload", "/resume"] {
            let answer = post(port, path, "", token);
            assert_eq!(answer.status, 401, "POST {path} with {token:?}");
            assert!(
                !reveals(&answer),
                "POST {path} with {token:?}: {}",
                answer.body
            );
        }
    }
    // The MCP endpoint: no header, result or error the agent token gets
    // names it, and without a token or with a wrong one MCP never answers.
    let initialize = r#"{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "probe", "version": "1"}}}"#;
    // (The agent token passes the check; a bare POST then lacks the Accept
    // header MCP asks for.)
    for (token, status) in [(None, 401), (Some("wrong"), 403), (Some(AGENT), 406)] {
        let answer = post(port, "/mcp", initialize, token);
        assert_eq!(
            answer.status, status,
            "POST /mcp with {token:?}: {}",
            answer.body
        );
        assert!(
            !reveals(&answer),
            "POST /mcp with {token:?}: {}{}",
            answer.head,
            answer.body
        );
    }
    let runtime = crate::mcp::client_runtime();
    runtime.block_on(async {
        let agent = crate::mcp::connect(port, AGENT, "blind-agent").await;
        let mut answers = vec![format!("{:?}", agent.peer_info())];
        for (tool, arguments) in [
            ("list_targets", serde_json::json!({})),
            ("my_findings", serde_json::json!({})),
            (
                "report_finding",
                serde_json::json!({"target": "target-app", "kind": "guess"}),
            ),
        ] {
            let (answer, _) = crate::mcp::call(&agent, tool, arguments).await;
            answers.push(answer.to_string());
        }
        for tool in ["status", "timeline", "scorecard", "inject", "clear"] {
            let refused = agent
                .call_tool(rmcp::model::CallToolRequestParams::new(tool))
                .await
                .expect_err("an operator tool for the agent");
            answers.push(refused.to_string());
        }
        for answer in answers {
            assert!(
                !answer.contains(&id) && !answer.contains("corrupt"),
                "MCP with the agent token: {answer}"
            );
        }
        agent.cancel().await.expect("the agent closes");
    });
    assert_eq!(
        get(port, "/healthz", None).status,
        200,
        "/healthz stays open"
    );
    let page = get(port, "/", None);
    assert_eq!(page.body, page_before.body, "the page carries no state");
    assert_eq!(get(port, "/metrics", Some(AGENT)).status, 403);
    assert_eq!(get(port, "/status", None).status, 401);
    engine.terminate();
    assert!(
        journal_events(&journal, "finding").is_empty(),
        "nothing was posted"
    );
}

#[test]
fn findings_are_checked_whole_journalled_with_the_server_time_and_read_back() {
    let (ws, mut engine, port) = blind_engine(&[]);
    let journal = ws.path("journal.jsonl");
    let good = r#"{"responder": "bot", "target": "target-app", "kind": "detected", "category": "availability", "note": "500s"}"#;
    let oversize = format!(
        r#"{{"responder": "bot", "target": "target-app", "kind": "detected", "note": "{}"}}"#,
        "x".repeat(4096)
    );
    for (body, token, status, says) in [
        (good.to_owned(), None, 401, "CHAOS_AGENT_TOKEN"),
        (good.to_owned(), Some("wrong"), 401, "wrong bearer token"),
        (
            good.replace("target-app", "nope"),
            Some(AGENT),
            400,
            "`target`: no target named `nope`",
        ),
        (
            good.replace("detected", "noticed"),
            Some(AGENT),
            400,
            "`kind` must be",
        ),
        (
            good.replace(r#""responder": "bot", "#, ""),
            Some(AGENT),
            400,
            "missing field `responder`",
        ),
        (
            good.replace(r#""note""#, r#""severity""#),
            Some(AGENT),
            400,
            "unknown field `severity`",
        ),
        (oversize, Some(AGENT), 413, "body larger than 4096 bytes"),
        ("{bad".to_owned(), Some(AGENT), 400, "body must be"),
    ] {
        let answer = post(port, "/findings", &body, token);
        assert_eq!(answer.status, status, "{}", answer.body);
        let error = answer.json()["error"].as_str().unwrap().to_owned();
        assert!(error.contains(says), "{error}");
    }
    assert!(journal_events(&journal, "finding").is_empty());

    let before = now();
    let created = post(port, "/findings", good, Some(AGENT));
    let after = now();
    assert_eq!(created.status, 201, "{}", created.body);
    let created = created.json();
    let id = created["id"].as_str().unwrap();
    let stamp = created["timestamp"].as_f64().unwrap();
    assert!(
        before - 0.001 <= stamp && stamp <= after + 0.001,
        "{before} {stamp} {after}"
    );
    let lead = post(
        port,
        "/findings",
        r#"{"responder": "lead", "target": "target-app", "kind": "mitigated"}"#,
        Some(CONTROL),
    );
    assert_eq!(lead.status, 201, "{}", lead.body);

    let findings = journal_events(&journal, "finding");
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert_eq!(findings[0]["id"], id);
    assert_eq!(findings[0]["timestamp"].as_f64(), Some(stamp));
    assert_eq!(findings[0]["responder"], "bot");
    assert_eq!(findings[0]["category"], "availability");
    assert_eq!(findings[0]["note"], "500s");

    let responders = |token| {
        let answer = get(port, "/findings", Some(token));
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["responder"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(responders(AGENT), ["bot"], "the agent reads only its own");
    assert_eq!(responders(CONTROL), ["bot", "lead"]);
    assert_eq!(get(port, "/findings", None).status, 401);
    engine.terminate();
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// `--findings-rate 3/1h`: five quick findings of one responder get three
/// 201s and two 429s (whatever the machine's speed: one comes back every
/// 20 minutes), with `Retry-After` and a JSON error that, in blind mode,
/// shows nothing of the active failure; only the accepted ones are
/// journalled.
#[test]
fn findings_beyond_the_limit_get_429_with_retry_after_and_are_not_journalled() {
    let (ws, mut engine, port) = blind_engine(&[
        "--recovery",
        "300s",
        "--interval",
        "600s",
        "--findings-rate",
        "3/1h",
    ]);
    let journal = ws.path("journal.jsonl");
    let injected = post(
        port,
        "/inject",
        r#"{"target": "target-app", "mode": "corrupt"}"#,
        Some(CONTROL),
    );
    assert_eq!(injected.status, 200, "{}", injected.body);
    let id = injected.json()["injected"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let finding = r#"{"responder": "bot", "target": "target-app", "kind": "detected"}"#;
    let answers: Vec<http::Response> = (0..5)
        .map(|_| post(port, "/findings", finding, Some(AGENT)))
        .collect();
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [201, 201, 201, 429, 429]);
    for refused in &answers[3..] {
        let head = refused.head.to_ascii_lowercase();
        let retry_after = head
            .lines()
            .find_map(|line| line.strip_prefix("retry-after:"))
            .map(str::trim)
            .and_then(|value| value.parse::<u64>().ok());
        assert!(
            retry_after.is_some_and(|s| (1..=1200).contains(&s)),
            "{head}"
        );
        let error = refused.json()["error"].as_str().unwrap().to_owned();
        assert!(
            error.starts_with("too many findings from responder `bot`: at most 3/3600s"),
            "{error}"
        );
        let text = format!("{}\n{}", refused.head, refused.body);
        assert!(!text.contains(&id) && !text.contains("corrupt"), "{text}");
    }
    let findings = journal_events(&journal, "finding");
    assert_eq!(findings.len(), 3, "{findings:?}");
    engine.terminate();
}
