//! Running instances: the instance state, the events that change it, and `apply`, the pure
//! function from (definition, state, event) to the next state that both acting and replay use.

mod apply;
mod authorize;
mod booking;
pub(crate) use authorize::{check_duties, check_holder};
mod clock;
mod counts;
mod error;
mod eval;
mod event;
mod input;
mod instance;
mod operations;
mod query;
mod roles;
mod versions;

pub use apply::{apply, apply_owned, parent_link, replay, Applied, Effect};
pub use authorize::{
    available_actions, check_action, check_cancel, check_sign, check_start, Attempt, Offer, Signing, Taken,
};
pub use booking::{booking_of, check_booking, Booking, Held};
pub use clock::time_functions;
pub use counts::{count_functions, Counts, TAKEN, VISITS};
pub use error::RuntimeError;
pub use eval::{actor_value, authority_functions, data_to_cel};
pub use event::{Event, EventKind, SYSTEM};
pub(crate) use input::assigned;
pub use input::check_input;
pub use instance::{Alarm, Delegation, Instance, ParentLink, Signature, Slot, Status, Token, ADDED_SIGNER};
pub use operations::{
    check_add_signer, check_allowed, check_delegate, check_hand_back, check_holds, check_remove_signer, check_transfer,
    operation_name, plan_return, who_must_act,
};
pub use query::{
    is_query_function, period_start, query_functions, Query, Read, COUNT_INSTANCES, EXISTS_INSTANCE, QUERY_PERIODS,
    QUERY_STATUSES, SUM_INSTANCES,
};
pub use roles::{call_bindings, check_bindings, played, Binding, Bindings};
pub(crate) use versions::keep as versions_keep;
pub use versions::{previous, version, version_functions, Version, Versions, PREVIOUS, VERSION};
