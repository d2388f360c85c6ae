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

#[test]
fn every_readme_snippet_is_a_tested_guide_snippet() {
    let readme = include_str!("../../README.md");
    let lib = include_str!("../src/lib.rs");
    let docs: String = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let guide: Vec<Vec<String>> = blocks(&docs)
        .into_iter()
        .filter(|(info, _)| is_rust(info))
        .map(|(_, lines)| {
            // Hidden lines (`# …`) set the example up; users do not see them.
            lines
                .into_iter()
                .filter(|l| !(l.starts_with("# ") || l == "#"))
                .collect()
        })
        .collect();
    let readme_rust: Vec<(String, Vec<String>)> = blocks(readme)
        .into_iter()
        .filter(|(info, _)| info.starts_with("rust"))
        .collect();
    assert!(
        readme_rust.len() >= 8,
        "the README's guide has its snippets"
    );
    for (info, lines) in &readme_rust {
        assert!(
            !info.contains("ignore"),
            "README snippets are compiled: no `ignore` ({info})"
        );
        assert!(
            guide.contains(lines),
            "this README snippet is not in qosic's crate docs (where it is tested); copy it \
             there or fix it:\n{}",
            lines.join("\n")
        );
    }
}
