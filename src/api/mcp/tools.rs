//! [`ChaosMcp`]: the MCP server of one session, and its tools. Each tool
//! does what its HTTP endpoint does, through the same code (the findings
//! desk, the reads, the supervisor's control messages), and answers JSON
//! (`structuredContent`, with a text copy). A refusal (a bad argument, an
//! unknown target, the findings limit, a blind read) is a tool error that
//! says why and journals nothing.
//!
//! The tools a caller sees and may call follow from its token
//! ([`Caller`]): the agent token gets [`AGENT_TOOLS`] only; the control
//! token gets those and [`OPERATOR_TOOLS`]. A tool not allowed is neither
//! listed nor callable (`tool not found`).

use std::future::Future;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{tool, tool_router, ErrorData as McpError, RoleServer, ServerHandler};
use rmcp_actix_web::transport::on_request_extensions;
use serde_json::{json, Value};

use super::args;
use super::caller::Caller;
use super::McpDesk;
use crate::actors::{ClearTargets, FanOutReport, InjectInto, PauseTargets, ResumeTargets};
use crate::api::blind::Poster;
use crate::api::finding_body::FindingBody;
use crate::api::requests::InjectBody;

/// The tools the agent token may call.
pub(super) const AGENT_TOOLS: [&str; 3] = ["report_finding", "list_targets", "my_findings"];

/// The tools only the control token may call.
pub(super) const OPERATOR_TOOLS: [&str; 7] = [
    "status",
    "inject",
    "clear",
    "pause",
    "resume",
    "timeline",
    "scorecard",
];

/// The MCP server of one session.
#[derive(Clone)]
pub(super) struct ChaosMcp {
    desk: McpDesk,
    tool_router: ToolRouter<Self>,
}

/// A tool's answer: its JSON, or why it refused.
type Answer = Result<CallToolResult, McpError>;

/// The caller of the request that carried `context`.
fn caller(context: &RequestContext<RoleServer>) -> Option<Caller> {
    on_request_extensions(&context.extensions).and_then(|found| found.get::<Caller>().cloned())
}

/// True when `caller` may see and call `tool`.
fn allowed(caller: Option<&Caller>, tool: &str) -> bool {
    match caller {
        Some(caller) if caller.is_operator() => {
            AGENT_TOOLS.contains(&tool) || OPERATOR_TOOLS.contains(&tool)
        }
        Some(_) => AGENT_TOOLS.contains(&tool),
        None => false,
    }
}

/// `value` as a tool's result (an object, as `structuredContent` must be).
fn done(value: Value) -> Answer {
    Ok(CallToolResult::structured(value))
}

/// A refusal: a tool error saying `why`.
fn refused(why: impl std::fmt::Display) -> Answer {
    Ok(CallToolResult::structured_error(
        json!({ "error": why.to_string() }),
    ))
}

/// `{key: [targets]}`, or a tool error naming the targets that failed.
fn fanned_out(key: &str, report: FanOutReport) -> Answer {
    if report.failed.is_empty() {
        return done(json!({ key: report.changed }));
    }
    let reasons: serde_json::Map<String, Value> = report
        .failed
        .iter()
        .map(|(name, err)| (name.clone(), json!(err.to_string())))
        .collect();
    let names: Vec<&str> = report
        .failed
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    Ok(CallToolResult::structured_error(json!({
        "error": format!("failed for {}", names.join(", ")),
        key: report.changed,
        "failed": reasons,
    })))
}

/// A duration argument `field` (`30s`, `500ms`), or why it is not one.
fn duration_arg(field: &str, text: &str) -> Result<std::time::Duration, String> {
    crate::input::duration::parse_duration(text).map_err(|err| format!("`{field}`: {err}"))
}

#[tool_router]
impl ChaosMcp {
    /// A session's server over `desk`.
    pub(super) fn new(desk: McpDesk) -> Self {
        ChaosMcp {
            desk,
            tool_router: Self::tool_router(),
        }
    }

