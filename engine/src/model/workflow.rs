//! The validated workflow: every reference is an index that cannot dangle.
//! Only `crate::resolve` builds one; everything after validation trusts it.

use std::time::Duration;

use chrono::FixedOffset;

pub use crate::analysis::soundness::Completion;
use crate::model::expr::Expr;
use crate::model::schedule::Recurrence;
use crate::model::shift::Shift;

macro_rules! id_type {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub(crate) u32);

        impl $name {
            /// The position of this item in its workflow.
            #[must_use]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(StateId, "A state of one workflow.");
id_type!(RoleId, "A role of one workflow.");
id_type!(FieldId, "A data field of one workflow.");
id_type!(ParamId, "A parameter of one workflow.");

/// A validated workflow definition.
#[derive(Debug)]
pub struct Workflow {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) version: u32,
    pub(crate) description: Option<String>,
    pub(crate) timezone: FixedOffset,
    pub(crate) roles: Vec<Role>,
    pub(crate) fields: Vec<Field>,
    pub(crate) params: Vec<crate::model::params::Param>,
    pub(crate) start: Start,
    pub(crate) cancel: Option<Cancel>,
    pub(crate) completion: Completion,
    pub(crate) forbid: Operations,
    pub(crate) schedules: Vec<Schedule>,
    pub(crate) staffing: Vec<Staffing>,
    pub(crate) states: Vec<State>,
}

/// A role the org's duty roster must keep staffed at every moment.
#[derive(Debug, Clone)]
pub struct Staffing {
    pub(crate) role: RoleId,
    pub(crate) at_least: usize,
    pub(crate) title: Option<String>,
}

impl Staffing {
    /// The role people are on duty as.
    #[must_use]
    pub fn role(&self) -> RoleId {
        self.role
    }
    /// How many must be on duty at every moment.
    #[must_use]
    pub fn at_least(&self) -> usize {
        self.at_least
    }
    /// The rule as the source states it.
    #[must_use]
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }
}

impl Workflow {
    /// The workflow's id, e.g. `emergency-surgery`.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The title shown to people.
    #[must_use]
    pub fn title(&self) -> &str {
        &self.title
    }
    /// The definition's version number.
    #[must_use]
    pub fn version(&self) -> u32 {
        self.version
    }
    /// What the process is for.
    #[must_use]
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
    /// The UTC offset its schedules and dates are read in.
    #[must_use]
    pub fn timezone(&self) -> FixedOffset {
        self.timezone
    }
    /// Its roles.
    #[must_use]
    pub fn roles(&self) -> &[Role] {
        &self.roles
    }
    /// Its data fields.
    #[must_use]
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }
    /// The parameters the business sets, in file order.
    #[must_use]
    pub fn params(&self) -> &[crate::model::params::Param] {
        &self.params
    }
    /// A parameter by id.
    #[must_use]
    pub fn param(&self, id: ParamId) -> &crate::model::params::Param {
        &self.params[id.index()]
    }
    /// How instances start.
    #[must_use]
    pub fn start(&self) -> &Start {
        &self.start
    }
    /// When an instance has ended.
    #[must_use]
    pub fn completion(&self) -> Completion {
        self.completion
    }
    /// Who may cancel, if anyone.
    #[must_use]
    pub fn cancel(&self) -> Option<&Cancel> {
        self.cancel.as_ref()
    }
    /// Its schedules.
    #[must_use]
    pub fn schedules(&self) -> &[Schedule] {
        &self.schedules
    }
    /// The roles the duty roster must keep staffed.
    #[must_use]
    pub fn staffing(&self) -> &[Staffing] {
        &self.staffing
    }
    /// Its states, in file order.
    #[must_use]
    pub fn states(&self) -> &[State] {
        &self.states
    }
    /// A state by id.
    #[must_use]
    pub fn state(&self, id: StateId) -> &State {
        &self.states[id.index()]
    }
    /// A role by id.
    #[must_use]
    pub fn role(&self, id: RoleId) -> &Role {
        &self.roles[id.index()]
    }
    /// A field by id.
    #[must_use]
    pub fn field(&self, id: FieldId) -> &Field {
        &self.fields[id.index()]
    }
    /// Look a state up by its name (for input from people, never for following the graph).
    #[must_use]
    pub fn find_state(&self, name: &str) -> Option<StateId> {
        self.states.iter().position(|s| s.name == name).map(|i| StateId(i as u32))
    }
    /// Its role parameters.
    pub fn parameters(&self) -> impl Iterator<Item = &Role> {
        self.roles.iter().filter(|r| r.parameter.is_some())
    }

    /// Look a role up by its name.
    #[must_use]
    pub fn find_role(&self, name: &str) -> Option<RoleId> {
        self.roles.iter().position(|r| r.name == name).map(|i| RoleId(i as u32))
    }
    /// Look a field up by its name.
    #[must_use]
    pub fn find_field(&self, name: &str) -> Option<FieldId> {
        self.fields.iter().position(|f| f.name == name).map(|i| FieldId(i as u32))
    }
    /// Whether `op` may be used on `state`.
    #[must_use]
    pub fn allows(&self, state: StateId, op: Operation) -> bool {
        !self.forbid.contains(op) && !self.state(state).forbid.contains(op)
    }
    /// The outcomes of its end states, in file order, each once.
    #[must_use]
    pub fn outcomes(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for s in &self.states {
            if let StateKind::End { outcome } = &s.kind {
                if !out.contains(&outcome.as_str()) {
                    out.push(outcome);
                }
            }
        }
        out
    }
    /// Every edge of the state graph, state by state.
    #[must_use]
    pub fn arcs(&self) -> Vec<Arc> {
        self.states.iter().enumerate().flat_map(|(i, s)| s.arcs(StateId(i as u32))).collect()
    }
}

