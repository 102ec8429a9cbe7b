//! Reader for PNML (ISO/IEC 15909-2), the interchange format of Petri-net tools: place/transition
//! nets with pages, reference nodes, initial markings and arc inscriptions.

use std::collections::HashMap;

use roxmltree::{Document, Node};

use super::petri::{add_arc, Net, Place, Transition};
use super::xml::{line_of, parse as parse_xml};
use super::{ImportError, Note};

/// Parse every net of a PNML document; `stem` names them.
pub(crate) fn parse(text: &str, stem: &str, notes: &mut Vec<Note>) -> Result<Vec<Net>, ImportError> {
    let doc = parse_xml(text)?;
    let root = doc.root_element();
    if root.tag_name().name() != "pnml" {
        return Err(ImportError::Empty {
            message: format!("not a PNML file: the root element is `{}`, not `pnml`", root.tag_name().name()),
        });
    }
    let net_nodes: Vec<Node> = root.children().filter(|n| n.is_element() && n.tag_name().name() == "net").collect();
    if net_nodes.is_empty() {
        return Err(ImportError::Empty { message: "the PNML file holds no `net`".into() });
    }
    let several = net_nodes.len() > 1;
    let mut nets = Vec::new();
    for (index, node) in net_nodes.into_iter().enumerate() {
        let net_id = node.attribute("id").map_or_else(|| format!("net{}", index + 1), str::to_owned);
        if let Some(kind) = node.attribute("type") {
            if !kind.contains("ptnet") {
                notes.push(Note::warning(
                    "net",
                    &net_id,
                    line_of(&doc, node),
                    format!("its type is `{kind}`; it is read as a place/transition net, and anything else it holds is left out"),
                ));
            }
        }
        let mut reader = NetReader {
            doc: &doc,
            notes: &mut *notes,
            nodes: HashMap::new(),
            references: Vec::new(),
            arcs: Vec::new(),
        };
        let mut net = Net {
            id: if several { format!("{stem}-{net_id}") } else { stem.to_owned() },
            title: label(node, "name"),
            ..Net::default()
        };
        reader.read_page(node, &mut net);
        reader.connect(&mut net);
        if net.places.is_empty() {
            return Err(ImportError::Element {
                element: "net".into(),
                id: net_id,
                line: line_of(&doc, node),
                message: "has no places".into(),
            });
        }
        nets.push(net);
    }
    Ok(nets)
}

/// The text of a PNML label: `<name><text>…</text></name>` (or `<value>` in older files).
fn label(node: Node<'_, '_>, name: &str) -> Option<String> {
    let label = node.children().find(|n| n.is_element() && n.tag_name().name() == name)?;
    let text = label.children().find(|n| n.is_element() && matches!(n.tag_name().name(), "text" | "value"))?;
    Some(text.text().unwrap_or_default().trim().to_owned())
}

#[derive(Debug, Clone, Copy)]
enum NodeRef {
    Place(usize),
    Transition(usize),
}

struct NetReader<'d, 'input, 'n> {
    doc: &'d Document<'input>,
    notes: &'n mut Vec<Note>,
    nodes: HashMap<String, NodeRef>,
    /// (id, the id it refers to, line) of reference places and transitions.
    references: Vec<(String, String, u32)>,
    /// (id, source, target, weight, line).
    arcs: Vec<(String, String, String, u64, u32)>,
}

