//! Counters the engine keeps on every instance — how often each state was entered and each action
//! taken — and the guard functions that read them (`visits`, `taken`). Events alone change them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::expr::{CelType, FunctionSig};

/// How many times a state was entered: `visits("under_review")`.
pub const VISITS: &str = "visits";
/// How many times an action was taken: `taken("under_review", "return_to_store")`.
pub const TAKEN: &str = "taken";

/// The counter functions, for the type checker. Their arguments name states and actions of the
/// workflow literally, so that the validator can check them.
#[must_use]
pub fn count_functions() -> Vec<FunctionSig> {
    vec![
        FunctionSig { name: VISITS, args: vec![CelType::String], result: CelType::Int },
        FunctionSig { name: TAKEN, args: vec![CelType::String, CelType::String], result: CelType::Int },
    ]
}

/// The counters of one instance, by state name and by `state.action`. A withdrawn action (撤回)
/// counts neither its action nor the states it led to: the withdrawal sets them back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// State name → how many times it was entered (made active by an arc, a return or a start).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub entered: BTreeMap<String, i64>,
    /// `state.action` → how many times that action was taken (by a person or by a deadline).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub taken: BTreeMap<String, i64>,
}

impl Counts {
    /// Whether nothing was counted yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entered.is_empty() && self.taken.is_empty()
    }

    /// How many times `state` was entered.
    #[must_use]
    pub fn visits(&self, state: &str) -> i64 {
        self.entered.get(state).copied().unwrap_or(0)
    }

    /// How many times `action` of `state` was taken.
    #[must_use]
    pub fn taken(&self, state: &str, action: &str) -> i64 {
        self.taken.get(&key(state, action)).copied().unwrap_or(0)
    }

    // A step enters and takes names it usually has counted before, so look before allocating a key.
    pub(crate) fn enter(&mut self, state: &str) {
        match self.entered.get_mut(state) {
            Some(n) => *n += 1,
            None => {
                self.entered.insert(state.to_owned(), 1);
            }
        }
    }

    pub(crate) fn take(&mut self, state: &str, action: &str) {
        *self.taken.entry(key(state, action)).or_default() += 1;
    }
}

fn key(state: &str, action: &str) -> String {
    format!("{state}.{action}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_start_at_zero_and_add_up_per_name() {
        let mut c = Counts::default();
        assert_eq!((c.visits("review"), c.taken("review", "return")), (0, 0));
        c.enter("review");
        c.enter("review");
        c.take("review", "return");
        assert_eq!((c.visits("review"), c.taken("review", "return"), c.taken("review", "approve")), (2, 1, 0));
    }
}