/// An edge of the state graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arc {
    /// Where it starts.
    pub from: StateId,
    /// Where it leads.
    pub to: StateId,
    /// What takes it.
    pub via: ArcKind,
}

/// What takes an edge of the state graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArcKind {
    /// The n-th action of a task.
    Action(usize),
    /// The n-th branch of a choice.
    Branch(usize),
    /// A choice's default.
    Default,
    /// A fork's split.
    Fork,
    /// A join's firing.
    Join,
    /// A waiting state feeding its join.
    Wait,
    /// A sign-off completed.
    Signed,
    /// A sign-off rejected.
    Rejected,
    /// The n-th outcome of a sub-workflow.
    Outcome(usize),
    /// A deadline's escalation.
    Escalation,
}

/// A role.
#[derive(Debug)]
pub struct Role {
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) parameter: Option<Parameter>,
}

/// How a role parameter must be bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parameter {
    /// Every call and every start binds it.
    Required,
    /// It may be left unbound; then nobody plays it.
    Optional,
}

impl Role {
    /// Whether it is a role parameter, bound per instance by the caller or starter.
    #[must_use]
    pub fn parameter(&self) -> Option<Parameter> {
        self.parameter
    }
    /// Its id in the file.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its title.
    #[must_use]
    pub fn title(&self) -> &str {
        &self.title
    }
}

/// The type of a data field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    /// Text.
    String,
    /// Whole number.
    Integer,
    /// Decimal number.
    Decimal,
    /// Money amount.
    Money,
    /// Boolean.
    Boolean,
    /// Calendar date.
    Date,
    /// Date and time.
    Datetime,
    /// One of the values.
    Enum(Vec<String>),
    /// List of a scalar type.
    List(Box<FieldType>),
    /// Items (id, title) each confirmed true or false.
    Checklist(Vec<(String, String)>),
}

impl FieldType {
    /// The type's name as written in files.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Integer => "integer",
            FieldType::Decimal => "decimal",
            FieldType::Money => "money",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Enum(_) => "enum",
            FieldType::List(_) => "list",
            FieldType::Checklist(_) => "checklist",
        }
    }
}

