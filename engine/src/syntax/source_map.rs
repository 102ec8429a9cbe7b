//! A YAML document as a tree whose every key and value knows where it sits in its file, built
//! from the parser's events. `de.rs` deserializes it; diagnostics turn YAML paths into positions.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScanError, Span as ParserSpan};

/// A range of a source file: byte offsets plus the 1-based line and column of its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset just past the last character.
    pub end: usize,
    /// 1-based line of `start`.
    pub line: usize,
    /// 1-based column of `start`, in characters.
    pub column: usize,
}

/// One step of a path into a YAML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// A path into a YAML document, e.g. `states.review.actions.approve.to`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YamlPath(pub Vec<PathSegment>);

impl YamlPath {
    /// The path of the document root.
    #[must_use]
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path extended by a key.
    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(PathSegment::Key(key.to_owned()));
        Self(segments)
    }

    /// This path extended by an index.
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(PathSegment::Index(index));
        Self(segments)
    }

    /// Build a path from dotted keys, e.g. `at(&["states", "draft"])`.
    #[must_use]
    pub fn at(keys: &[&str]) -> Self {
        Self(keys.iter().map(|k| PathSegment::Key((*k).to_owned())).collect())
    }
}

impl std::fmt::Display for YamlPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(document)");
        }
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Key(k) if i == 0 => write!(f, "{k}")?,
                PathSegment::Key(k) => write!(f, ".{k}")?,
                PathSegment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub(crate) enum NodeKind {
    Map(Vec<Entry>),
    Seq(Vec<Node>),
    /// A scalar's text; `plain` when written unquoted, so that `true`, `12` and `~` are typed.
    Scalar {
        text: String,
        plain: bool,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) key_span: Span,
    pub(crate) value: Node,
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) span: Span,
    pub(crate) kind: NodeKind,
}

/// Limits that keep hostile input from costing unbounded time or memory.
pub(crate) const MAX_DEPTH: usize = 64;
pub(crate) const MAX_NODES: usize = 2_000_000;

/// Why a document could not be mapped.
#[derive(Debug, Clone)]
pub enum MapError {
    Syntax { message: String, at: Span },
    TooDeep { at: Span },
    TooLarge { at: Span },
    DuplicateKey { key: String, first: Span, again: Span },
    MultipleDocuments { at: Span },
    Empty,
}

/// The positions of every node of one YAML document.
#[derive(Debug, Clone)]
pub struct SourceMap {
    root: Node,
}

impl SourceMap {
    /// The span of the value at `path`, or of the closest ancestor that exists.
    #[must_use]
    pub fn value_span(&self, path: &YamlPath) -> Span {
        self.walk(path).1
    }

    /// The span of the key that holds the value at `path` (the value itself for sequence items),
    /// or of the closest ancestor that exists.
    #[must_use]
    pub fn key_span(&self, path: &YamlPath) -> Span {
        self.walk(path).0
    }

    /// Whether the exact path exists in the document.
    #[must_use]
    pub fn contains(&self, path: &YamlPath) -> bool {
        self.walk(path).2
    }

    pub(crate) fn root(&self) -> &Node {
        &self.root
    }

