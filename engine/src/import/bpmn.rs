//! BPMN 2.0 import: each process, and each embedded sub-process, becomes a workflow; tasks
//! become human steps, gateways choices, forks and joins, timers deadlines and schedules.
//!
//! The mapping, element by element (everything else is reported as a note):
//! - user, manual and plain tasks → a human step with one action; its role comes from the
//!   candidate groups (Camunda, Flowable, Zeebe), else its performers / potential owners,
//!   else its lane, else the pool; automated tasks (service, script, send, business rule) get
//!   the role `system`, with a warning that their implementation is not imported;
//! - exclusive gateway → a `choice` on a new enum field `route_…`, one value per outgoing flow,
//!   the gateway's default flow as `default` (conditions are not translated: a warning each);
//! - parallel gateway → `fork` / `join` (a waiting state per incoming flow);
//! - inclusive and complex gateways → `fork` / `join` too, with a warning (every branch is taken);
//! - event-based gateway → a human step with one action per event, a timer as its deadline;
//! - start events → `start` (several → a first step choosing how the instance started), timer
//!   cycles → `schedules`; end events → end states (outcome from the name, `error_…` for errors);
//! - interrupting timer boundary events → `deadline` that escalates; other interrupting boundary
//!   events → extra actions; timer catch events → a step whose deadline moves on by itself;
//! - sub-processes and call activities → `call` of a sub-workflow (a stub when the called
//!   process is not in the file), every outcome continuing where the activity continues;
//! - names and documentation → titles (with the element id), process documentation → description.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use roxmltree::{Document, Node};

use super::names::{kebab, snake, Ids};
use super::xml::{attribute, child, children, line_of, local, squash, text};
use super::{ImportError, Note};
use crate::import::action;
use crate::syntax::raw::{
    RawAction, RawBranch, RawCompletion, RawDeadline, RawField, RawFieldType, RawRecurrence, RawRole, RawSchedule,
    RawStart, RawState, RawWorkflow,
};

/// The role of automated tasks, whose implementation is not imported.
const SYSTEM_ROLE: &str = "system";

const TASKS: &[&str] =
    &["task", "userTask", "manualTask", "sendTask", "receiveTask", "serviceTask", "scriptTask", "businessRuleTask"];
const AUTOMATED: &[&str] = &["serviceTask", "scriptTask", "sendTask", "businessRuleTask"];
const SUB_PROCESSES: &[&str] = &["subProcess", "transaction", "adHocSubProcess"];
const GATEWAYS: &[&str] =
    &["exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"];
const EVENTS: &[&str] =
    &["startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"];
/// Elements that carry data or documentation only: reported as notes, never as steps.
const ARTIFACTS: &[&str] = &[
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "textAnnotation",
    "association",
    "group",
    "property",
    "ioSpecification",
];

fn is_flow_node(kind: &str) -> bool {
    TASKS.contains(&kind)
        || SUB_PROCESSES.contains(&kind)
        || kind == "callActivity"
        || GATEWAYS.contains(&kind)
        || EVENTS.contains(&kind)
}

/// Import every process of a BPMN document.
pub(crate) fn import(text: &str, stem: &str, source: &str) -> Result<(Vec<RawWorkflow>, Vec<Note>), ImportError> {
    let doc = super::xml::parse(text)?;
    let root = doc.root_element();
    if local(root) != "definitions" {
        return Err(ImportError::Empty {
            message: format!("not a BPMN file: the root element is `{}`, not `definitions`", local(root)),
        });
    }
    let mut file = File::read(&doc, root);
    let processes: Vec<Node> = children(root, "process").collect();
    if processes.is_empty() {
        return Err(ImportError::Empty { message: "the BPMN file holds no `process`".into() });
    }
    // Plan every workflow id first, so that calls can name processes defined further down.
    let mut scopes = Vec::new();
    for process in processes {
        if !process.children().any(|n| n.is_element() && is_flow_node(local(n))) {
            file.notes.push(Note::info(
                "process",
                attribute(process, "id").unwrap_or_default(),
                line_of(&doc, process),
                "it has no flow elements (a pool drawn as a black box), so it makes no workflow",
            ));
            continue;
        }
        let id = attribute(process, "id").unwrap_or_default();
        let participant = file.participants.get(id).cloned();
        let name = attribute(process, "name").map(squash).filter(|n| !n.is_empty()).or(participant.clone());
        let wanted = kebab(name.as_deref().unwrap_or(if id.is_empty() { stem } else { id }), "process");
        let workflow_id = file.workflow_ids.claim_with(&wanted, '-');
        file.process_workflow.insert(id.to_owned(), workflow_id.clone());
        scopes.push(Scope {
            node: process,
            workflow_id,
            title: name.unwrap_or_else(|| id.to_owned()),
            pool: participant,
        });
    }
    if scopes.is_empty() {
        return Err(ImportError::Empty { message: "no process of the BPMN file has flow elements".into() });
    }
    let mut workflows = Vec::new();
    let mut index = 0;
    while index < scopes.len() {
        let scope = scopes[index].clone();
        let (workflow, children) = ScopeBuilder::build(&mut file, &scope, source);
        workflows.push(workflow);
        scopes.extend(children);
        index += 1;
    }
    for (callee, _, called) in std::mem::take(&mut file.stubs) {
        workflows.push(stub(&callee, &called));
    }
    resolve_calls(&mut workflows, &file.calls);
    Ok((workflows, file.notes))
}

/// A process or embedded sub-process that becomes one workflow.
#[derive(Clone)]
struct Scope<'a, 'i> {
    node: Node<'a, 'i>,
    workflow_id: String,
    title: String,
    /// The pool's name, for the default role.
    pool: Option<String>,
}

/// What the file says outside its processes, and what is shared between its workflows.
struct File<'a, 'i> {
    doc: &'a Document<'i>,
    notes: Vec<Note>,
    workflow_ids: Ids,
    /// Process id → participant (pool) name.
    participants: HashMap<String, String>,
    /// Resource id → name (performers, potential owners).
    resources: HashMap<String, String>,
    /// Error id → name or code.
    errors: HashMap<String, String>,
    /// Process id → workflow id.
    process_workflow: HashMap<String, String>,
    /// Called elements not in the file: (workflow id, line, called element), once each.
    stubs: Vec<(String, u32, String)>,
    calls: Vec<PendingCall>,
}

/// A `call` state whose outcomes are filled in once every workflow exists.
struct PendingCall {
    workflow: String,
    state: String,
    callee: String,
    /// Where every outcome goes unless listed in `errors`.
    next: String,
    /// Error outcomes caught by boundary events, and where they go; `None` catches every error.
    errors: Vec<(Option<String>, String)>,
}

impl<'a, 'i> File<'a, 'i> {
    fn read(doc: &'a Document<'i>, root: Node<'a, 'i>) -> Self {
        let mut file = File {
            doc,
            notes: Vec::new(),
            workflow_ids: Ids::default(),
            participants: HashMap::new(),
            resources: HashMap::new(),
            errors: HashMap::new(),
            process_workflow: HashMap::new(),
            stubs: Vec::new(),
            calls: Vec::new(),
        };
        for node in root.children().filter(Node::is_element) {
            let id = attribute(node, "id").unwrap_or_default();
            let line = line_of(doc, node);
            match local(node) {
                "collaboration" => {
                    for participant in children(node, "participant") {
                        if let (Some(process), Some(name)) =
                            (attribute(participant, "processRef"), attribute(participant, "name"))
                        {
                            file.participants.insert(process.to_owned(), squash(name));
                        }
                    }
                    for flow in children(node, "messageFlow") {
                        file.notes.push(Note::warning(
                            "messageFlow",
                            attribute(flow, "id").unwrap_or_default(),
                            line_of(doc, flow),
                            "messages between pools are not imported: each pool is a workflow of its own",
                        ));
                    }
                }
                "resource" => {
                    file.resources.insert(id.to_owned(), attribute(node, "name").map_or_else(|| id.to_owned(), squash));
                }
                "error" => {
                    let name = attribute(node, "name").or_else(|| attribute(node, "errorCode")).unwrap_or(id);
                    file.errors.insert(id.to_owned(), name.to_owned());
                }
                "BPMNDiagram" => {
                    file.notes.push(Note::info("BPMNDiagram", id, line, "the diagram's layout is not imported"))
                }
                "process" | "message" | "signal" | "escalation" | "itemDefinition" | "import" | "extensionElements"
                | "documentation" => {}
                other => file.notes.push(Note::info(other, id, line, "not part of a process flow; not imported")),
            }
        }
        file
    }

