//! Tamper evidence: every event's hash covers its content, the previous event's hash and the
//! definition's hash, so editing, deleting, reordering or inserting a row breaks the chain.

use sha2::{Digest, Sha256};

use crate::store::EventRow;

/// The `prev_hash` of an instance's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 of `bytes`, as lower-case hex.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

/// The hash of an event row: SHA-256 over `prev_hash`, a newline, the definition's hash, a
/// newline, and the compact JSON array of the row's content columns in table order
/// (`[instance_id, seq, at, actor, role, kind, state, action, from_states, to_states, changes,
/// comment, payload]`, absent values as `null`).
#[must_use]
pub fn event_hash(row: &EventRow, definition_hash: &str) -> String {
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
    let text = format!("{}\n{}\n{}", row.prev_hash, definition_hash, content);
    sha256_hex(text.as_bytes())
}
