//! The responder settings: `CHAOS_AGENT_TOKEN` and `policy.blind`, checked
//! against `CHAOS_API_TOKEN` and the HTTP address.
//!
//! Rules: the agent token must differ from the control token; an agent
//! token turns blind mode on, so `policy.blind: false` beside one is an
//! error; and blind mode on a daemon with an HTTP API needs a control
//! token, since without one every read is open to whoever can connect.

use std::net::SocketAddr;

use crate::config::error::{ConfigError, Origin};
use crate::config::file::ParsedFile;
use crate::config::ConfigInputs;

/// The validated responder settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Responders {
    /// `CHAOS_AGENT_TOKEN`, if set.
    pub(super) agent_token: Option<String>,
    /// Blind mode.
    pub(super) blind: bool,
}

/// The agent token and blind mode from `inputs` and the targets file.
pub(super) fn load_responders(
    inputs: &ConfigInputs,
    file: Option<&ParsedFile>,
    http: Option<SocketAddr>,
) -> Result<Responders, ConfigError> {
    let agent_token = inputs.agent_token.clone();
    let agent_origin = Origin::Env("CHAOS_AGENT_TOKEN");
    if let (Some(agent), Some(control)) = (&agent_token, &inputs.api_token) {
        if agent == control {
            return Err(ConfigError::new(
                agent_origin,
                "CHAOS_AGENT_TOKEN must differ from CHAOS_API_TOKEN: the agent token may only \
                 post and read findings, the control token reads and controls everything",
            ));
        }
    }
    let from_file = file.and_then(|f| f.content.policy.blind);
    let blind_origin = || match file {
        Some(file) => file.origin("policy.blind"),
        None => Origin::BuiltIn("blind"),
    };
    if from_file == Some(false) && agent_token.is_some() {
        return Err(ConfigError::new(
            blind_origin(),
            "policy.blind is false but CHAOS_AGENT_TOKEN is set: an agent token always turns \
             blind mode on (remove policy.blind or unset CHAOS_AGENT_TOKEN)",
        ));
    }
    let blind = from_file == Some(true) || agent_token.is_some();
    // One-shot commands never serve the API, whatever CHAOS_HTTP_ADDR says.
    if blind && http.is_some() && inputs.api_token.is_none() && !inputs.one_shot {
        let origin = if from_file == Some(true) {
            blind_origin()
        } else {
            agent_origin
        };
        return Err(ConfigError::new(
            origin,
            "blind mode (policy.blind or CHAOS_AGENT_TOKEN) with the HTTP API needs \
             CHAOS_API_TOKEN: without a control token anyone who can connect reads the \
             active failure",
        ));
    }
    Ok(Responders { agent_token, blind })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(api: Option<&str>, agent: Option<&str>) -> ConfigInputs {
        ConfigInputs {
            api_token: api.map(str::to_owned),
            agent_token: agent.map(str::to_owned),
            ..ConfigInputs::default()
        }
    }

    const HTTP: Option<SocketAddr> = Some(SocketAddr::V4(std::net::SocketAddrV4::new(
        std::net::Ipv4Addr::LOCALHOST,
        9797,
    )));

    #[test]
    fn an_agent_token_turns_blind_mode_on_and_must_differ_from_the_control_token() {
        assert_eq!(
            load_responders(&inputs(None, None), None, HTTP),
            Ok(Responders {
                agent_token: None,
                blind: false
            })
        );
        assert_eq!(
            load_responders(&inputs(Some("c"), Some("a")), None, HTTP),
            Ok(Responders {
                agent_token: Some("a".into()),
                blind: true
            })
        );
        let same = load_responders(&inputs(Some("zq-s3cret"), Some("zq-s3cret")), None, HTTP)
            .unwrap_err()
            .to_string();
        assert!(
            same.starts_with(
                "CHAOS_AGENT_TOKEN: CHAOS_AGENT_TOKEN must differ from CHAOS_API_TOKEN"
            ),
            "{same}"
        );
        assert!(
            !same.contains("zq-s3cret"),
            "the token is never shown: {same}"
        );
    }

    #[test]
    fn blind_mode_with_the_api_needs_the_control_token() {
        let err = load_responders(&inputs(None, Some("a")), None, HTTP)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("CHAOS_AGENT_TOKEN: blind mode"), "{err}");
        assert!(err.contains("needs CHAOS_API_TOKEN"), "{err}");
        // Without the API there is nothing to read.
        assert!(load_responders(&inputs(None, Some("a")), None, None).is_ok());
    }
}
