//! The crate's layout, as `ARCHITECTURE.md` describes it: no source file over 900 lines, and
//! no two modules that import each other, directly or around a circle.

use std::collections::{BTreeMap, BTreeSet};

/// Each module of `src/` (but the crate root and the binary) and the modules it names as
/// `crate::NAME` in its code (comments and doc comments aside).
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut texts = BTreeMap::new();
    for entry in std::fs::read_dir(&src).expect("src/ is readable") {
        let path = entry.expect("an entry of src/").path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.extension().is_some_and(|e| e == "rs") && name != "lib" && name != "main" {
            texts.insert(name, std::fs::read_to_string(&path).expect("a source file"));
        }
    }
    let modules: BTreeSet<String> = texts.keys().cloned().collect();
    texts
        .iter()
        .map(|(name, text)| {
            let code = text.lines().filter(|l| !l.trim_start().starts_with("//"));
            let named = code
                .flat_map(|line| line.split("crate::").skip(1).map(str::to_owned))
                .filter_map(|rest| {
                    let module: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    (modules.contains(&module) && module != *name).then_some(module)
                })
                .collect();
            (name.clone(), named)
        })
        .collect()
}

#[test]
fn no_two_modules_import_each_other() {
    let graph = imports();
    assert!(graph.len() > 10, "src/ read: {:?}", graph.keys());
    // Depth-first search for a circle, keeping the path that leads to it.
    fn visit(
        graph: &BTreeMap<String, BTreeSet<String>>,
        module: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if let Some(at) = path.iter().position(|m| m == module) {
            panic!(
                "modules import each other: {} -> {module}",
                path[at..].join(" -> ")
            );
        }
        if !done.insert(module.to_owned()) {
            return;
        }
        path.push(module.to_owned());
        for next in &graph[module] {
            visit(graph, next, path, done);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        visit(&graph, module, &mut Vec::new(), &mut done);
    }
}

#[test]
fn no_source_file_is_over_900_lines() {
    fn check(dir: &std::path::Path) {
        for entry in std::fs::read_dir(dir).expect("a readable folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                check(&path);
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a source file");
            let lines = text.lines().count();
            assert!(lines <= 900, "{} has {lines} lines", path.display());
        }
    }
    for dir in ["src", "tests/it"] {
        check(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir));
    }
}

/// Issue 22: the fake server is a test double, and its size says so. Every file under
/// `src/` counts, the binary's too.
#[test]
fn the_sources_stay_the_size_of_a_test_double() {
    fn lines(dir: &std::path::Path) -> usize {
        let entries = std::fs::read_dir(dir).expect("a readable folder");
        entries
            .map(|entry| entry.expect("an entry").path())
            .map(|path| match path.is_dir() {
                true => lines(&path),
                false => std::fs::read_to_string(&path)
                    .expect("a source file")
                    .lines()
                    .count(),
            })
            .sum()
    }
    let total = lines(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(
        total <= 6_500,
        "qosic-mock/src has {total} lines, over its budget of 6,500: remove duplication \
         (table-driven code, serde derives, one helper per repeated shape) or dead code, keep \
         the guide in README.md and behaviour tests in tests/it, rather than raise the budget"
    );
}