/// A data field.
#[derive(Debug)]
pub struct Field {
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) kind: FieldType,
    pub(crate) versioned: bool,
}

impl Field {
    /// Whether every value set for it is kept (`versioned: true`).
    #[must_use]
    pub fn versioned(&self) -> bool {
        self.versioned
    }
    /// Its id in the file.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its title, if any.
    #[must_use]
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }
    /// Its type.
    #[must_use]
    pub fn kind(&self) -> &FieldType {
        &self.kind
    }
}

/// How an instance starts.
#[derive(Debug)]
pub struct Start {
    pub(crate) to: StateId,
    pub(crate) by: Vec<RoleId>,
    pub(crate) requires: Vec<FieldId>,
    pub(crate) accepts: Vec<FieldId>,
}

impl Start {
    /// The first state.
    #[must_use]
    pub fn to(&self) -> StateId {
        self.to
    }
    /// Roles that may start.
    #[must_use]
    pub fn by(&self) -> &[RoleId] {
        &self.by
    }
    /// Fields required at start.
    #[must_use]
    pub fn requires(&self) -> &[FieldId] {
        &self.requires
    }
    /// Fields accepted at start.
    #[must_use]
    pub fn accepts(&self) -> &[FieldId] {
        &self.accepts
    }
}

/// Who may cancel a running instance.
#[derive(Debug)]
pub struct Cancel {
    pub(crate) requester: bool,
    pub(crate) roles: Vec<RoleId>,
}

impl Cancel {
    /// Whether the requester may withdraw.
    #[must_use]
    pub fn requester(&self) -> bool {
        self.requester
    }
    /// Roles that may cancel.
    #[must_use]
    pub fn roles(&self) -> &[RoleId] {
        &self.roles
    }
}

/// An everyday approval operation (see `RawOperation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// 转办.
    Transfer,
    /// 委派.
    Delegate,
    /// 退回.
    Return,
    /// 撤回.
    Withdraw,
    /// 催办.
    Remind,
    /// 代理.
    StandIn,
}

/// A set of operations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Operations(u8);

impl Operations {
    pub(crate) fn insert(&mut self, op: Operation) {
        self.0 |= 1 << op as u8;
    }
    /// Whether `op` is in the set.
    #[must_use]
    pub fn contains(self, op: Operation) -> bool {
        self.0 & (1 << op as u8) != 0
    }
}

/// A calendar rule that starts instances.
#[derive(Debug)]
pub struct Schedule {
    pub(crate) title: Option<String>,
    pub(crate) every: Recurrence,
    pub(crate) role: RoleId,
    pub(crate) data: serde_json::Map<String, serde_json::Value>,
    pub(crate) lead: std::time::Duration,
    pub(crate) occurrence: Option<FieldId>,
}

impl Schedule {
    /// Its title.
    #[must_use]
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }
    /// When it fires.
    #[must_use]
    pub fn every(&self) -> &Recurrence {
        &self.every
    }
    /// The requester role of started instances.
    #[must_use]
    pub fn role(&self) -> RoleId {
        self.role
    }
    /// The data of started instances.
    #[must_use]
    pub fn data(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.data
    }
    /// How long before each occurrence its instance starts (zero: at the occurrence).
    #[must_use]
    pub fn lead(&self) -> std::time::Duration {
        self.lead
    }
    /// The datetime field set to the occurrence in started instances.
    #[must_use]
    pub fn occurrence(&self) -> Option<FieldId> {
        self.occurrence
    }
}

/// A state of the graph.
#[derive(Debug)]
pub struct State {
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) kind: StateKind,
    pub(crate) deadline: Option<Deadline>,
    pub(crate) forbid: Operations,
    pub(crate) return_to: Option<Vec<StateId>>,
    pub(crate) add_signer_by: Vec<RoleId>,
    pub(crate) freeze: Vec<FieldId>,
    pub(crate) unfreeze: Vec<FieldId>,
}

