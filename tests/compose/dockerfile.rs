//! The guard that keeps `docker build .` working: every path a manifest
//! names (workspace members, path dependencies, target sources) must be
//! inside something the builder stage COPYs, and every source file cargo
//! needs in order to parse the manifests must have a stand-in in the
//! dependency layer. Adding a `[[bench]]`, a `[[test]]` or a workspace
//! member without updating the Dockerfile fails here, not in a user's build.

use std::collections::BTreeSet;
use std::path::Path;

use toml::Value;

use crate::docker::repo_root;

/// What the Dockerfile's builder stage does with the repository.
#[derive(Debug, Default)]
struct BuilderStage {
    /// Source of every `COPY` (without `--from`), in order, e.g. `src/`.
    copied: Vec<String>,
    /// How many of those come before the dependency layer's `RUN`.
    copied_before_stubs: usize,
    /// The paths after `for stub in` in the dependency layer.
    stubs: Vec<String>,
}

/// Reads the first stage of the Dockerfile (up to the second `FROM`).
fn builder_stage(dockerfile: &str) -> BuilderStage {
    // Join continuation lines so each instruction is one line.
    let joined = dockerfile
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("\\\n", " ");
    let mut stage = BuilderStage::default();
    let mut froms = 0;
    for line in joined.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("FROM") => {
                froms += 1;
                if froms > 1 {
                    break;
                }
            }
            Some("COPY") => {
                let args: Vec<&str> = words.filter(|w| !w.starts_with("--")).collect();
                if line.contains("--from") || args.len() < 2 {
                    continue;
                }
                // Every argument but the last (the destination) is a source.
                stage
                    .copied
                    .extend(args[..args.len() - 1].iter().map(|s| s.to_string()));
            }
            Some("RUN") if line.contains("for stub in") => {
                stage.copied_before_stubs = stage.copied.len();
                let list = line
                    .split_once("for stub in")
                    .and_then(|(_, rest)| rest.split_once(';'))
                    .map(|(list, _)| list)
                    .unwrap_or("");
                stage.stubs = list.split_whitespace().map(str::to_owned).collect();
            }
            _ => {}
        }
    }
    stage
}

fn read_manifest(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("read {}: {err}", path.display()));
    toml::from_str(&text).unwrap_or_else(|err| panic!("parse {}: {err}", path.display()))
}

