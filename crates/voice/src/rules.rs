//! A queue's [`SipRule`]s applied to a new caller: skills and priority from the caller
//! ID or chosen SIP headers, without sockets (the edge passes a header lookup).
//!
//! Headers and the From are whatever the sender wrote, so they count only for callers
//! from trusted trunks (which set or vet them); for anyone else only rules with no
//! condition at all apply — a stranger cannot buy priority with `X-Customer-Tier: gold`
//! or a VIP caller-ID prefix.

use switchyard_core::config::SipRule;
use switchyard_core::skill::SkillReq;

/// The skills (each once, in rule order) and the summed priority of every rule that
/// matches `caller_id` or a value of its header (`header(name)` gives all values).
/// Untrusted callers (`trusted` false) match only rules without header or condition.
pub fn classify(
    rules: &[SipRule],
    caller_id: &str,
    trusted: bool,
    header: impl Fn(&str) -> Vec<String>,
) -> (Vec<SkillReq>, i32) {
    let mut skills: Vec<SkillReq> = Vec::new();
    let mut priority = 0i32;
    for r in rules {
        let unconditional = r.header.is_none() && r.equals.is_none() && r.prefix.is_none();
        let hit = match &r.header {
            _ if !trusted => unconditional,
            None => r.matches(caller_id),
            Some(name) => header(name).iter().any(|v| r.matches(v)),
        };
        if !hit {
            continue;
        }
        priority = priority.saturating_add(r.priority);
        for s in &r.skills {
            if !skills.contains(s) {
                skills.push(s.clone());
            }
        }
    }
    (skills, priority)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: &str) -> Vec<String> {
        match name.to_ascii_lowercase().as_str() {
            "x-customer-tier" => vec!["gold".into()],
            "x-lang" => vec!["de-AT".into()],
            _ => Vec::new(),
        }
    }

    fn rule(header: Option<&str>, equals: Option<&str>, prefix: Option<&str>) -> SipRule {
        SipRule {
            header: header.map(Into::into),
            equals: equals.map(Into::into),
            prefix: prefix.map(Into::into),
            ..SipRule::default()
        }
    }

    #[test]
    fn header_exact_value_sets_priority() {
        let gold = SipRule {
            priority: 10,
            ..rule(Some("X-Customer-Tier"), Some("gold"), None)
        };
        let silver = SipRule {
            priority: 5,
            ..rule(Some("X-Customer-Tier"), Some("silver"), None)
        };
        let rules = [gold, silver];
        assert_eq!(classify(&rules, "100", true, headers), (vec![], 10));
        assert_eq!(classify(&rules, "100", true, |_| Vec::new()), (vec![], 0));
    }

    #[test]
    fn caller_id_and_header_prefixes_add_skills_once_and_sum_priorities() {
        let de = SkillReq::any("german");
        let vip = SkillReq::any("vip");
        let rules = [
            SipRule {
                skills: vec![vip.clone()],
                priority: 3,
                ..rule(None, None, Some("+4930"))
            },
            SipRule {
                skills: vec![de.clone(), vip.clone()],
                priority: 2,
                ..rule(Some("x-lang"), None, Some("de"))
            },
            SipRule {
                skills: vec![SkillReq::any("french")],
                ..rule(Some("x-lang"), None, Some("fr"))
            },
        ];
        assert_eq!(
            classify(&rules, "+49301234", true, headers),
            (vec![vip.clone(), de.clone()], 5)
        );
        assert_eq!(classify(&rules, "+4989", true, headers), (vec![de, vip], 2));
    }

    #[test]
    fn missing_header_never_matches_and_no_rules_change_nothing() {
        let any = rule(Some("X-Absent"), None, None);
        assert_eq!(classify(&[any], "1", true, headers), (vec![], 0));
        assert_eq!(classify(&[], "1", true, headers), (vec![], 0));
        // No condition on the caller ID: every caller.
        let all = SipRule {
            priority: 1,
            ..rule(None, None, None)
        };
        assert_eq!(classify(&[all], "", true, headers), (vec![], 1));
    }

    #[test]
    fn untrusted_callers_get_only_unconditional_rules() {
        let gold = SipRule {
            priority: 10,
            skills: vec![SkillReq::any("vip")],
            ..rule(Some("X-Customer-Tier"), Some("gold"), None)
        };
        let vip_prefix = SipRule {
            priority: 7,
            ..rule(None, None, Some("+4930"))
        };
        let everyone = SipRule {
            priority: 1,
            skills: vec![SkillReq::any("general")],
            ..rule(None, None, None)
        };
        let rules = [gold, vip_prefix, everyone];
        assert_eq!(
            classify(&rules, "+49301234", true, headers),
            (vec![SkillReq::any("vip"), SkillReq::any("general")], 18)
        );
        assert_eq!(
            classify(&rules, "+49301234", false, headers),
            (vec![SkillReq::any("general")], 1),
            "the same INVITE from an untrusted source"
        );
    }
}