impl State {
    /// Its id in the file.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its title, or its id when it has none.
    #[must_use]
    pub fn title(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.name)
    }
    /// Whether a title was written.
    #[must_use]
    pub fn has_title(&self) -> bool {
        self.title.is_some()
    }
    /// What kind of state it is.
    #[must_use]
    pub fn kind(&self) -> &StateKind {
        &self.kind
    }
    /// Its deadline, if any.
    #[must_use]
    pub fn deadline(&self) -> Option<&Deadline> {
        self.deadline.as_ref()
    }
    /// The states it may be returned to, if restricted.
    #[must_use]
    pub fn return_to(&self) -> Option<&[StateId]> {
        self.return_to.as_deref()
    }
    /// Roles that may add or remove signers.
    #[must_use]
    pub fn add_signer_by(&self) -> &[RoleId] {
        &self.add_signer_by
    }
    /// Fields no action may change once this state is entered.
    #[must_use]
    pub fn freeze(&self) -> &[FieldId] {
        &self.freeze
    }
    /// Fields actions may change again once this state is entered.
    #[must_use]
    pub fn unfreeze(&self) -> &[FieldId] {
        &self.unfreeze
    }
    /// Whether instances finish here.
    #[must_use]
    pub fn is_end(&self) -> bool {
        matches!(self.kind, StateKind::End { .. })
    }

    /// The edges leaving this state, which has id `from`.
    #[must_use]
    pub fn arcs(&self, from: StateId) -> Vec<Arc> {
        let mut arcs = Vec::new();
        let mut push = |to: StateId, via: ArcKind| arcs.push(Arc { from, to, via });
        match &self.kind {
            StateKind::Task { actions } => {
                for (a, action) in actions.iter().enumerate() {
                    push(action.to, ArcKind::Action(a));
                }
            }
            StateKind::Choice { branches, default } => {
                for (b, branch) in branches.iter().enumerate() {
                    push(branch.to, ArcKind::Branch(b));
                }
                push(*default, ArcKind::Default);
            }
            StateKind::Fork { to } => {
                for t in to {
                    push(*t, ArcKind::Fork);
                }
            }
            StateKind::Join { to, .. } => push(*to, ArcKind::Join),
            StateKind::Wait { join } => push(*join, ArcKind::Wait),
            StateKind::Signoff(signoff) => {
                push(signoff.to, ArcKind::Signed);
                if let Some(r) = signoff.reject {
                    push(r, ArcKind::Rejected);
                }
            }
            StateKind::Call(call) => {
                for (o, (_, to)) in call.outcomes.iter().enumerate() {
                    push(*to, ArcKind::Outcome(o));
                }
            }
            StateKind::End { .. } => {}
        }
        if let Some(Deadline { then: Escalation::Escalate(to), .. }) = &self.deadline {
            push(*to, ArcKind::Escalation);
        }
        arcs
    }
}

/// What a state is.
#[derive(Debug)]
pub enum StateKind {
    /// A human step.
    Task {
        /// Its actions.
        actions: Vec<Action>,
    },
    /// An automatic exclusive choice.
    Choice {
        /// Guarded branches, tried in order.
        branches: Vec<Branch>,
        /// Taken when no guard holds.
        default: StateId,
    },
    /// A parallel split.
    Fork {
        /// The states activated together.
        to: Vec<StateId>,
    },
    /// A join of parallel branches.
    Join {
        /// The waiting states it consumes.
        inputs: Vec<StateId>,
        /// How many must arrive.
        rule: JoinRule,
        /// The next state.
        to: StateId,
        /// States whose tokens are withdrawn when an `any` or k-of-n join fires.
        cancels: Vec<StateId>,
    },
    /// A waiting state, consumed by a join.
    Wait {
        /// The join that consumes it.
        join: StateId,
    },
    /// A multi-party sign-off.
    Signoff(Signoff),
    /// A sub-workflow.
    Call(Call),
    /// An end state.
    End {
        /// The instance's outcome.
        outcome: String,
    },
}

