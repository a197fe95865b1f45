//! Who may see and change what. Tokens (hashed in `tokens`), three roles
//! (`role`, pure), the running server's cache of them with revocation and
//! per-token limits (`gate`), the `/api` extractor (`caller`), samod's
//! share policy (`policy`), and the refusals they send (`refusal`).
//! docs/SECURITY.md is the user-facing account of all this.

pub mod caller;
pub mod gate;
pub mod policy;
pub mod rate;
pub mod refusal;
pub mod role;
pub mod tokens;

pub use caller::{Caller, presented_token};
pub use gate::{Gate, SessionGuard};
pub use policy::DocTownships;
pub use rate::Bucket;
pub use refusal::Refusal;
pub use role::{Access, Role};
pub use tokens::TokenRow;
