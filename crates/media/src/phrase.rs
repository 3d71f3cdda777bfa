//! What a waiting caller hears about their place in line, as a list of prompt names
//! from `sounds/manifest.toml` ("caller-number", "num-3", "estimated-wait", …).

use std::time::Duration;

/// Prompt names that say `n` ("num-1", "num-hundred", "num-20", "num-3" for 123).
pub fn number(n: u32) -> Vec<&'static str> {
    const SMALL: [&str; 20] = [
        "num-0", "num-1", "num-2", "num-3", "num-4", "num-5", "num-6", "num-7", "num-8", "num-9",
        "num-10", "num-11", "num-12", "num-13", "num-14", "num-15", "num-16", "num-17", "num-18",
        "num-19",
    ];
    const TENS: [&str; 10] = [
        "", "", "num-20", "num-30", "num-40", "num-50", "num-60", "num-70", "num-80", "num-90",
    ];
    fn below_thousand(n: u32, out: &mut Vec<&'static str>) {
        let (h, rest) = (n / 100, n % 100);
        if h > 0 {
            out.push(SMALL[h as usize]);
            out.push("num-hundred");
        }
        if rest == 0 {
            return;
        }
        if rest < 20 {
            out.push(SMALL[rest as usize]);
        } else {
            out.push(TENS[(rest / 10) as usize]);
            if rest % 10 != 0 {
                out.push(SMALL[(rest % 10) as usize]);
            }
        }
    }
    if n == 0 {
        return vec!["num-0"];
    }
    let mut out = Vec::new();
    let (thousands, rest) = (n / 1000, n % 1000);
    if thousands > 0 {
        below_thousand(thousands.min(999), &mut out);
        out.push("num-thousand");
    }
    below_thousand(rest, &mut out);
    out
}

/// "You are caller number N".
pub fn position(pos: u32) -> Vec<&'static str> {
    let mut out = vec!["caller-number"];
    out.extend(number(pos));
    out
}

/// "Your estimated wait is M minutes" (rounded up), "less than a minute", or, when
/// nobody can give an estimate, "all our agents are busy".
pub fn wait(estimate: Option<Duration>) -> Vec<&'static str> {
    match estimate {
        None => vec!["agents-busy"],
        Some(d) if d < Duration::from_secs(60) => vec!["estimated-wait", "less-than-a-minute"],
        Some(d) => {
            let minutes = d.as_secs().div_ceil(60) as u32;
            let mut out = vec!["estimated-wait"];
            out.extend(number(minutes));
            out.push(if minutes == 1 { "minute" } else { "minutes" });
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_english() {
        assert_eq!(number(0), vec!["num-0"]);
        assert_eq!(number(7), vec!["num-7"]);
        assert_eq!(number(13), vec!["num-13"]);
        assert_eq!(number(40), vec!["num-40"]);
        assert_eq!(number(42), vec!["num-40", "num-2"]);
        assert_eq!(number(100), vec!["num-1", "num-hundred"]);
        assert_eq!(number(305), vec!["num-3", "num-hundred", "num-5"]);
        assert_eq!(number(2019), vec!["num-2", "num-thousand", "num-19"]);
        assert_eq!(
            number(12_345),
            vec![
                "num-12",
                "num-thousand",
                "num-3",
                "num-hundred",
                "num-40",
                "num-5"
            ]
        );
    }

    #[test]
    fn position_and_wait_phrases() {
        assert_eq!(position(3), vec!["caller-number", "num-3"]);
        assert_eq!(wait(None), vec!["agents-busy"]);
        assert_eq!(
            wait(Some(Duration::from_secs(30))),
            vec!["estimated-wait", "less-than-a-minute"]
        );
        assert_eq!(
            wait(Some(Duration::from_secs(60))),
            vec!["estimated-wait", "num-1", "minute"]
        );
        assert_eq!(
            wait(Some(Duration::from_secs(61))),
            vec!["estimated-wait", "num-2", "minutes"]
        );
    }

    #[test]
    fn every_prompt_named_exists_in_the_manifest() {
        let manifest = include_str!("../../../sounds/manifest.toml");
        let mut names: Vec<&str> = (0..=2000).flat_map(number).collect();
        names.extend(position(1));
        names.extend(wait(None));
        names.extend(wait(Some(Duration::from_secs(10))));
        names.extend(wait(Some(Duration::from_secs(600))));
        names.sort_unstable();
        names.dedup();
        for n in names {
            assert!(
                manifest.contains(&format!("name = \"{n}\"")),
                "sounds/manifest.toml has no prompt {n}"
            );
        }
    }
}
