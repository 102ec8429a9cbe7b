//! Helpers shared by the XML readers (PNML, BPMN): parsing with positions, elements by local
//! name whatever their namespace prefix, and trimmed text.

use roxmltree::{Document, Node};

use super::ImportError;

/// Parses XML; errors carry their line and column. DTDs are refused (roxmltree's default), so
/// entity expansion cannot blow up.
pub(crate) fn parse(text: &str) -> Result<Document<'_>, ImportError> {
    Document::parse(text).map_err(|error| {
        let at = error.pos();
        ImportError::Xml { line: at.row, column: at.col, message: error.to_string() }
    })
}

/// The 1-based line where `node` starts.
pub(crate) fn line_of(doc: &Document<'_>, node: Node<'_, '_>) -> u32 {
    doc.text_pos_at(node.range().start).row
}

/// The element's name without its namespace prefix.
pub(crate) fn local<'a>(node: Node<'a, '_>) -> &'a str {
    node.tag_name().name()
}

/// Element children with the given local name.
pub(crate) fn children<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children().filter(move |n| n.is_element() && local(*n) == name)
}

/// The first element child with the given local name.
pub(crate) fn child<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> Option<Node<'a, 'i>> {
    children(node, name).next()
}

/// An attribute by local name, in any namespace (`camunda:candidateGroups`, `flowable:…`).
pub(crate) fn attribute<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attributes().find(|a| a.name() == name).map(|a| a.value())
}

/// All text inside `node`, with runs of white space (line breaks in names included) made one space.
pub(crate) fn text(node: Node<'_, '_>) -> String {
    let raw: String = node.descendants().filter(Node::is_text).filter_map(|n| n.text()).collect();
    squash(&raw)
}

/// Runs of white space as one space, trimmed.
pub(crate) fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
