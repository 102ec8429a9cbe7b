//! Reads a workflow file into its raw structs: the one module that drives the YAML parser.
//! Hostile input (huge, deep, aliased, non-UTF-8, duplicated keys) ends in a diagnostic, never a hang.

use std::path::Path;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::diagnostic::{suggest, Diagnostic, Problem, Report, Severity};
use crate::syntax::de::from_node;
use crate::syntax::source_map::{MapError, PathSegment, SourceMap, Span, YamlPath, MAX_DEPTH, MAX_NODES};

/// Workflow files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// At most this many structural problems are reported per file.
const MAX_STRUCTURAL_PROBLEMS: usize = 50;

/// A YAML file that parsed into `T`, with its text and the positions of its nodes.
#[derive(Debug)]
pub struct Loaded<T> {
    /// The file's text.
    pub text: String,
    /// Where each node sits.
    pub map: SourceMap,
    /// The parsed document.
    pub raw: T,
}

/// Parse `bytes` (the content of `file`) into `T`, reporting every structural problem found.
///
/// # Errors
/// Every problem that keeps the file from being read as a `T`, placed in the file.
pub fn load<T: DeserializeOwned + JsonSchema>(file: &Path, bytes: &[u8]) -> Result<Loaded<T>, Vec<Diagnostic>> {
    let size = bytes.len() as u64;
    if size > MAX_FILE_BYTES {
        return Err(vec![Diagnostic::file(Problem::FileTooLarge { limit: MAX_FILE_BYTES }, file)]);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_owned(),
        Err(e) => {
            let offset = e.valid_up_to();
            let mut d = Diagnostic::file(Problem::NotUtf8 { offset }, file);
            let before = &bytes[..offset];
            let line = before.iter().filter(|b| **b == b'\n').count() + 1;
            let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
            let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
            d.span = Some(Span { start: offset, end: offset, line, column });
            return Err(vec![d]);
        }
    };
    let map = match SourceMap::read(&text) {
        Ok(map) => map,
        Err(e) => return Err(vec![map_error(e, file)]),
    };
    match deserialize_collecting::<T>(&map) {
        Ok(raw) => Ok(Loaded { text, map, raw }),
        Err(report) => Err(report.locate(file, &text, &map)),
    }
}

fn map_error(e: MapError, file: &Path) -> Diagnostic {
    let (problem, span) = match e {
        MapError::Syntax { message, at } => (Problem::YamlSyntax { message }, Some(at)),
        MapError::TooDeep { at } => (Problem::TooDeep { limit: MAX_DEPTH }, Some(at)),
        MapError::TooLarge { at } => (Problem::TooManyNodes { limit: MAX_NODES }, Some(at)),
        MapError::DuplicateKey { key, first, again } => {
            (Problem::DuplicateKey { key, first_line: first.line }, Some(again))
        }
        MapError::MultipleDocuments { at } => (Problem::MultipleDocuments, Some(at)),
        MapError::Empty => (Problem::Empty, None),
    };
    let mut d = Diagnostic::file(problem, file);
    d.span = span;
    d
}

/// Deserialize, and on each failure record it, cut the offending part out and try again, so that
/// one run reports every unknown key and one problem per state, role, field or schedule.
fn deserialize_collecting<T: DeserializeOwned + JsonSchema>(map: &SourceMap) -> Result<T, Report> {
    let first = match from_node::<T>(map.root()) {
        Ok(raw) => return Ok(raw),
        Err(e) => e,
    };
    // Only a file with problems pays for a working copy to cut them out of.
    let mut work = map.clone();
    let mut pending = Some(first);
    let mut report = Report::default();
    // Sequence items cut so far, numbered as they were when cut, to name later items by their
    // position in the file.
    let mut cut_items: Vec<YamlPath> = Vec::new();
    // Keys cut out because their value was wrong; serde then misses them, which is no news.
    let mut cut_keys: Vec<YamlPath> = Vec::new();
    for _ in 0..MAX_STRUCTURAL_PROBLEMS {
        let error = match pending.take().map_or_else(|| from_node::<T>(work.root()), Err) {
            Ok(_) => return Err(report),
            Err(e) => e,
        };
        let current = error.path();
        let path = in_file(&current, &cut_items);
        let message = error.message.clone();
        let cut = match classify(&message) {
            Classified::UnknownKey { key, expected } => {
                let parent = |p: &YamlPath| {
                    if p.0.last() == Some(&PathSegment::Key(key.clone())) {
                        YamlPath(p.0[..p.0.len() - 1].to_vec())
                    } else {
                        p.clone()
                    }
                };
                let suggestion = suggest(&key, expected.iter().map(String::as_str));
                let at = parent(&path).key(&key);
                report.error_at_key(Problem::UnknownKey { key: key.clone(), expected, suggestion }, &at);
                parent(&current).key(&key)
            }
            Classified::UnknownValue { value: v, expected } => {
                let suggestion = suggest(&v, expected.iter().map(String::as_str));
                report.error(Problem::UnknownValue { value: v, expected, suggestion }, &path);
                item_or_key(&current)
            }
            Classified::MissingKey { key } => {
                if cut_keys.contains(&current.key(&key)) {
                    return Err(report);
                }
                if current.0.is_empty() {
                    // serde names the first missing top-level key only; name them all at once.
                    for missing in missing_top_level::<T>(map) {
                        report.error_at_key(Problem::MissingKey { key: missing }, &path);
                    }
                    return Err(report);
                }
                report.error_at_key(Problem::MissingKey { key }, &path);
                item_of(&current)
            }
            Classified::Other => {
                report.error(Problem::WrongType { message: humanize(&message) }, &path);
                item_or_key(&current)
            }
        };
        if !matches!(cut.0.last(), Some(PathSegment::Index(_))) && item_of(&cut).0.is_empty() {
            cut_keys.push(cut.clone());
        }
        if cut.0.is_empty() || !work.remove(&cut) {
            return Err(report);
        }
        if matches!(cut.0.last(), Some(PathSegment::Index(_))) {
            cut_items.push(cut);
        }
    }
    report.push(
        Severity::Error,
        Problem::WrongType { message: format!("stopped after {MAX_STRUCTURAL_PROBLEMS} problems") },
        &YamlPath::root(),
        crate::diagnostic::Target::Value,
        Vec::new(),
    );
    Err(report)
}

