//! Running instances: the instance state, the events that change it, and `apply`, the pure
//! function from (definition, state, event) to the next state that both acting and replay use.

mod apply;
mod authorize;
mod error;
mod eval;
mod event;
mod input;
mod instance;

pub use apply::{apply, apply_owned, parent_link, replay, Applied, Effect};
pub use authorize::{available_actions, check_action, check_cancel, check_sign, check_start, Attempt, Offer};
pub use error::RuntimeError;
pub use eval::{actor_value, authority_functions, data_to_cel};
pub use event::{Event, EventKind, SYSTEM};
pub use input::check_input;
pub use instance::{Instance, ParentLink, Signature, Status, Token};