    fn line(&self, node: Node<'_, '_>) -> u32 {
        line_of(self.doc, node)
    }
}

/// One flow node of a scope.
struct FlowNode<'a, 'i> {
    node: Node<'a, 'i>,
    kind: &'a str,
    id: String,
    name: Option<String>,
    line: u32,
    /// The event definition's local name (`timerEventDefinition`, …), for events.
    event: Option<&'a str>,
}

struct Flow {
    id: String,
    source: usize,
    target: usize,
    name: Option<String>,
    condition: Option<String>,
    line: u32,
}

/// Builds the workflow of one scope.
struct ScopeBuilder<'f, 'a, 'i> {
    file: &'f mut File<'a, 'i>,
    scope: Scope<'a, 'i>,
    nodes: Vec<FlowNode<'a, 'i>>,
    flows: Vec<Flow>,
    outgoing: Vec<Vec<usize>>,
    incoming: Vec<Vec<usize>>,
    /// Per node, the boundary events attached to it.
    boundaries: Vec<Vec<usize>>,
    /// Node → role id, from the lanes.
    lane_role: HashMap<usize, String>,
    default_role: String,
    default_title: String,
    roles: IndexMap<String, RawRole>,
    fields: IndexMap<String, RawField>,
    accepts: Vec<String>,
    schedules: Vec<RawSchedule>,
    states: IndexMap<String, RawState>,
    ids: Ids,
    /// Node → its state, once built.
    built: HashMap<usize, String>,
    /// (join gateway, incoming flow) → waiting state.
    waiting: HashMap<(usize, usize), String>,
    /// Nodes whose entry is being resolved, to stop cycles of pass-through nodes.
    resolving: HashSet<usize>,
    /// Node → the state a token continues in after it (memoised: forks are made once).
    exits: HashMap<usize, String>,
    /// Pass-through node → the state a token entering it really enters.
    passed: HashMap<usize, String>,
    /// Terminate end events, checked once the whole scope is known.
    terminates: Vec<usize>,
    children: Vec<Scope<'a, 'i>>,
    /// Whether the scope has parallel parts (a terminate end then behaves differently).
    parallel: bool,
}

impl<'f, 'a, 'i> ScopeBuilder<'f, 'a, 'i> {
    fn build(file: &'f mut File<'a, 'i>, scope: &Scope<'a, 'i>, source: &str) -> (RawWorkflow, Vec<Scope<'a, 'i>>) {
        let mut builder = ScopeBuilder {
            file,
            scope: scope.clone(),
            nodes: Vec::new(),
            flows: Vec::new(),
            outgoing: Vec::new(),
            incoming: Vec::new(),
            boundaries: Vec::new(),
            lane_role: HashMap::new(),
            default_role: String::new(),
            default_title: String::new(),
            roles: IndexMap::new(),
            fields: IndexMap::new(),
            accepts: Vec::new(),
            schedules: Vec::new(),
            states: IndexMap::new(),
            ids: Ids::default(),
            built: HashMap::new(),
            waiting: HashMap::new(),
            resolving: HashSet::new(),
            exits: HashMap::new(),
            passed: HashMap::new(),
            terminates: Vec::new(),
            children: Vec::new(),
            parallel: false,
        };
        builder.read_graph();
        builder.read_lanes();
        let start = builder.start();
        // Elements no path from the start reaches are still imported (the validator reports
        // them as unreachable), so that nothing is silently dropped.
        for node in 0..builder.nodes.len() {
            let kind = builder.nodes[node].kind;
            if is_event_sub_process(builder.nodes[node].node) {
                builder.note(
                    node,
                    true,
                    "an event sub-process (started by an event while the process runs) is not imported",
                );
            } else if !matches!(kind, "startEvent" | "boundaryEvent") && builder.incoming[node].is_empty() {
                if attribute(builder.nodes[node].node, "isForCompensation") == Some("true") {
                    builder.note(node, true, "a compensation handler: imported, but nothing leads to it");
                }
                builder.entry(node, None);
            }
        }
        // Paths after boundary events that are left out are imported too, as unreachable states.
        for node in 0..builder.nodes.len() {
            if builder.nodes[node].kind == "boundaryEvent" && !builder.outgoing[node].is_empty() {
                builder.exit(node);
            }
        }
        builder.check_terminates();
        let description = child(scope.node, "documentation").map(text).filter(|d| !d.is_empty());
        let start_role = builder.start_role();
        let workflow = RawWorkflow {
            id: scope.workflow_id.clone(),
            title: scope.title.clone(),
            version: 1,
            description: Some(description.unwrap_or_else(|| format!("Imported from the BPMN file {source}."))),
            timezone: None,
            roles: std::mem::take(&mut builder.roles),
            fields: std::mem::take(&mut builder.fields),
            params: IndexMap::new(),
            start: RawStart {
                to: start,
                by: vec![start_role],
                requires: Vec::new(),
                accepts: std::mem::take(&mut builder.accepts),
            },
            completion: Some(RawCompletion::AllBranches),
            cancel: None,
            forbid: Vec::new(),
            schedules: std::mem::take(&mut builder.schedules),
            staffing: Vec::new(),
            states: std::mem::take(&mut builder.states),
        };
        (workflow, builder.children)
    }

    fn note(&mut self, node: usize, warning: bool, message: impl Into<String>) {
        let n = &self.nodes[node];
        let note = if warning {
            Note::warning(n.kind, &n.id, n.line, message)
        } else {
            Note::info(n.kind, &n.id, n.line, message)
        };
        self.file.notes.push(note);
    }

    fn read_graph(&mut self) {
        let scope = self.scope.node;
        let mut by_id: HashMap<String, usize> = HashMap::new();
        for node in scope.children().filter(Node::is_element) {
            let kind = local(node);
            let id = attribute(node, "id").unwrap_or_default().to_owned();
            let line = self.file.line(node);
            if is_flow_node(kind) {
                let event = node
                    .children()
                    .filter(|n| n.is_element() && local(*n).ends_with("EventDefinition"))
                    .map(|n| local(n))
                    .next();
                by_id.insert(id.clone(), self.nodes.len());
                let name = attribute(node, "name").map(squash).filter(|n| !n.is_empty());
                self.nodes.push(FlowNode { node, kind, id, name, line, event });
            } else if ARTIFACTS.contains(&kind) {
                let what = match kind {
                    "textAnnotation" | "association" | "group" => "documentation on the diagram",
                    "property" | "ioSpecification" => "process data",
                    _ => "data",
                };
                self.file.notes.push(Note::info(kind, &id, line, format!("{what} is not imported")));
            } else if !matches!(
                kind,
                "sequenceFlow" | "laneSet" | "documentation" | "extensionElements" | "incoming" | "outgoing"
            ) && !kind.ends_with("EventDefinition")
                && !matches!(kind, "multiInstanceLoopCharacteristics" | "standardLoopCharacteristics")
            {
                self.file.notes.push(Note::info(kind, &id, line, "not part of the process flow; not imported"));
            }
        }
        let count = self.nodes.len();
        self.outgoing = vec![Vec::new(); count];
        self.incoming = vec![Vec::new(); count];
        self.boundaries = vec![Vec::new(); count];
        for flow in children(scope, "sequenceFlow") {
            let id = attribute(flow, "id").unwrap_or_default().to_owned();
            let line = self.file.line(flow);
            let source = attribute(flow, "sourceRef").and_then(|s| by_id.get(s)).copied();
            let target = attribute(flow, "targetRef").and_then(|t| by_id.get(t)).copied();
            let (Some(source), Some(target)) = (source, target) else {
                self.file.notes.push(Note::warning(
                    "sequenceFlow",
                    &id,
                    line,
                    "its source or target is not a flow element of this process; left out",
                ));
                continue;
            };
            let condition = child(flow, "conditionExpression").map(text).filter(|c| !c.is_empty());
            let name = attribute(flow, "name").map(squash).filter(|n| !n.is_empty());
            self.outgoing[source].push(self.flows.len());
            self.incoming[target].push(self.flows.len());
            self.flows.push(Flow { id, source, target, name, condition, line });
        }
        for node in 0..count {
            if self.nodes[node].kind != "boundaryEvent" {
                continue;
            }
            match attribute(self.nodes[node].node, "attachedToRef").and_then(|a| by_id.get(a)).copied() {
                Some(host) => self.boundaries[host].push(node),
                None => self.note(node, true, "it is attached to no activity of this process; left out"),
            }
        }
    }

