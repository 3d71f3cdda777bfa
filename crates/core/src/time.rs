//! Injected time. The router never reads a clock: every input carries a [`Time`].

use serde::{Deserialize, Serialize};
use std::ops::{Add, Sub};
use std::time::Duration;

/// A point in time: milliseconds since the Unix epoch (UTC), as handed in by the edge.
///
/// Wall-clock based so schedules with time zones can be evaluated from it; the edges
/// are expected to feed a monotonic-enough source (the server uses the system clock
/// at millisecond resolution).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Time(pub u64);

impl Time {
    /// The epoch itself; handy as the start of simulated worlds.
    pub const ZERO: Time = Time(0);

    /// Builds a time from whole seconds since the epoch.
    pub const fn from_secs(secs: u64) -> Self {
        Time(secs * 1000)
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Whole seconds since the epoch (rounded down).
    pub const fn as_secs(self) -> u64 {
        self.0 / 1000
    }

    /// Time elapsed since `earlier`, zero if `earlier` is in the future.
    pub fn saturating_since(self, earlier: Time) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Duration> for Time {
    type Output = Time;
    fn add(self, d: Duration) -> Time {
        Time(self.0.saturating_add(d.as_millis() as u64))
    }
}

impl Sub<Time> for Time {
    type Output = Duration;
    fn sub(self, rhs: Time) -> Duration {
        self.saturating_since(rhs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates() {
        let t = Time::from_secs(10);
        assert_eq!((t + Duration::from_millis(500)).as_millis(), 10_500);
        assert_eq!(Time::from_secs(3) - t, Duration::ZERO);
        assert_eq!(t - Time::from_secs(4), Duration::from_secs(6));
    }
}
