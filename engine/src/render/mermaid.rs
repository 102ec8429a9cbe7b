//! Mermaid flowchart text of a diagram, for READMEs and editors that preview Mermaid.

use std::fmt::Write;

use super::diagram::{Diagram, EdgeStyle, Shape};

fn escape(text: &str) -> String {
    text.replace('"', "#quot;").replace('<', "#lt;").replace('>', "#gt;")
}

/// Mermaid reads some words (`end`, `graph`, …) as keywords, so every state id gets a prefix.
fn node_id(id: &str) -> String {
    format!("s_{id}")
}

/// The diagram as a Mermaid `flowchart TD`.
#[must_use]
pub fn to_mermaid(diagram: &Diagram) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "---\ntitle: {}\n---\nflowchart TD", escape(&diagram.title));
    for node in &diagram.nodes {
        let label = node.lines.iter().map(|l| escape(l)).collect::<Vec<_>>().join("<br/>");
        let text = match node.shape {
            Shape::Start => "((start))".to_owned(),
            Shape::Task => format!("[\"{label}\"]"),
            Shape::Choice => format!("{{\"{label}\"}}"),
            Shape::Bar => format!("{{{{\"{label}\"}}}}"),
            Shape::Wait => format!("([\"{label}\"])"),
            Shape::Signoff => format!("[/\"{label}\"\\]"),
            Shape::Call => format!("[[\"{label}\"]]"),
            Shape::End => format!("(((\"{label}\")))"),
        };
        let _ = writeln!(out, "    {}{text}", node_id(&node.id));
    }
    for edge in &diagram.edges {
        let label = escape(&edge.label);
        let arrow = match (edge.style, label.is_empty()) {
            (EdgeStyle::Normal, true) => "-->".to_owned(),
            (EdgeStyle::Normal, false) => format!("-- \"{label}\" -->"),
            (EdgeStyle::Parallel, true) => "==>".to_owned(),
            (EdgeStyle::Parallel, false) => format!("== \"{label}\" ==>"),
            (EdgeStyle::Deadline, _) => format!("-. \"{label}\" .->"),
        };
        let _ = writeln!(out, "    {} {arrow} {}", node_id(&edge.from), node_id(&edge.to));
    }
    let classes = [
        (Shape::Bar, "bar", "fill:#222,color:#fff"),
        (Shape::End, "terminal", "fill:#e8f5e9"),
        (Shape::Signoff, "signoff", "fill:#fff3e0"),
    ];
    for (shape, class, style) in classes {
        let ids: Vec<String> = diagram.nodes.iter().filter(|n| n.shape == shape).map(|n| node_id(&n.id)).collect();
        if !ids.is_empty() {
            let _ = writeln!(out, "    classDef {class} {style}\n    class {} {class}", ids.join(","));
        }
    }
    out
}
