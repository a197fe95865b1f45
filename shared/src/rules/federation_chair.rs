//! 乡镇专职妇联主席配备率: townships whose own 妇联 is formed and has a
//! full-time chair, over townships.
//!
//! The target is about the township's own women's federation
//! (`township_orgs.federation`), not any unit's: a community or village
//! whose women's organization is a 妇联 does not count. Each township is
//! one of the denominator, so a township reads 1/1 or 0/1 and the county
//! sums them (`sum_rates`).
//!
//! As of a day: the 妇联 must be formed on that day (its founding date, if
//! recorded, on or before it; without a date, the `formed` flag, as for
//! every organization, see [`FormedOn`]). Whether the chair is full-time
//! carries no date, so it is taken as recorded now.

use super::as_of::FormedOn;
use crate::schema::{Date, TownshipFederation, TownshipOrgs};

impl FormedOn for TownshipFederation {
    fn formed_on(&self, as_of: Date) -> bool {
        match self.established {
            Some(d) => d <= as_of,
            None => self.formed,
        }
    }
}

/// `(required, formed)` of one township: always one required, formed when
/// its own 妇联 stands on `as_of` with a chair recorded as full-time.
pub fn federation_chair(orgs: &TownshipOrgs, as_of: Date) -> (usize, usize) {
    let f = &orgs.federation;
    let met = f.formed_on(as_of) && f.chair_full_time == Some(true);
    (1, usize::from(met))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        s.parse().expect("date")
    }

    fn federation(
        formed: bool,
        established: Option<&str>,
        full_time: Option<bool>,
    ) -> TownshipOrgs {
        let mut o = TownshipOrgs::default();
        o.federation.formed = formed;
        o.federation.established = established.map(date);
        o.federation.chair_full_time = full_time;
        o
    }

    #[test]
    fn a_formed_federation_with_a_full_time_chair_is_one_of_one() {
        let o = federation(true, None, Some(true));
        assert_eq!(federation_chair(&o, date("2026-06-30")), (1, 1));
    }

    #[test]
    fn nothing_recorded_is_zero_of_one() {
        assert_eq!(
            federation_chair(&TownshipOrgs::default(), date("2026-06-30")),
            (1, 0)
        );
    }

    #[test]
    fn a_chair_not_full_time_or_not_recorded_does_not_count() {
        for full_time in [Some(false), None] {
            let o = federation(true, None, full_time);
            assert_eq!(
                federation_chair(&o, date("2026-06-30")),
                (1, 0),
                "{full_time:?}"
            );
        }
    }

    #[test]
    fn a_full_time_chair_without_a_formed_federation_does_not_count() {
        let o = federation(false, None, Some(true));
        assert_eq!(federation_chair(&o, date("2026-06-30")), (1, 0));
    }

    #[test]
    fn a_federation_founded_after_as_of_does_not_count_yet() {
        let o = federation(true, Some("2026-07-01"), Some(true));
        assert_eq!(federation_chair(&o, date("2026-06-30")), (1, 0));
        assert_eq!(federation_chair(&o, date("2026-07-01")), (1, 1));
        // A date alone marks it formed.
        let o = federation(false, Some("2020-03-08"), Some(true));
        assert_eq!(federation_chair(&o, date("2026-06-30")), (1, 1));
    }
}
