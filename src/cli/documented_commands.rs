//! Keeps the documentation's command lines honest: every `chaos-engine ...`
//! command written in a code block of README.md, CONTRIBUTING.md or
//! docs/*.md must parse with the current command line ([`Cli`]), so a
//! renamed or removed flag cannot live on in the docs.
//!
//! Compiled for tests only (`#[cfg(test)] mod documented_commands` in
//! cli.rs): its `expect`s stop a test, never the engine.
//!
//! A command is found in these shapes, in fenced code blocks other than
//! data (JSON, YAML, TOML, Rust, Python):
//!
//! - `chaos-engine ARGS` (the binary by name or by a path ending in it),
//!   after an optional `$ ` prompt and `VAR=value` prefixes;
//! - `docker-compose exec SERVICE chaos-engine ARGS`, `docker compose exec
//!   ...` and `docker exec CONTAINER chaos-engine ARGS`;
//! - `cargo run [CARGO OPTIONS] [-- ARGS]`, which runs `chaos-engine` (the
//!   package's default binary) unless it names another `--bin`, a package
//!   (`-p`) or an `--example`.
//!
//! In a block where some lines have a `$ ` prompt, only those lines are
//! commands (the others are their output). A line ending in `\` continues
//! on the next. A command's arguments end at the first unquoted `|`, `>`,
//! `&&`, `;`, `&` or `#` comment. `--help` and `--version` count as parsing.

use std::path::{Path, PathBuf};

use clap::error::ErrorKind;
use clap::Parser;

use super::Cli;

/// Fewer documented commands than this means the extraction broke, not
/// that the docs lost their examples.
const MIN_DOCUMENTED_COMMANDS: usize = 40;

/// Code block languages that hold data or code in another language, never
/// shell commands.
const DATA_LANGUAGES: &[&str] = &["json", "yaml", "yml", "toml", "rust", "python"];

/// One `chaos-engine` command found in a documentation file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DocumentedCommand {
    /// Where it is: `FILE:LINE` (the line the command starts on).
    place: String,
    /// The arguments after `chaos-engine`.
    args: Vec<String>,
}

/// README.md, CONTRIBUTING.md and every docs/*.md, in a stable order.
fn documentation_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("read the docs directory")
        .map(|entry| entry.expect("list the docs directory").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    docs.sort();
    let mut files = vec![root.join("README.md"), root.join("CONTRIBUTING.md")];
    files.extend(docs);
    files
}

/// The `chaos-engine` commands in the code blocks of `text` (a Markdown
/// file called `name`).
fn commands_in_markdown(name: &str, text: &str) -> Vec<DocumentedCommand> {
    let mut commands = Vec::new();
    for block in code_blocks(text) {
        for (line, command) in command_lines(&block) {
            if let Some(args) = engine_args(&shell_words(&command)) {
                commands.push(DocumentedCommand {
                    place: format!("{name}:{line}"),
                    args,
                });
            }
        }
    }
    commands
}

/// A fenced code block: its language and its lines with their 1-based
/// line numbers in the file.
struct CodeBlock<'a> {
    language: String,
    lines: Vec<(usize, &'a str)>,
}

/// The fenced code blocks of a Markdown text.
fn code_blocks(text: &str) -> Vec<CodeBlock<'_>> {
    let mut blocks = Vec::new();
    let mut open: Option<CodeBlock<'_>> = None;
    for (index, line) in text.lines().enumerate() {
        let fence = line.trim_start().strip_prefix("```");
        match (fence, open.take()) {
            (Some(language), None) => {
                open = Some(CodeBlock {
                    language: language.trim().to_ascii_lowercase(),
                    lines: Vec::new(),
                })
            }
            (Some(_), Some(block)) => blocks.push(block),
            (None, Some(mut block)) => {
                block.lines.push((index + 1, line));
                open = Some(block);
            }
            (None, None) => {}
        }
    }
    blocks
}

