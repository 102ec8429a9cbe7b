//! The workflow file as text: loading YAML safely, the raw structs it maps onto, and the
//! positions of its nodes for diagnostics.

mod de;
pub mod loader;
pub mod raw;
pub mod source_map;
