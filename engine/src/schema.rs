//! The JSON Schema of the workflow language, generated from the raw structs so that it can never
//! disagree with what the loader accepts. `schemas/workflow.schema.json` is this, checked in, and
//! so are `schemas/org.schema.json` and `schemas/scenario.schema.json`.

use crate::syntax::raw::RawWorkflow;

/// The JSON Schema of a workflow file, pretty-printed with a trailing newline.
#[must_use]
pub fn workflow_schema() -> String {
    let schema = schemars::schema_for!(RawWorkflow);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema always serialises");
    text.push('\n');
    text
}

/// The JSON Schema of an organisation file.
#[must_use]
pub fn org_schema() -> String {
    let schema = schemars::schema_for!(crate::org::RawOrg);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema always serialises");
    text.push('\n');
    text
}

/// The JSON Schema of a scenario file (`*.test.yaml`).
#[must_use]
pub fn scenario_schema() -> String {
    let schema = schemars::schema_for!(crate::scenario::RawScenarioFile);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema always serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    /// The checked-in schema is what editors read; it must match the loader's types.
    #[test]
    fn checked_in_schema_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/workflow.schema.json");
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == super::workflow_schema(),
            "schemas/workflow.schema.json is stale: run `cargo run -p liucheng -- schema > schemas/workflow.schema.json`"
        );
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/org.schema.json");
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == super::org_schema(),
            "schemas/org.schema.json is stale: run `cargo run -p liucheng -- schema org > schemas/org.schema.json`"
        );
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/scenario.schema.json");
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == super::scenario_schema(),
            "schemas/scenario.schema.json is stale: run `cargo run -p liucheng -- schema scenario > schemas/scenario.schema.json`"
        );
    }
}
