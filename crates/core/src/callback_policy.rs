//! Which numbers a tenant's callbacks may dial (toll-fraud protection), and the
//! sliding-window counter behind the callback rate limits. Pure: no I/O, time injected.
//!
//! A number is normalised first (spaces, dashes, dots and brackets dropped; `+CC…` and
//! `00CC…` are international form; anything else is national, and with the tenant's
//! country calling code set its one leading trunk `0` is replaced by the code, so
//! `06 12 34 56 78` in France is `33612345678`). Then, in order:
//! - length: `min_digits..=max_digits` digits of the normalised number;
//! - international: a number outside the tenant's country (or any number in
//!   international form when no country is set) is refused unless `allow_international`;
//! - premium rate: numbers starting with a premium prefix (the tenant's list, or the
//!   built-in list of known national premium ranges plus the international premium-rate
//!   and satellite codes) are refused
//!   unless `allow_premium`;
//! - allow-list: when `allowed_prefixes` is not empty the number must start with one of
//!   them (`X` matches any digit; prefixes are normalised like numbers).

use crate::time::Time;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// A tenant's callback dialling policy. Every field has a safe default: national
/// numbers of 6 to 15 digits, no international, no premium rate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallbackPolicy {
    /// The tenant's country calling code, digits only (`"33"`, `"1"`); `None`: only
    /// national-form numbers are domestic.
    pub country_code: Option<String>,
    /// When not empty, numbers must start with one of these (`"+336"`, `"06"`,
    /// `"+331XXXX"`: `X` is any digit).
    pub allowed_prefixes: Vec<String>,
    /// Premium-rate prefixes; `None`: the built-in list for `country_code`.
    pub premium_prefixes: Option<Vec<String>>,
    /// Fewest digits accepted.
    pub min_digits: u32,
    /// Most digits accepted (E.164 allows 15).
    pub max_digits: u32,
    /// Dial numbers outside the tenant's country.
    pub allow_international: bool,
    /// Dial premium-rate numbers.
    pub allow_premium: bool,
}

impl Default for CallbackPolicy {
    fn default() -> Self {
        CallbackPolicy {
            country_code: None,
            allowed_prefixes: Vec::new(),
            premium_prefixes: None,
            min_digits: 6,
            max_digits: 15,
            allow_international: false,
            allow_premium: false,
        }
    }
}

/// Why a number was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not a phone number.
    Malformed,
    /// Fewer digits than `min_digits`.
    TooShort,
    /// More digits than `max_digits`.
    TooLong,
    /// Outside the tenant's country.
    International,
    /// A premium-rate number.
    Premium,
    /// Not in the allow-list.
    NotAllowed,
}

impl Refusal {
    /// A short label (metrics, logs).
    pub fn label(self) -> &'static str {
        match self {
            Refusal::Malformed => "malformed",
            Refusal::TooShort => "too_short",
            Refusal::TooLong => "too_long",
            Refusal::International => "international",
            Refusal::Premium => "premium",
            Refusal::NotAllowed => "not_allowed",
        }
    }

    /// What the customer (or API client) is told.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Malformed => "not a phone number",
            Refusal::TooShort => "too short to be a phone number we can call",
            Refusal::TooLong => "too long to be a phone number we can call",
            Refusal::International => "we cannot call numbers abroad",
            Refusal::Premium => "we cannot call premium-rate numbers",
            Refusal::NotAllowed => "we cannot call this number",
        }
    }
}

/// International premium-rate and satellite codes, refused wherever the tenant is.
const GLOBAL_PREMIUM: &[&str] = &["979", "881", "882", "883", "870", "878", "888"];

