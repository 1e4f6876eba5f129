//! Business hours: whether a group is open at a given moment, in its own time zone.

use crate::error::{Error, Result};
use chrono::{DateTime, Datelike, NaiveTime, Utc, Weekday as ChronoWeekday};
use chrono_tz::Tz;
use switchboard_protocol::{BusinessHours, Weekday};

fn parse_time(text: &str) -> Result<NaiveTime> {
    // "24:00" closes at midnight.
    if text == "24:00" {
        return Ok(NaiveTime::MIN);
    }
    NaiveTime::parse_from_str(text, "%H:%M")
        .map_err(|_| Error::invalid(format!("{text:?} is not a time of day (HH:MM)")))
}

fn weekday(day: ChronoWeekday) -> Weekday {
    match day {
        ChronoWeekday::Mon => Weekday::Mon,
        ChronoWeekday::Tue => Weekday::Tue,
        ChronoWeekday::Wed => Weekday::Wed,
        ChronoWeekday::Thu => Weekday::Thu,
        ChronoWeekday::Fri => Weekday::Fri,
        ChronoWeekday::Sat => Weekday::Sat,
        ChronoWeekday::Sun => Weekday::Sun,
    }
}

/// Rejects unknown time zones, malformed times and windows that close before they open.
pub fn validate(hours: &BusinessHours) -> Result<()> {
    hours
        .timezone
        .parse::<Tz>()
        .map_err(|_| Error::invalid(format!("unknown time zone {:?}", hours.timezone)))?;
    for window in &hours.weekly {
        let open = parse_time(&window.open)?;
        let close = parse_time(&window.close)?;
        if window.close != "24:00" && close <= open {
            return Err(Error::invalid(format!(
                "{:?}: closes before it opens",
                window.day
            )));
        }
    }
    Ok(())
}

/// Whether `at` falls in one of the weekly windows, local to the hours' time zone.
/// `None` hours mean always open. Invalid stored hours count as open rather than hiding a group.
pub fn is_open(hours: Option<&BusinessHours>, at: DateTime<Utc>) -> bool {
    let Some(hours) = hours else { return true };
    let Ok(tz) = hours.timezone.parse::<Tz>() else {
        return true;
    };
    let local = at.with_timezone(&tz);
    let today = weekday(local.weekday());
    let time = local.time();
    hours.weekly.iter().filter(|w| w.day == today).any(|w| {
        match (parse_time(&w.open), parse_time(&w.close)) {
            (Ok(open), Ok(_)) if w.close == "24:00" => time >= open,
            (Ok(open), Ok(close)) => time >= open && time < close,
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::OpeningWindow;

    fn berlin_weekdays() -> BusinessHours {
        BusinessHours {
            timezone: "Europe/Berlin".into(),
            weekly: vec![OpeningWindow {
                day: Weekday::Mon,
                open: "09:00".into(),
                close: "17:00".into(),
            }],
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("a valid time")
    }

    #[test]
    fn open_within_the_local_window_only() {
        let hours = berlin_weekdays();
        // Monday 2026-11-23: Berlin is UTC+1 in November.
        assert!(!is_open(Some(&hours), at("2026-11-23T07:59:00Z")));
        assert!(is_open(Some(&hours), at("2026-11-23T08:00:00Z")));
        assert!(is_open(Some(&hours), at("2026-11-23T15:59:00Z")));
        assert!(!is_open(Some(&hours), at("2026-11-23T16:00:00Z")));
        assert!(
            !is_open(Some(&hours), at("2026-11-24T10:00:00Z")),
            "closed on Tuesday"
        );
        assert!(is_open(None, at("2026-11-24T03:00:00Z")));
    }

    #[test]
    fn bad_hours_are_rejected() {
        let mut hours = berlin_weekdays();
        hours.timezone = "Mars/Olympus".into();
        assert!(validate(&hours).is_err());
        let mut hours = berlin_weekdays();
        hours.weekly[0].close = "08:00".into();
        assert!(validate(&hours).is_err());
        assert!(validate(&berlin_weekdays()).is_ok());
    }
}
