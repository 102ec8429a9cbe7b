//! liucheng's engine: workflow definitions (syntax → resolved model), their validation and
//! analysis, and diagrams. It knows nothing of terminals; the CLI renders what it returns.

pub mod analysis;
pub mod audit;
pub mod diagnostic;
pub mod import;
pub mod model;
pub mod org;
pub mod render;
pub mod resolve;
pub mod runtime;
pub mod scenario;
pub mod schema;
pub mod service;
pub mod store;
pub mod syntax;
#[doc(hidden)]
pub mod testing;
pub mod validate;

pub use diagnostic::{Diagnostic, Problem, Severity};
pub use model::workflow::Workflow;
pub use validate::{validate, validate_one, Checked, SourceFile};
