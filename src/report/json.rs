//! The report as one JSON document, for scripts: the table (`rows`,
//! `targets`, `totals`), every failure, and the journal lines skipped.

use serde_json::{json, Map, Value};

use super::stats::Table;
use super::JournalSummary;

/// The JSON document, pretty-printed.
pub fn render(journal: &str, summary: &JournalSummary, table: &Table) -> String {
    serde_json::to_string_pretty(&document(journal, summary, table)).unwrap_or_default()
}

/// The JSON document as a value.
pub fn document(journal: &str, summary: &JournalSummary, table: &Table) -> Value {
    let skips = summary.skips_by_target();
    let targets: Vec<Value> = table
        .targets
        .iter()
        .map(|row| {
            let mut value = json!(row);
            let reasons: Map<String, Value> = row
                .target
                .as_deref()
                .and_then(|name| skips.get(name))
                .map(|reasons| {
                    reasons
                        .iter()
                        .map(|(reason, n)| ((*reason).to_owned(), json!(n)))
                        .collect()
                })
                .unwrap_or_default();
            value["skipped_by_reason"] = Value::Object(reasons);
            value
        })
        .collect();
    let failures: Vec<Value> = summary
        .failures
        .iter()
        .map(|f| {
            let mut failure = json!({
                "id": f.id,
                "target": f.target,
                "scenario": f.scenario,
                "mode": f.mode,
                "delay": f.delay,
                "outcome": f.outcome.class(),
                "ended_by": f.outcome.ended_by(),
                "injected_at": f.injected_at,
                "ended_at": f.ended_at,
                "repaired_by": f.repaired_by,
                "time_to_repair_ms": f.time_to_repair_ms,
                "time_to_manifest_ms": f.time_to_manifest_ms,
                "source": f.source,
            });
            // Only a Docker target's failures name containers.
            if !f.containers.is_empty() {
                failure["containers"] = json!(f.containers);
            }
            failure
        })
        .collect();
    let skipped_lines: Vec<Value> = summary
        .warnings
        .iter()
        .map(|w| match &w.file {
            // Only a line of the rotated journal names its file.
            Some(file) => {
                json!({"file": file.display().to_string(), "line": w.line, "message": w.message})
            }
            None => json!({"line": w.line, "message": w.message}),
        })
        .collect();
    json!({
        "journal": journal,
        "from": summary.span.map(|s| s.0),
        "to": summary.span.map(|s| s.1),
        "runs": summary.runs,
        "rows": table.rows,
        "targets": targets,
        "totals": table.totals,
        "failures": failures,
        "skipped_lines": skipped_lines,
        "definitions": {
            "repair_rate": "repaired / (repaired + expired); cleared (manual, shutdown, recover) and open failures are left out",
            "percentiles": "nearest-rank: the smallest recorded value with at least p% of the values at or below it",
            "time_to_repair": "injection to repair, repaired failures only, ms",
            "time_to_manifest": "injection until a probe saw the failure, ms",
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::parse;

    #[test]
    fn the_document_holds_rows_targets_totals_and_failures() {
        let journal = [
            r#"{"timestamp":1,"event":"injected","id":"o","target":"app","scenario":"CRASH","expires_at":31}"#,
            r#"{"event":"ended","id":"r","target":"app","scenario":"CRASH","ended_by":"repair","injected_at":10,"repaired_at":12,"ended_at":12,"time_to_repair_ms":2000}"#,
            r#"{"timestamp":60,"event":"skipped","target":"app","reason":"cap"}"#,
            "oops",
        ]
        .join("\n");
        let summary = parse(journal.as_bytes());
        let text = render("j.jsonl", &summary, &Table::from_summary(&summary));
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["journal"], "j.jsonl");
        assert_eq!(doc["from"], 1.0);
        assert_eq!(doc["to"], 60.0);
        assert_eq!(doc["rows"][0]["scenario"], "CRASH");
        assert_eq!(doc["rows"][0]["injections"], 2);
        assert_eq!(doc["rows"][0]["open"], 1);
        assert!(doc["rows"][0].get("skipped").is_none());
        assert_eq!(doc["targets"][0]["skipped"], 1);
        assert_eq!(doc["targets"][0]["skipped_by_reason"]["cap"], 1);
        assert_eq!(doc["totals"]["repair_rate"], 1.0);
        assert_eq!(doc["totals"]["target"], Value::Null);
        assert_eq!(doc["failures"][0]["outcome"], "open");
        assert_eq!(doc["failures"][0]["ended_by"], Value::Null);
        assert_eq!(doc["failures"][1]["ended_by"], "repair");
        assert_eq!(doc["skipped_lines"][0]["line"], 4);
    }
}
