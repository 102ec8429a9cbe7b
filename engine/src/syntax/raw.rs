//! The workflow file as written: serde structs that mirror the YAML one-to-one.
//! They carry no logic; `crate::resolve` turns them into the validated model.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A liucheng workflow definition: roles, typed fields and a graph of states.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "liucheng workflow")]
pub struct RawWorkflow {
    /// Identifier used to start instances and to call this workflow from another one: lower-case
    /// letters, digits and `-`, e.g. `emergency-surgery`.
    pub id: String,
    /// Title shown to people, in any language, e.g. `急诊手术 / Emergency surgery`.
    pub title: String,
    /// Version of the definition, a whole number from 1; raise it when the process changes.
    #[schemars(range(min = 1))]
    pub version: u32,
    /// What the process is for and where its rules come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Fixed UTC offset used for schedules and dates, e.g. `+08:00`. Default `+00:00`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The roles that act in this workflow, by id.
    pub roles: IndexMap<String, RawRole>,
    /// The typed data fields of an instance, by id.
    #[serde(default)]
    pub fields: IndexMap<String, RawField>,
    /// Figures the business sets without editing the graph (limits, thresholds, deadlines, who
    /// decides what), by id, each with its type and default. Guards and `with:` read them as
    /// `params.ID`; the org file's `settings:` overrides them; an instance keeps the values in
    /// force when it started.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub params: IndexMap<String, RawParam>,
    /// How an instance starts: who may start it and which state it enters first.
    pub start: RawStart,
    /// When an instance has ended: `single_end` (default: when a branch reaches an end state,
    /// and no other branch may still be active) or `all_branches` (when every parallel branch has
    /// reached an end state of its own, as in BPMN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion: Option<RawCompletion>,
    /// Who may withdraw or cancel a running instance; without it nobody can.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel: Option<RawCancel>,
    /// Operations (transfer, delegate, …) forbidden on every human step of this workflow.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forbid: Vec<RawOperation>,
    /// Calendar rules that start instances by themselves.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedules: Vec<RawSchedule>,
    /// Roles the org's duty roster must keep staffed at every moment (e.g. 24-hour OR duty):
    /// `org load` and `deploy` report every stretch of time with too few people on duty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub staffing: Vec<RawStaffing>,
    /// The states of the graph, by id. Exactly one kind key per state decides what it is:
    /// `actions` (a human step), `choice`, `fork`, `join`, `signoff`, `call`, `end`; a state with
    /// none of them is a waiting state that a `join` consumes.
    pub states: IndexMap<String, RawState>,
}

/// A role the duty roster must keep staffed around the clock.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStaffing {
    /// The role people are on duty as, e.g. `or_staff`.
    pub role: String,
    /// How many must be on duty at every moment (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub at_least: Option<u32>,
    /// The rule as the source states it, e.g. `手术室实施24小时无假日专人值班`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// A role of the workflow.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRole {
    /// Title shown to people, e.g. `部门经理 / Department manager`.
    pub title: String,
    /// A role parameter: whoever calls this workflow (`call:` with `roles:`) or starts it
    /// (`start --role NAME=ORG_ROLE`) says which role of the organisation plays it for that
    /// instance; the steps' `by:` name the parameter and the engine checks the bound role.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub parameter: bool,
    /// With `parameter: true`: the parameter may be left unbound. Then nobody plays it: its
    /// actions are offered to no one and it drops out of every sign-off that lists it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
}

/// A typed data field.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawField {
    /// The field's type.
    #[serde(rename = "type")]
    pub kind: RawFieldType,
    /// Title shown to people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// For `enum`: the allowed values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// For `list`: the type of each element (a scalar type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of: Option<RawFieldType>,
    /// For `checklist`: the items to confirm, by id, with their titles.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub items: IndexMap<String, String>,
    /// Keep every value set for this field, in order, with who set it and when; guards read
    /// `version("FIELD")` (1 for the first value) and `previous("FIELD")` (the value before).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub versioned: bool,
}

/// The type of a data field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawFieldType {
    /// Text.
    String,
    /// A whole number.
    Integer,
    /// A decimal number.
    Decimal,
    /// An amount of money (a decimal number; guards see it as a double).
    Money,
    /// `true` or `false`.
    Boolean,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A date and time, RFC 3339, e.g. `2026-03-01T14:00:00+08:00`.
    Datetime,
    /// One of the `values`.
    Enum,
    /// A list of elements of type `of`.
    List,
    /// A set of `items`, each confirmed `true` or `false`.
    Checklist,
}