    /// Roles from lanes (innermost lane wins), and the default role from the pool.
    fn read_lanes(&mut self) {
        let pool = self.scope.pool.clone();
        let (id, title) = match &pool {
            Some(name) => (snake(name, "participant"), name.clone()),
            None => ("participant".to_owned(), "Participant".to_owned()),
        };
        self.default_role = id;
        self.default_title = title;
        let by_id: HashMap<String, usize> = self.nodes.iter().enumerate().map(|(i, n)| (n.id.clone(), i)).collect();
        let mut lanes = Vec::new();
        for set in children(self.scope.node, "laneSet") {
            collect_lanes(set, &mut lanes);
        }
        // Outer lanes come first, so inner lanes overwrite them.
        for lane in lanes {
            let name = attribute(lane, "name").map(squash).filter(|n| !n.is_empty());
            let Some(name) = name else { continue };
            let role = snake(&name, "lane");
            for reference in children(lane, "flowNodeRef") {
                if let Some(&node) = by_id.get(text(reference).as_str()) {
                    self.lane_role.insert(node, role.clone());
                }
            }
            self.roles.entry(role).or_insert(RawRole { title: name, parameter: false, optional: false });
        }
    }
}

fn collect_lanes<'a, 'i>(set: Node<'a, 'i>, lanes: &mut Vec<Node<'a, 'i>>) {
    for lane in children(set, "lane") {
        lanes.push(lane);
        for inner in children(lane, "childLaneSet") {
            collect_lanes(inner, lanes);
        }
    }
}

/// How a timer is due.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Timer {
    /// A duration in minutes (`timeDuration`, or the period of a `timeCycle`), and whether the
    /// conversion was exact (years and months are counted as 365 and 30 days, seconds rounded up).
    After { minutes: u64, exact: bool, repeats: bool },
    /// A fixed date and time (`timeDate`).
    At(String),
    /// A repetition that starts instances (`timeCycle`): `R[n]/[start/]period` or a cron line.
    Cycle(String),
    /// No time, or an expression evaluated at run time.
    Unknown(String),
}