impl StateKind {
    /// The kind's name as written in files.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            StateKind::Task { .. } => "task",
            StateKind::Choice { .. } => "choice",
            StateKind::Fork { .. } => "fork",
            StateKind::Join { .. } => "join",
            StateKind::Wait { .. } => "waiting",
            StateKind::Signoff(_) => "signoff",
            StateKind::Call(_) => "call",
            StateKind::End { .. } => "end",
        }
    }
}

/// An action of a human step.
#[derive(Debug)]
pub struct Action {
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) by: Vec<RoleId>,
    pub(crate) to: StateId,
    pub(crate) guard: Option<Expr>,
    pub(crate) requires: Vec<FieldId>,
    pub(crate) accepts: Vec<FieldId>,
    pub(crate) not_by: Vec<Duty>,
    pub(crate) comment_required: bool,
    pub(crate) books: Option<Books>,
    pub(crate) set: Vec<(FieldId, Expr)>,
    pub(crate) valid: Vec<Validation>,
}

/// A rule an action's data must meet: a condition and what the actor is told when it is false.
#[derive(Debug)]
pub struct Validation {
    pub(crate) when: Expr,
    pub(crate) message: String,
}

impl Validation {
    /// The condition.
    #[must_use]
    pub fn when(&self) -> &Expr {
        &self.when
    }
    /// What the actor is told when it is false.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl Action {
    /// Its id in the file.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its title, or its id.
    #[must_use]
    pub fn title(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.name)
    }
    /// Roles that may take it.
    #[must_use]
    pub fn by(&self) -> &[RoleId] {
        &self.by
    }
    /// The next state.
    #[must_use]
    pub fn to(&self) -> StateId {
        self.to
    }
    /// Its guard.
    #[must_use]
    pub fn guard(&self) -> Option<&Expr> {
        self.guard.as_ref()
    }
    /// The fields the engine computes when it is taken, in order.
    #[must_use]
    pub fn set(&self) -> &[(FieldId, Expr)] {
        &self.set
    }
    /// The rules its data must meet, in order.
    #[must_use]
    pub fn valid(&self) -> &[Validation] {
        &self.valid
    }
    /// Fields the actor must fill in.
    #[must_use]
    pub fn requires(&self) -> &[FieldId] {
        &self.requires
    }
    /// Fields the actor may fill in.
    #[must_use]
    pub fn accepts(&self) -> &[FieldId] {
        &self.accepts
    }
    /// Separation-of-duty rules.
    #[must_use]
    pub fn not_by(&self) -> &[Duty] {
        &self.not_by
    }
    /// Whether a comment is mandatory.
    #[must_use]
    pub fn comment_required(&self) -> bool {
        self.comment_required
    }
    /// The resource it books, if any.
    #[must_use]
    pub fn books(&self) -> Option<&Books> {
        self.books.as_ref()
    }
}

/// A booking an action makes of a resource the org declares: which one (a field), from when
/// (a datetime field) and for how long; held until the instance ends.
#[derive(Debug, Clone, PartialEq)]
pub struct Books {
    pub(crate) resource: String,
    pub(crate) value: FieldId,
    pub(crate) from: FieldId,
    pub(crate) span: BookingSpan,
    pub(crate) last_of_day: Option<FieldId>,
}

/// How long a booking lasts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BookingSpan {
    /// A fixed length from its start.
    For(Duration),
    /// Until the time in a datetime field.
    Until(FieldId),
}

impl Books {
    /// The kind of resource, as the org file names it (`theatre`).
    #[must_use]
    pub fn resource(&self) -> &str {
        &self.resource
    }
    /// The field naming which resource of that kind.
    #[must_use]
    pub fn value(&self) -> FieldId {
        self.value
    }
    /// The datetime field the booking starts at.
    #[must_use]
    pub fn from(&self) -> FieldId {
        self.from
    }
    /// How long it lasts.
    #[must_use]
    pub fn span(&self) -> BookingSpan {
        self.span
    }
    /// A boolean field: bookings where it is true must come after every booking where it is
    /// false, on the same resource and day (a contaminated case after the clean ones).
    #[must_use]
    pub fn last_of_day(&self) -> Option<FieldId> {
        self.last_of_day
    }
}