/// A parameter: a figure the business sets, with its type and default.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawParam {
    /// The parameter's type.
    #[serde(rename = "type")]
    pub kind: RawParamType,
    /// Title shown to people, e.g. `总经理审批赔偿的金额下限 / Compensation above which the GM approves`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The value in force unless the org file's `settings:` gives another.
    pub default: serde_json::Value,
    /// For `enum`: the allowed values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// For `list`: the type of each element; for `table`: the type of each entry (a scalar type
    /// or `role`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of: Option<RawParamType>,
    /// For `table`: the enum field whose values are the table's keys; every value needs an entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// The type of a parameter: the field types, and three of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawParamType {
    /// Text.
    String,
    /// A whole number (e.g. the k of a sign-off `rule: params.quorum`).
    Integer,
    /// A decimal number.
    Decimal,
    /// An amount of money (a double in guards).
    Money,
    /// `true` or `false`.
    Boolean,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A date and time, RFC 3339.
    Datetime,
    /// One of the `values`.
    Enum,
    /// A list of elements of type `of`.
    List,
    /// A length of time, e.g. `48h`, `2d`: for deadlines (`after: params.review_sla`).
    Duration,
    /// A role id of this workflow (a string in guards).
    Role,
    /// One entry of type `of` for each value of the enum field `key`, e.g. the role that decides
    /// for each employee grade; guards read `params.ID[key_field]`.
    Table,
}

/// How an instance starts.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStart {
    /// The first state.
    pub to: String,
    /// Roles whose holders may start an instance.
    pub by: Vec<String>,
    /// Fields the requester must fill in when starting.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// Fields the requester may fill in when starting.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepts: Vec<String>,
}

/// When an instance has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawCompletion {
    /// When a branch reaches an end state; no other branch may still be active.
    SingleEnd,
    /// When every parallel branch has reached an end state.
    AllBranches,
}

/// Who may cancel a running instance.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCancel {
    /// `requester` (withdrawal by whoever started it) and/or role ids (cancellation by an admin).
    pub by: Vec<String>,
}

/// An everyday approval operation on a human step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawOperation {
    /// 转办: hand the step over to another person.
    Transfer,
    /// 委派: have someone work on the step; it comes back to the delegator.
    Delegate,
    /// 退回: send the instance back to an earlier step.
    Return,
    /// 撤回: take back one's own action before the next person acts.
    Withdraw,
    /// 催办: record a reminder to whoever must act.
    Remind,
    /// 代理: act as a named stand-in.
    StandIn,
}

/// A state of the graph.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawState {
    /// Title shown to people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A human step: the actions that may be taken here, by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<IndexMap<String, RawAction>>,
    /// An automatic exclusive choice: the first branch whose guard holds is taken, else `default`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<Vec<RawBranch>>,
    /// With `choice`: the state taken when no guard holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Parallel split: every listed state becomes active at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fork: Option<Vec<String>>,
    /// Join: the waiting states this join consumes; it fires by `rule` and goes `to`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<Vec<String>>,
    /// With `join` or `signoff`: `all`, `any`, `in_order` and `majority` (sign-off only) or a number k (at least k);
    /// on a sign-off, `params.ID` takes k from an integer parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<RawRule>,
    /// Multi-party sign-off (会签) on this step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signoff: Option<RawSignoff>,
    /// Run another workflow as a child instance and continue on its outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<String>,
    /// With `call`: child fields set from expressions over this instance's data.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub with: IndexMap<String, String>,
    /// With `call`: the next state for each outcome of the child.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub outcomes: IndexMap<String, String>,
    /// With `call`: fields of this instance set, when the child finishes, from the child's
    /// fields (`{satisfaction: satisfaction}`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub returns: IndexMap<String, String>,
    /// With `call`: which of this workflow's roles plays each role parameter of the child
    /// (`{giver: ward_nurse}`); a role parameter of this workflow passes its own binding on.
    /// Every parameter of the child must be bound, except the optional ones.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub roles: IndexMap<String, String>,
    /// An end state, with its outcome (e.g. `approved`, `rejected`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// The next state (for `join` and `signoff`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// With `signoff`: where a rejection by any signer leads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reject: Option<String>,
    /// A deadline on this state and what happens when it passes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<RawDeadline>,
    /// Operations (transfer, delegate, …) forbidden on this step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forbid: Vec<RawOperation>,
    /// The earlier states an operator may return the instance to from here; absent means any
    /// state the instance has passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_to: Option<Vec<String>>,
    /// With `signoff`: roles whose holders may add or remove signers (加签/减签).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_signer_by: Vec<String>,
    /// Fields no action may change once this state is entered (e.g. an approved plan), until a
    /// state that lists them under `unfreeze` is entered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub freeze: Vec<String>,
    /// Fields frozen by an earlier state that actions may change again once this state is entered
    /// (e.g. the change path of an approved plan).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unfreeze: Vec<String>,
}

