//! Times for display, pure (the current time comes from the caller). The widget needs only
//! [`clock`]; the rest is the desk's.

/// Milliseconds since the Unix epoch of an RFC 3339 UTC time such as
/// `2026-11-21T09:49:00.000Z` (the gateway always writes `Z`); `None` if it does not parse.
#[cfg(feature = "desk")]
pub fn parse_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, rest) = text.split_once('T')?;
    let mut date_parts = date.split('-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: i64 = date_parts.next()?.parse().ok()?;
    let day: i64 = date_parts.next()?.parse().ok()?;
    let rest = rest
        .strip_suffix('Z')
        .or_else(|| rest.strip_suffix("+00:00"))?;
    let mut time_parts = rest.split(':');
    let hour: i64 = time_parts.next()?.parse().ok()?;
    let minute: i64 = time_parts.next()?.parse().ok()?;
    let seconds: f64 = time_parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + (seconds * 1000.0).round() as i64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
#[cfg(feature = "desk")]
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A short duration such as `45s`, `12m`, `3h 5m`, `2d`.
#[cfg(feature = "desk")]
pub fn short_duration(ms: i64) -> String {
    let secs = (ms / 1000).max(0);
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => {
            let minutes = (s % 3600) / 60;
            if minutes == 0 {
                format!("{}h", s / 3600)
            } else {
                format!("{}h {}m", s / 3600, minutes)
            }
        }
        s => format!("{}d", s / 86_400),
    }
}

/// How long ago `since` was, shortly; empty when it does not parse.
#[cfg(feature = "desk")]
pub fn ago(since: &str, now_ms: i64) -> String {
    parse_ms(since).map_or_else(String::new, |then| short_duration(now_ms - then))
}

/// `HH:MM` (UTC) of a time, for message stamps.
pub fn clock(text: &str) -> String {
    text.split_once('T')
        .and_then(|(_, t)| t.get(..5))
        .unwrap_or("")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "desk")]
    #[test]
    fn parses_gateway_times() {
        assert_eq!(parse_ms("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(parse_ms("1970-01-02T00:00:01.500Z"), Some(86_401_500));
        assert_eq!(parse_ms("2026-11-21T09:49:00Z"), Some(1_795_254_540_000));
        assert_eq!(parse_ms("yesterday"), None);
    }

    #[cfg(feature = "desk")]
    #[test]
    fn durations_are_short() {
        assert_eq!(short_duration(5_000), "5s");
        assert_eq!(short_duration(125_000), "2m");
        assert_eq!(short_duration(3_600_000), "1h");
        assert_eq!(short_duration(3_900_000), "1h 5m");
        assert_eq!(short_duration(3 * 86_400_000), "3d");
        assert_eq!(short_duration(-5), "0s");
    }

    #[test]
    fn clock_is_hours_and_minutes() {
        assert_eq!(clock("2026-11-21T09:49:00.000Z"), "09:49");
        assert_eq!(clock("nonsense"), "");
    }
}
