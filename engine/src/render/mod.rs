//! Diagrams of a workflow: one description of nodes and edges, drawn as Mermaid or Graphviz DOT.
//! Titles, roles on actions, guards, forks and joins, and deadlines each get a distinct look.

mod diagram;
mod dot;
mod mermaid;

pub use diagram::{diagram, Diagram, Edge, EdgeStyle, Node, Shape};
pub use dot::to_dot;
pub use mermaid::to_mermaid;