/// The command lines of a block, continuations joined, with the line each
/// starts on. In a block with `$ ` prompts, only the prompted lines.
fn command_lines(block: &CodeBlock<'_>) -> Vec<(usize, String)> {
    if DATA_LANGUAGES.contains(&block.language.as_str()) {
        return Vec::new();
    }
    let prompted = block
        .lines
        .iter()
        .any(|(_, line)| line.trim_start().starts_with("$ "));
    let mut commands = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for &(number, line) in &block.lines {
        let (start, text) = match pending.take() {
            Some((start, so_far)) => (start, format!("{so_far} {}", line.trim())),
            None => {
                let trimmed = line.trim_start();
                match trimmed.strip_prefix("$ ") {
                    Some(command) => (number, command.to_owned()),
                    None if prompted => continue,
                    None => (number, trimmed.to_owned()),
                }
            }
        };
        match text.trim_end().strip_suffix('\\') {
            Some(continued) => pending = Some((start, continued.trim_end().to_owned())),
            None => commands.push((start, text)),
        }
    }
    commands.extend(pending);
    commands
}

/// The words of a shell command line up to its first unquoted `|`, `>`,
/// `&&`, `;`, `&` or `#` comment, with quotes removed. Good enough for
/// documentation: no expansions, no here-documents.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                in_word = true;
                for quoted in chars.by_ref() {
                    if quoted == c {
                        break;
                    }
                    word.push(quoted);
                }
            }
            '\\' => {
                in_word = true;
                if let Some(escaped) = chars.next() {
                    word.push(escaped);
                }
            }
            '|' | ';' | '&' | '>' => {
                // `2>&1`: the `2` was a file descriptor, not a word.
                if c == '>' && in_word && word.chars().all(|d| d.is_ascii_digit()) {
                    word.clear();
                    in_word = false;
                }
                break;
            }
            '#' if !in_word => break,
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The arguments a command line passes to `chaos-engine`, or `None` when
/// it does not run `chaos-engine`.
fn engine_args(words: &[String]) -> Option<Vec<String>> {
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    // `VAR=value` prefixes set the environment of the command.
    let first = words.iter().position(|word| !is_assignment(word))?;
    let words = &words[first..];
    let rest = match words {
        [engine, rest @ ..] if is_engine(engine) => rest,
        ["docker-compose", "exec", rest @ ..]
        | ["docker", "compose", "exec", rest @ ..]
        | ["docker", "exec", rest @ ..] => {
            // Options, the service or container, then the command it runs.
            let service = rest.iter().position(|word| !word.starts_with('-'))?;
            match &rest[service + 1..] {
                [engine, rest @ ..] if is_engine(engine) => rest,
                _ => return None,
            }
        }
        ["cargo", "run", rest @ ..] => {
            let (cargo_options, args) = match rest.iter().position(|word| *word == "--") {
                Some(split) => (&rest[..split], &rest[split + 1..]),
                None => (rest, &[][..]),
            };
            if runs_another_binary(cargo_options) {
                return None;
            }
            args
        }
        _ => return None,
    };
    Some(rest.iter().map(|word| (*word).to_owned()).collect())
}

/// `NAME=value`, a shell variable assignment.
fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

/// The engine's binary, by name or path.
fn is_engine(word: &str) -> bool {
    word == "chaos-engine" || word.ends_with("/chaos-engine")
}

/// Whether `cargo run`'s own options select something other than the
/// `chaos-engine` binary.
fn runs_another_binary(cargo_options: &[&str]) -> bool {
    cargo_options.iter().enumerate().any(|(index, option)| {
        let value = cargo_options.get(index + 1).copied();
        match *option {
            "--bin" => value != Some("chaos-engine"),
            "-p" | "--package" | "--example" => true,
            other => {
                other.starts_with("--bin=") && other != "--bin=chaos-engine"
                    || other.starts_with("--package=")
                    || other.starts_with("--example=")
            }
        }
    })
}

