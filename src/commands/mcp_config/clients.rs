//! What `mcp-config` prints for each MCP client: a command line (Claude
//! Code) or a JSON snippet in the shape the client reads (Claude Desktop
//! through the `mcp-remote` bridge, Cursor, VS Code), with the URL and the
//! token's variable name. Pure text: no environment is read here, so no
//! token value can reach the output.

use serde_json::json;

use crate::cli::McpClient;

/// Which token the client sends, by its variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `CHAOS_AGENT_TOKEN`: a responder agent, which may only report findings.
    Agent,
    /// `CHAOS_API_TOKEN`: the control token.
    Operator,
}

impl Role {
    /// The variable holding the token.
    pub fn variable(self) -> &'static str {
        match self {
            Role::Agent => "CHAOS_AGENT_TOKEN",
            Role::Operator => "CHAOS_API_TOKEN",
        }
    }

    /// The server's name in the client's configuration (distinct, so that
    /// both can be added side by side).
    fn server_name(self) -> &'static str {
        match self {
            Role::Agent => "chaos-engine",
            Role::Operator => "chaos-engine-operator",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Role::Agent => "as the responder agent (may only report findings)",
            Role::Operator => "as the operator (the control token)",
        }
    }
}

/// Every client, in the order they are printed.
pub const ALL_CLIENTS: [McpClient; 4] = [
    McpClient::ClaudeCode,
    McpClient::ClaudeDesktop,
    McpClient::Cursor,
    McpClient::Vscode,
];

/// One client's configuration: the text to paste and a note on the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// The command line or JSON, ending in a newline.
    pub text: String,
    /// How the token reaches the client.
    pub note: String,
}

/// The configuration of `client` for the endpoint `url` and `role`'s token.
pub fn snippet(client: McpClient, url: &str, role: Role) -> Snippet {
    let var = role.variable();
    let name = role.server_name();
    let (value, note) = match client {
        McpClient::ClaudeCode => {
            return Snippet {
                text: format!(
                    "claude mcp add --transport http {name} {} --header \"Authorization: Bearer ${{{var}}}\"\n",
                    shell_quote(url)
                ),
                note: format!(
                    "run it in a shell where {var} is set: the shell puts its value in the header, \
                     which Claude Code keeps in its own configuration"
                ),
            };
        }
        McpClient::ClaudeDesktop => {
            let mut args = vec![
                "-y".to_owned(),
                "mcp-remote".to_owned(),
                url.to_owned(),
                "--header".to_owned(),
                "Authorization:${CHAOS_AUTH_HEADER}".to_owned(),
            ];
            if url.starts_with("http://") {
                args.push("--allow-http".to_owned());
            }
            let value = json!({"mcpServers": {name: {
                "command": "npx",
                "args": args,
                "env": {"CHAOS_AUTH_HEADER": format!("Bearer <value of {var}>")},
            }}});
            let note = format!(
                "Claude Desktop reads only local servers from claude_desktop_config.json and does \
                 not expand environment variables: the mcp-remote bridge (npx, Node.js) carries \
                 the requests; replace <value of {var}> with the token"
            );
            (value, note)
        }
        McpClient::Cursor => {
            let value = json!({"mcpServers": {name: {
                "url": url,
                "headers": {"Authorization": format!("Bearer ${{env:{var}}}")},
            }}});
            let note = format!(
                "for ~/.cursor/mcp.json or .cursor/mcp.json: Cursor reads {var} from the \
                 environment it was started in"
            );
            (value, note)
        }
        McpClient::Vscode => {
            let input = format!("{name}-token");
            let value = json!({
                "servers": {name: {
                    "type": "http",
                    "url": url,
                    "headers": {"Authorization": format!("Bearer ${{input:{input}}}")},
                }},
                "inputs": [{
                    "type": "promptString",
                    "id": input,
                    "description": format!("The value of {var}"),
                    "password": true,
                }],
            });
            let note = format!(
                "for .vscode/mcp.json: VS Code asks once for the value of {var} (the `inputs` \
                 prompt) and keeps it in its secret storage"
            );
            (value, note)
        }
    };
    let text = serde_json::to_string_pretty(&value).unwrap_or_default();
    Snippet {
        text: format!("{text}\n"),
        note,
    }
}

/// Every client's configuration, each under a heading, after a line
/// naming the endpoint and the token's variable.
pub fn render_all(url: &str, role: Role) -> String {
    let mut out = format!(
        "# chaos-engine MCP endpoint {url} (Streamable HTTP), {}.\n\
         # Clients send `Authorization: Bearer <token>`; the token is read from {}, never printed.\n",
        role.describe(),
        role.variable()
    );
    for client in ALL_CLIENTS {
        let Snippet { text, note } = snippet(client, url, role);
        out.push_str(&format!("\n## {}\n\n{text}note: {note}\n", heading(client)));
    }
    out
}