impl ScopeBuilder<'_, '_, '_> {
    fn role(&mut self, id: &str, title: &str) -> String {
        self.roles.entry(id.to_owned()).or_insert_with(|| RawRole {
            title: title.to_owned(),
            parameter: false,
            optional: false,
        });
        id.to_owned()
    }

    fn pool_role(&mut self) -> String {
        let (id, title) = (self.default_role.clone(), self.default_title.clone());
        self.role(&id, &title)
    }

    /// Who acts on a node: candidate groups, else performers, else its lane, else the pool.
    fn roles_of(&mut self, node: usize) -> Vec<String> {
        let (element, kind) = (self.nodes[node].node, self.nodes[node].kind);
        if AUTOMATED.contains(&kind) {
            return vec![self.role(SYSTEM_ROLE, "System (automated steps)")];
        }
        let zeebe = child(element, "extensionElements")
            .and_then(|e| child(e, "assignmentDefinition"))
            .and_then(|a| attribute(a, "candidateGroups"));
        let mut roles = Vec::new();
        if let Some(groups) = attribute(element, "candidateGroups").or(zeebe) {
            for group in groups.split(',').map(str::trim).filter(|g| !g.is_empty()) {
                let id = snake(group, "group");
                if !roles.contains(&id) {
                    roles.push(self.role(&id, group));
                }
            }
        }
        if roles.is_empty() {
            for performer in element
                .children()
                .filter(|n| n.is_element() && matches!(local(*n), "performer" | "humanPerformer" | "potentialOwner"))
            {
                let resource =
                    child(performer, "resourceRef").map(text).and_then(|r| self.file.resources.get(&r).cloned());
                let expression = child(performer, "resourceAssignmentExpression").map(text).filter(|e| !e.is_empty());
                let name = resource.or(expression).or_else(|| attribute(performer, "name").map(squash));
                if let Some(name) = name {
                    let id = snake(&name, "role");
                    if !roles.contains(&id) {
                        roles.push(self.role(&id, &name));
                    }
                }
            }
        }
        if roles.is_empty() {
            roles.push(match self.lane_role.get(&node).cloned() {
                Some(lane) => lane,
                None => self.pool_role(),
            });
        }
        roles
    }

    fn lane_or_pool(&mut self, node: usize) -> String {
        match self.lane_role.get(&node).cloned() {
            Some(lane) => lane,
            None => self.pool_role(),
        }
    }

    fn start_role(&mut self) -> String {
        let first_start = (0..self.nodes.len()).find(|&n| self.nodes[n].kind == "startEvent");
        match first_start {
            Some(node) => self.lane_or_pool(node),
            None => self.roles.keys().next().cloned().unwrap_or_else(|| self.pool_role()),
        }
    }

    /// `name (id)` with the first sentence of the documentation, for state titles.
    fn title(&self, node: usize) -> String {
        let n = &self.nodes[node];
        let documentation =
            child(n.node, "documentation").map(|d| documentation_text(&text(d))).filter(|d| !d.is_empty());
        let label = match (&n.name, documentation) {
            (Some(name), Some(doc)) => format!("{name}: {doc}"),
            (Some(name), None) => name.clone(),
            (None, Some(doc)) => doc,
            (None, None) => return format!("{} {}", n.kind, n.id),
        };
        format!("{label} ({})", n.id)
    }

    /// A fresh state id from the node's name, or its kind (`end_event`, `parallel_gateway`)
    /// when it has none: generated element ids make unreadable state ids, and the title keeps it.
    fn claim(&mut self, node: usize, suffix: &str) -> String {
        let n = &self.nodes[node];
        let base = snake(n.name.as_deref().unwrap_or(n.kind), "step");
        self.ids.claim(&format!("{base}{suffix}"))
    }

    /// Reserves a state's place in file order before its successors are built.
    fn reserve(&mut self, id: &str) {
        self.states.insert(id.to_owned(), RawState::default());
    }

    /// Where the instance starts.
    fn start(&mut self) -> String {
        let starts: Vec<usize> = (0..self.nodes.len()).filter(|&n| self.nodes[n].kind == "startEvent").collect();
        for &start in &starts {
            match self.nodes[start].event {
                Some("timerEventDefinition") => self.schedule(start),
                Some(event) => {
                    let what = event.trim_end_matches("EventDefinition");
                    self.note(
                        start,
                        false,
                        format!("the {what} that starts the process is not imported; a person starts the instance"),
                    );
                }
                None => {}
            }
        }
        match starts[..] {
            [only] => self.exit(only),
            [] => {
                let sources: Vec<usize> = (0..self.nodes.len())
                    .filter(|&n| self.incoming[n].is_empty() && !matches!(self.nodes[n].kind, "boundaryEvent"))
                    .filter(|&n| !is_event_sub_process(self.nodes[n].node))
                    .collect();
                match sources[..] {
                    [only] => self.entry(only, None),
                    [] => {
                        let id = self.ids.claim("start");
                        self.file.notes.push(Note::warning(
                            local(self.scope.node),
                            attribute(self.scope.node, "id").unwrap_or_default(),
                            self.file.line(self.scope.node),
                            "it has no start event and no element without incoming flow; the workflow ends at once",
                        ));
                        self.states.insert(id.clone(), RawState { end: Some("done".into()), ..RawState::default() });
                        id
                    }
                    _ => {
                        // BPMN starts every element without incoming flow at once.
                        let id = self.ids.claim("start");
                        self.reserve(&id);
                        self.parallel = true;
                        let fork = self.distinct_entries(sources.iter().map(|&n| (n, None)).collect(), None);
                        self.states[&id] =
                            RawState { title: Some("Start".into()), fork: Some(fork), ..RawState::default() };
                        id
                    }
                }
            }
            _ => {
                let id = self.ids.claim("start");
                self.reserve(&id);
                let role = self.start_role();
                let mut actions = IndexMap::new();
                let mut action_ids = Ids::default();
                for &start in &starts {
                    let n = &self.nodes[start];
                    let action_id = action_ids.claim(&snake(n.name.as_deref().unwrap_or(n.kind), "start"));
                    let title = self.title(start);
                    let to = self.exit(start);
                    actions.insert(action_id, action(title, vec![role.clone()], to));
                }
                self.file.notes.push(Note::warning(
                    local(self.scope.node),
                    attribute(self.scope.node, "id").unwrap_or_default(),
                    self.file.line(self.scope.node),
                    format!(
                        "it has {} start events; the workflow starts with a step `{id}` where the requester says which one happened",
                        starts.len()
                    ),
                ));
                self.states[&id] = RawState {
                    title: Some("How the process started".into()),
                    actions: Some(actions),
                    ..RawState::default()
                };
                id
            }
        }
    }

    /// The states entered by tokens arriving at `targets`, without repeats (a fork cannot list a
    /// state twice; two tokens in one state would be a lack of synchronisation anyway).
    fn distinct_entries(&mut self, targets: Vec<(usize, Option<usize>)>, from: Option<usize>) -> Vec<String> {
        let mut entries: Vec<String> = Vec::new();
        for (node, flow) in targets {
            let entry = self.entry(node, flow);
            if entries.contains(&entry) {
                if let Some(from) = from {
                    self.note(from, true, format!("two of its outgoing flows lead to `{entry}`; it is entered once"));
                }
            } else {
                entries.push(entry);
            }
        }
        entries
    }

    /// The state a token arriving at `node` (through `flow`) enters.
    fn entry(&mut self, node: usize, flow: Option<usize>) -> String {
        let kind = self.nodes[node].kind;
        if is_join(kind, self.incoming[node].len()) {
            self.join(node);
            let first = self.incoming[node].first().copied();
            if let Some(state) = flow.or(first).and_then(|f| self.waiting.get(&(node, f))) {
                return state.clone();
            }
        }
        if self.passes_through(node) {
            if let Some(state) = self.passed.get(&node) {
                return state.clone();
            }
            if !self.resolving.insert(node) {
                self.note(node, true, "it is part of a cycle of elements that do nothing; the cycle ends here instead");
                return self.dead_end(node);
            }
            let state = self.pass_through(node);
            self.resolving.remove(&node);
            self.passed.insert(node, state.clone());
            return state;
        }
        self.state(node)
    }

    /// Elements that only pass the token on: merging gateways, throw events, links.
    fn passes_through(&self, node: usize) -> bool {
        let n = &self.nodes[node];
        let (ins, outs) = (self.incoming[node].len(), self.outgoing[node].len());
        match n.kind {
            "exclusiveGateway" => outs <= 1,
            "parallelGateway" | "inclusiveGateway" | "complexGateway" => ins <= 1 && outs <= 1,
            "intermediateThrowEvent" | "startEvent" | "boundaryEvent" => true,
            "intermediateCatchEvent" => matches!(n.event, None | Some("linkEventDefinition")),
            _ => false,
        }
    }

    fn pass_through(&mut self, node: usize) -> String {
        let n = &self.nodes[node];
        if n.kind == "intermediateThrowEvent" {
            match n.event {
                Some("linkEventDefinition") => return self.link(node),
                Some(event) => {
                    let what = event.trim_end_matches("EventDefinition").to_owned();
                    self.note(node, true, format!("the {what} it throws is not imported; the flow just goes on"));
                }
                None => {}
            }
        }
        self.exit(node)
    }

    /// A link throw event continues at the link catch event of the same name.
    fn link(&mut self, node: usize) -> String {
        let name = link_name(self.nodes[node].node).or_else(|| self.nodes[node].name.clone());
        let catch = (0..self.nodes.len()).find(|&c| {
            self.nodes[c].kind == "intermediateCatchEvent"
                && self.nodes[c].event == Some("linkEventDefinition")
                && (link_name(self.nodes[c].node).or_else(|| self.nodes[c].name.clone())) == name
        });
        match catch {
            Some(catch) => self.exit(catch),
            None => {
                self.note(node, true, "no link catch event has its name; the path ends here");
                self.dead_end(node)
            }
        }
    }

    /// An added end state for a path that cannot go on.
    fn dead_end(&mut self, node: usize) -> String {
        let id = self.claim(node, "_end");
        let title = format!("path ends after {}", self.title(node));
        self.states
            .insert(id.clone(), RawState { title: Some(title), end: Some("done".into()), ..RawState::default() });
        id
    }

    /// Where a token goes once `node` is done: its one outgoing flow, a fork into several
    /// (BPMN's uncontrolled flow is a parallel split), or an added end when it has none.
    fn exit(&mut self, node: usize) -> String {
        if let Some(exit) = self.exits.get(&node) {
            return exit.clone();
        }
        let flows = self.outgoing[node].clone();
        let exit = match flows[..] {
            [] => {
                let id = self.claim(node, "_done");
                let title = format!("end of the path after {}", self.title(node));
                self.states.insert(
                    id.clone(),
                    RawState { title: Some(title), end: Some("done".into()), ..RawState::default() },
                );
                id
            }
            [flow] => self.entry(self.flows[flow].target, Some(flow)),
            _ if flows.iter().any(|&f| self.flows[f].condition.is_some())
                || attribute(self.nodes[node].node, "default").is_some() =>
            {
                // Conditional flows with a default: exactly one is taken when at most one
                // condition holds, which is what a choice does.
                if flows.iter().filter(|&&f| self.flows[f].condition.is_some()).count() > 1 {
                    self.note(
                        node,
                        true,
                        "several of its outgoing flows carry conditions; where more than one holds BPMN takes them all, the workflow's choice takes one",
                    );
                }
                let id = self.claim(node, "_route");
                self.reserve(&id);
                let default = attribute(self.nodes[node].node, "default").map(str::to_owned);
                let state = self.route(node, flows, default.as_deref());
                self.states[&id] = state;
                id
            }
            _ => {
                let id = self.claim(node, "_split");
                self.reserve(&id);
                self.parallel = true;
                let targets = flows.iter().map(|&f| (self.flows[f].target, Some(f))).collect();
                let fork = self.distinct_entries(targets, Some(node));
                let title = format!("after {}", self.title(node));
                self.states[&id] = if fork.len() >= 2 {
                    RawState { title: Some(title), fork: Some(fork), ..RawState::default() }
                } else {
                    // Every flow led to the same state: a single step onwards.
                    let role = self.pool_role();
                    let to = fork.into_iter().next().unwrap_or_default();
                    let actions = IndexMap::from([("go_on".to_owned(), action("Go on".into(), vec![role], to))]);
                    RawState { title: Some(title), actions: Some(actions), ..RawState::default() }
                };
                id
            }
        };
        self.exits.insert(node, exit.clone());
        exit
    }

    /// The state of a node that is one, built once.
    fn state(&mut self, node: usize) -> String {
        if let Some(id) = self.built.get(&node) {
            return id.clone();
        }
        let id = self.claim(node, "");
        self.built.insert(node, id.clone());
        self.reserve(&id);
        let kind = self.nodes[node].kind;
        let state = if TASKS.contains(&kind) {
            self.task(node)
        } else if SUB_PROCESSES.contains(&kind) || kind == "callActivity" {
            self.call(node, &id)
        } else if kind == "exclusiveGateway" {
            self.choice(node)
        } else if kind == "eventBasedGateway" {
            self.event_choice(node)
        } else if GATEWAYS.contains(&kind) {
            self.split(node)
        } else if kind == "endEvent" {
            self.end(node)
        } else {
            self.catch(node)
        };
        self.states[&id] = state;
        id
    }

    fn loops(&mut self, node: usize) {
        let element = self.nodes[node].node;
        if child(element, "multiInstanceLoopCharacteristics").is_some() {
            self.note(node, true, "it runs once per item (multi-instance); imported as a single step");
        } else if child(element, "standardLoopCharacteristics").is_some() {
            self.note(node, true, "it repeats while a condition holds (a loop); imported as a single step");
        }
    }

    fn task(&mut self, node: usize) -> RawState {
        let kind = self.nodes[node].kind;
        self.loops(node);
        if AUTOMATED.contains(&kind) {
            self.note(
                node,
                true,
                "an automated task: imported as a step the role `system` completes; its implementation is not imported",
            );
        } else if kind == "receiveTask" {
            self.note(node, true, "it waits for a message; imported as a step where a person records that it arrived");
        }
        let roles = self.roles_of(node);
        let to = self.exit(node);
        let mut state = RawState { title: Some(self.title(node)), ..RawState::default() };
        let mut actions = IndexMap::from([("done".to_owned(), action("Done".into(), roles.clone(), to))]);
        self.boundaries(node, &mut state, Some((&mut actions, &roles)));
        state.actions = Some(actions);
        state
    }

    /// Boundary events of `host`: an interrupting timer is the deadline, other interrupting
    /// events are extra actions on a task; the rest is reported. Returns caught errors (calls).
    fn boundaries(
        &mut self,
        host: usize,
        state: &mut RawState,
        mut actions: Option<(&mut IndexMap<String, RawAction>, &Vec<String>)>,
    ) -> Vec<(Option<String>, String)> {
        let mut errors = Vec::new();
        for boundary in self.boundaries[host].clone() {
            let element = self.nodes[boundary].node;
            let event = self.nodes[boundary].event.unwrap_or("noneEventDefinition");
            if event == "compensateEventDefinition" {
                self.note(boundary, true, "compensation is not imported: the handler it points to is never reached");
                continue;
            }
            if attribute(element, "cancelActivity") == Some("false") {
                let what = event.trim_end_matches("EventDefinition");
                self.note(
                    boundary,
                    true,
                    format!("a non-interrupting {what} event starts a path alongside the activity, which a step cannot do; its path is imported but never reached"),
                );
                continue;
            }
            if event == "timerEventDefinition" && state.deadline.is_none() {
                if let Some(deadline) = self.deadline(boundary, None) {
                    state.deadline = Some(deadline);
                    continue;
                }
            }
            if event == "errorEventDefinition" && actions.is_none() {
                let caught = child(element, "errorEventDefinition")
                    .and_then(|d| attribute(d, "errorRef"))
                    .map(|r| self.file.errors.get(r).cloned().unwrap_or_else(|| r.to_owned()));
                let to = self.exit(boundary);
                errors.push((caught, to));
                continue;
            }
            match actions.as_mut() {
                Some((actions, roles)) => {
                    let n = &self.nodes[boundary];
                    let wanted = snake(n.name.as_deref().unwrap_or(event.trim_end_matches("EventDefinition")), "event");
                    let mut id = wanted.clone();
                    let mut suffix = 2;
                    while actions.contains_key(&id) {
                        id = format!("{wanted}_{suffix}");
                        suffix += 1;
                    }
                    let title = self.title(boundary);
                    let to = self.exit(boundary);
                    actions.insert(id, action(title, roles.to_vec(), to));
                    let what = event.trim_end_matches("EventDefinition");
                    self.note(
                        boundary,
                        true,
                        format!(
                            "the {what} event that interrupts the activity is imported as an action a person takes"
                        ),
                    );
                }
                None => {
                    self.note(
                        boundary,
                        true,
                        "this boundary event of a sub-process is not imported; its path is never reached",
                    );
                    self.exit(boundary);
                }
            }
        }
        errors
    }

    /// A deadline from a timer event: `escalate` to where the event leads, or take `action`.
    fn deadline(&mut self, event: usize, action: Option<&str>) -> Option<RawDeadline> {
        let timer = timer_of(self.nodes[event].node);
        let (after, at) = match timer {
            Timer::After { minutes, exact, repeats } => {
                if !exact {
                    self.note(
                        event,
                        true,
                        "its duration counts years as 365 days, months as 30 days and seconds as whole minutes",
                    );
                }
                if repeats {
                    self.note(event, true, "it repeats; only its first expiry is imported");
                }
                (Some(duration_text(minutes)), None)
            }
            Timer::At(date) => {
                let field = self.date_field(event, &date);
                (None, Some(field))
            }
            Timer::Cycle(text) | Timer::Unknown(text) => {
                let shown = if text.is_empty() { "no time".to_owned() } else { format!("`{text}`") };
                self.note(
                    event,
                    true,
                    format!("the timer has {shown}, which is not a duration; imported as an action a person takes"),
                );
                return None;
            }
        };
        let (escalate, action) = match action {
            Some(a) => (None, Some(a.to_owned())),
            None => (Some(self.exit(event)), None),
        };
        Some(RawDeadline {
            after,
            cases: Vec::new(),
            at,
            day: None,
            time: None,
            before: None,
            by: None,
            escalate,
            action,
            remind: Vec::new(),
        })
    }

    /// A fixed due date cannot be written in a deadline; it becomes a `datetime` field the
    /// requester fills in when starting.
    fn date_field(&mut self, event: usize, date: &str) -> String {
        let n = &self.nodes[event];
        let base = snake(n.name.as_deref().unwrap_or(&n.id), "timer");
        let mut id = format!("{base}_due");
        let mut suffix = 2;
        while self.fields.contains_key(&id) {
            id = format!("{base}_due_{suffix}");
            suffix += 1;
        }
        let title = format!("Due time of {} (the model says {date})", n.name.as_deref().unwrap_or(&n.id));
        self.fields.insert(id.clone(), field(RawFieldType::Datetime, title, Vec::new()));
        self.accepts.push(id.clone());
        self.note(
            event,
            true,
            format!("its fixed date {date} became the field `{id}`, filled in when an instance starts"),
        );
        id
    }

    fn call(&mut self, node: usize, state_id: &str) -> RawState {
        let n = &self.nodes[node];
        let (element, kind, line, id, name) = (n.node, n.kind, n.line, n.id.clone(), n.name.clone());
        self.loops(node);
        let callee = if kind == "callActivity" {
            let called = attribute(element, "calledElement").map(str::trim).unwrap_or_default().to_owned();
            match self.file.process_workflow.get(&called) {
                Some(workflow) => workflow.clone(),
                None => {
                    let shown = if called.is_empty() { id.clone() } else { called.clone() };
                    if let Some((id, _, _)) = self.file.stubs.iter().find(|(_, _, c)| *c == shown) {
                        id.clone()
                    } else {
                        let id = self.file.workflow_ids.claim_with(&kebab(&shown, "called"), '-');
                        self.file.stubs.push((id.clone(), line, shown.clone()));
                        self.note(node, true, format!("it calls `{shown}`, which is not in this file; a stub workflow `{id}` stands in for it"));
                        id
                    }
                }
            }
        } else {
            if kind != "subProcess" {
                self.note(node, true, format!("a {kind}: imported as an ordinary sub-process"));
            }
            let name = name.unwrap_or(id);
            let wanted = format!("{}-{}", self.scope.workflow_id, kebab(&name, "sub"));
            let id = self.file.workflow_ids.claim_with(&wanted, '-');
            self.children.push(Scope {
                node: element,
                workflow_id: id.clone(),
                title: name,
                pool: self.scope.pool.clone(),
            });
            id
        };
        let next = self.exit(node);
        let mut state = RawState { title: Some(self.title(node)), call: Some(callee.clone()), ..RawState::default() };
        let errors = self.boundaries(node, &mut state, None);
        self.file.calls.push(PendingCall {
            workflow: self.scope.workflow_id.clone(),
            state: state_id.to_owned(),
            callee,
            next,
            errors,
        });
        state
    }

    /// An exclusive gateway: a choice on a new enum field with one value per outgoing flow.
    fn choice(&mut self, node: usize) -> RawState {
        let flows = self.outgoing[node].clone();
        let default = attribute(self.nodes[node].node, "default").map(str::to_owned);
        self.route(node, flows, default.as_deref())
    }

    /// A choice among `flows` on a new enum field with one value per flow; `default` names the
    /// flow taken when no other is chosen.
    fn route(&mut self, node: usize, flows: Vec<usize>, default: Option<&str>) -> RawState {
        let n = &self.nodes[node];
        let gateway = n.name.clone().unwrap_or_else(|| n.id.clone());
        let field_id = {
            let base = format!("route_{}", snake(&gateway, "gateway").trim_start_matches("gateway_"));
            let mut id = base.clone();
            let mut suffix = 2;
            while self.fields.contains_key(&id) {
                id = format!("{base}_{suffix}");
                suffix += 1;
            }
            id
        };
        let default = default.and_then(|d| flows.iter().copied().find(|&f| self.flows[f].id == d));
        let default = match default {
            Some(d) => d,
            None => {
                self.note(
                    node,
                    true,
                    "it has no default flow; its last outgoing flow is taken when no other is chosen",
                );
                flows[flows.len() - 1]
            }
        };
        let mut values = Ids::default();
        let mut branches = Vec::new();
        let mut listed = Vec::new();
        for &flow in &flows {
            let f = &self.flows[flow];
            let target = &self.nodes[f.target];
            let label = f.name.clone().or_else(|| target.name.clone()).unwrap_or_else(|| target.kind.to_owned());
            let value = values.claim(&snake(&label, "branch"));
            listed.push(value.clone());
            if let Some(condition) = f.condition.clone() {
                let (id, line) = (f.id.clone(), f.line);
                self.file.notes.push(Note::warning(
                    "sequenceFlow",
                    &id,
                    line,
                    format!("its condition `{condition}` is not translated; the choice takes it when `{field_id}` is `{value}`"),
                ));
            }
            if flow != default {
                let to = self.entry(self.flows[flow].target, Some(flow));
                branches.push(RawBranch { when: format!("{field_id} == '{value}'"), to });
            }
        }
        let title = format!("Route at {gateway}");
        self.fields.insert(field_id, field(RawFieldType::Enum, title, listed));
        let default = self.entry(self.flows[default].target, Some(default));
        RawState {
            title: Some(self.title(node)),
            choice: Some(branches),
            default: Some(default),
            ..RawState::default()
        }
    }

    /// A diverging parallel (or inclusive, or complex) gateway: a fork.
    fn split(&mut self, node: usize) -> RawState {
        let kind = self.nodes[node].kind;
        if kind != "parallelGateway" {
            self.note(
                node,
                true,
                "imported as a parallel split: every outgoing branch is taken, whatever the conditions",
            );
        }
        self.parallel = true;
        let flows = self.outgoing[node].clone();
        let targets = flows.iter().map(|&f| (self.flows[f].target, Some(f))).collect();
        let fork = self.distinct_entries(targets, Some(node));
        RawState { title: Some(self.title(node)), fork: Some(fork), ..RawState::default() }
    }

    /// A converging gateway: a waiting state per incoming flow and a join consuming them.
    fn join(&mut self, node: usize) {
        if self.built.contains_key(&node) {
            return;
        }
        let id = self.claim(node, "");
        self.built.insert(node, id.clone());
        let kind = self.nodes[node].kind;
        if kind != "parallelGateway" {
            self.note(node, true, "imported as a parallel join: it waits for every incoming branch");
        }
        let mut inputs = Vec::new();
        for flow in self.incoming[node].clone() {
            let source = self.flows[flow].source;
            let wait = self.claim(
                node,
                &format!(
                    "_from_{}",
                    snake(self.nodes[source].name.as_deref().unwrap_or(self.nodes[source].kind), "flow")
                ),
            );
            let title = format!("waiting at {} for the branch from {}", self.title(node), self.title(source));
            self.states.insert(wait.clone(), RawState { title: Some(title), ..RawState::default() });
            self.waiting.insert((node, flow), wait.clone());
            inputs.push(wait);
        }
        self.reserve(&id);
        let to = if self.outgoing[node].len() > 1 {
            self.parallel = true;
            let split = self.claim(node, "_split");
            self.reserve(&split);
            let flows = self.outgoing[node].clone();
            let targets = flows.iter().map(|&f| (self.flows[f].target, Some(f))).collect();
            let fork = self.distinct_entries(targets, Some(node));
            self.states[&split] = RawState {
                title: Some(format!("after {}", self.title(node))),
                fork: Some(fork),
                ..RawState::default()
            };
            split
        } else {
            self.exit(node)
        };
        self.states[&id] =
            RawState { title: Some(self.title(node)), join: Some(inputs), to: Some(to), ..RawState::default() };
    }

    /// An event-based gateway: a step with one action per event that may happen, a timer as its deadline.
    fn event_choice(&mut self, node: usize) -> RawState {
        self.note(
            node,
            true,
            "it waits for whichever event comes first; imported as a step where a person records which one happened",
        );
        let role = self.lane_or_pool(node);
        let mut state = RawState { title: Some(self.title(node)), ..RawState::default() };
        let mut actions = IndexMap::new();
        let mut action_ids = Ids::default();
        for flow in self.outgoing[node].clone() {
            let target = self.flows[flow].target;
            let is_timer = self.nodes[target].event == Some("timerEventDefinition");
            if is_timer && state.deadline.is_none() {
                if let Some(deadline) = self.deadline(target, None) {
                    state.deadline = Some(deadline);
                    continue;
                }
            }
            let t = &self.nodes[target];
            let id = action_ids.claim(&snake(t.name.as_deref().unwrap_or(t.kind), "event"));
            let title = self.title(target);
            let to = self.exit(target);
            actions.insert(id, action(title, vec![role.clone()], to));
        }
        if actions.is_empty() {
            // Only a timer follows: a person may still move on before it falls due.
            let to = state.deadline.as_ref().and_then(|d| d.escalate.clone()).unwrap_or_default();
            actions.insert("go_on".into(), action("Go on".into(), vec![role], to));
        }
        state.actions = Some(actions);
        state
    }

    fn end(&mut self, node: usize) -> RawState {
        let n = &self.nodes[node];
        let outcome = match n.event {
            Some("errorEventDefinition") => {
                let error = child(n.node, "errorEventDefinition")
                    .and_then(|d| attribute(d, "errorRef"))
                    .map(|r| self.file.errors.get(r).cloned().unwrap_or_else(|| r.to_owned()))
                    .or_else(|| n.name.clone())
                    .unwrap_or_else(|| "error".into());
                format!("error_{}", snake(&error, "error").trim_start_matches("error_"))
            }
            event => {
                if event == Some("terminateEventDefinition") {
                    self.terminates.push(node);
                } else if let Some(event) = event {
                    let what = event.trim_end_matches("EventDefinition").to_owned();
                    self.note(node, false, format!("the {what} it throws is not imported; the branch just ends"));
                }
                let n = &self.nodes[node];
                n.name.as_deref().map_or_else(|| "done".to_owned(), |name| snake(name, "end"))
            }
        };
        RawState { title: Some(self.title(node)), end: Some(outcome), ..RawState::default() }
    }

    /// A terminate end event stops the other branches too; where branches run in parallel,
    /// an end of the language only ends its own branch.
    fn check_terminates(&mut self) {
        if self.parallel {
            for node in std::mem::take(&mut self.terminates) {
                self.note(node, true, "it terminates every other branch; imported as an end of its own branch only");
            }
        }
    }

    /// An intermediate catch event: a timer is a step that moves on by itself when it is due,
    /// a message or signal a step where a person records that it arrived.
    fn catch(&mut self, node: usize) -> RawState {
        let event = self.nodes[node].event.unwrap_or("noneEventDefinition");
        let title = self.title(node);
        if event == "timerEventDefinition" {
            let role = self.role(SYSTEM_ROLE, "System (automated steps)");
            let to = self.exit(node);
            let actions = IndexMap::from([("time_is_up".to_owned(), action("Time is up".into(), vec![role], to))]);
            let deadline = self.deadline(node, Some("time_is_up"));
            return RawState { title: Some(title), actions: Some(actions), deadline, ..RawState::default() };
        }
        let what = event.trim_end_matches("EventDefinition").to_owned();
        self.note(
            node,
            true,
            format!("it waits for a {what}; imported as a step where a person records that it happened"),
        );
        let role = self.lane_or_pool(node);
        let to = self.exit(node);
        let actions = IndexMap::from([("happened".to_owned(), action("It happened".into(), vec![role], to))]);
        RawState { title: Some(title), actions: Some(actions), ..RawState::default() }
    }

    /// A timer start event with a cycle starts instances on a schedule.
    fn schedule(&mut self, start: usize) {
        let n = &self.nodes[start];
        let title = n.name.clone();
        let timer = child(n.node, "timerEventDefinition");
        let cycle = timer.and_then(|t| child(t, "timeCycle")).map(text).unwrap_or_default();
        match recurrence(&cycle) {
            Some((every, exact)) => {
                if !exact {
                    self.note(start, true, format!("its cycle `{cycle}` is imported as the nearest calendar rule"));
                }
                let role = self.lane_or_pool(start);
                self.schedules.push(RawSchedule {
                    title,
                    every,
                    role,
                    data: IndexMap::new(),
                    lead: None,
                    occurrence: None,
                });
            }
            None => {
                let shown = if cycle.is_empty() { "no cycle".to_owned() } else { format!("the cycle `{cycle}`") };
                self.note(
                    start,
                    true,
                    format!("its timer has {shown}, which no calendar rule expresses; instances are started by hand"),
                );
            }
        }
    }
}

