//! Skill interning and qualification. Names are interned to small integers once, at
//! config or join time, so a qualification check is a merge of two short sorted lists.

use std::collections::HashMap;
use std::sync::Arc;
use switchyard_core::config::AgentSkill;
use switchyard_core::{Skill, SkillLevel, SkillReq};

/// An interned skill.
pub(crate) type SkillId = u32;

/// A sorted, de-duplicated set of requirements `(skill, min_level)`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Reqs(pub(crate) Arc<[(SkillId, SkillLevel)]>);

/// An agent's skills `(skill, level)`, sorted by skill.
#[derive(Clone, Debug, Default)]
pub(crate) struct Has(Vec<(SkillId, SkillLevel)>);

#[derive(Debug, Default)]
pub(crate) struct SkillTable {
    ids: HashMap<Skill, SkillId>,
}

impl SkillTable {
    pub(crate) fn intern(&mut self, s: &Skill) -> SkillId {
        let next = self.ids.len() as SkillId;
        *self.ids.entry(s.clone()).or_insert(next)
    }

    /// Looks a skill up without interning (an unknown skill cannot be dropped).
    pub(crate) fn get(&self, s: &Skill) -> Option<SkillId> {
        self.ids.get(s).copied()
    }

    pub(crate) fn reqs<'a>(
        &mut self,
        reqs: impl IntoIterator<Item = &'a SkillReq>,
    ) -> Vec<(SkillId, SkillLevel)> {
        reqs.into_iter()
            .map(|r| (self.intern(&r.skill), r.min_level))
            .collect()
    }

    pub(crate) fn has(&mut self, skills: &[AgentSkill]) -> Has {
        let mut v: Vec<_> = skills
            .iter()
            .map(|s| (self.intern(&s.skill), s.level))
            .collect();
        v.sort_unstable();
        v.dedup_by(|a, b| a.0 == b.0); // keep the first (lowest) level of duplicates
        Has(v)
    }
}

impl Reqs {
    /// Builds a set from parts, keeping the highest minimum of duplicates and leaving out
    /// `dropped` skills.
    pub(crate) fn build(
        parts: impl IntoIterator<Item = (SkillId, SkillLevel)>,
        dropped: &[SkillId],
    ) -> Reqs {
        let mut v: Vec<_> = parts
            .into_iter()
            .filter(|(s, _)| !dropped.contains(s))
            .collect();
        v.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        v.dedup_by(|a, b| a.0 == b.0);
        Reqs(v.into())
    }
}

impl Has {
    /// Whether these skills meet every requirement.
    pub(crate) fn meets(&self, reqs: &Reqs) -> bool {
        let mut it = self.0.iter();
        'req: for &(skill, min) in reqs.0.iter() {
            for &(have, level) in it.by_ref() {
                if have == skill {
                    if level < min {
                        return false;
                    }
                    continue 'req;
                }
                if have > skill {
                    return false;
                }
            }
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> (SkillTable, Has) {
        let mut t = SkillTable::default();
        let has = t.has(&[
            AgentSkill {
                skill: "lang:fr".into(),
                level: 7,
            },
            AgentSkill {
                skill: "billing".into(),
                level: 3,
            },
        ]);
        (t, has)
    }

    #[test]
    fn needs_all_skills() {
        let (mut t, has) = table();
        let fr = t.intern(&"lang:fr".into());
        let billing = t.intern(&"billing".into());
        let de = t.intern(&"lang:de".into());
        assert!(has.meets(&Reqs::build([(fr, 0)], &[])));
        assert!(has.meets(&Reqs::build([(fr, 0), (billing, 0)], &[])));
        assert!(!has.meets(&Reqs::build([(fr, 0), (de, 0)], &[])));
        assert!(has.meets(&Reqs::default()));
    }

    #[test]
    fn minimum_levels_apply() {
        let (mut t, has) = table();
        let fr = t.intern(&"lang:fr".into());
        let billing = t.intern(&"billing".into());
        assert!(has.meets(&Reqs::build([(fr, 7)], &[])));
        assert!(!has.meets(&Reqs::build([(fr, 8)], &[])));
        // Duplicates keep the strictest minimum.
        assert!(!has.meets(&Reqs::build([(billing, 1), (billing, 5)], &[])));
    }

    #[test]
    fn dropped_skills_are_not_required() {
        let (mut t, has) = table();
        let de = t.intern(&"lang:de".into());
        assert!(has.meets(&Reqs::build([(de, 0)], &[de])));
    }
}