/// An action of a human step.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAction {
    /// Title shown to people, e.g. `批准 / Approve`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Roles whose holders may take this action.
    pub by: Vec<String>,
    /// The next state.
    pub to: String,
    /// A guard (CEL) over the data, `actor` and `requester`; the action is offered only when true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// Fields the actor must fill in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// Fields the actor may fill in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepts: Vec<String>,
    /// Separation of duties: `requester`, or states whose actors may not take this action.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_by: Vec<String>,
    /// A comment is mandatory (e.g. for a rejection).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub comment_required: bool,
    /// Books a resource the org file declares (a theatre, a meeting room) for a time, checked
    /// against every other running instance: the action is refused when the resource is unknown,
    /// reserved for other workflows, or already booked for an overlapping time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub books: Option<RawBooks>,
    /// Fields the engine computes when the action is taken: field → CEL expression, evaluated
    /// like the guard (with `actor`, `person(id)`, …) over the data the actor gives; the values
    /// are recorded on the event. A field set here is not one the actor gives.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub set: IndexMap<String, String>,
    /// Rules the data must meet once the action's input (and `set:`) is in, checked in order;
    /// the first that is false refuses the action with its message. Unlike `when`, a rule
    /// never hides the action.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub valid: Vec<RawValidation>,
}

/// A booking of a shared resource, held until the instance ends; taking another booking of the
/// same kind of resource moves it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBooks {
    /// The kind of resource, as declared under `resources:` in the org file, e.g. `theatre`.
    pub resource: String,
    /// A string or enum field holding which resource of that kind, e.g. `theatre` (`OR-1`).
    pub value: String,
    /// A datetime field: when the booking starts.
    pub from: String,
    /// How long it lasts, e.g. `3h` or `1h 30m`; or give `until`.
    #[serde(rename = "for", default, skip_serializing_if = "Option::is_none")]
    pub length: Option<String>,
    /// A datetime field: when it ends; or give `for`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// A boolean field, e.g. `contaminated`: a booking where it is true must come after every
    /// booking where it is false on the same resource and calendar day, so a clean case never
    /// follows a contaminated one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_of_day: Option<String>,
}

/// A rule an action's data must meet.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawValidation {
    /// A condition (CEL, boolean) over the data as the action would leave it, `actor` and
    /// `requester`, like the action's `when`.
    pub when: String,
    /// What the actor is told when the condition is false, e.g. `罚款金额不符合制度`.
    pub message: String,
}

/// A branch of an exclusive choice.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBranch {
    /// The guard (CEL, boolean) over the instance data.
    pub when: String,
    /// The state taken when the guard holds.
    pub to: String,
}

/// How many arrivals or signatures complete a join or sign-off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum RawRule {
    /// `all`, `any` or `in_order`.
    Named(String),
    /// At least k.
    AtLeast(u64),
}

impl JsonSchema for RawRule {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Rule".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "`all`, `any`, `in_order` and `majority` (sign-off only), or a whole number k: at least k, or (sign-off only) `params.ID`: at least the integer parameter's value.",
            "oneOf": [
                { "type": "string", "enum": ["all", "any", "in_order", "majority"] },
                { "type": "string", "pattern": "^params\\.[a-z][a-z0-9_]*$" },
                { "type": "integer", "minimum": 1 }
            ]
        })
    }
}

