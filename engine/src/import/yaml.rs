//! A small YAML writer for imported workflows, so that they read like hand-written ones.
//! Block mappings, flow style for short entries, and every string that is not a plain word
//! written as a JSON string, which is a valid YAML double-quoted scalar.

use serde_json::{Map, Value};

use crate::syntax::raw::RawWorkflow;

/// Lines longer than this are written in block style rather than flow style.
const WIDTH: usize = 100;

/// The YAML text of a workflow, after `comments` (one `# ` line each).
#[must_use]
pub fn workflow_to_yaml(workflow: &RawWorkflow, comments: &[String]) -> String {
    let mut out = String::new();
    for comment in comments {
        for line in comment.lines() {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
    }
    match serde_json::to_value(workflow) {
        Ok(Value::Object(mut map)) => {
            // `fields` is optional; an empty one only adds noise.
            if map.get("fields").is_some_and(|f| f.as_object().is_some_and(Map::is_empty)) {
                map.shift_remove("fields");
            }
            write_mapping(&map, 0, &mut out);
        }
        // The raw structs always serialise to a mapping; anything else would be a bug upstream.
        Ok(other) => out.push_str(&scalar(&other)),
        Err(error) => out.push_str(&format!("# cannot serialise the workflow: {error}\n")),
    }
    out
}

/// Writes any JSON value that is a mapping at the top, for tests and other callers.
#[must_use]
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) => write_mapping(map, 0, &mut out),
        other => {
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
    out
}

fn write_mapping(map: &Map<String, Value>, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for (key, value) in map {
        let key = scalar_text(key);
        out.push_str(&pad);
        out.push_str(&key);
        out.push(':');
        write_value(value, indent, pad.len() + key.len() + 2, out);
    }
}

/// Writes what follows `key:` (already written, `used` columns wide).
fn write_value(value: &Value, indent: usize, used: usize, out: &mut String) {
    if is_flat(value) {
        let text = inline(value);
        if used + text.len() <= WIDTH || !matches!(value, Value::Object(_) | Value::Array(_)) {
            out.push(' ');
            out.push_str(&text);
            out.push('\n');
            return;
        }
    }
    out.push('\n');
    match value {
        Value::Object(map) => write_mapping(map, indent + 2, out),
        Value::Array(items) => write_sequence(items, indent + 2, out),
        other => {
            out.push_str(&" ".repeat(indent + 2));
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn write_sequence(items: &[Value], indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for item in items {
        out.push_str(&pad);
        out.push('-');
        match item {
            Value::Object(map) if !map.is_empty() => {
                let text = inline(item);
                out.push(' ');
                if is_flat(item) && indent + 2 + text.len() <= WIDTH {
                    out.push_str(&text);
                    out.push('\n');
                } else {
                    // The first key goes on the dash's line, the others under it.
                    let mut rest = String::new();
                    write_mapping(map, indent + 2, &mut rest);
                    out.push_str(rest.trim_start());
                }
            }
            _ => write_value(item, indent, indent + 2, out),
        }
    }
}

/// Scalars, and mappings and sequences holding only scalars or sequences of scalars.
fn is_flat(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.values().all(|v| !matches!(v, Value::Object(_)) && is_flat(v)),
        Value::Array(items) => items.iter().all(|v| !matches!(v, Value::Object(_) | Value::Array(_))),
        _ => true,
    }
}

/// Flow style: `{ a: 1, b: [x, y] }`.
fn inline(value: &Value) -> String {
    match value {
        Value::Object(map) if map.is_empty() => "{}".to_owned(),
        Value::Object(map) => {
            let entries: Vec<String> = map.iter().map(|(k, v)| format!("{}: {}", scalar_text(k), inline(v))).collect();
            format!("{{ {} }}", entries.join(", "))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(inline).collect::<Vec<_>>().join(", ")),
        other => scalar(other),
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => scalar_text(text),
        other => other.to_string(),
    }
}

/// A string as a plain word where YAML reads it back as that same string, else JSON-quoted.
fn scalar_text(text: &str) -> String {
    if is_plain(text) {
        text.to_owned()
    } else {
        serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
    }
}

/// Ids (`manager_review`, `expense-claim`) and durations (`24h`) stay plain; words that some
/// YAML readers take for booleans or null are quoted.
fn is_plain(text: &str) -> bool {
    const KEYWORDS: &[&str] = &["true", "false", "null", "yes", "no", "on", "off", "y", "n"];
    let word = text.starts_with(|c: char| c.is_ascii_lowercase())
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        && !text.ends_with('-');
    let duration = text.len() > 1
        && text.ends_with(['s', 'm', 'h', 'd'])
        && text[..text.len() - 1].chars().all(|c| c.is_ascii_digit());
    (word && !KEYWORDS.contains(&text)) || duration
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_stay_plain_and_everything_else_is_quoted() {
        let value = json!({
            "id": "leave-request",
            "title": "请假申请: \"leave\"",
            "on": "yes",
            "after": "24h",
            "version": 1,
            "list": ["a_b", "A b", true],
        });
        let expected = "id: leave-request\ntitle: \"请假申请: \\\"leave\\\"\"\n\"on\": \"yes\"\nafter: 24h\nversion: 1\nlist: [a_b, \"A b\", true]\n";
        assert_eq!(to_yaml(&value), expected);
    }

    #[test]
    fn short_mappings_are_written_inline_and_long_ones_as_blocks() {
        let long = "x".repeat(120);
        let value = json!({
            "states": {
                "review": { "title": "Review", "actions": { "ok": { "by": ["clerk"], "to": "done" } } },
                "done": { "end": "done" },
                "wide": { "title": long },
            },
            "choice": [{ "when": "a > 1", "to": "b" }, { "nested": { "k": "v" } }],
        });
        let expected = format!(
            "states:\n  review:\n    title: \"Review\"\n    actions:\n      ok: {{ by: [clerk], to: done }}\n  done: {{ end: done }}\n  wide:\n    title: {long}\nchoice:\n  - {{ when: \"a > 1\", to: b }}\n  - nested: {{ k: v }}\n"
        );
        assert_eq!(to_yaml(&value), expected);
    }
}
