//! The rules engine: which unit must have which organization, and how the
//! county's formation and staffing rates stand against its targets.
//!
//! Pure functions over the typed schema, with "as of" a parameter, so the
//! server's reports, a township device and the tests compute the same
//! figures. The only IO is [`Rules::load`] reading the county's file.
//!
//! - `config` — [`Rules`]: every threshold and target of DOMAIN.md, seed
//!   values as defaults;
//! - `load` — reading the TOML file, errors naming key and line;
//! - `requirement` — [`requirements`] of one unit;
//! - `coverage` — [`coverage`] rates over units, [`sum_rates`] to add up
//!   townships;
//! - `as_of` — a unit and its organizations as they stood on a day;
//! - `exec_links` — [`exec_link_figures`]: executives' links and visits
//!   against the visit rule.

mod as_of;
mod config;
mod coverage;
mod error;
mod exec_links;
mod federation_chair;
mod limits;
mod load;
mod located;
mod required_org;
mod requirement;
mod rule_id;
mod target_id;

#[cfg(test)]
mod fixture;

pub use as_of::{FormedOn, counts_on};
pub use config::{NominationQuotas, Percent, Rules, Targets, Thresholds, VisitRule};
pub use coverage::{Rate, coverage, sum_rates};
pub use error::RulesError;
pub use exec_links::{
    ExecLinkFigures, ExecutiveFigure, LinkFigure, LinkIn, UnitIn, Unlinked, VisitIn,
    exec_link_figures, has_committee,
};
pub use federation_chair::federation_chair;
pub use required_org::RequiredOrg;
pub use requirement::{Requirement, requirements};
pub use rule_id::RuleId;
pub use target_id::TargetId;