impl<'de> Deserialize<'de> for RawRule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = RawRule;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("`all`, `any`, `in_order` or a whole number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawRule, E> {
                Ok(RawRule::Named(v.to_owned()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawRule, E> {
                Ok(RawRule::AtLeast(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawRule, E> {
                u64::try_from(v).map(RawRule::AtLeast).map_err(|_| E::custom("a rule's count must be at least 1"))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// A multi-party sign-off.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSignoff {
    /// The signing roles, one signer per role (in order, for `rule: in_order`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by: Vec<String>,
    /// Instead of `by`: every current holder of this role is a signer (e.g. the shareholders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// A checklist field each signer confirms in full when signing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checklist: Option<String>,
    /// Separation of duties: `requester`, or states whose actors may not sign.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_by: Vec<String>,
    /// A condition (CEL) every signer must meet, over `actor`, the data and `requester`, e.g.
    /// `actor.licensed == true`; like an action's `when`, it may ask about the duty roster and
    /// about other people (`person(id)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
}

/// A deadline on a state.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDeadline {
    /// Due this long after the state is entered, e.g. `24h`, `2d`, `1h 30m`, or
    /// `params.ID` for the duration parameter the business sets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// With `after`: other durations chosen by the instance's data when the state is entered,
    /// e.g. `[{when: 'urgency == "extra_urgent"', after: 15m}]`; the first case whose `when` holds
    /// gives the duration, and `after` is the default when none does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cases: Vec<RawDueCase>,
    /// Due at the time held by this `datetime` field (e.g. an arrival time the customer gave), or
    /// a duration after or before it: `meeting_start + 7d`, `operation_start - 2h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// With `at`: move the due time this many calendar days in the workflow's time zone, e.g. `-1`
    /// for the day before (a calendar day, not 24 hours).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<i64>,
    /// With `at`: the clock time on the due day in the workflow's time zone, e.g. `"20:00"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Due some time (`by`) before the time held by this `datetime` field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// With `before`: how long before, e.g. `2d`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// When it passes, move the step to this state (escalation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalate: Option<String>,
    /// When it passes, take this action of the state automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Send reminders this long before the deadline, e.g. `[4h, 1h]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remind: Vec<String>,
}

/// One case of a deadline's duration: `{when: GUARD, after: 15m}`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDueCase {
    /// A guard over the instance's data, evaluated when the state is entered.
    pub when: String,
    /// The duration when `when` holds, e.g. `15m`.
    pub after: String,
}

/// A calendar rule that starts an instance.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSchedule {
    /// Title shown to people, e.g. `周报 / Weekly report`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// When: `{weekday: saturday}`, `{day: 25}`, `{day: last}`, `{weekday: wednesday, week: 4}`,
    /// `{weekday: wednesday, calendar_week: 4}` or `{days: 15, from: 2026-01-05}`; each with an
    /// optional `at: "09:00"`.
    pub every: RawRecurrence,
    /// The role recorded as the requester of scheduled instances.
    pub role: String,
    /// Data of the started instance.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub data: IndexMap<String, serde_json::Value>,
    /// Start each instance this long before its occurrence, e.g. `4d` for a Monday meeting
    /// prepared from the Thursday before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
    /// A datetime field set to the occurrence in each started instance, e.g. `meeting_start`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurrence: Option<String>,
}

/// A recurrence rule.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRecurrence {
    /// A day of the week, `monday` … `sunday`: weekly, or with `week` or `calendar_week`, once a month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekday: Option<String>,
    /// With `weekday`: which one of the month, 1–5 or `last`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub week: Option<RawDayNumber>,
    /// With `weekday`: that day of the month's N-th calendar week, 1–6 or `last`. Weeks start on
    /// Monday and week 1 holds the 1st; a month whose week has no such day inside the month is skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar_week: Option<RawDayNumber>,
    /// A day of the month, 1–31 or `last`: monthly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<RawDayNumber>,
    /// Every this many days, counted from `from`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// With `days`: the first date, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Time of day, `HH:MM` (default `00:00`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// A day or week number, or `last`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum RawDayNumber {
    /// The given number.
    Number(u64),
    /// A word; only `last` is valid.
    Word(String),
}

impl JsonSchema for RawDayNumber {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DayNumber".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A number from 1, or `last`.",
            "oneOf": [
                { "type": "integer", "minimum": 1 },
                { "type": "string", "enum": ["last"] }
            ]
        })
    }
}

impl<'de> Deserialize<'de> for RawDayNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = RawDayNumber;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number or `last`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawDayNumber, E> {
                Ok(RawDayNumber::Word(v.to_owned()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawDayNumber, E> {
                Ok(RawDayNumber::Number(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawDayNumber, E> {
                u64::try_from(v).map(RawDayNumber::Number).map_err(|_| E::custom("expected a number from 1"))
            }
        }
        d.deserialize_any(Visitor)
    }
}