fn field(kind: RawFieldType, title: String, values: Vec<String>) -> RawField {
    RawField { kind, title: Some(title), values, of: None, items: IndexMap::new(), versioned: false }
}

/// Converging gateways (several incoming flows) of the parallel kinds become joins.
fn is_join(kind: &str, incoming: usize) -> bool {
    matches!(kind, "parallelGateway" | "inclusiveGateway" | "complexGateway") && incoming >= 2
}

fn is_event_sub_process(node: Node<'_, '_>) -> bool {
    attribute(node, "triggeredByEvent") == Some("true")
}

fn link_name(node: Node<'_, '_>) -> Option<String> {
    child(node, "linkEventDefinition").and_then(|l| attribute(l, "name")).map(squash)
}

/// Documentation as a title: tags of HTML documentation removed, the first sentence, at most
/// 120 characters.
fn documentation_text(text: &str) -> String {
    let mut plain = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                plain.push(' ');
            }
            c if !in_tag => plain.push(c),
            _ => {}
        }
    }
    let plain = squash(&plain);
    let sentence = match plain.find(". ") {
        Some(end) => &plain[..=end],
        None => plain.as_str(),
    };
    let mut short: String = sentence.chars().take(120).collect();
    if short.len() < sentence.len() {
        short.push('…');
    }
    short
}

