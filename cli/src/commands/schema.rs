//! `liucheng schema`: print the JSON Schema of the workflow language.

/// Print the JSON Schema of workflow files.
///
/// It is the checked-in `schemas/workflow.schema.json`. Editors with a YAML language server
/// complete keys and flag mistakes as you type when a workflow file starts with
/// `# yaml-language-server: $schema=../schemas/workflow.schema.json`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: &Args) -> u8 {
    print!("{}", liucheng_engine::schema::workflow_schema());
    super::EXIT_OK
}
