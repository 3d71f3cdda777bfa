//! Skills: named attributes an agent has (with a proficiency level) and a queue or
//! interaction requires (optionally with a minimum level).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// A skill name, e.g. `lang:fr`, `product:billing`, `tier:2`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Skill(pub Arc<str>);

impl Skill {
    /// Makes a skill from its name.
    pub fn new(name: impl AsRef<str>) -> Self {
        Skill(Arc::from(name.as_ref()))
    }

    /// The skill's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Skill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Skill {
    fn from(s: &str) -> Self {
        Skill::new(s)
    }
}

/// A proficiency level, 1 (basic) ..= 10 (expert); 0 means "has it, level unspecified".
pub type SkillLevel = u8;

/// A requirement: the skill, at least at `min_level` (0 = any level).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SkillReq {
    /// The skill required.
    pub skill: Skill,
    /// The minimum proficiency; 0 accepts any level.
    #[serde(default)]
    pub min_level: SkillLevel,
}

impl SkillReq {
    /// A requirement for the skill at any level.
    pub fn any(skill: impl Into<Skill>) -> Self {
        SkillReq {
            skill: skill.into(),
            min_level: 0,
        }
    }

    /// A requirement for the skill at `min_level` or above.
    pub fn at_least(skill: impl Into<Skill>, min_level: SkillLevel) -> Self {
        SkillReq {
            skill: skill.into(),
            min_level,
        }
    }
}

impl From<&str> for SkillReq {
    fn from(s: &str) -> Self {
        SkillReq::any(s)
    }
}