fn timer_of(event: Node<'_, '_>) -> Timer {
    let Some(timer) = child(event, "timerEventDefinition") else { return Timer::Unknown(String::new()) };
    if let Some(duration) = child(timer, "timeDuration").map(text).filter(|d| !d.is_empty()) {
        return match iso_duration(&duration) {
            Some((minutes, exact)) => Timer::After { minutes, exact, repeats: false },
            None => Timer::Unknown(duration),
        };
    }
    if let Some(date) = child(timer, "timeDate").map(text).filter(|d| !d.is_empty()) {
        return if date.len() >= 10 && date.as_bytes()[4] == b'-' { Timer::At(date) } else { Timer::Unknown(date) };
    }
    if let Some(cycle) = child(timer, "timeCycle").map(text).filter(|c| !c.is_empty()) {
        let period = cycle.rsplit('/').next().unwrap_or_default();
        return match iso_duration(period) {
            Some((minutes, exact)) if cycle.starts_with('R') => Timer::After { minutes, exact, repeats: true },
            _ => Timer::Cycle(cycle),
        };
    }
    Timer::Unknown(String::new())
}

/// An ISO 8601 duration (`P2D`, `PT1H30M`, `P1W`) in minutes, and whether that is exact.
fn iso_duration(text: &str) -> Option<(u64, bool)> {
    let rest = text.trim().strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let mut minutes: u64 = 0;
    let mut exact = true;
    let mut any = false;
    let mut add = |part: &str, units: &[(char, u64, bool)]| -> Option<()> {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let &(_, per, is_exact) = units.iter().find(|(u, _, _)| *u == c)?;
            let n: u64 = number.parse().ok()?;
            number.clear();
            any = true;
            if !is_exact {
                exact = false;
            }
            minutes = minutes.checked_add(n.checked_mul(per)?)?;
        }
        number.is_empty().then_some(())
    };
    add(
        date,
        &[('Y', 365 * 24 * 60, false), ('M', 30 * 24 * 60, false), ('W', 7 * 24 * 60, true), ('D', 24 * 60, true)],
    )?;
    if let Some(time) = time {
        // Seconds count as whole minutes, rounded up below.
        add(time, &[('H', 60, true), ('M', 1, true), ('S', 0, false)])?;
        if let Some(seconds) = seconds_of(time) {
            if seconds % 60 != 0 {
                exact = false;
            }
            minutes += seconds.div_ceil(60);
        }
    }
    (any && minutes > 0).then_some((minutes, exact))
}