fn heading(client: McpClient) -> &'static str {
    match client {
        McpClient::ClaudeCode => "Claude Code (--client claude-code)",
        McpClient::ClaudeDesktop => {
            "Claude Desktop, claude_desktop_config.json (--client claude-desktop)"
        }
        McpClient::Cursor => "Cursor, mcp.json (--client cursor)",
        McpClient::Vscode => "VS Code, .vscode/mcp.json (--client vscode)",
    }
}

/// `url` as one shell word: as is when it holds only characters no shell
/// treats specially, else in single quotes.
fn shell_quote(url: &str) -> String {
    let plain = url
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || ":/._-%".contains(c));
    if plain {
        url.to_owned()
    } else {
        format!("'{}'", url.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "http://127.0.0.1:9797/mcp";

    #[test]
    fn claude_code_is_one_command_line_with_the_variable() {
        let snippet = snippet(McpClient::ClaudeCode, URL, Role::Agent);
        assert_eq!(
            snippet.text,
            "claude mcp add --transport http chaos-engine http://127.0.0.1:9797/mcp \
             --header \"Authorization: Bearer ${CHAOS_AGENT_TOKEN}\"\n"
        );
        let operator = super::snippet(McpClient::ClaudeCode, URL, Role::Operator);
        assert!(operator.text.contains("chaos-engine-operator"));
        assert!(operator.text.contains("${CHAOS_API_TOKEN}"));
    }

    #[test]
    fn a_url_with_shell_characters_is_quoted() {
        let text = snippet(
            McpClient::ClaudeCode,
            "http://[::1]:9797/mcp?a=1&b='2'",
            Role::Agent,
        )
        .text;
        assert!(
            text.contains(" 'http://[::1]:9797/mcp?a=1&b='\\''2'\\''' "),
            "{text}"
        );
    }

    #[test]
    fn cursor_reads_the_variable_itself() {
        let text = snippet(McpClient::Cursor, URL, Role::Agent).text;
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let server = &value["mcpServers"]["chaos-engine"];
        assert_eq!(server["url"], URL);
        assert_eq!(
            server["headers"]["Authorization"],
            "Bearer ${env:CHAOS_AGENT_TOKEN}"
        );
    }

    #[test]
    fn vscode_uses_servers_type_http_and_a_password_prompt() {
        let snippet = snippet(McpClient::Vscode, URL, Role::Operator);
        let value: serde_json::Value = serde_json::from_str(&snippet.text).unwrap();
        let server = &value["servers"]["chaos-engine-operator"];
        assert_eq!(server["type"], "http");
        assert_eq!(server["url"], URL);
        assert_eq!(
            server["headers"]["Authorization"],
            "Bearer ${input:chaos-engine-operator-token}"
        );
        let input = &value["inputs"][0];
        assert_eq!(input["id"], "chaos-engine-operator-token");
        assert_eq!(input["password"], true);
        assert_eq!(input["description"], "The value of CHAOS_API_TOKEN");
        assert!(snippet.note.contains("CHAOS_API_TOKEN"));
    }

    #[test]
    fn claude_desktop_goes_through_mcp_remote_with_a_placeholder() {
        let snippet = snippet(McpClient::ClaudeDesktop, URL, Role::Agent);
        let value: serde_json::Value = serde_json::from_str(&snippet.text).unwrap();
        let server = &value["mcpServers"]["chaos-engine"];
        assert_eq!(server["command"], "npx");
        assert_eq!(
            server["args"],
            json!([
                "-y",
                "mcp-remote",
                URL,
                "--header",
                "Authorization:${CHAOS_AUTH_HEADER}",
                "--allow-http"
            ])
        );
        assert_eq!(
            server["env"]["CHAOS_AUTH_HEADER"],
            "Bearer <value of CHAOS_AGENT_TOKEN>"
        );
        assert!(snippet
            .note
            .contains("replace <value of CHAOS_AGENT_TOKEN>"));
        let https = super::snippet(
            McpClient::ClaudeDesktop,
            "https://e.example/mcp",
            Role::Agent,
        );
        assert!(!https.text.contains("--allow-http"), "{}", https.text);
    }

    #[test]
    fn all_clients_under_their_headings() {
        let text = render_all(URL, Role::Agent);
        let headings: Vec<&str> = text.lines().filter(|l| l.starts_with("## ")).collect();
        assert_eq!(headings.len(), 4, "{text}");
        for client in ALL_CLIENTS {
            assert!(
                text.contains(&snippet(client, URL, Role::Agent).text),
                "{client:?}"
            );
        }
        assert!(text.starts_with("# chaos-engine MCP endpoint http://127.0.0.1:9797/mcp"));
        assert!(!text.contains("CHAOS_API_TOKEN"), "{text}");
    }
}
