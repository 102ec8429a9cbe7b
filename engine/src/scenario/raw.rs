//! The scenario file as written: serde structs that mirror the YAML one-to-one, with no logic.
//! `super::resolve` checks every name in them and builds the scenario model.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Scenarios for one workflow: each starts an instance, takes steps as named people on a fake
/// clock, and checks where the instance is. Run them with `liucheng test`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "liucheng scenarios")]
pub struct RawScenarioFile {
    /// The id of the workflow under test; a workflow file in the same folder must define it.
    pub workflow: String,
    /// The organisation file, relative to this file. Default `org.yaml` beside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// Where the fake clock starts, RFC 3339. Default `2026-01-05T09:00:00+08:00`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<String>,
    /// Parameter values for every scenario of the file, by workflow id then parameter id, set
    /// over the org file's `settings:` as if the business had set them.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub settings: IndexMap<String, IndexMap<String, Value>>,
    /// The scenarios; each runs on a fresh database.
    pub scenarios: Vec<RawScenario>,
}

/// One scenario: a start and the steps that follow.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// What it shows, unique within the file, e.g. `approved by the manager`.
    pub name: String,
    /// Parameter values for this scenario, by workflow id then parameter id, set over the
    /// file's and the org file's `settings:`, e.g. `{decoration-complaint-handling:
    /// {gm_compensation_limit: 8000.0}}`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub settings: IndexMap<String, IndexMap<String, Value>>,
    /// Starts the instance under test.
    pub start: RawStart,
    /// The steps, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<RawStep>,
}

/// Starting an instance.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStart {
    /// Who starts it: a person id from the org file.
    #[serde(rename = "as")]
    pub actor: String,
    /// The data it starts with, by field.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub data: IndexMap<String, Value>,
    /// The role of the organisation bound to each role parameter of the workflow
    /// (`{giver: ward_nurse}`), as `liucheng start --role` binds them.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub roles: IndexMap<String, String>,
}

/// One step. Exactly one of `act`, `sign`, `reject`, `cancel`, `advance`, `tick`, `expect` and
/// `refused` says what it is; the other keys go with it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// Take this action, from whichever active state offers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<String>,
    /// Sign this sign-off state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign: Option<String>,
    /// Reject this sign-off state (it follows its reject path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reject: Option<String>,
    /// Withdraw or cancel the instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel: Option<RawCancel>,
    /// Move the fake clock on, e.g. `25h`, `90m`, `2d`, `1d 12h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advance: Option<String>,
    /// Run `tick` at the fake clock's time: fire the deadlines that have passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tick: Option<RawTick>,
    /// Check the instance; every key is optional and every key given is checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<RawExpect>,
    /// This step must be refused, and nothing may change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<RawRefused>,
    /// Start another instance of the workflow under test (or of `in`); later steps address it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<RawStart>,
    /// 转办: hand the step (`state`, or the actor's only one) to this person for good.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<String>,
    /// 委派: hand the step to this person to work on; it comes back with `hand_back`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate: Option<String>,
    /// Hand this delegated step back to the person who delegated it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hand_back: Option<String>,
    /// 退回: send the instance back to this earlier step (from `state`, or the actor's only one).
    #[serde(rename = "return", default, skip_serializing_if = "Option::is_none")]
    pub return_to: Option<String>,
    /// 撤回: take back the actor's last action; the value is the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdraw: Option<String>,
    /// 催办: remind whoever must act on this step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remind: Option<String>,
    /// 加签: add this person as a signer of the sign-off in progress (after the next signer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_signer: Option<String>,
    /// 减签: take this signer (a role, or a person added by name) off the sign-off in progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove_signer: Option<String>,
    /// 代理: name a stand-in for a while, from the fake clock's time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stand_in: Option<RawStandIn>,
    /// Act as the stand-in of this person (`act`, `sign`, `reject`).
    #[serde(rename = "for", default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    /// Who takes the step (`act`, `sign`, `reject`): a person id from the org file.
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Which active state, when several offer the same action (`act`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Data filled in with the action (`act`), by field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<IndexMap<String, Value>>,
    /// A comment (`act`, `sign`, `reject`). A `reject` without one is given `rejected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Checklist answers when signing, e.g. `{identity: true, site: true}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checklist: Option<IndexMap<String, Value>>,
    /// Address the most recently started instance of this workflow (a sub-workflow started by a
    /// `call`) instead of the instance under test.
    #[serde(rename = "in", default, skip_serializing_if = "Option::is_none")]
    pub within: Option<String>,
}

