//! `chaos-engine mcp-config`: prints the configuration of MCP clients for
//! the engine's MCP endpoint (`POST /mcp` on the HTTP API's listener), with
//! the URL and the token's variable name: `CHAOS_AGENT_TOKEN` with
//! `--agent` (the default), `CHAOS_API_TOKEN` with `--operator`.
//!
//! The URL is `--url`, else `http://ADDR/mcp` from `--http` /
//! `CHAOS_HTTP_ADDR` (the address `run` serves the API on). The API has no
//! default address (it is off without `--http`), so with neither the
//! command is a usage error (exit 2), as `healthcheck` is.
//!
//! A token's value is never printed: the text is fixed but for the URL, and
//! a URL holding the value of either token variable is refused (exit 2).

mod clients;

use std::process::ExitCode;

use crate::cli::McpConfigArgs;
use clients::Role;

/// The token variables whose values must never reach the output.
const TOKEN_VARIABLES: [&str; 2] = ["CHAOS_AGENT_TOKEN", "CHAOS_API_TOKEN"];

/// Prints one client's configuration (`--client`; its note on standard
/// error, so that standard output can be pasted or piped whole) or every
/// client's under headings. Exit 2 without a URL or with a URL that would
/// leak a token.
pub fn execute(args: &McpConfigArgs) -> ExitCode {
    let role = if args.operator {
        Role::Operator
    } else {
        Role::Agent
    };
    let url = match endpoint(args) {
        Ok(url) => url,
        Err(message) => return super::usage_error(&message),
    };
    let tokens: Vec<(&str, String)> = TOKEN_VARIABLES
        .iter()
        .filter_map(|&var| std::env::var(var).ok().map(|value| (var, value)))
        .collect();
    if let Err(message) = refuse_token_in_url(&url, &tokens) {
        return super::usage_error(&message);
    }
    if !tokens
        .iter()
        .any(|(var, value)| *var == role.variable() && !value.trim().is_empty())
    {
        eprintln!(
            "note: {} is not set here; the client needs it (or its value) where it runs",
            role.variable()
        );
    }
    match args.client {
        Some(client) => {
            let snippet = clients::snippet(client, &url, role);
            print!("{}", snippet.text);
            eprintln!("note: {}", snippet.note);
        }
        None => print!("{}", clients::render_all(&url, role)),
    }
    ExitCode::SUCCESS
}

/// `--url`, or `http://ADDR/mcp` from `--http` / `CHAOS_HTTP_ADDR`.
fn endpoint(args: &McpConfigArgs) -> Result<String, String> {
    if let Some(url) = &args.url {
        return Ok(url.clone());
    }
    match super::healthcheck::api_address(args.http.values())? {
        Some(addr) => Ok(format!("http://{addr}/mcp")),
        None => Err(
            "no MCP endpoint to point at: give --url URL, or the engine's API address with \
             --http ADDR or CHAOS_HTTP_ADDR (the API has no default address: it is off unless \
             `run --http ADDR` serves it)"
                .to_owned(),
        ),
    }
}

/// Refuses a URL that holds the value of a token variable: printing it
/// would leak the token.
fn refuse_token_in_url(url: &str, tokens: &[(&str, String)]) -> Result<(), String> {
    for (var, value) in tokens {
        let value = value.trim();
        if !value.is_empty() && url.contains(value) {
            return Err(format!(
                "--url: the URL contains the value of {var}; refused, so as not to print the \
                 token (clients send it in the Authorization header, by its variable)"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command, McpClient, EXIT_USAGE};

    /// `chaos-engine mcp-config ARGS`, parsed (no variable is read: every
    /// test here passes `--url` or `--http` when it needs an address).
    fn parse(args: &[&str]) -> Result<McpConfigArgs, clap::Error> {
        let argv = ["chaos-engine", "mcp-config"].iter().chain(args.iter());
        match Cli::try_parse_from(argv)?.command {
            Some(Command::McpConfig(args)) => Ok(args),
            other => panic!("not mcp-config: {other:?}"),
        }
    }

    fn usage_error(args: &[&str]) -> String {
        let err = parse(args).expect_err("a usage error");
        assert_eq!(err.exit_code(), i32::from(EXIT_USAGE), "{err}");
        err.to_string()
    }

    #[test]
    fn the_url_comes_from_url_or_from_the_api_address() {
        let args = parse(&["--url", "https://chaos.example/mcp"]).unwrap();
        assert_eq!(endpoint(&args).unwrap(), "https://chaos.example/mcp");
        let args = parse(&["--http", "0.0.0.0:9797"]).unwrap();
        assert_eq!(endpoint(&args).unwrap(), "http://127.0.0.1:9797/mcp");
        let args = parse(&["--http", "[::]:9797"]).unwrap();
        assert_eq!(endpoint(&args).unwrap(), "http://[::1]:9797/mcp");
        let err = endpoint(&parse(&["--http", "nowhere"]).unwrap()).unwrap_err();
        assert!(err.starts_with("--http: `nowhere`"), "{err}");
    }

    #[test]
    fn without_any_address_the_message_names_the_flags() {
        let args = McpConfigArgs {
            agent: false,
            operator: false,
            url: None,
            client: None,
            http: Default::default(),
        };
        let err = endpoint(&args).unwrap_err();
        assert!(err.contains("--url URL"), "{err}");
        assert!(err.contains("--http ADDR or CHAOS_HTTP_ADDR"), "{err}");
    }

    #[test]
    fn the_role_and_the_client_parse() {
        let args = parse(&["--operator", "--client", "claude-desktop"]).unwrap();
        assert!(args.operator && !args.agent);
        assert_eq!(args.client, Some(McpClient::ClaudeDesktop));
        for name in ["claude-code", "cursor", "vscode"] {
            assert!(parse(&["--client", name]).is_ok(), "{name}");
        }
    }

    #[test]
    fn bad_input_is_a_usage_error_naming_the_flag() {
        let err = usage_error(&["--agent", "--operator"]);
        assert!(
            err.contains("--agent") && err.contains("--operator"),
            "{err}"
        );
        let err = usage_error(&["--client", "emacs"]);
        assert!(
            err.contains("--client") && err.contains("claude-code"),
            "{err}"
        );
        for url in [
            "ftp://host/mcp",
            "127.0.0.1:9797/mcp",
            "http:///mcp",
            "http://a b/mcp",
        ] {
            let err = usage_error(&["--url", url]);
            assert!(err.contains("--url"), "{url}: {err}");
        }
        let err = usage_error(&["--url", "http://user:secret@host/mcp"]);
        assert!(err.contains("credentials in the URL are refused"), "{err}");
    }

    #[test]
    fn a_url_holding_a_token_value_is_refused() {
        let tokens = [
            ("CHAOS_AGENT_TOKEN", "agent-secret".to_owned()),
            ("CHAOS_API_TOKEN", "  ".to_owned()),
        ];
        let err = refuse_token_in_url("http://h/mcp?t=agent-secret", &tokens).expect_err("refused");
        assert!(err.starts_with("--url: the URL contains the value of CHAOS_AGENT_TOKEN"));
        assert!(!err.contains("agent-secret"), "{err}");
        assert!(refuse_token_in_url("http://h/mcp", &tokens).is_ok());
    }
}