/// Premium-rate ranges of some countries (international form, no `+`): checked for
/// every number in international form, so premium numbers abroad stay refused when
/// international calls are allowed.
const NATIONAL_PREMIUM: &[&str] = &[
    "1900", "1976", // NANP
    "3381", "3382", "3389", "33118", // France
    "34803", "34806", "34807", "34905", "34118", // Spain
    "39892", "39895", "39899", "39144", "39166", // Italy
    "41900", "41901", "41906", // Switzerland
    "43900", "43930", "43939", // Austria
    "449", "4487", "44118", "4470", // United Kingdom
    "49900", "49137", "49118", "49180", // Germany
    "61190", // Australia
];

/// A number's digits; `true` when it was written in international form.
fn digits(raw: &str) -> Option<(String, bool)> {
    let raw = raw.trim();
    // A caller ID may be a URI: its user part is the number.
    let raw = match ["sip:", "sips:", "tel:"]
        .iter()
        .find_map(|p| raw.strip_prefix(p))
    {
        Some(uri) => uri.split(['@', ';']).next().unwrap_or(""),
        None => raw,
    };
    if raw.is_empty() || raw.len() > 40 {
        return None;
    }
    let (intl, rest) = match raw.strip_prefix('+') {
        Some(r) => (true, r),
        None => (false, raw),
    };
    let mut d = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' => d.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return None,
        }
    }
    if d.is_empty() {
        return None;
    }
    match d.strip_prefix("00") {
        Some(r) if !intl => Some((r.to_string(), true)),
        _ => Some((d, intl)),
    }
}

impl CallbackPolicy {
    fn cc(&self) -> Option<&str> {
        self.country_code
            .as_deref()
            .map(|c| c.trim_start_matches('+'))
            .filter(|c| !c.is_empty())
    }

    /// The number as compared: international digits when the country is known (or it
    /// was written so), else national digits; and whether it is international form.
    fn normalise(&self, raw: &str) -> Option<(String, bool)> {
        let (d, intl) = digits(raw)?;
        Some(match (intl, self.cc()) {
            (true, _) => (d, true),
            (false, Some(cc)) => {
                // NANP numbers carry no trunk 0; a leading 1 with 11 digits is the code.
                if cc == "1" && d.len() == 11 && d.starts_with('1') {
                    (d, true)
                } else {
                    let national = d.strip_prefix('0').unwrap_or(&d);
                    (format!("{cc}{national}"), true)
                }
            }
            (false, None) => (d, false),
        })
    }

    /// Checks a number and returns it normalised (`+CC…` when in international form,
    /// national digits otherwise), ready to dial.
    pub fn check(&self, raw: &str) -> Result<String, Refusal> {
        let (n, intl) = self.normalise(raw).ok_or(Refusal::Malformed)?;
        let len = n.len() as u32;
        if len < self.min_digits {
            return Err(Refusal::TooShort);
        }
        if len > self.max_digits {
            return Err(Refusal::TooLong);
        }
        let domestic = match self.cc() {
            Some(cc) => n.starts_with(cc),
            None => !intl,
        };
        if !domestic && !self.allow_international {
            return Err(Refusal::International);
        }
        if !self.allow_premium {
            let listed = match &self.premium_prefixes {
                Some(list) => list.iter().any(|p| self.matches(&n, p)),
                None => {
                    intl && NATIONAL_PREMIUM
                        .iter()
                        .chain(GLOBAL_PREMIUM)
                        .any(|p| n.starts_with(p))
                }
            };
            if listed {
                return Err(Refusal::Premium);
            }
        }
        if !self.allowed_prefixes.is_empty()
            && !self.allowed_prefixes.iter().any(|p| self.matches(&n, p))
        {
            return Err(Refusal::NotAllowed);
        }
        Ok(if intl { format!("+{n}") } else { n })
    }

    /// `n` starts with prefix `p` (normalised like a number; `X` is any digit).
    fn matches(&self, n: &str, p: &str) -> bool {
        let wild = p.replace(['X', 'x'], "5");
        let Some((norm, _)) = self.normalise(&wild) else {
            return false;
        };
        // Put the wildcards back at their places from the end of the pattern.
        let pat: Vec<char> = {
            let src: Vec<char> = p.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            let mut out: Vec<char> = norm.chars().collect();
            let k = src.len().min(out.len());
            for i in 1..=k {
                if matches!(src[src.len() - i], 'X' | 'x') {
                    let at = out.len() - i;
                    out[at] = 'X';
                }
            }
            out
        };
        n.len() >= pat.len() && n.chars().zip(&pat).all(|(c, p)| *p == 'X' || c == *p)
    }