    #[tool(
        description = "Report what you found or did about a failure of a target: kind detected (you saw it), diagnosed (you know its cause: give category and mode) or mitigated (you repaired it). Journalled with the engine's time and scored against what was really injected."
    )]
    async fn report_finding(
        &self,
        Parameters(args): Parameters<args::ReportFinding>,
        context: RequestContext<RoleServer>,
    ) -> Answer {
        let Some(caller) = caller(&context) else {
            return refused("no caller");
        };
        let responder = match args.responder {
            Some(responder) => responder,
            None => match context.peer.peer_info() {
                Some(info) => info.client_info.name.clone(),
                None => return refused("`responder`: give it (the client sent no name)"),
            },
        };
        let body = FindingBody::new(
            responder,
            args.target,
            args.kind,
            args.category,
            args.mode,
            args.note,
        );
        match self.desk.findings.take(caller.poster, body) {
            Ok((id, timestamp)) => done(json!({ "id": id, "timestamp": timestamp })),
            Err(err) => refused(err),
        }
    }

    #[tool(
        description = "The targets you can report findings about: their names and kinds (state_file, docker, swarm). Says nothing of any failure."
    )]
    async fn list_targets(&self) -> Answer {
        let targets: Vec<Value> = self
            .desk
            .view
            .telemetry
            .board
            .snapshot()
            .iter()
            .map(|target| {
                let kind = target
                    .location
                    .as_ref()
                    .map_or("state_file", |location| location.key);
                json!({ "name": target.name, "kind": kind })
            })
            .collect();
        done(json!({ "targets": targets }))
    }

    #[tool(
        description = "The findings posted with your token (all findings for the control token), oldest first, with the engine's timestamps."
    )]
    async fn my_findings(
        &self,
        Parameters(args): Parameters<args::MyFindings>,
        context: RequestContext<RoleServer>,
    ) -> Answer {
        let poster = caller(&context).map_or(Poster::Agent, |caller| caller.poster);
        let findings = self
            .desk
            .findings
            .log
            .visible_to(poster, args.responder.as_deref());
        done(json!({ "findings": findings }))
    }

    #[tool(
        description = "The engine's status: every target, its mode, health, active failure and schedule (as GET /status)."
    )]
    async fn status(&self, context: RequestContext<RoleServer>) -> Answer {
        if let Some(why) = caller(&context).and_then(|caller| caller.reveal_refused) {
            return refused(why);
        }
        done(self.desk.view.status())
    }

    #[tool(
        description = "The run's recent events, oldest first, with the engine's clock (as GET /timeline)."
    )]
    async fn timeline(&self, context: RequestContext<RoleServer>) -> Answer {
        if let Some(why) = caller(&context).and_then(|caller| caller.reveal_refused) {
            return refused(why);
        }
        done(self.desk.view.timeline())
    }

    #[tool(
        description = "Inject one failure into a target now: a scenario by name, or a mode (with a delay for slow); held for `for` (e.g. 45s), else the target's recovery."
    )]
    async fn inject(
        &self,
        Parameters(args): Parameters<InjectBody>,
        context: RequestContext<RoleServer>,
    ) -> Answer {
        let Some(supervisor) = caller(&context).and_then(|caller| caller.supervisor) else {
            return refused("the control token is needed");
        };
        let (target, injection, hold) = match args.into_injection() {
            Ok(injection) => injection,
            Err(why) => return refused(why),
        };
        let sent = supervisor
            .send(InjectInto {
                target: target.clone(),
                injection,
                hold,
            })
            .await;
        match sent {
            Ok(Ok(failure)) => done(json!({ "target": target, "injected": failure })),
            Ok(Err(err)) => refused(err),
            Err(err) => refused(format!("the engine did not answer: {err}")),
        }
    }

    #[tool(description = "Clear one target's failure now, or every target's (as POST /clear).")]
    async fn clear(
        &self,
        Parameters(args): Parameters<args::OneOrAll>,
        context: RequestContext<RoleServer>,
    ) -> Answer {
        self.fan_out(&context, "cleared", ClearTargets(args.target))
            .await
    }

    #[tool(description = "Pause one target's schedule, or every target's (as POST /pause).")]
    async fn pause(
        &self,
        Parameters(args): Parameters<args::OneOrAll>,
        context: RequestContext<RoleServer>,
    ) -> Answer {
        self.fan_out(&context, "paused", PauseTargets(args.target))
            .await
    }

    #[tool(description = "Resume one target's schedule, or every target's (as POST /resume).")]
    async fn resume(
        &self,
        Parameters(args): Parameters<args::OneOrAll>,
        context: RequestContext<RoleServer>,
    ) -> Answer {
        self.fan_out(&context, "resumed", ResumeTargets(args.target))
            .await
    }

    #[tool(
        description = "Every responder's scorecard (or one's) over the live journal: true and false positives, precision, recall, time to detect and to repair (the figures of `chaos-engine score --format json`)."
    )]
    async fn scorecard(
        &self,
        Parameters(args): Parameters<args::Scorecard>,
        context: RequestContext<RoleServer>,
    ) -> Answer {
        if let Some(why) = caller(&context).and_then(|caller| caller.reveal_refused) {
            return refused(why);
        }
        let grace = match args
            .grace
            .as_deref()
            .map(|text| duration_arg("grace", text))
        {
            Some(Ok(grace)) => grace.as_secs_f64(),
            Some(Err(why)) => return refused(why),
            None => crate::score::DEFAULT_GRACE_S,
        };
        let Some(path) = self.desk.view.telemetry.journal.path() else {
            return refused(
                "the engine keeps no journal (--journal / CHAOS_JOURNAL): there is nothing to score",
            );
        };
        let journal = match crate::score::load(path) {
            Ok(journal) => journal,
            Err(err) => return refused(err),
        };
        let name = path.display().to_string();
        let cards = crate::score::metrics::scorecards(&journal, args.responder.as_deref(), grace);
        done(crate::score::json::document(&name, &journal, &cards, grace))
    }
}

