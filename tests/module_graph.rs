//! The guard against import cycles between the top-level modules of
//! `src/` (a top-level module is a file or a folder directly in `src/`;
//! `main.rs`, `lib.rs` and `bin/` are left out).
//!
//! Every `.rs` file under `src/` (but `tests.rs` files and `tests/`
//! folders) is read; each `crate::NAME` and each name at the top of a
//! `crate::{a, b::c}` group, outside `//` comment lines, is an edge from
//! the file's top-level module to `NAME`. A strongly connected set of two
//! or more modules (Tarjan's algorithm) is a cycle: the test fails naming
//! each one and the files whose references close it. This is the check of
//! `module_cycles.py`, run by `cargo test --workspace`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// For each module, the modules it refers to, each with the files (paths
/// relative to `src/`) that hold the references.
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

#[test]
fn no_import_cycles_between_the_top_level_modules_of_src() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = module_graph(&src);
    assert!(
        graph.len() > 10,
        "the scan of {} found too few modules: {:?}",
        src.display(),
        graph.keys().collect::<Vec<_>>()
    );
    let cycles = strongly_connected_cycles(&graph);
    assert!(
        cycles.is_empty(),
        "import cycles between top-level modules of src/ (a module may not \
         depend on one that depends back on it):\n{}",
        describe(&graph, &cycles)
    );
}

#[test]
fn a_made_up_graph_with_a_cycle_fails_and_one_without_passes() {
    let mut graph = Graph::new();
    add_edge(&mut graph, "report", "render", "report/html.rs");
    add_edge(&mut graph, "score", "report", "score/html.rs");
    add_edge(&mut graph, "score", "render", "score/html.rs");
    add_edge(&mut graph, "telemetry", "render", "telemetry.rs");
    assert!(strongly_connected_cycles(&graph).is_empty());

    // render -> score -> report -> render, and apart from it a pair.
    add_edge(&mut graph, "render", "score", "render/colours.rs");
    add_edge(&mut graph, "clock", "policy", "clock.rs");
    add_edge(&mut graph, "policy", "clock", "policy.rs");
    let cycles = strongly_connected_cycles(&graph);
    assert_eq!(
        cycles,
        [vec!["clock", "policy"], vec!["render", "report", "score"]]
    );
    let text = describe(&graph, &cycles);
    assert!(
        text.contains("cycle: render, report, score\n")
            && text.contains("  render -> score  (render/colours.rs)\n")
            && text.contains("  report -> render  (report/html.rs)\n")
            && text.contains("  score -> report  (score/html.rs)\n")
            && text.contains("  clock -> policy  (clock.rs)\n"),
        "{text}"
    );
    // An edge out of the cycle is not one that closes it.
    assert!(!text.contains("telemetry"), "{text}");
}

#[test]
fn references_are_found_in_paths_and_groups_but_not_in_comments() {
    let code = "use crate::clock::{Clock, SystemClock};\n\
                use crate::{render::{colours, escape}, report, self};\n\
                // crate::commented_out\n\
                    /// crate::in_a_doc_line\n\
                let x = crate::metrics::count(); let y = $crate::policy::cap;\n\
                not_crate::other; use crate::{\n    telemetry,\n    timeline::Event,\n};\n";
    let found = references(code);
    let expected = [
        "clock",
        "metrics",
        "policy",
        "render",
        "report",
        "telemetry",
        "timeline",
    ];
    assert_eq!(found, BTreeSet::from(expected.map(str::to_owned)));
}

#[test]
fn files_map_to_their_top_level_module() {
    assert_eq!(top_level_module(Path::new("report/svg.rs")), Some("report"));
    assert_eq!(top_level_module(Path::new("clock.rs")), Some("clock"));
    assert_eq!(top_level_module(Path::new("lib.rs")), None);
    assert_eq!(top_level_module(Path::new("main.rs")), None);
    assert_eq!(top_level_module(Path::new("bin/chaos-target.rs")), None);
}

/// The graph of the top-level modules of `src`.
fn module_graph(src: &Path) -> Graph {
    let mut graph = Graph::new();
    for path in rust_files(src) {
        let relative = path
            .strip_prefix(src)
            .unwrap_or_else(|_| panic!("{} is not under {}", path.display(), src.display()));
        let Some(module) = top_level_module(relative) else {
            continue;
        };
        let code = std::fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
        let file = relative.to_string_lossy().into_owned();
        for name in references(&code) {
            if name != module {
                add_edge(&mut graph, module, &name, &file);
            }
        }
    }
    graph
}

