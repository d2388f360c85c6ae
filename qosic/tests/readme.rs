//! The README's Rust snippets are the crate docs' guide, which `cargo test --doc -p qosic`
//! compiles and runs: this test fails when the two drift apart.

/// The code blocks of a Markdown text: (info string, lines).
fn blocks(markdown: &str) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    let mut current: Option<(String, Vec<String>)> = None;
    for line in markdown.lines() {
        match (line.strip_prefix("```"), current.take()) {
            (Some(info), None) => current = Some((info.to_owned(), Vec::new())),
            (Some(_), Some(block)) => found.push(block),
            (None, Some(mut block)) => {
                block.1.push(line.to_owned());
                current = Some(block);
            }
            (None, None) => {}
        }
    }
    found
}

fn is_rust(info: &str) -> bool {
    info.is_empty() || info.split(',').any(|part| part == "rust")
}

/// Whether a line of a doc test is hidden (`# …`): a reader does not see it.
fn is_hidden(line: &str) -> bool {
    let line = line.trim_start();
    line == "#" || line.starts_with("# ")
}

/// Issue 27, trap 6: README blocks compiled only with an earlier block's imports or a hidden
/// set-up. Each README block is now a whole file, and the same text, with no hidden line, is
/// a doc test of the guide, which `cargo test --doc -p qosic` compiles (and runs, unless
/// `no_run`): a block that needs anything it does not show fails there.
#[test]
fn every_readme_snippet_is_a_whole_file_the_guide_compiles() {
    let readme = include_str!("../../README.md");
    let lib = include_str!("../src/lib.rs");
    let docs: String = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let guide: Vec<(String, Vec<String>)> = blocks(&docs)
        .into_iter()
        .filter(|(info, _)| is_rust(info))
        .collect();
    let readme_rust: Vec<(String, Vec<String>)> = blocks(readme)
        .into_iter()
        .filter(|(info, _)| info.starts_with("rust"))
        .collect();
    assert!(
        readme_rust.len() >= 9,
        "the README's guide has its snippets"
    );
    for (info, lines) in &readme_rust {
        let text = lines.join("\n");
        assert!(
            !info.contains("ignore"),
            "README snippets are compiled: no `ignore` ({info}):\n{text}"
        );
        assert!(
            lines.first().is_some_and(|first| first.starts_with("// src/")
                || first.starts_with("// tests/")),
            "a README snippet starts by saying where it goes (`// src/main.rs`, \
             `// tests/payments.rs`):\n{text}"
        );
        assert!(
            !lines.iter().any(|l| is_hidden(l)),
            "a README snippet has no hidden line:\n{text}"
        );
        let Some((guide_info, _)) = guide.iter().find(|(_, guide_lines)| guide_lines == lines)
        else {
            panic!(
                "this README snippet is not a doc test of qosic's crate docs (where it is \
                 compiled); copy it there, with no hidden line, or fix it:\n{text}"
            );
        };
        assert_eq!(guide_info, info, "the same info string in both:\n{text}");
        // A program of `src/` uses no dev-dependency: `qosic::mock` is for tests.
        if lines[0].starts_with("// src/") {
            assert!(
                !text.contains("qosic::mock") && !text.contains("test_util"),
                "`qosic::mock` (the `mock` feature) belongs in [dev-dependencies], so in \
                 tests, not in a program:\n{text}"
            );
        }
    }
}

/// The crates.io page gives the same dependencies as the workspace README, tokio's
/// `test-util` (for `start_paused`) included.
#[test]
fn the_crate_readme_lists_tokio_test_util() {
    let crate_readme = include_str!("../README.md");
    let dev = crate_readme
        .split("[dev-dependencies]")
        .nth(1)
        .expect("qosic/README.md has a [dev-dependencies] table");
    assert!(
        dev.lines()
            .any(|l| l.starts_with("tokio =") && l.contains("\"test-util\"")),
        "{dev}"
    );
}