/// Why `args` does not parse, or `None` when it does (`--help` and
/// `--version` included).
fn parse_error(args: &[String]) -> Option<String> {
    let argv = std::iter::once("chaos-engine".to_owned()).chain(args.iter().cloned());
    match Cli::try_parse_from(argv) {
        Ok(_) => None,
        Err(error)
            if matches!(
                error.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) =>
        {
            None
        }
        Err(error) => Some(error.to_string()),
    }
}

/// The documented commands that do not parse, as readable lines.
fn unparsable(commands: &[DocumentedCommand]) -> Vec<String> {
    commands
        .iter()
        .filter_map(|command| {
            parse_error(&command.args).map(|error| {
                let first_line = error.lines().next().unwrap_or_default().to_owned();
                format!(
                    "{}: chaos-engine {}: {first_line}",
                    command.place,
                    command.args.join(" ")
                )
            })
        })
        .collect()
}

#[test]
fn every_documented_command_parses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut commands = Vec::new();
    for file in documentation_files() {
        let text = std::fs::read_to_string(&file).expect("read a documentation file");
        let name = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        commands.extend(commands_in_markdown(&name, &text));
    }
    assert!(
        commands.len() >= MIN_DOCUMENTED_COMMANDS,
        "only {} documented chaos-engine commands found (at least {MIN_DOCUMENTED_COMMANDS} \
         expected): is the extraction broken? {commands:#?}",
        commands.len()
    );
    let failures = unparsable(&commands);
    assert!(
        failures.is_empty(),
        "{} of {} documented commands do not parse with the current command line:\n{}",
        failures.len(),
        commands.len(),
        failures.join("\n")
    );
    println!("{} documented chaos-engine commands parse", commands.len());
}

#[test]
fn every_shape_of_command_is_found() {
    let markdown = r#"
```sh
chaos-engine status --json          # a comment
FAILURE_STATE_FILE=/tmp/x.json CHAOS_SEED=1 chaos-engine run --seed 42
docker-compose exec chaos-engine chaos-engine report | head
docker compose exec -T chaos-engine chaos-engine validate
docker exec my-engine chaos-engine clear --all && echo done
cargo run --release -- \
  --interval 0.6 --min-interval 0 > log.txt
cargo run -q -- preview --count 2; echo
cargo run --release --bin chaos-target -- --port 8000 &
cargo run -p chaos-state --example watch_state -- /tmp/x.json
docker logs chaos-engine 2>&1 | grep Injecting
./target/release/chaos-engine inject slow --delay 'twenty seconds'
```

```console
$ chaos-engine clear
chaos-engine report: not a command, the output of one
$ echo $?
```

```json
{"chaos-engine": "not a command"}
```
"#;
    let found: Vec<(String, String)> = commands_in_markdown("doc.md", markdown)
        .into_iter()
        .map(|command| (command.place, command.args.join(" ")))
        .collect();
    let expected = [
        ("doc.md:3", "status --json"),
        ("doc.md:4", "run --seed 42"),
        ("doc.md:5", "report"),
        ("doc.md:6", "validate"),
        ("doc.md:7", "clear --all"),
        ("doc.md:8", "--interval 0.6 --min-interval 0"),
        ("doc.md:10", "preview --count 2"),
        ("doc.md:14", "inject slow --delay twenty seconds"),
        ("doc.md:18", "clear"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(place, args)| ((*place).to_owned(), (*args).to_owned()))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn an_unknown_flag_or_command_is_reported_with_its_place() {
    let markdown = "```sh\nchaos-engine run --interval 5m\nchaos-engine run --intreval 5m\n\
                    chaos-engine --version\nchaos-engine status --help\nchaos-engine frobnicate\n```\n";
    let failures = unparsable(&commands_in_markdown("doc.md", markdown));
    assert_eq!(failures.len(), 2, "{failures:#?}");
    assert!(
        failures[0].starts_with("doc.md:3: chaos-engine run --intreval 5m: error:"),
        "{failures:#?}"
    );
    assert!(failures[0].contains("--intreval"), "{failures:#?}");
    assert!(
        failures[1].starts_with("doc.md:6: chaos-engine frobnicate: error:"),
        "{failures:#?}"
    );
}