/// Every `.rs` file under `dir`, but files named `tests.rs` and folders
/// named `tests` (test-only code).
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|err| panic!("cannot list {}: {err}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|err| panic!("cannot list {}: {err}", dir.display()))
            .path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if name != "tests" {
                found.extend(rust_files(&path));
            }
        } else if name.ends_with(".rs") && name != "tests.rs" {
            found.push(path);
        }
    }
    found
}

/// The top-level module of the file at `relative` (a path inside `src/`):
/// its first component without `.rs`; none for `main.rs`, `lib.rs` and
/// `bin/`.
fn top_level_module(relative: &Path) -> Option<&str> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    let module = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(module, "main" | "lib" | "bin")).then_some(module)
}

/// The top-level module names `code` refers to: `crate::NAME`, and each
/// name at the top level of a `crate::{a, b::{c, d}}` group (`a` and `b`),
/// on lines that do not start with `//`.
fn references(code: &str) -> BTreeSet<String> {
    let code: String = code
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .flat_map(|line| [line, "\n"])
        .collect();
    let mut names = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        let after = &rest[at + "crate::".len()..];
        rest = after;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = after.strip_prefix('{') {
            names.extend(group_heads(group));
        } else if let Some(name) = leading_word(after) {
            names.insert(name.to_owned());
        }
    }
    names.remove("self");
    names
}

/// The first name of each item at the top level of the group that `text`
/// opens (`text` starts right after its `{`), up to the matching `}`.
fn group_heads(text: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut item_start = true;
    for (at, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => item_start = true,
            c if c.is_whitespace() => {}
            _ if item_start && depth == 0 => {
                item_start = false;
                if let Some(name) = leading_word(&text[at..]) {
                    heads.push(name.to_owned());
                }
            }
            _ => {}
        }
    }
    heads
}

/// The identifier `text` starts with, if any.
fn leading_word(text: &str) -> Option<&str> {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    (end > 0).then(|| &text[..end])
}

fn add_edge(graph: &mut Graph, from: &str, to: &str, file: &str) {
    graph
        .entry(from.to_owned())
        .or_default()
        .entry(to.to_owned())
        .or_default()
        .insert(file.to_owned());
}

/// The strongly connected sets of two or more modules of `graph` (each
/// sorted, in sorted order), by Tarjan's algorithm.
fn strongly_connected_cycles(graph: &Graph) -> Vec<Vec<String>> {
    let mut nodes: BTreeSet<&str> = graph.keys().map(String::as_str).collect();
    nodes.extend(graph.values().flat_map(|to| to.keys().map(String::as_str)));
    let mut tarjan = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next_index: 0,
        cycles: Vec::new(),
    };
    for node in nodes {
        if !tarjan.index.contains_key(node) {
            tarjan.visit(node);
        }
    }
    let mut cycles = tarjan.cycles;
    cycles.sort();
    cycles
}

/// Tarjan's strongly connected components, over module names.
struct Tarjan<'a> {
    graph: &'a Graph,
    index: BTreeMap<&'a str, usize>,
    low: BTreeMap<&'a str, usize>,
    stack: Vec<&'a str>,
    on_stack: BTreeSet<&'a str>,
    next_index: usize,
    cycles: Vec<Vec<String>>,
}

impl<'a> Tarjan<'a> {
    fn visit(&mut self, node: &'a str) {
        self.index.insert(node, self.next_index);
        self.low.insert(node, self.next_index);
        self.next_index += 1;
        self.stack.push(node);
        self.on_stack.insert(node);
        let graph = self.graph;
        for next in graph.get(node).into_iter().flat_map(|to| to.keys()) {
            let next = next.as_str();
            if !self.index.contains_key(next) {
                self.visit(next);
                let low = self.low[node].min(self.low[next]);
                self.low.insert(node, low);
            } else if self.on_stack.contains(next) {
                let low = self.low[node].min(self.index[next]);
                self.low.insert(node, low);
            }
        }
        if self.low[node] == self.index[node] {
            let mut component = Vec::new();
            while let Some(member) = self.stack.pop() {
                self.on_stack.remove(member);
                component.push(member.to_owned());
                if member == node {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                self.cycles.push(component);
            }
        }
    }
}

/// Each cycle and the edges inside it, with the files that hold them.
fn describe(graph: &Graph, cycles: &[Vec<String>]) -> String {
    let mut text = String::new();
    for cycle in cycles {
        text.push_str(&format!("cycle: {}\n", cycle.join(", ")));
        for from in cycle {
            for (to, files) in graph.get(from).into_iter().flatten() {
                if cycle.contains(to) {
                    let files: Vec<&str> = files.iter().map(String::as_str).collect();
                    text.push_str(&format!("  {from} -> {to}  ({})\n", files.join(", ")));
                }
            }
        }
    }
    text
}