    /// Cut the node at `path` out of the tree (a mapping entry or a sequence item).
    pub(crate) fn remove(&mut self, path: &YamlPath) -> bool {
        let Some((last, parents)) = path.0.split_last() else { return false };
        let mut node = &mut self.root;
        for segment in parents {
            let next = match (&mut node.kind, segment) {
                (NodeKind::Map(entries), PathSegment::Key(k)) => {
                    entries.iter_mut().find(|e| &e.key == k).map(|e| &mut e.value)
                }
                (NodeKind::Seq(items), PathSegment::Index(i)) => items.get_mut(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return false,
            }
        }
        match (&mut node.kind, last) {
            (NodeKind::Map(entries), PathSegment::Key(k)) => {
                let before = entries.len();
                entries.retain(|e| &e.key != k);
                entries.len() < before
            }
            (NodeKind::Seq(items), PathSegment::Index(i)) if *i < items.len() => {
                items.remove(*i);
                true
            }
            _ => false,
        }
    }

    fn walk(&self, path: &YamlPath) -> (Span, Span, bool) {
        let mut node = &self.root;
        let mut key_span = node.span;
        for segment in &path.0 {
            let next = match (&node.kind, segment) {
                (NodeKind::Map(entries), PathSegment::Key(k)) => {
                    entries.iter().find(|e| &e.key == k).map(|e| (e.key_span, &e.value))
                }
                (NodeKind::Seq(items), PathSegment::Index(i)) => items.get(*i).map(|n| (n.span, n)),
                _ => None,
            };
            match next {
                Some((k, n)) => {
                    key_span = k;
                    node = n;
                }
                None => return (key_span, node.span, false),
            }
        }
        (key_span, node.span, true)
    }

    /// Read the positions of a document, rejecting duplicate keys, deep nesting, alias bombs and
    /// more than one document.
    pub fn read(text: &str) -> Result<Self, MapError> {
        let offsets = CharOffsets::new(text);
        let mut builder = Builder {
            offsets: &offsets,
            stack: Vec::new(),
            root: None,
            nodes: 0,
            anchors: HashMap::new(),
            documents: 0,
        };
        let mut parser = Parser::new_from_str(text);
        while let Some(next) = parser.next_event() {
            let (event, span) = next.map_err(|e| syntax_error(&e, &offsets))?;
            builder.event(event, span)?;
        }
        match builder.root {
            None => Err(MapError::Empty),
            // A document that is only `---` or `~` holds nothing either.
            Some(Node { kind: NodeKind::Scalar { text, plain: true }, .. })
                if matches!(text.as_str(), "" | "~" | "null") =>
            {
                Err(MapError::Empty)
            }
            Some(root) => Ok(SourceMap { root }),
        }
    }
}

fn syntax_error(e: &ScanError, offsets: &CharOffsets) -> MapError {
    let mark = e.marker();
    let at = offsets.point(mark.index(), mark.line(), mark.col());
    MapError::Syntax { message: e.info().to_owned(), at }
}

/// Converts the parser's character indices into byte offsets. Events arrive mostly in file
/// order, so a cursor that moves forward from the last answer makes this linear overall.
struct CharOffsets<'t> {
    text: &'t str,
    ascii: bool,
    cursor: std::cell::Cell<(usize, usize)>,
}

impl<'t> CharOffsets<'t> {
    fn new(text: &'t str) -> Self {
        Self { text, ascii: text.is_ascii(), cursor: std::cell::Cell::new((0, 0)) }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        let (mut chars, mut bytes) = self.cursor.get();
        if char_index < chars {
            (chars, bytes) = (0, 0);
        }
        for c in self.text[bytes..].chars() {
            if chars == char_index {
                break;
            }
            chars += 1;
            bytes += c.len_utf8();
        }
        self.cursor.set((chars, bytes));
        bytes
    }

    fn point(&self, index: usize, line: usize, col: usize) -> Span {
        let start = self.byte(index);
        Span { start, end: start, line, column: col + 1 }
    }

    fn span(&self, s: &ParserSpan) -> Span {
        let start = self.byte(s.start.index());
        let end = self.byte(s.end.index()).max(start);
        Span { start, end, line: s.start.line(), column: s.start.col() + 1 }
    }
}

enum Body {
    Map { entries: Vec<Entry>, pending_key: Option<(String, Span)>, keys: HashMap<String, usize> },
    Seq { items: Vec<Node> },
}

struct Frame {
    span: Span,
    body: Body,
    /// The anchor declared on this node (0 for none) and the node count when it opened.
    anchor: usize,
    opened_at: usize,
}

struct Builder<'o, 't> {
    offsets: &'o CharOffsets<'t>,
    stack: Vec<Frame>,
    root: Option<Node>,
    nodes: usize,
    /// Each anchored node with its expanded node count, so aliases cannot multiply the document
    /// unboundedly.
    anchors: HashMap<usize, (Node, usize)>,
    documents: usize,
}