    /// Checks the settings themselves (API and config input).
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if let Some(cc) = self.cc()
            && (cc.len() > 3 || !cc.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(("country_code", "1 to 3 digits, like \"33\" or \"1\""));
        }
        if self.min_digits == 0 || self.min_digits > self.max_digits || self.max_digits > 20 {
            return Err(("min_digits", "need 1 <= min_digits <= max_digits <= 20"));
        }
        let ok = |p: &String| {
            !p.is_empty()
                && p.len() <= 20
                && p.chars().enumerate().all(|(i, c)| {
                    c.is_ascii_digit() || matches!(c, 'X' | 'x' | ' ' | '-') || (i == 0 && c == '+')
                })
        };
        if !self.allowed_prefixes.iter().all(ok) || self.allowed_prefixes.len() > 100 {
            return Err(("allowed_prefixes", "up to 100 prefixes of digits, + and X"));
        }
        if let Some(p) = &self.premium_prefixes
            && (!p.iter().all(ok) || p.len() > 100)
        {
            return Err(("premium_prefixes", "up to 100 prefixes of digits, + and X"));
        }
        Ok(())
    }
}

/// At most `max` events per `window` for one key: a sliding window of timestamps.
#[derive(Clone, Debug, Default)]
pub struct Window {
    hits: VecDeque<Time>,
}

impl Window {
    /// Records a hit at `now` if fewer than `max` happened in the last `window_ms`;
    /// otherwise returns the milliseconds until one expires.
    pub fn hit(&mut self, now: Time, max: u32, window_ms: u64) -> Result<(), u64> {
        self.expire(now, window_ms);
        if self.hits.len() >= max as usize {
            let oldest = self.hits.front().copied().unwrap_or(now);
            return Err((oldest.as_millis() + window_ms).saturating_sub(now.as_millis()));
        }
        self.hits.push_back(now);
        Ok(())
    }