enum Classified {
    UnknownKey { key: String, expected: Vec<String> },
    UnknownValue { value: String, expected: Vec<String> },
    MissingKey { key: String },
    Other,
}

/// Read serde's stable messages for unknown fields, unknown variants and missing fields.
fn classify(message: &str) -> Classified {
    let ticked: Vec<String> = message.split('`').skip(1).step_by(2).map(str::to_owned).collect();
    let first = ticked.first().cloned().unwrap_or_default();
    let expected = ticked.into_iter().skip(1).collect();
    if message.starts_with("unknown field") {
        Classified::UnknownKey { key: first, expected }
    } else if message.starts_with("unknown variant") {
        Classified::UnknownValue { value: first, expected }
    } else if message.starts_with("missing field") {
        Classified::MissingKey { key: first }
    } else {
        Classified::Other
    }
}

/// The keys the schema of `T` requires at the top level that the document does not have.
fn missing_top_level<T: JsonSchema>(map: &SourceMap) -> Vec<String> {
    let schema = schemars::schema_for!(T);
    let required = schema.get("required").and_then(|r| r.as_array()).cloned().unwrap_or_default();
    required
        .iter()
        .filter_map(|k| k.as_str())
        .filter(|k| !map.contains(&YamlPath::at(&[k])))
        .map(str::to_owned)
        .collect()
}

/// The collection item that holds `path`, or else the key itself (e.g. a top-level `version`).
fn item_or_key(path: &YamlPath) -> YamlPath {
    let item = item_of(path);
    if item.0.is_empty() {
        match path.0.iter().position(|s| matches!(s, PathSegment::Index(_))) {
            Some(i) if i > 0 => YamlPath(path.0[..i].to_vec()),
            _ => path.clone(),
        }
    } else {
        item
    }
}

/// serde's type messages name Rust types; say what the YAML should hold instead.
fn humanize(message: &str) -> String {
    let mut out = message.to_owned();
    for (rust, yaml) in [
        ("expected struct RawWorkflow", "expected a workflow (a mapping of `id`, `title`, `states`, …)"),
        ("unit value", "nothing (null)"),
        ("expected u32", "expected a whole number"),
        ("expected u64", "expected a whole number"),
        ("expected a boolean", "expected `true` or `false`"),
        ("expected a sequence", "expected a list, e.g. `[a, b]`"),
        ("expected a map", "expected a mapping of `key: value` lines"),
    ] {
        out = out.replace(rust, yaml);
    }
    if let Some(i) = out.find("expected struct Raw") {
        let name: String =
            out[i + "expected struct Raw".len()..].chars().take_while(char::is_ascii_alphanumeric).collect();
        let described = match name.as_str() {
            "Role" => "a role, e.g. `{title: 经理 / Manager}`".to_owned(),
            "Field" => "a field, e.g. `{type: money, title: 金额}`".to_owned(),
            "State" => "a state (a mapping with `actions`, `choice`, `fork`, …)".to_owned(),
            "Action" => "an action, e.g. `{by: [manager], to: approved}`".to_owned(),
            "Branch" => "a branch, e.g. `{when: \"amount > 100\", to: review}`".to_owned(),
            other => format!("a `{}` mapping", other.to_lowercase()),
        };
        out = format!("{}expected {described}{}", &out[..i], &out[i + "expected struct Raw".len() + name.len()..]);
    }
    out
}

/// The collection item (a state, an action, a role, …) that holds `path`, to cut out after an error.
fn item_of(path: &YamlPath) -> YamlPath {
    const ITEMS: &[&[&str]] = &[
        &["states", "*", "actions", "*"],
        &["states", "*", "choice", "#"],
        &["states", "*"],
        &["roles", "*"],
        &["fields", "*"],
        &["schedules", "#"],
    ];
    for pattern in ITEMS {
        if path.0.len() >= pattern.len()
            && pattern.iter().zip(&path.0).all(|(p, s)| match (p, s) {
                (&"*", PathSegment::Key(_)) | (&"#", PathSegment::Index(_)) => true,
                (name, PathSegment::Key(k)) => k == name,
                _ => false,
            })
        {
            return YamlPath(path.0[..pattern.len()].to_vec());
        }
    }
    YamlPath::root()
}

/// Translate a path in the value with items cut out back to the same node's path in the file.
fn in_file(path: &YamlPath, cut_items: &[YamlPath]) -> YamlPath {
    let mut segments = path.0.clone();
    for cut in cut_items.iter().rev() {
        let (Some(PathSegment::Index(removed)), parent) = (cut.0.last(), &cut.0[..cut.0.len() - 1]) else { continue };
        if segments.len() > parent.len() && segments[..parent.len()] == *parent {
            if let PathSegment::Index(i) = &mut segments[parent.len()] {
                if *i >= *removed {
                    *i += 1;
                }
            }
        }
    }
    YamlPath(segments)
}
