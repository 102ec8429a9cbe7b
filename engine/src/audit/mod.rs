//! Tamper evidence: every event's hash covers its content, the previous event's hash and the
//! definition's hash, so editing, deleting, reordering or inserting a row breaks the chain.

use sha2::{Digest, Sha256};

use crate::store::EventRow;

/// The `prev_hash` of an instance's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 of `bytes`, as lower-case hex.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    String::from_utf8(hex(&Sha256::digest(bytes)).to_vec()).expect("hex digits are ASCII")
}

/// The hash of an event row: SHA-256 over `prev_hash`, a newline, the definition's hash, a
/// newline, and the compact JSON array of the row's content columns in table order
/// (`[instance_id, seq, at, actor, role, kind, state, action, from_states, to_states, changes,
/// comment, payload]`, absent values as `null`).
#[must_use]
pub fn event_hash(row: &EventRow, definition_hash: &str) -> String {
    let hex = EventHasher::default().hash(row, definition_hash);
    String::from_utf8(hex.to_vec()).expect("hex digits are ASCII")
}

/// Computes event hashes with one reusable buffer, so checking a long chain allocates nothing
/// per event.
#[derive(Debug, Default)]
pub struct EventHasher {
    text: Vec<u8>,
}

impl EventHasher {
    /// The hash of `row`, as the 64 lower-case hex digits `event_hash` gives.
    pub fn hash(&mut self, row: &EventRow, definition_hash: &str) -> [u8; 64] {
        let text = &mut self.text;
        text.clear();
        text.extend_from_slice(row.prev_hash.as_bytes());
        text.push(b'\n');
        text.extend_from_slice(definition_hash.as_bytes());
        text.push(b'\n');
        // The same bytes as serde_json's compact rendering of the array of columns.
        let columns: [&dyn erased::Json; 13] = [
            &row.instance_id,
            &row.seq,
            &row.at,
            &row.actor,
            &row.role,
            &row.kind,
            &row.state,
            &row.action,
            &row.from_states,
            &row.to_states,
            &row.changes,
            &row.comment,
            &row.payload,
        ];
        text.push(b'[');
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                text.push(b',');
            }
            column.write_json(text);
        }
        text.push(b']');
        hex(&Sha256::digest(&self.text))
    }

    /// Whether `row.hash` is the hash of `row`.
    pub fn matches(&mut self, row: &EventRow, definition_hash: &str) -> bool {
        self.hash(row, definition_hash) == row.hash.as_bytes()
    }
}

fn hex(digest: &[u8]) -> [u8; 64] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (i, b) in digest.iter().enumerate() {
        out[2 * i] = HEX[usize::from(b >> 4)];
        out[2 * i + 1] = HEX[usize::from(b & 0x0f)];
    }
    out
}

/// Columns written as JSON without building a `serde_json::Value`.
mod erased {
    pub(super) trait Json {
        fn write_json(&self, out: &mut Vec<u8>);
    }

    impl Json for i64 {
        fn write_json(&self, out: &mut Vec<u8>) {
            serde_json::to_writer(out, self).expect("writing to memory cannot fail");
        }
    }

    impl Json for String {
        fn write_json(&self, out: &mut Vec<u8>) {
            write_str(out, self);
        }
    }

    impl Json for Option<String> {
        fn write_json(&self, out: &mut Vec<u8>) {
            match self {
                Some(s) => write_str(out, s),
                None => out.extend_from_slice(b"null"),
            }
        }
    }

    /// A JSON string as serde_json writes it: `"` and `\` escaped with a backslash, the control
    /// characters `\b \f \n \r \t` by their short escapes and the others as `\u00xx`, all else
    /// as it is. Runs without escapes are copied whole, which is most of every column.
    fn write_str(out: &mut Vec<u8>, s: &str) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let bytes = s.as_bytes();
        out.reserve(bytes.len() + 2);
        out.push(b'"');
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let short = match b {
                b'"' => b'"',
                b'\\' => b'\\',
                0x08 => b'b',
                0x0c => b'f',
                b'\n' => b'n',
                b'\r' => b'r',
                b'\t' => b't',
                0..0x20 => b'u',
                _ => continue,
            };
            out.extend_from_slice(&bytes[start..i]);
            out.push(b'\\');
            out.push(short);
            if short == b'u' {
                out.extend_from_slice(&[b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0x0f)]]);
            }
            start = i + 1;
        }
        out.extend_from_slice(&bytes[start..]);
        out.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition of the hash, written the plain way.
    fn reference(row: &EventRow, definition_hash: &str) -> String {
        let content = serde_json::json!([
            row.instance_id,
            row.seq,
            row.at,
            row.actor,
            row.role,
            row.kind,
            row.state,
            row.action,
            row.from_states,
            row.to_states,
            row.changes,
            row.comment,
            row.payload,
        ]);
        sha256_hex(format!("{}\n{}\n{}", row.prev_hash, definition_hash, content).as_bytes())
    }

    #[test]
    fn the_streamed_hash_is_the_hash_of_the_json_array() {
        let mut row = EventRow {
            instance_id: 12,
            seq: -3,
            at: "2026-11-30T09:00:00+08:00".into(),
            actor: "zhang_san".into(),
            role: Some("employee".into()),
            kind: "acted".into(),
            state: None,
            action: Some("approve".into()),
            from_states: "a,b".into(),
            to_states: String::new(),
            changes: r#"{"reason":[null,"探亲 \"home\""]}"#.into(),
            comment: Some("line\nbreak\ttab \u{1} \\ / \u{2028} 同意".into()),
            payload: "{}".into(),
            prev_hash: GENESIS.into(),
            hash: String::new(),
        };
        assert_eq!(event_hash(&row, "d"), reference(&row, "d"));
        row.role = None;
        row.comment = None;
        row.instance_id = i64::MAX;
        assert_eq!(event_hash(&row, "d"), reference(&row, "d"));
        // Every ASCII character, alone and among others.
        for c in (0u8..0x80).map(char::from) {
            row.comment = Some(format!("{c}"));
            row.actor = format!("a{c}b{c}{c}中");
            assert_eq!(event_hash(&row, "d"), reference(&row, "d"), "{c:?}");
        }
        row.hash = event_hash(&row, "d");
        assert!(EventHasher::default().matches(&row, "d"));
        assert!(!EventHasher::default().matches(&row, "e"));
    }
}