/// A separation-of-duty rule: who may not act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// Whoever started the instance.
    Requester,
    /// Whoever acted in this state.
    ActorOf(StateId),
}

/// A guarded branch of a choice.
#[derive(Debug)]
pub struct Branch {
    pub(crate) guard: Expr,
    pub(crate) to: StateId,
}

impl Branch {
    /// The guard.
    #[must_use]
    pub fn guard(&self) -> &Expr {
        &self.guard
    }
    /// Where it leads.
    #[must_use]
    pub fn to(&self) -> StateId {
        self.to
    }
}

/// How many arrivals fire a join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinRule {
    /// Every input.
    All,
    /// The first arrival; the other branches are cancelled.
    Any,
    /// At least k arrivals; the other branches are cancelled.
    AtLeast(usize),
}

impl JoinRule {
    /// How many inputs must hold a token, out of `n`.
    #[must_use]
    pub fn needed(self, n: usize) -> usize {
        match self {
            JoinRule::All => n,
            JoinRule::Any => 1,
            JoinRule::AtLeast(k) => k,
        }
    }
}

/// Who signs a sign-off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signers {
    /// One signer per listed role.
    Roles(Vec<RoleId>),
    /// Every holder of the role.
    Body(RoleId),
}

/// How many signatures complete a sign-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignoffRule {
    /// Every signer.
    All,
    /// Any one signer.
    Any,
    /// At least k signers.
    AtLeast(usize),
    /// At least k signers, k being the integer parameter's value in force for the instance;
    /// `Workflow::rule_in_force` turns it into `AtLeast`.
    Param(ParamId),
    /// Every signer, in the listed order.
    InOrder,
    /// More than half of the signers (of every holder of the role, for a body).
    Majority,
}

impl SignoffRule {
    /// How many signatures complete a sign-off of `n` signers under this rule.
    #[must_use]
    pub fn needed(self, n: usize) -> usize {
        match self {
            SignoffRule::All | SignoffRule::InOrder => n,
            SignoffRule::Any => 1,
            SignoffRule::AtLeast(k) => k,
            // Only a rule in force is counted; asking of the declared one, nobody is spared.
            SignoffRule::Param(_) => n,
            SignoffRule::Majority => n / 2 + 1,
        }
    }
}

/// A multi-party sign-off.
#[derive(Debug)]
pub struct Signoff {
    pub(crate) signers: Signers,
    pub(crate) rule: SignoffRule,
    pub(crate) checklist: Option<FieldId>,
    pub(crate) not_by: Vec<Duty>,
    pub(crate) guard: Option<Expr>,
    pub(crate) to: StateId,
    pub(crate) reject: Option<StateId>,
}

impl Signoff {
    /// The condition every signer must meet.
    #[must_use]
    pub fn guard(&self) -> Option<&Expr> {
        self.guard.as_ref()
    }
    /// Who signs.
    #[must_use]
    pub fn signers(&self) -> &Signers {
        &self.signers
    }
    /// How many must sign.
    #[must_use]
    pub fn rule(&self) -> SignoffRule {
        self.rule
    }
    /// The checklist each signer confirms.
    #[must_use]
    pub fn checklist(&self) -> Option<FieldId> {
        self.checklist
    }
    /// Separation-of-duty rules.
    #[must_use]
    pub fn not_by(&self) -> &[Duty] {
        &self.not_by
    }
    /// The next state once signed.
    #[must_use]
    pub fn to(&self) -> StateId {
        self.to
    }
    /// Where a rejection leads.
    #[must_use]
    pub fn reject(&self) -> Option<StateId> {
        self.reject
    }
}

/// A sub-workflow call.
#[derive(Debug)]
pub struct Call {
    pub(crate) workflow: String,
    pub(crate) with: Vec<(String, Expr)>,
    pub(crate) outcomes: Vec<(String, StateId)>,
    pub(crate) returns: Vec<(FieldId, String)>,
    pub(crate) roles: Vec<(String, RoleId)>,
}

