//! `startedDateTime`: an ISO 8601 date and time (HAR 1.2), `2026-12-01T18:00:00.123Z` as
//! Chromium and Playwright write it, `2026-12-01T19:00:00.123+01:00` as Firefox does. Read to
//! time since the Unix epoch, to order requests and age the preflight cache as the browser did.

use std::time::Duration;

/// Days from 1970-01-01 to `year-month-day` (proleptic Gregorian; H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn number(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `None` for anything else, or a date
/// before 1970.
pub(crate) fn parse(text: &str) -> Option<Duration> {
    let (date, time) = text.split_once(['T', 't', ' '])?;
    let mut d = date.splitn(3, '-');
    let (year, month, day) = (number(d.next()?)?, number(d.next()?)?, number(d.next()?)?);
    // Four-digit years only, as ISO 8601 writes them (and no arithmetic overflow on a huge
    // one: found by fuzz/har).
    if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (clock, offset) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, 0)
    } else {
        let at = time.rfind(['+', '-'])?;
        let (clock, zone) = time.split_at(at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (h, m) = zone[1..].split_once(':').unwrap_or((&zone[1..], "0"));
        let (h, m) = (number(h)?, number(m)?);
        if h > 23 || m > 59 {
            return None;
        }
        (clock, sign * (h * 3600 + m * 60))
    };
    let (whole, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut c = whole.splitn(3, ':');
    let (h, m, s) = (number(c.next()?)?, number(c.next()?)?, number(c.next()?)?);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let nanos = if fraction.is_empty() {
        0
    } else {
        let digits: String = fraction.chars().take(9).collect();
        let n = number(&digits)?;
        n * 10_i64.pow(9 - u32::try_from(digits.len()).ok()?)
    };
    let seconds = days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s - offset;
    Some(Duration::new(
        u64::try_from(seconds).ok()?,
        u32::try_from(nanos).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_formats_browsers_write() {
        let z = parse("2026-12-01T18:00:00.123Z").unwrap();
        assert_eq!(z, Duration::new(1_796_148_000, 123_000_000));
        assert_eq!(parse("2026-12-01T19:00:00.123+01:00"), Some(z));
        assert_eq!(parse("2026-12-01T13:00:00.123-05:00"), Some(z));
        assert_eq!(parse("1970-01-01T00:00:01Z"), Some(Duration::from_secs(1)));
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-12-01T25:00:00Z",
            "2026-12-01T18:00:00",
            "1969-12-31T23:59:59Z",
            "2026-12-01T18:00:00.x1Z",
            "2026-12-01T18:00:00+zz:00",
            // Found by fuzz/har: a year this large overflowed the day count.
            "288888888888888026-12-01T19:00:02.500+01:00",
            "10000-01-01T00:00:00Z",
            "2026-12-01T18:00:00+99999999999999999:00",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