/// Naming a stand-in (代理).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStandIn {
    /// The person who will be away.
    #[serde(rename = "for")]
    pub person: String,
    /// Who acts for them.
    pub by: String,
    /// For how long from the fake clock's time, e.g. `7d`.
    #[serde(rename = "for_the_next")]
    pub period: String,
    /// Why; recorded.
    pub reason: String,
}

/// Withdrawing or cancelling.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCancel {
    /// Who cancels: a person id from the org file.
    #[serde(rename = "as")]
    pub actor: String,
    /// Why. Default `cancelled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Cancel the most recently started instance of this workflow (same as `in` beside `cancel`).
    #[serde(rename = "in", default, skip_serializing_if = "Option::is_none")]
    pub within: Option<String>,
}

/// A tick, and optionally which deadlines it must fire.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTick {
    /// Exactly these states' deadlines fire (in any instance of the scenario); `[]` for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fired: Option<Vec<String>>,
}

/// What the instance must look like now.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    /// Exactly these states are active (in any order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub states: Option<Vec<String>>,
    /// Whether it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RawStatus>,
    /// It has ended with this outcome (implies `status: done`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// These fields have these values; other fields are not checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<IndexMap<String, Value>>,
    /// Exactly these actions are available to each of these people now, e.g.
    /// `{wang_wu: [approve, reject]}`; a sign-off offers `sign` and `reject`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_act: Option<IndexMap<String, Vec<String>>>,
    /// These people have no action available now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cannot_act: Option<Vec<String>>,
    /// The engine's counters have these values (what `visits` and `taken` give in guards): each
    /// key a state (how many times it was entered) or `state.action` (how many times that action
    /// was taken), e.g. `{under_review: 2, under_review.return_to_store: 1}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<IndexMap<String, i64>>,
    /// Check the most recently started instance of this workflow (same as `in` beside `expect`).
    #[serde(rename = "in", default, skip_serializing_if = "Option::is_none")]
    pub within: Option<String>,
}

/// Whether an instance runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawStatus {
    /// Still running.
    Active,
    /// Reached an end state.
    Done,
    /// Withdrawn or cancelled.
    Cancelled,
}

/// A step that must be refused: one of `act`, `sign`, `reject`, `cancel`, `start`, with the
/// keys that go with it, and the reason expected.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRefused {
    /// Try this action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<String>,
    /// Try to sign this sign-off state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign: Option<String>,
    /// Try to reject this sign-off state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reject: Option<String>,
    /// Try to cancel the instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel: Option<RawCancel>,
    /// Try to start another instance (of the workflow under test, or of `in`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<RawStart>,
    /// 转办: hand the step (`state`, or the actor's only one) to this person for good.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<String>,
    /// 委派: hand the step to this person to work on; it comes back with `hand_back`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate: Option<String>,
    /// Hand this delegated step back to the person who delegated it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hand_back: Option<String>,
    /// 退回: send the instance back to this earlier step (from `state`, or the actor's only one).
    #[serde(rename = "return", default, skip_serializing_if = "Option::is_none")]
    pub return_to: Option<String>,
    /// 撤回: take back the actor's last action; the value is the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdraw: Option<String>,
    /// 催办: remind whoever must act on this step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remind: Option<String>,
    /// 加签: add this person as a signer of the sign-off in progress (after the next signer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_signer: Option<String>,
    /// 减签: take this signer (a role, or a person added by name) off the sign-off in progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove_signer: Option<String>,
    /// Try as the stand-in of this person (`act`, `sign`, `reject`).
    #[serde(rename = "for", default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    /// Who tries (`act`, `sign`, `reject`).
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Which active state (`act`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Data filled in (`act`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<IndexMap<String, Value>>,
    /// A comment (`act`, `sign`, `reject`); `""` tries without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Checklist answers (`sign`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checklist: Option<IndexMap<String, Value>>,
    /// Address the most recently started instance of this workflow.
    #[serde(rename = "in", default, skip_serializing_if = "Option::is_none")]
    pub within: Option<String>,
    /// The refusal's code (e.g. `missing-role`, `separation-of-duty`) or a piece of its message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
