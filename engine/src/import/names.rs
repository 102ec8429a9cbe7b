//! Turning element ids of other formats into liucheng ids: `snake_case` for states, roles,
//! fields and actions, `kebab-case` for workflows, unique within their kind and at most 64 long.

use std::collections::HashSet;

/// The longest id the language accepts.
const MAX_ID: usize = 64;

/// Words split at case changes and at anything that is not a letter or digit, lower-cased and
/// joined by `_`; ids start with a letter, so others get `fallback` and `_` in front.
/// Non-ASCII letters (e.g. Chinese names) are dropped, hence the fallback.
pub(crate) fn snake(text: &str, fallback: &str) -> String {
    join_words(text, '_', fallback)
}

/// Like [`snake`], joined by `-`, for workflow ids.
pub(crate) fn kebab(text: &str, fallback: &str) -> String {
    join_words(text, '-', fallback)
}

/// Latin letters with accents as their plain letters (`klären` → `klaren`), so that ids keep
/// the words; other scripts have no such spelling and are dropped.
fn plain_letters(c: char) -> &'static str {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => "a",
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "A",
        'ç' => "c",
        'Ç' => "C",
        'è' | 'é' | 'ê' | 'ë' => "e",
        'È' | 'É' | 'Ê' | 'Ë' => "E",
        'ì' | 'í' | 'î' | 'ï' => "i",
        'Ì' | 'Í' | 'Î' | 'Ï' => "I",
        'ñ' => "n",
        'Ñ' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => "o",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "O",
        'ù' | 'ú' | 'û' | 'ü' => "u",
        'Ù' | 'Ú' | 'Û' | 'Ü' => "U",
        'ý' | 'ÿ' => "y",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        _ => "",
    }
}

fn join_words(text: &str, separator: char, fallback: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    for c in text.chars() {
        match plain_letters(c) {
            "" => plain.push(c),
            letters => plain.push_str(letters),
        }
    }
    let mut out = String::new();
    let mut previous: Option<char> = None;
    let mut pending_separator = false;
    for c in plain.chars() {
        if c.is_ascii_alphanumeric() {
            // `callToTask` → `call_to_task`; `HTTPServer` stays one word until the lower case.
            let boundary =
                c.is_ascii_uppercase() && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit());
            if (pending_separator || boundary) && !out.is_empty() {
                out.push(separator);
            }
            pending_separator = false;
            out.push(c.to_ascii_lowercase());
        } else {
            pending_separator = true;
        }
        previous = Some(c);
    }
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out = if out.is_empty() { fallback.to_owned() } else { format!("{fallback}{separator}{out}") };
    }
    out
}

/// Hands out unique ids of one kind (the states of a workflow, the actions of a state, …).
#[derive(Debug, Default)]
pub(crate) struct Ids {
    used: HashSet<String>,
}

impl Ids {
    /// `wanted` if it is free, else `wanted_2`, `wanted_3`, …; cut to fit the length limit.
    pub(crate) fn claim(&mut self, wanted: &str) -> String {
        self.claim_with(wanted, '_')
    }

    pub(crate) fn claim_with(&mut self, wanted: &str, separator: char) -> String {
        let base = cut(wanted, MAX_ID, separator);
        if self.used.insert(base.clone()) {
            return base;
        }
        let mut n: u64 = 2;
        loop {
            let suffix = format!("{separator}{n}");
            let candidate = format!("{}{suffix}", cut(wanted, MAX_ID - suffix.len(), separator));
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

/// At most `max` bytes (ids are ASCII here), without a trailing separator.
fn cut(id: &str, max: usize, separator: char) -> String {
    let mut cut: String = id.chars().take(max).collect();
    while cut.ends_with(separator) {
        cut.pop();
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_split_at_case_changes_and_punctuation() {
        assert_eq!(
            snake("callToTask.s00000887.inputCriterion.s00000858.used", "x"),
            "call_to_task_s00000887_input_criterion_s00000858_used"
        );
        assert_eq!(snake("process.s00000029##s00001148", "x"), "process_s00000029_s00001148");
        assert_eq!(snake("Task_1ab", "x"), "task_1ab");
        assert_eq!(kebab("A.s00000021__s00000698", "w"), "a-s00000021-s00000698");
        assert_eq!(kebab("Invoice Handling (OMG)", "w"), "invoice-handling-omg");
    }

    #[test]
    fn ids_that_do_not_start_with_a_letter_get_the_fallback() {
        assert_eq!(snake("_6-61", "state"), "state_6_61");
        assert_eq!(snake("审批", "state"), "state");
        assert_eq!(snake("Rechnung klären", "state"), "rechnung_klaren");
        assert_eq!(kebab("1.0", "process"), "process-1-0");
    }

    #[test]
    fn claimed_ids_are_unique_and_short_enough() {
        let mut ids = Ids::default();
        assert_eq!(ids.claim("review"), "review");
        assert_eq!(ids.claim("review"), "review_2");
        let long = "a".repeat(70);
        let first = ids.claim(&long);
        let second = ids.claim(&long);
        assert_eq!(first.len(), 64);
        assert_eq!(second, format!("{}_2", "a".repeat(62)));
    }
}
