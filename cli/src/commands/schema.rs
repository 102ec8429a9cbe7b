//! `liucheng schema`: print the JSON Schema of workflow, organisation or scenario files.

/// Print the JSON Schema of workflow files (or of organisation or scenario files).
///
/// They are the checked-in `schemas/workflow.schema.json`, `schemas/org.schema.json` and
/// `schemas/scenario.schema.json`.
/// Editors with a YAML language server complete keys and flag mistakes as you type when a
/// workflow file starts with `# yaml-language-server: $schema=../schemas/workflow.schema.json`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which file format.
    #[arg(value_enum, default_value_t = Kind::Workflow)]
    kind: Kind,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Kind {
    /// Workflow definitions.
    Workflow,
    /// Organisation files (people, roles, duty rosters).
    Org,
    /// Scenario files (`*.test.yaml`) run by `liucheng test`.
    Scenario,
}

pub fn run(args: &Args) -> u8 {
    match args.kind {
        Kind::Workflow => out!("{}", liucheng_engine::schema::workflow_schema()),
        Kind::Org => out!("{}", liucheng_engine::schema::org_schema()),
        Kind::Scenario => out!("{}", liucheng_engine::schema::scenario_schema()),
    }
    super::EXIT_OK
}
