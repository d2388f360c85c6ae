//! The crate docs' feature list: rendered by `document-features` from `Cargo.toml`, only when the
//! `document-features` feature is on (docs.rs builds every feature), so that a default build of
//! the SDK does not compile `document-features` and `litrs`.

/// The names of the `[features]` table of this crate's manifest, `default` left out.
fn features(manifest: &str) -> Vec<&str> {
    manifest
        .lines()
        .skip_while(|line| line.trim() != "[features]")
        .skip(1)
        .take_while(|line| !line.trim_start().starts_with('['))
        .filter_map(|line| line.split_once(" = ").map(|(name, _)| name.trim()))
        .filter(|name| !name.starts_with('#') && *name != "default")
        .collect()
}

const MANIFEST: &str = include_str!("../Cargo.toml");

#[test]
fn the_rendered_list_names_every_feature() {
    let list: &str = document_features::document_features!();
    let names = features(MANIFEST);
    assert!(
        names.len() >= 10,
        "too few features read from Cargo.toml: {names:?}"
    );
    for name in names {
        assert!(
            list.contains(&format!("**`{name}`**")),
            "the feature list does not name `{name}`:\n{list}"
        );
    }
}

#[test]
fn document_features_is_off_by_default_and_on_for_docs_rs() {
    let default = MANIFEST
        .lines()
        .find(|line| line.starts_with("default = "))
        .expect("Cargo.toml has a `default` feature list");
    assert!(!default.contains("document-features"), "{default}");
    assert!(
        MANIFEST.contains("document-features = { workspace = true, optional = true }"),
        "the `document-features` dependency is not optional"
    );
    let docs_rs = MANIFEST
        .split("[package.metadata.docs.rs]")
        .nth(1)
        .expect("Cargo.toml has docs.rs metadata");
    assert!(
        docs_rs.contains("all-features = true"),
        "docs.rs does not build every feature"
    );
    // The crate docs render the list under the feature, and say where it is without it.
    let lib = include_str!("../src/lib.rs");
    assert!(
        lib.contains(
            "#![cfg_attr(feature = \"document-features\", doc = document_features::document_features!())]"
        ),
        "src/lib.rs no longer renders the list with `document-features`"
    );
    let without = lib
        .split("not(feature = \"document-features\")")
        .nth(1)
        .expect("src/lib.rs has no docs for a build without `document-features`");
    assert!(
        without.contains("cargo doc -p qosic --features document-features"),
        "src/lib.rs does not say how to render the list"
    );
}
