//! Who may see and change what. Tokens (hashed in `tokens`), three roles
//! (`role`, pure), the running server's cache of them with revocation and
//! per-token limits (`gate`), samod's share policy (`policy`), and the
//! refusals they send (`refusal`; `http::Failure` gives each its status).
//! docs/SECURITY.md is the user-facing account of all this.

pub mod gate;
pub mod policy;
pub mod rate;
pub mod refusal;
pub mod role;
pub mod tokens;

pub use gate::{Gate, SessionGuard};
pub use policy::DocTownships;
pub use rate::Bucket;
pub use refusal::Refusal;
pub use role::{Access, Role};
pub use tokens::TokenRow;