impl ChaosMcp {
    /// Sends the control message `message` (pause, resume, clear) for the
    /// control token; its report under `key`.
    async fn fan_out<M>(
        &self,
        context: &RequestContext<RoleServer>,
        key: &str,
        message: M,
    ) -> Answer
    where
        M: actix::Message<Result = Result<FanOutReport, crate::actors::ControlError>>
            + Send
            + 'static,
        crate::actors::Supervisor: actix::Handler<M>,
    {
        let Some(supervisor) = caller(context).and_then(|caller| caller.supervisor) else {
            return refused("the control token is needed");
        };
        match supervisor.send(message).await {
            Ok(Ok(report)) => fanned_out(key, report),
            Ok(Err(err)) => refused(err),
            Err(err) => refused(format!("the engine did not answer: {err}")),
        }
    }
}

impl ServerHandler for ChaosMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "chaos-engine",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(
                "chaos-engine breaks the targets it lists on a schedule. Find out what is \
                 wrong with your own tools, then report it with report_finding (detected, \
                 diagnosed with category and mode, mitigated); you are scored against what \
                 was really injected.",
            )
    }

    fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListToolsResult, McpError>> + Send + '_ {
        let caller = caller(&context);
        let tools: Vec<Tool> = self
            .tool_router
            .list_all()
            .into_iter()
            .filter(|tool| allowed(caller.as_ref(), &tool.name))
            .collect();
        std::future::ready(Ok(ListToolsResult::with_all_items(tools)))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        if !allowed(caller(&context).as_ref(), &request.name) {
            return Err(McpError::invalid_params(
                format!("tool not found: {}", request.name),
                None,
            ));
        }
        self.tool_router
            .call(ToolCallContext::new(self, request, context))
            .await
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tool_router.get(name).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_is_in_one_list_and_the_router_has_them_all() {
        let mut router: Vec<String> = ChaosMcp::tool_router()
            .list_all()
            .into_iter()
            .map(|tool| tool.name.to_string())
            .collect();
        router.sort();
        let mut listed: Vec<String> = AGENT_TOOLS
            .iter()
            .chain(OPERATOR_TOOLS.iter())
            .map(|name| (*name).to_owned())
            .collect();
        listed.sort();
        assert_eq!(router, listed);
    }

    #[test]
    fn the_agent_token_gets_its_three_tools_only() {
        let agent = Caller {
            poster: Poster::Agent,
            reveal_refused: None,
            supervisor: None,
        };
        for tool in AGENT_TOOLS {
            assert!(allowed(Some(&agent), tool));
        }
        for tool in OPERATOR_TOOLS {
            assert!(!allowed(Some(&agent), tool), "{tool}");
        }
        assert!(!allowed(None, "report_finding"));
    }
}