fn seconds_of(time: &str) -> Option<u64> {
    let end = time.find('S')?;
    let start = time[..end].rfind(|c: char| !c.is_ascii_digit()).map_or(0, |i| i + 1);
    time[start..end].parse().ok()
}

/// `2d`, `5h` or `90m`: the largest unit that divides the duration.
fn duration_text(minutes: u64) -> String {
    if minutes % (24 * 60) == 0 {
        format!("{}d", minutes / (24 * 60))
    } else if minutes % 60 == 0 {
        format!("{}h", minutes / 60)
    } else {
        format!("{minutes}m")
    }
}

/// A calendar rule for a timer cycle: `R/2026-01-05T09:00:00/P1W`, `R/P1D`, or a cron line
/// (`0 0 9 * * MON`); and whether it is exact.
fn recurrence(cycle: &str) -> Option<(RawRecurrence, bool)> {
    let empty =
        RawRecurrence { weekday: None, week: None, calendar_week: None, day: None, days: None, from: None, at: None };
    if cycle.starts_with('R') {
        let parts: Vec<&str> = cycle.split('/').collect();
        let (start, period) = match parts[..] {
            [_, period] => (None, period),
            [_, start, period] => (Some(start), period),
            _ => return None,
        };
        let (minutes, exact) = iso_duration(period)?;
        if minutes % (24 * 60) != 0 {
            return None;
        }
        let days = u32::try_from(minutes / (24 * 60)).ok()?;
        let date = start.and_then(|s| s.get(..10)).filter(|d| d.len() == 10);
        let at = start.and_then(|s| s.get(11..16)).map(str::to_owned);
        let finite = parts[0] != "R";
        let rule = match (days, date) {
            (7, Some(date)) => RawRecurrence { weekday: weekday_of(date), at, ..empty },
            (days, Some(date)) => RawRecurrence { days: Some(days), from: Some(date.to_owned()), at, ..empty },
            (1, None) => RawRecurrence { days: Some(1), from: Some("2000-01-01".into()), at, ..empty },
            _ => return None,
        };
        return Some((rule, exact && !finite));
    }
    let fields: Vec<&str> = cycle.split_whitespace().collect();
    let (minute, hour, day, month, weekday) = match fields[..] {
        [_, m, h, d, mo, w] | [_, m, h, d, mo, w, _] => (m, h, d, mo, w),
        [m, h, d, mo, w] => (m, h, d, mo, w),
        _ => return None,
    };
    let (minute, hour): (u32, u32) = (minute.parse().ok()?, hour.parse().ok()?);
    if minute > 59 || hour > 23 || month != "*" {
        return None;
    }
    let at = Some(format!("{hour:02}:{minute:02}"));
    let rule = match (day, weekday) {
        ("*" | "?", "*" | "?") => RawRecurrence { days: Some(1), from: Some("2000-01-01".into()), at, ..empty },
        ("*" | "?", w) => RawRecurrence { weekday: Some(cron_weekday(w)?.to_owned()), at, ..empty },
        (d, "*" | "?") => {
            let d: u64 = d.parse().ok().filter(|d| (1..=31).contains(d))?;
            RawRecurrence { day: Some(crate::syntax::raw::RawDayNumber::Number(d)), at, ..empty }
        }
        _ => return None,
    };
    Some((rule, true))
}

