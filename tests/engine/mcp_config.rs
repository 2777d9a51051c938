//! `chaos-engine mcp-config`: the MCP clients' configuration from the real
//! binary, its exit codes, and that a token's value set in the environment
//! never reaches its output.

use std::process::Output;

use crate::helpers::run_once;

const AGENT_VALUE: &str = "agent-token-value-1f3a";
const API_VALUE: &str = "api-token-value-9c2e";

/// Both tokens set, as on a machine running the engine.
const TOKENS: [(&str, &str); 2] = [
    ("CHAOS_AGENT_TOKEN", AGENT_VALUE),
    ("CHAOS_API_TOKEN", API_VALUE),
];

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_no_token_value(output: &Output) {
    let (stdout, stderr) = text(output);
    for value in [AGENT_VALUE, API_VALUE] {
        assert!(!stdout.contains(value), "stdout leaks {value}: {stdout}");
        assert!(!stderr.contains(value), "stderr leaks {value}: {stderr}");
    }
}

#[test]
fn every_client_for_the_agent_from_the_api_address() {
    let env = [TOKENS[0], TOKENS[1], ("CHAOS_HTTP_ADDR", "0.0.0.0:9797")];
    let output = run_once(&["mcp-config"], &env);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("http://127.0.0.1:9797/mcp"), "{stdout}");
    assert!(stdout.contains("CHAOS_AGENT_TOKEN"), "{stdout}");
    assert!(!stdout.contains("CHAOS_API_TOKEN"), "{stdout}");
    for heading in ["Claude Code", "Claude Desktop", "Cursor", "VS Code"] {
        assert!(stdout.contains(&format!("\n## {heading}")), "{stdout}");
    }
    assert_no_token_value(&output);
}

#[test]
fn one_client_for_the_operator_is_its_json_alone() {
    let url = "https://chaos.example:8443/mcp";
    let output = run_once(
        &[
            "mcp-config",
            "--operator",
            "--client",
            "cursor",
            "--url",
            url,
        ],
        &TOKENS,
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    let server = &value["mcpServers"]["chaos-engine-operator"];
    assert_eq!(server["url"], url);
    assert_eq!(
        server["headers"]["Authorization"],
        "Bearer ${env:CHAOS_API_TOKEN}"
    );
    assert!(stderr.starts_with("note: "), "{stderr}");
    assert_no_token_value(&output);

    let output = run_once(
        &[
            "mcp-config",
            "--client",
            "claude-code",
            "--http",
            "127.0.0.1:7000",
        ],
        &TOKENS,
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        text(&output).0,
        "claude mcp add --transport http chaos-engine http://127.0.0.1:7000/mcp \
         --header \"Authorization: Bearer ${CHAOS_AGENT_TOKEN}\"\n"
    );
    assert_no_token_value(&output);
}

#[test]
fn no_address_and_bad_input_exit_2_naming_the_flag() {
    let cases: [(&[&str], &str); 6] = [
        (&["mcp-config"], "--url URL"),
        (&["mcp-config", "--agent", "--operator"], "--operator"),
        (
            &["mcp-config", "--url", "http://h/mcp", "--client", "emacs"],
            "--client",
        ),
        (&["mcp-config", "--url", "ftp://h/mcp"], "--url"),
        (&["mcp-config", "--http", "nowhere"], "--http"),
        (
            &[
                "mcp-config",
                "--url",
                &format!("http://h/mcp?t={API_VALUE}"),
            ],
            "--url: the URL contains the value of CHAOS_API_TOKEN",
        ),
    ];
    for (args, expected) in cases {
        let output = run_once(args, &TOKENS);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert_no_token_value(&output);
    }
}