impl Builder<'_, '_> {
    fn event(&mut self, event: Event<'_>, span: ParserSpan) -> Result<(), MapError> {
        let at = self.offsets.span(&span);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(MapError::MultipleDocuments { at });
                }
            }
            Event::MappingStart(anchor, _) => {
                self.open(Body::Map { entries: Vec::new(), pending_key: None, keys: HashMap::new() }, at, anchor)?;
            }
            Event::SequenceStart(anchor, _) => self.open(Body::Seq { items: Vec::new() }, at, anchor)?,
            Event::MappingEnd | Event::SequenceEnd => self.close(at)?,
            Event::Scalar(value, style, anchor, _) => {
                self.count(1, at)?;
                let node = Node {
                    span: at,
                    kind: NodeKind::Scalar {
                        text: value.into_owned(),
                        plain: style == saphyr_parser::ScalarStyle::Plain,
                    },
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, (node.clone(), 1));
                }
                self.push(node)?;
            }
            Event::Alias(anchor) => {
                let Some((node, size)) = self.anchors.get(&anchor).cloned() else {
                    return Err(MapError::Syntax { message: "alias to an unknown anchor".into(), at });
                };
                self.count(size, at)?;
                self.push(Node { span: at, ..node })?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn count(&mut self, n: usize, at: Span) -> Result<(), MapError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(MapError::TooLarge { at });
        }
        Ok(())
    }

    fn open(&mut self, body: Body, at: Span, anchor: usize) -> Result<(), MapError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(MapError::TooDeep { at });
        }
        self.count(1, at)?;
        self.stack.push(Frame { span: at, body, anchor, opened_at: self.nodes });
        Ok(())
    }

    fn close(&mut self, at: Span) -> Result<(), MapError> {
        let Some(frame) = self.stack.pop() else { return Ok(()) };
        let span = Span { end: frame.span.end.max(at.end), ..frame.span };
        let kind = match frame.body {
            Body::Map { entries, .. } => NodeKind::Map(entries),
            Body::Seq { items } => NodeKind::Seq(items),
        };
        let node = Node { span, kind };
        if frame.anchor > 0 {
            // An alias to this node later costs as many nodes as the node holds.
            self.anchors.insert(frame.anchor, (node.clone(), self.nodes - frame.opened_at + 1));
        }
        self.push(node)
    }

    fn push(&mut self, node: Node) -> Result<(), MapError> {
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame { body: Body::Seq { items }, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame { body: Body::Map { entries, pending_key, keys }, .. }) => match pending_key.take() {
                None => {
                    let key = match node.kind {
                        NodeKind::Scalar { text, .. } => text,
                        _ => "(complex key)".to_owned(),
                    };
                    // Most mappings are small: a scan beats hashing until one grows large.
                    let seen = if entries.len() < 16 {
                        entries.iter().position(|e| e.key == key)
                    } else {
                        if keys.is_empty() {
                            keys.extend(entries.iter().enumerate().map(|(i, e)| (e.key.clone(), i)));
                        }
                        keys.get(&key).copied()
                    };
                    if let Some(first) = seen {
                        let first = entries.get(first).map_or(node.span, |e: &Entry| e.key_span);
                        return Err(MapError::DuplicateKey { key, first, again: node.span });
                    }
                    *pending_key = Some((key, node.span));
                    Ok(())
                }
                Some((key, key_span)) => {
                    if !keys.is_empty() {
                        keys.insert(key.clone(), entries.len());
                    }
                    entries.push(Entry { key, key_span, value: node });
                    Ok(())
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_and_values_by_path() {
        let text = "id: a\nstates:\n  draft:\n    to: x\n  list: [1, 2]\n";
        let map = SourceMap::read(text).unwrap();
        let span = map.key_span(&YamlPath::at(&["states", "draft", "to"]));
        assert_eq!((span.line, span.column), (4, 5));
        let value = map.value_span(&YamlPath::at(&["states", "draft", "to"]));
        assert_eq!(&text[value.start..value.end], "x");
        let item = map.value_span(&YamlPath::at(&["states", "list"]).index(1));
        assert_eq!(&text[item.start..item.end], "2");
        assert!(!map.contains(&YamlPath::at(&["states", "nope"])));
    }

    #[test]
    fn columns_count_characters_and_offsets_count_bytes() {
        let text = "title: 急诊手术\nid: b\n";
        let map = SourceMap::read(text).unwrap();
        let span = map.value_span(&YamlPath::at(&["title"]));
        assert_eq!(&text[span.start..span.end], "急诊手术");
        assert_eq!(span.column, 8);
    }

    #[test]
    fn rejects_duplicate_keys() {
        let err = SourceMap::read("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert!(matches!(err, MapError::DuplicateKey { ref key, again, .. } if key == "a" && again.line == 3));
    }

    #[test]
    fn rejects_deep_nesting_and_alias_bombs() {
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert!(matches!(SourceMap::read(&deep), Err(MapError::TooDeep { .. })));
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            bomb.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
        }
        assert!(matches!(SourceMap::read(&bomb), Err(MapError::TooLarge { .. })));
    }
}