impl NetReader<'_, '_, '_> {
    fn read_page(&mut self, page: Node<'_, '_>, net: &mut Net) {
        for node in page.children().filter(Node::is_element) {
            let line = line_of(self.doc, node);
            let kind = node.tag_name().name();
            let id = node.attribute("id").unwrap_or_default().to_owned();
            if matches!(kind, "place" | "transition" | "arc" | "referencePlace" | "referenceTransition") {
                if id.is_empty() {
                    self.notes.push(Note::warning(
                        kind,
                        "",
                        line,
                        "it has no `id`, so nothing can refer to it; left out",
                    ));
                    continue;
                }
                if self.nodes.contains_key(&id) || self.references.iter().any(|(r, _, _)| *r == id) {
                    self.notes.push(Note::warning(kind, &id, line, "its id is used by an earlier element; left out"));
                    continue;
                }
            }
            match kind {
                "page" => self.read_page(node, net),
                "place" => {
                    let tokens = self.marking(node, &id, line);
                    self.nodes.insert(id.clone(), NodeRef::Place(net.places.len()));
                    net.places.push(Place { id, name: label(node, "name"), line, tokens });
                }
                "transition" => {
                    self.nodes.insert(id.clone(), NodeRef::Transition(net.transitions.len()));
                    net.transitions.push(Transition {
                        id,
                        name: label(node, "name"),
                        line,
                        inputs: Vec::new(),
                        outputs: Vec::new(),
                    });
                }
                "referencePlace" | "referenceTransition" => {
                    let target = node.attribute("ref").unwrap_or_default().to_owned();
                    self.references.push((id, target, line));
                }
                "arc" => self.read_arc(node, id, line),
                // The net's name was read already; graphics are layout only.
                "name" | "graphics" => {}
                "toolspecific" => {
                    let tool = node.attribute("tool").unwrap_or("a tool");
                    self.notes.push(Note::info(kind, tool, line, format!("data for {tool} is not imported")));
                }
                other => {
                    self.notes.push(Note::info(
                        other,
                        &id,
                        line,
                        "this element is not part of a place/transition net; not imported",
                    ));
                }
            }
        }
    }

    fn marking(&mut self, node: Node<'_, '_>, id: &str, line: u32) -> u64 {
        let Some(text) = label(node, "initialMarking") else { return 0 };
        match text.parse::<u64>() {
            Ok(tokens) => tokens,
            Err(_) => {
                self.notes.push(Note::warning(
                    "place",
                    id,
                    line,
                    format!("initial marking `{text}` is not a number of tokens; the place starts empty"),
                ));
                0
            }
        }
    }

    fn read_arc(&mut self, node: Node<'_, '_>, id: String, line: u32) {
        let source = node.attribute("source").unwrap_or_default().to_owned();
        let target = node.attribute("target").unwrap_or_default().to_owned();
        // Inhibitor and reset arcs (a `type` child, as ProM and Tina write them) have no
        // counterpart in a workflow.
        let special = node
            .children()
            .filter(|n| n.is_element() && matches!(n.tag_name().name(), "type" | "arctype"))
            .find_map(|n| n.attribute("value").map(str::to_owned).or_else(|| label(node, n.tag_name().name())))
            .filter(|kind| kind != "normal");
        if let Some(kind) = special {
            self.notes.push(Note::warning(
                "arc",
                &id,
                line,
                format!("it is an arc of type `{kind}`, which a workflow cannot express; left out"),
            ));
            return;
        }
        let weight = match label(node, "inscription") {
            None => 1,
            Some(text) => match text.parse::<u64>() {
                Ok(weight) if weight > 0 => weight,
                _ => {
                    self.notes.push(Note::warning(
                        "arc",
                        &id,
                        line,
                        format!("inscription `{text}` is not a positive number of tokens; read as 1"),
                    ));
                    1
                }
            },
        };
        self.arcs.push((id, source, target, weight, line));
    }

    /// Resolves reference nodes and attaches arcs to their transitions.
    fn connect(&mut self, net: &mut Net) {
        // References may point at references; a chain longer than the number of references loops.
        for _ in 0..=self.references.len() {
            let mut progress = false;
            for (id, target, _) in &self.references {
                if !self.nodes.contains_key(id) {
                    if let Some(&found) = self.nodes.get(target) {
                        self.nodes.insert(id.clone(), found);
                        progress = true;
                    }
                }
            }
            if !progress {
                break;
            }
        }
        for (id, target, line) in &self.references {
            if !self.nodes.contains_key(id) {
                self.notes.push(Note::warning(
                    "reference",
                    id,
                    *line,
                    format!("it refers to `{target}`, which is not a place or transition of this net; left out"),
                ));
            }
        }
        for (id, source, target, weight, line) in std::mem::take(&mut self.arcs) {
            match (self.nodes.get(&source), self.nodes.get(&target)) {
                (Some(NodeRef::Place(p)), Some(NodeRef::Transition(t))) => {
                    add_arc(&mut net.transitions[*t].inputs, *p, weight)
                }
                (Some(NodeRef::Transition(t)), Some(NodeRef::Place(p))) => {
                    add_arc(&mut net.transitions[*t].outputs, *p, weight)
                }
                (Some(_), Some(_)) => self.notes.push(Note::warning(
                    "arc",
                    &id,
                    line,
                    format!("it joins `{source}` to `{target}`, two nodes of the same kind; left out"),
                )),
                _ => self.notes.push(Note::warning(
                    "arc",
                    &id,
                    line,
                    format!("it joins `{source}` to `{target}`, and one of them is not in this net; left out"),
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_references_markings_and_inscriptions_are_read() {
        let text = r#"<?xml version="1.0"?>
<pnml xmlns="http://www.pnml.org/version-2009/grammar/pnml">
  <net id="n1" type="http://www.pnml.org/version-2009/grammar/ptnet">
    <name><text>Order</text></name>
    <page id="top">
      <place id="p1"><name><text>Received</text></name><initialMarking><text>1</text></initialMarking></place>
      <transition id="t1"><name><text>Check</text></name></transition>
      <page id="inner">
        <place id="p2"/>
        <referencePlace id="r1" ref="p2"/>
      </page>
      <arc id="a1" source="p1" target="t1"/>
      <arc id="a2" source="t1" target="r1"><inscription><text>2</text></inscription></arc>
      <arc id="a3" source="p1" target="p2"/>
      <toolspecific tool="WoPeD" version="1.0"/>
    </page>
  </net>
</pnml>"#;
        let mut notes = Vec::new();
        let nets = parse(text, "order", &mut notes).expect("parses");
        let net = &nets[0];
        assert_eq!(net.title.as_deref(), Some("Order"));
        assert_eq!(
            net.places.iter().map(|p| (p.id.as_str(), p.tokens, p.line)).collect::<Vec<_>>(),
            [("p1", 1, 6), ("p2", 0, 9)]
        );
        assert_eq!(net.transitions[0].inputs, [(0, 1)]);
        assert_eq!(net.transitions[0].outputs, [(1, 2)], "the arc to the reference place lands on p2");
        let noted: Vec<(&str, &str, u32)> = notes.iter().map(|n| (n.element.as_str(), n.id.as_str(), n.line)).collect();
        assert_eq!(noted, [("toolspecific", "WoPeD", 15), ("arc", "a3", 14)]);
    }

    #[test]
    fn broken_xml_is_an_error_with_its_position() {
        let error = parse("<pnml><net id=\"n\">\n<place id=\"p\">\n</pnml>", "x", &mut Vec::new()).unwrap_err();
        assert!(matches!(error, ImportError::Xml { line: 3, .. }), "{error:?}");
        let error = parse("<petrinet/>", "x", &mut Vec::new()).unwrap_err();
        assert_eq!(error.to_string(), "not a PNML file: the root element is `petrinet`, not `pnml`");
    }
}
