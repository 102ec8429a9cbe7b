//! The validated model of a workflow and the value types it is built from.
//! Built only by `crate::resolve`; trusted by everything after validation.

pub mod expr;
pub mod params;
pub mod schedule;
pub mod shift;
pub mod value;
pub mod workflow;
