//! Opening hours: weekly hours in a time zone, with holidays.

use crate::time::Time;
use jiff::civil::{Date, Time as CivilTime, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// A day of the week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Day {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl Day {
    fn of(w: Weekday) -> Day {
        match w {
            Weekday::Monday => Day::Mon,
            Weekday::Tuesday => Day::Tue,
            Weekday::Wednesday => Day::Wed,
            Weekday::Thursday => Day::Thu,
            Weekday::Friday => Day::Fri,
            Weekday::Saturday => Day::Sat,
            Weekday::Sunday => Day::Sun,
        }
    }
}

/// Open from `open` to `close` (local "HH:MM", close exclusive) on the listed days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyHours {
    /// Days these hours apply to.
    pub days: Vec<Day>,
    /// Opening time, "HH:MM" local.
    pub open: String,
    /// Closing time, "HH:MM" local; "24:00" means end of day.
    pub close: String,
}

/// A date on which the queue is closed (or open only for the given hours).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    /// Local date, "YYYY-MM-DD".
    pub date: String,
    /// What it is ("Christmas Day").
    #[serde(default)]
    pub name: String,
}

/// A queue's opening hours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// IANA time zone name, e.g. "Europe/Paris".
    pub time_zone: String,
    /// Weekly opening hours; an empty list means closed every day.
    pub weekly: Vec<WeeklyHours>,
    /// Closed dates.
    #[serde(default)]
    pub holidays: Vec<Holiday>,
}

/// Why a schedule could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The time zone is not a known IANA name.
    #[error("unknown time zone {0:?}")]
    TimeZone(String),
    /// A time is not "HH:MM".
    #[error("invalid time of day {0:?} (expected HH:MM)")]
    TimeOfDay(String),
    /// A date is not "YYYY-MM-DD".
    #[error("invalid date {0:?} (expected YYYY-MM-DD)")]
    Date(String),
    /// Opening is not before closing.
    #[error("opening time {open} is not before closing time {close}")]
    Range {
        /// Opening time given.
        open: String,
        /// Closing time given.
        close: String,
    },
}

/// A schedule checked and ready for fast evaluation.
#[derive(Debug, Clone)]
pub struct CompiledSchedule {
    tz: TimeZone,
    // Per weekday (Mon=0), minute ranges [open, close).
    days: [Vec<(u16, u16)>; 7],
    holidays: Vec<Date>,
}

fn minutes(s: &str) -> Result<u16, ScheduleError> {
    let bad = || ScheduleError::TimeOfDay(s.to_string());
    if s == "24:00" {
        return Ok(24 * 60);
    }
    let t: CivilTime = s.parse().map_err(|_| bad())?;
    Ok(t.hour() as u16 * 60 + t.minute() as u16)
}

impl Schedule {
    /// Validates the schedule and prepares it for evaluation.
    pub fn compile(&self) -> Result<CompiledSchedule, ScheduleError> {
        let tz = jiff::tz::db()
            .get(&self.time_zone)
            .map_err(|_| ScheduleError::TimeZone(self.time_zone.clone()))?;
        let mut days: [Vec<(u16, u16)>; 7] = Default::default();
        for w in &self.weekly {
            let (open, close) = (minutes(&w.open)?, minutes(&w.close)?);
            if open >= close {
                return Err(ScheduleError::Range {
                    open: w.open.clone(),
                    close: w.close.clone(),
                });
            }
            for d in &w.days {
                days[*d as usize].push((open, close));
            }
        }
        let holidays = self
            .holidays
            .iter()
            .map(|h| {
                h.date
                    .parse::<Date>()
                    .map_err(|_| ScheduleError::Date(h.date.clone()))
            })
            .collect::<Result<_, _>>()?;
        Ok(CompiledSchedule { tz, days, holidays })
    }
}

impl CompiledSchedule {
    /// Whether the queue is open at `now`.
    pub fn is_open(&self, now: Time) -> bool {
        let Ok(ts) = jiff::Timestamp::from_millisecond(now.as_millis() as i64) else {
            return false;
        };
        let local = ts.to_zoned(self.tz.clone()).datetime();
        if self.holidays.contains(&local.date()) {
            return false;
        }
        let day = Day::of(local.weekday()) as usize;
        let m = local.hour() as u16 * 60 + local.minute() as u16;
        self.days[day].iter().any(|&(o, c)| m >= o && m < c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn office() -> Schedule {
        Schedule {
            time_zone: "Europe/Paris".into(),
            weekly: vec![WeeklyHours {
                days: vec![Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri],
                open: "09:00".into(),
                close: "17:30".into(),
            }],
            holidays: vec![Holiday {
                date: "2026-12-25".into(),
                name: "Christmas".into(),
            }],
        }
    }

    fn at(s: &str) -> Time {
        let ts: jiff::Timestamp = s.parse().unwrap();
        Time(ts.as_millisecond() as u64)
    }

    #[test]
    fn weekly_hours_in_local_time() {
        let s = office().compile().unwrap();
        // Friday 2026-11-20, Paris is UTC+1 in winter.
        assert!(!s.is_open(at("2026-11-20T07:59:00Z")));
        assert!(s.is_open(at("2026-11-20T08:00:00Z")));
        assert!(s.is_open(at("2026-11-20T16:29:00Z")));
        assert!(!s.is_open(at("2026-11-20T16:30:00Z")));
        // Saturday closed.
        assert!(!s.is_open(at("2026-11-21T10:00:00Z")));
    }

    #[test]
    fn summer_time_shifts_the_utc_window() {
        let s = office().compile().unwrap();
        // Paris is UTC+2 in July: 09:00 local is 07:00Z.
        assert!(s.is_open(at("2026-07-01T07:00:00Z")));
        assert!(!s.is_open(at("2026-07-01T06:59:00Z")));
    }

    #[test]
    fn holidays_close_the_day() {
        let s = office().compile().unwrap();
        assert!(!s.is_open(at("2026-12-25T10:00:00Z")));
        assert!(s.is_open(at("2026-12-24T10:00:00Z")));
    }

    #[test]
    fn bad_input_is_named() {
        let mut s = office();
        s.time_zone = "Mars/Olympus".into();
        assert_eq!(
            s.compile().unwrap_err(),
            ScheduleError::TimeZone("Mars/Olympus".into())
        );
        let mut s = office();
        s.weekly[0].open = "9am".into();
        assert!(matches!(
            s.compile().unwrap_err(),
            ScheduleError::TimeOfDay(_)
        ));
        let mut s = office();
        s.weekly[0].close = "08:00".into();
        assert!(matches!(
            s.compile().unwrap_err(),
            ScheduleError::Range { .. }
        ));
    }
}