/// Joins a manifest-relative path onto the package directory (`""` for
/// the root), normalising `./` and `..`.
fn in_package(package_dir: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = package_dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// Everything the manifests refer to, as repository-relative paths:
/// (`files` cargo must find to parse the manifests, `dirs` it reads).
fn manifest_paths() -> (BTreeSet<String>, BTreeSet<String>) {
    let root = repo_root();
    let mut files = BTreeSet::new();
    let mut dirs = BTreeSet::new();
    let workspace = read_manifest(&root.join("Cargo.toml"));
    let mut packages = vec![String::new()];
    if let Some(members) = workspace
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(Value::as_array)
    {
        for member in members.iter().filter_map(Value::as_str) {
            let dir = in_package("", member);
            if !dir.is_empty() {
                dirs.insert(dir.clone());
                packages.push(dir);
            }
        }
    }
    for package in &packages {
        let manifest = read_manifest(&root.join(package).join("Cargo.toml"));
        files.insert(in_package(package, "Cargo.toml"));
        // Path dependencies, in every dependency table.
        for table in ["dependencies", "dev-dependencies", "build-dependencies"] {
            if let Some(deps) = manifest.get(table).and_then(Value::as_table) {
                for dep in deps.values() {
                    if let Some(path) = dep.get("path").and_then(Value::as_str) {
                        dirs.insert(in_package(package, path));
                    }
                }
            }
        }
        // The library (declared, or found by cargo) and the default binary.
        let lib = manifest.get("lib");
        let lib_path = lib
            .and_then(|lib| lib.get("path"))
            .and_then(Value::as_str)
            .unwrap_or("src/lib.rs");
        if lib.is_some() || root.join(package).join(lib_path).is_file() {
            files.insert(in_package(package, lib_path));
        }
        if root.join(package).join("src/main.rs").is_file() {
            files.insert(in_package(package, "src/main.rs"));
        }
        // Declared targets: their path, or where cargo looks by name.
        for (kind, folder) in [
            ("bin", "src/bin"),
            ("test", "tests"),
            ("bench", "benches"),
            ("example", "examples"),
        ] {
            let Some(targets) = manifest.get(kind).and_then(Value::as_array) else {
                continue;
            };
            for target in targets {
                let path = match (target.get("path"), target.get("name")) {
                    (Some(path), _) => path.as_str().map(str::to_owned),
                    (None, Some(name)) => name.as_str().map(|name| {
                        let single = format!("{folder}/{name}.rs");
                        if root.join(package).join(&single).is_file() {
                            single
                        } else {
                            format!("{folder}/{name}/main.rs")
                        }
                    }),
                    (None, None) => None,
                };
                let path =
                    path.unwrap_or_else(|| panic!("{kind} without name or path in {package:?}"));
                files.insert(in_package(package, &path));
            }
        }
    }
    (files, dirs)
}

/// Whether the COPY source `copied` brings `path` into the image.
fn covers(copied: &str, path: &str) -> bool {
    let copied = copied.trim_end_matches('/');
    copied == "." || path == copied || path.starts_with(&format!("{copied}/"))
}

#[test]
fn the_dockerfile_copies_and_stubs_every_path_the_manifests_name() {
    let dockerfile = std::fs::read_to_string(repo_root().join("Dockerfile")).unwrap();
    let stage = builder_stage(&dockerfile);
    let (files, dirs) = manifest_paths();
    assert!(
        files.contains("src/main.rs") && files.contains("tests/compose/main.rs"),
        "the manifests were read: {files:?}"
    );

    let not_copied: Vec<&String> = files
        .iter()
        .chain(&dirs)
        .filter(|path| !stage.copied.iter().any(|c| covers(c, path)))
        .collect();
    assert!(
        not_copied.is_empty(),
        "the Dockerfile's builder stage never COPYs {not_copied:?}; its COPY sources: {:?}",
        stage.copied
    );

    // The dependency layer sees only the manifests and Cargo.lock ...
    let manifests: BTreeSet<&String> = files.iter().filter(|f| f.ends_with("Cargo.toml")).collect();
    let early = &stage.copied[..stage.copied_before_stubs];
    for manifest in manifests.iter().copied().chain([&"Cargo.lock".to_owned()]) {
        assert!(
            early.iter().any(|c| c == manifest),
            "the dependency layer must COPY {manifest} on its own, before its RUN; it copies {early:?}"
        );
    }
    // ... so each source file cargo needs to parse them is stubbed.
    let sources: BTreeSet<&String> = files.iter().filter(|f| f.ends_with(".rs")).collect();
    let stubs: BTreeSet<&String> = stage.stubs.iter().collect();
    assert_eq!(
        stubs, sources,
        "the dependency layer's `for stub in ...` list must be exactly the source files the manifests name"
    );
}

#[test]
fn the_guard_reads_copy_lines_and_stubs_from_a_dockerfile() {
    let stage = builder_stage(
        "FROM rust AS builder\n# COPY ignored/ ignored/\nCOPY Cargo.toml ./\nCOPY a/Cargo.toml b/Cargo.toml crates/\n\
         RUN for stub in \\\n    src/lib.rs \\\n    benches/x.rs \\\n; do touch \"$stub\"; done\n\
         COPY --chown=1:1 src/ src/\nFROM debian\nCOPY --from=builder /x /y\nCOPY late/ late/\n",
    );
    assert_eq!(
        stage.copied,
        ["Cargo.toml", "a/Cargo.toml", "b/Cargo.toml", "src/"]
    );
    assert_eq!(stage.copied_before_stubs, 3);
    assert_eq!(stage.stubs, ["src/lib.rs", "benches/x.rs"]);
    assert!(covers("src/", "src/bin/x.rs") && covers(".", "anything"));
    assert!(!covers("src/", "srcs/x.rs") && !covers("benches/", "src/lib.rs"));
    assert_eq!(in_package("crates/a", "../b"), "crates/b");
    assert_eq!(in_package("", "./src/lib.rs"), "src/lib.rs");
}
