//! The flags of `chaos-engine mcp-config`: which token (`--agent`, the
//! default, or `--operator`), which URL (`--url`, else `--http` /
//! `CHAOS_HTTP_ADDR`) and which client (`--client`, else all of them).
//! Bad input is clap's usage error naming the flag (exit 2).

use clap::{Arg, Args, ValueEnum};

use super::{SettingArgs, SettingSet};
use crate::config::SettingId;

/// `mcp-config [--agent | --operator] [--url URL] [--client NAME] [--http ADDR]`
#[derive(Debug, Args)]
pub struct McpConfigArgs {
    /// As the responder agent, with CHAOS_AGENT_TOKEN: it may only report
    /// findings (the default).
    #[arg(long, conflicts_with = "operator")]
    pub agent: bool,
    /// As the operator, with the control token CHAOS_API_TOKEN.
    #[arg(long)]
    pub operator: bool,
    /// The MCP endpoint, http:// or https:// (default: http://ADDR/mcp from
    /// --http / CHAOS_HTTP_ADDR).
    #[arg(long, value_name = "URL", value_parser = mcp_url)]
    pub url: Option<String>,
    /// Only this client's configuration (default: every one, each under a
    /// heading).
    #[arg(long, value_enum, value_name = "NAME")]
    pub client: Option<McpClient>,
    /// `--http ADDR` / `CHAOS_HTTP_ADDR`: the engine's API, for the URL.
    #[command(flatten)]
    pub http: SettingArgs<McpConfigHttp>,
}

/// The MCP clients `mcp-config` writes a configuration for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum McpClient {
    /// A `claude mcp add --transport http` command line.
    ClaudeCode,
    /// `claude_desktop_config.json`, through the `mcp-remote` bridge.
    ClaudeDesktop,
    /// `~/.cursor/mcp.json` or `.cursor/mcp.json`.
    Cursor,
    /// `.vscode/mcp.json`.
    Vscode,
}

/// `mcp-config`'s setting, `--http`, worded for the URL it gives.
#[derive(Debug, Clone, Copy, Default)]
pub struct McpConfigHttp;

impl SettingSet for McpConfigHttp {
    const IDS: &'static [SettingId] = &[SettingId::Http];

    fn adjust(_id: SettingId, arg: Arg) -> Arg {
        arg.help(
            "The engine's API address; the URL is http://ADDR/mcp (a wildcard such as \
             0.0.0.0 becomes loopback). Not used with --url.",
        )
    }
}

/// `--url`: an absolute `http://` or `https://` URL with a host, without
/// credentials (the token goes in a header) and without spaces.
pub fn mcp_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    let rest = text
        .strip_prefix("http://")
        .or_else(|| text.strip_prefix("https://"))
        .ok_or_else(|| format!("`{text}` is not an http:// or https:// URL"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        return Err(format!("`{text}` has no host"));
    }
    if authority.contains('@') {
        return Err(
            "credentials in the URL are refused: the token goes in the Authorization header"
                .to_owned(),
        );
    }
    if text.chars().any(char::is_whitespace) {
        return Err(format!("`{text}` contains a space"));
    }
    Ok(text.to_owned())
}
