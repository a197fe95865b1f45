//! 推优 on the township handle: start a nomination, record its steps in order.

use qunjian_shared::edit;
use qunjian_shared::schema::{
    Date, Nomination, Person, RecommendingOrg, Record, Role, Step, Steps, TownshipDocument,
};
use qunjian_shared::validation::{Finding, FindingRule, entry_problems};

use crate::entry::{Force, refuse_unless_forced};
use crate::{ClientError, Township};

impl Township {
    /// Start a 推优: `organization` of `unit` recommends `person` in `year`.
    /// `direct` marks a recommendation by the upper organization, which
    /// starts at the upper review (league secretaries and women's directors
    /// and above). Refuses a person or unit that does not exist.
    pub fn nominate(
        &self,
        person: &str,
        organization: RecommendingOrg,
        unit: &str,
        year: u16,
        direct: bool,
    ) -> Result<String, ClientError> {
        let message = format!("推优: {}推荐 {person} ({year})", organization.label());
        self.transact_checked(&message, |tx| {
            Ok(edit::nominate(
                tx,
                person,
                organization,
                unit,
                year,
                direct,
            )?)
        })
    }

    /// [`nominate`](Self::nominate) the way a form does it: refused with
    /// each problem at its field (`person`, `unit`, `direct`) unless
    /// `force` — a person or unit that does not exist, or a `direct`
    /// nomination of someone whose roles do not allow one
    /// (`direct_problems`). The check runs inside the edit's transaction.
    #[allow(clippy::too_many_arguments)]
    pub fn nominate_checked(
        &self,
        person: &str,
        organization: RecommendingOrg,
        unit: &str,
        year: u16,
        direct: bool,
        today: Date,
        force: Force,
    ) -> Result<String, ClientError> {
        let message = format!("推优: {}推荐 {person} ({year})", organization.label());
        self.transact_checked(&message, |tx| {
            let (doc, unreadable) = TownshipDocument::hydrate(tx)?;
            let record = Nomination {
                person: person.to_string(),
                organization,
                unit: unit.to_string(),
                year,
                direct,
                steps: Steps::default(),
                archived: false,
            };
            let mut problems = entry_problems(&doc, &unreadable, None, &record, today);
            problems.extend(direct_problems(doc.people.get(person), direct));
            refuse_unless_forced(problems, force)?;
            Ok(edit::nominate(
                tx,
                person,
                organization,
                unit,
                year,
                direct,
            )?)
        })
    }

    /// Record one step of a nomination. Refuses a step whose predecessor is
    /// not recorded yet (unless `direct` skips it), naming the missing step.
    pub fn record_step(&self, nomination: &str, step: Step) -> Result<(), ClientError> {
        let message = format!("推优 {nomination}: 记录「{}」", step.name().label());
        self.transact_checked(&message, |tx| Ok(edit::record_step(tx, nomination, &step)?))
    }
}

/// Why `person` (`None` when there is no such person, which the
/// reference check reports) cannot be nominated directly: only
/// the upper organization recommends directly, and only people holding a
/// role that [`Role::allows_direct_nomination`]. Empty when `direct` is
/// false or a role allows it.
pub(crate) fn direct_problems(person: Option<&Person>, direct: bool) -> Vec<Finding> {
    let Some(p) = person.filter(|_| direct) else {
        return Vec::new();
    };
    if p.roles.0.iter().any(|r| r.allows_direct_nomination()) {
        return Vec::new();
    }
    let allowed: Vec<&str> = Role::ALL
        .iter()
        .filter(|r| r.allows_direct_nomination())
        .map(|r| r.label())
        .collect();
    vec![Finding::new(
        Nomination::MAP,
        qunjian_shared::validation::entry::NEW_RECORD_ID,
        "direct",
        FindingRule::ConflictingFields,
        format!(
            "{}没有可由上级组织直接推荐的职务（{}），请选逐级推荐，或先在人员信息中填写其职务",
            p.name,
            allowed.join("、")
        ),
        format!(
            "{} holds no role the upper organization may recommend directly; nominate step by step",
            p.name
        ),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_role_that_allows_it_is_nominated_directly() {
        let mut p = Person::new("王芳");
        p.roles.0.insert(Role::UnionChair);
        let refused = direct_problems(Some(&p), true);
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].field, "direct");
        assert!(
            refused[0].message_zh.contains("王芳") && refused[0].message_zh.contains("团组织书记"),
            "{}",
            refused[0].message_zh
        );
        // Step by step is open to everyone.
        assert_eq!(direct_problems(Some(&p), false), vec![]);
        p.roles.0.insert(Role::WomensDirector);
        assert_eq!(direct_problems(Some(&p), true), vec![]);
        // No such person: the reference check says so, not this one.
        assert_eq!(direct_problems(None, true), vec![]);
    }
}