fn cron_weekday(text: &str) -> Option<&'static str> {
    const DAYS: [&str; 7] = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
    let lower = text.to_ascii_lowercase();
    if let Ok(n) = lower.parse::<usize>() {
        return DAYS.get(n % 7).copied();
    }
    DAYS.iter().copied().find(|d| d.starts_with(&lower) && lower.len() >= 3)
}

fn weekday_of(date: &str) -> Option<String> {
    use chrono::Datelike;
    let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    Some(date.weekday().to_string().to_ascii_lowercase()).map(|short| {
        let full = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
        full.iter().find(|d| d.starts_with(&short)).map_or(short, |d| (*d).to_owned())
    })
}

/// A stand-in for a called process that is not in the file: one step, one end.
fn stub(id: &str, called: &str) -> RawWorkflow {
    let role = "participant".to_owned();
    let work = RawState {
        title: Some(format!("Stands in for `{called}`, which was not in the imported file")),
        actions: Some(IndexMap::from([("done".to_owned(), action("Done".into(), vec![role.clone()], "done".into()))])),
        ..RawState::default()
    };
    let done = RawState { end: Some("done".into()), ..RawState::default() };
    RawWorkflow {
        id: id.to_owned(),
        title: format!("{called} (stub)"),
        version: 1,
        description: Some(format!("A stub for the called process `{called}`; replace it with the real workflow.")),
        timezone: None,
        roles: IndexMap::from([(
            role.clone(),
            RawRole { title: "Participant".into(), parameter: false, optional: false },
        )]),
        fields: IndexMap::new(),
        params: IndexMap::new(),
        start: RawStart { to: "work".into(), by: vec![role], requires: Vec::new(), accepts: Vec::new() },
        completion: Some(RawCompletion::AllBranches),
        cancel: None,
        forbid: Vec::new(),
        schedules: Vec::new(),
        staffing: Vec::new(),
        states: IndexMap::from([("work".to_owned(), work), ("done".to_owned(), done)]),
    }
}

/// Fills in the outcomes of every `call` state from the callee's end states.
fn resolve_calls(workflows: &mut [RawWorkflow], calls: &[PendingCall]) {
    for call in calls {
        let Some(callee) = workflows.iter().find(|w| w.id == call.callee) else { continue };
        let mut outcomes: Vec<String> = Vec::new();
        for state in callee.states.values() {
            if let Some(outcome) = &state.end {
                if !outcomes.contains(outcome) {
                    outcomes.push(outcome.clone());
                }
            }
        }
        let mapped: IndexMap<String, String> = outcomes
            .into_iter()
            .map(|outcome| {
                let caught = call.errors.iter().find(|(error, _)| match error {
                    None => outcome.starts_with("error_"),
                    Some(name) => outcome == format!("error_{}", snake(name, "error").trim_start_matches("error_")),
                });
                let to = caught.map_or_else(|| call.next.clone(), |(_, to)| to.clone());
                (outcome, to)
            })
            .collect();
        let Some(caller) = workflows.iter_mut().find(|w| w.id == call.workflow) else { continue };
        if let Some(state) = caller.states.get_mut(&call.state) {
            state.outcomes = mapped;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_durations_become_minutes_and_say_when_they_are_approximate() {
        assert_eq!(iso_duration("PT2H"), Some((120, true)));
        assert_eq!(iso_duration("P2D"), Some((2 * 24 * 60, true)));
        assert_eq!(iso_duration("P1W"), Some((7 * 24 * 60, true)));
        assert_eq!(iso_duration("PT1H30M"), Some((90, true)));
        assert_eq!(iso_duration("P1M"), Some((30 * 24 * 60, false)));
        assert_eq!(iso_duration("PT90S"), Some((2, false)));
        assert_eq!(iso_duration("${timeout}"), None);
        assert_eq!(iso_duration("P"), None);
        assert_eq!(duration_text(2 * 24 * 60), "2d");
        assert_eq!(duration_text(120), "2h");
        assert_eq!(duration_text(90), "90m");
    }

    #[test]
    fn timer_cycles_become_calendar_rules_where_one_fits() {
        let (weekly, exact) = recurrence("R/2026-01-05T09:00:00/P1W").expect("weekly");
        assert_eq!((weekly.weekday.as_deref(), weekly.at.as_deref(), exact), (Some("monday"), Some("09:00"), true));
        let (every, _) = recurrence("R/2026-01-05T08:30:00/P3D").expect("every 3 days");
        assert_eq!((every.days, every.from.as_deref()), (Some(3), Some("2026-01-05")));
        let (cron, _) = recurrence("0 0 9 * * MON").expect("cron");
        assert_eq!((cron.weekday.as_deref(), cron.at.as_deref()), (Some("monday"), Some("09:00")));
        let (finite, exact) = recurrence("R6/P1D").expect("daily");
        assert_eq!((finite.days, exact), (Some(1), false), "six repetitions are not a calendar rule");
        assert!(recurrence("R/PT10H").is_none(), "every 10 hours has no calendar rule");
    }

    #[test]
    fn html_documentation_becomes_a_short_title() {
        let text = "<p>The job description has to be checked. Then it is approved.</p>";
        assert_eq!(documentation_text(text), "The job description has to be checked.");
        assert_eq!(documentation_text(&"word ".repeat(40)).chars().count(), 121);
    }
}