impl Call {
    /// The child's role parameters (by name) and the role of this workflow that plays each.
    #[must_use]
    pub fn roles(&self) -> &[(String, RoleId)] {
        &self.roles
    }
    /// Fields of the caller set from the child's fields (by name) when it finishes.
    #[must_use]
    pub fn returns(&self) -> &[(FieldId, String)] {
        &self.returns
    }
    /// The called workflow's id.
    #[must_use]
    pub fn workflow(&self) -> &str {
        &self.workflow
    }
    /// Child fields and the expressions that set them.
    #[must_use]
    pub fn with(&self) -> &[(String, Expr)] {
        &self.with
    }
    /// The next state per child outcome.
    #[must_use]
    pub fn outcomes(&self) -> &[(String, StateId)] {
        &self.outcomes
    }
}

/// A deadline on a state.
#[derive(Debug)]
pub struct Deadline {
    pub(crate) due: Due,
    pub(crate) then: Escalation,
    pub(crate) remind: Vec<Duration>,
    pub(crate) cases: Vec<DueCase>,
    pub(crate) shift: Shift,
}

impl Deadline {
    /// When it falls due.
    #[must_use]
    pub fn due(&self) -> &Due {
        &self.due
    }
    /// What happens then.
    #[must_use]
    pub fn then(&self) -> &Escalation {
        &self.then
    }
    /// Reminder lead times.
    #[must_use]
    pub fn remind(&self) -> &[Duration] {
        &self.remind
    }
    /// With `Due::After`: durations chosen by data, the first that holds replacing the default.
    #[must_use]
    pub fn cases(&self) -> &[DueCase] {
        &self.cases
    }
    /// With `Due::At`: how the due time moves from the field's time.
    #[must_use]
    pub fn shift(&self) -> Shift {
        self.shift
    }
}

/// A duration that replaces a deadline's default when its guard holds as the state is entered.
#[derive(Debug)]
pub struct DueCase {
    pub(crate) when: Expr,
    pub(crate) after: Duration,
}

impl DueCase {
    /// The guard over the instance's data.
    #[must_use]
    pub fn when(&self) -> &Expr {
        &self.when
    }
    /// The duration when it holds.
    #[must_use]
    pub fn after(&self) -> Duration {
        self.after
    }
}

/// When a deadline falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// This long after the state is entered.
    After(Duration),
    /// At the time in this field.
    At(FieldId),
    /// This long before the time in the field.
    Before(FieldId, Duration),
    /// As long after the state is entered as the duration parameter in force for the instance.
    AfterParam(ParamId),
}

/// What happens when a deadline passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escalation {
    /// The step moves to this state.
    Escalate(StateId),
    /// The n-th action of the state is taken automatically.
    Action(usize),
}

/// Format a duration as the language writes it, e.g. `24h`, `3d`, `1h 30m`: whole days from two
/// days up, hours below that, as people say them.
#[must_use]
pub fn format_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs % 86_400 != 0 || secs < 2 * 86_400 {
        let hours = secs / 3_600;
        secs %= 3_600;
        let mut parts = Vec::new();
        if hours > 0 {
            parts.push(format!("{hours}h"));
        }
        if secs >= 60 {
            parts.push(format!("{}m", secs / 60));
        }
        if secs % 60 > 0 || parts.is_empty() {
            parts.push(format!("{}s", secs % 60));
        }
        return parts.join(" ");
    }
    let mut parts = Vec::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if secs >= size {
            parts.push(format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    if parts.is_empty() {
        "0s".into()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::format_duration;
    use std::time::Duration;

    #[test]
    fn durations_read_as_people_say_them() {
        let f = |s: u64| format_duration(Duration::from_secs(s));
        assert_eq!(f(86_400), "24h");
        assert_eq!(f(3 * 86_400), "3d");
        assert_eq!(f(5_400), "1h 30m");
        assert_eq!(f(45), "45s");
        assert_eq!(f(2 * 86_400 + 3_600), "49h");
    }
}
