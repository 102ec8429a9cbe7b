//! Graphviz DOT text of a diagram, for `dot -Tsvg`.

use std::fmt::Write;

use super::diagram::{Diagram, EdgeStyle, Shape};

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The diagram as a DOT digraph.
#[must_use]
pub fn to_dot(diagram: &Diagram) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph workflow {{\n    label={};\n    labelloc=t;\n    node [fontname=\"sans-serif\"];\n    edge [fontname=\"sans-serif\", fontsize=10];", quote(&diagram.title));
    for node in &diagram.nodes {
        let label = quote(&node.lines.join("\n"));
        let attrs = match node.shape {
            Shape::Start => "shape=circle, style=filled, fillcolor=black, fontcolor=white, width=0.3".to_owned(),
            Shape::Task => format!("shape=box, style=rounded, label={label}"),
            Shape::Choice => format!("shape=diamond, label={label}"),
            Shape::Bar => format!("shape=box, style=filled, fillcolor=black, fontcolor=white, label={label}"),
            Shape::Wait => format!("shape=box, style=dashed, label={label}"),
            Shape::Signoff => format!("shape=box, peripheries=2, label={label}"),
            Shape::Call => format!("shape=component, label={label}"),
            Shape::End => format!("shape=doublecircle, label={label}"),
        };
        let _ = writeln!(out, "    {} [{attrs}];", quote(&node.id));
    }
    for edge in &diagram.edges {
        let style = match edge.style {
            EdgeStyle::Normal => "",
            EdgeStyle::Parallel => ", penwidth=2.5",
            EdgeStyle::Deadline => ", style=dashed, color=red",
        };
        let _ =
            writeln!(out, "    {} -> {} [label={}{style}];", quote(&edge.from), quote(&edge.to), quote(&edge.label));
    }
    out.push_str("}\n");
    out
}