    /// Drops hits older than the window; `true` when none is left.
    pub fn expire(&mut self, now: Time, window_ms: u64) -> bool {
        while let Some(t) = self.hits.front() {
            if t.as_millis() + window_ms <= now.as_millis() {
                self.hits.pop_front();
            } else {
                break;
            }
        }
        self.hits.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fr() -> CallbackPolicy {
        CallbackPolicy {
            country_code: Some("33".into()),
            ..CallbackPolicy::default()
        }
    }

    #[test]
    fn national_numbers_pass_and_are_normalised() {
        assert_eq!(fr().check("06 12 34 56 78"), Ok("+33612345678".into()));
        assert_eq!(fr().check("+33 6 12 34 56 78"), Ok("+33612345678".into()));
        assert_eq!(
            fr().check("0033 (6) 12-34-56-78"),
            Ok("+33612345678".into())
        );
        let us = CallbackPolicy {
            country_code: Some("1".into()),
            ..CallbackPolicy::default()
        };
        assert_eq!(us.check("(555) 123-4567"), Ok("+15551234567".into()));
        assert_eq!(us.check("+1 555 123 4567"), Ok("+15551234567".into()));
        assert_eq!(us.check("1 555 123 4567"), Ok("+15551234567".into()));
        assert_eq!(us.check("sip:+15550907@10.0.0.1"), Ok("+15550907".into()));
        assert_eq!(
            us.check("tel:+1-555-0907;phone-context=x"),
            Ok("+15550907".into())
        );
        // No country set: national form only.
        assert_eq!(
            CallbackPolicy::default().check("0612345678"),
            Ok("0612345678".into())
        );
    }

    #[test]
    fn international_and_premium_are_denied_by_default() {
        assert_eq!(fr().check("+44 20 7946 0000"), Err(Refusal::International));
        assert_eq!(fr().check("0044 20 7946 0000"), Err(Refusal::International));
        assert_eq!(
            CallbackPolicy::default().check("+33612345678"),
            Err(Refusal::International)
        );
        assert_eq!(fr().check("08 99 12 34 56"), Err(Refusal::Premium));
        assert_eq!(fr().check("+33 8 99 12 34 56"), Err(Refusal::Premium));
        let abroad = CallbackPolicy {
            allow_international: true,
            ..fr()
        };
        assert_eq!(abroad.check("+44 20 7946 0000"), Ok("+442079460000".into()));
        // Premium abroad and satellite codes stay refused.
        assert_eq!(abroad.check("+44 909 879 0000"), Err(Refusal::Premium));
        assert_eq!(abroad.check("+881 6 1234 5678"), Err(Refusal::Premium));
        let premium_ok = CallbackPolicy {
            allow_premium: true,
            ..fr()
        };
        assert!(premium_ok.check("0899123456").is_ok());
        // Freephone is not premium.
        assert!(fr().check("0800 123 456").is_ok());
    }

    #[test]
    fn length_and_shape() {
        assert_eq!(fr().check("112"), Err(Refusal::TooShort));
        assert_eq!(fr().check("+33 1234567890123456"), Err(Refusal::TooLong));
        for bad in [
            "",
            "call me",
            "1+2345",
            "+",
            "06;12",
            "0612345678\n; INVITE",
        ] {
            assert_eq!(fr().check(bad), Err(Refusal::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn allow_list_with_wildcards() {
        let mobiles = CallbackPolicy {
            allowed_prefixes: vec!["06".into(), "+337".into()],
            ..fr()
        };
        assert!(mobiles.check("0612345678").is_ok());
        assert!(mobiles.check("+33 7 12 34 56 78").is_ok());
        assert_eq!(mobiles.check("0112345678"), Err(Refusal::NotAllowed));
        let paris = CallbackPolicy {
            allowed_prefixes: vec!["01X2".into()],
            ..fr()
        };
        assert!(paris.check("0152345678").is_ok());
        assert!(paris.check("0192345678").is_ok());
        assert!(paris.check("0112345678").is_ok(), "01 1 2: X matches the 1");
        assert_eq!(paris.check("0133345678"), Err(Refusal::NotAllowed));
        let own = CallbackPolicy {
            premium_prefixes: Some(vec!["+3361".into()]),
            ..fr()
        };
        assert_eq!(own.check("0612345678"), Err(Refusal::Premium));
        assert!(
            own.check("0899123456").is_ok(),
            "own list replaces the built-in"
        );
    }

    #[test]
    fn settings_are_validated() {
        assert!(fr().validate().is_ok());
        let bad = CallbackPolicy {
            country_code: Some("abc".into()),
            ..fr()
        };
        assert_eq!(bad.validate().unwrap_err().0, "country_code");
        let bad = CallbackPolicy {
            min_digits: 9,
            max_digits: 8,
            ..fr()
        };
        assert_eq!(bad.validate().unwrap_err().0, "min_digits");
        let bad = CallbackPolicy {
            allowed_prefixes: vec!["06;".into()],
            ..fr()
        };
        assert_eq!(bad.validate().unwrap_err().0, "allowed_prefixes");
    }

    #[test]
    fn the_window_limits_and_slides() {
        let mut w = Window::default();
        assert!(w.hit(Time(0), 2, 1000).is_ok());
        assert!(w.hit(Time(100), 2, 1000).is_ok());
        assert_eq!(w.hit(Time(500), 2, 1000), Err(500));
        assert!(w.hit(Time(1000), 2, 1000).is_ok(), "the first hit expired");
        assert!(!w.expire(Time(1099), 1000));
        assert!(w.expire(Time(2000), 1000));
    }
}
