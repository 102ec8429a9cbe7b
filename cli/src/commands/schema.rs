//! `liucheng schema`: print the JSON Schema of the workflow language.

/// Print the JSON Schema of workflow files (the checked-in `schemas/workflow.schema.json`), for
/// editors: start a workflow file with
/// `# yaml-language-server: $schema=../schemas/workflow.schema.json`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: &Args) -> u8 {
    print!("{}", liucheng_engine::schema::workflow_schema());
    super::EXIT_OK
}
