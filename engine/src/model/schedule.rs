//! Calendar rules that start instances (weekly, monthly on a day, the n-th weekday, a weekday of
//! the n-th calendar week, every n days) and durations as the language writes them.

use std::time::Duration;

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, NaiveTime, TimeZone, Weekday};

use crate::syntax::raw::{RawDayNumber, RawRecurrence};

/// A day of the month, or of the weekday's occurrences, counted from the start or the last one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nth {
    /// The n-th, from 1.
    Number(u32),
    /// The last one.
    Last,
}

/// When a schedule fires, read in the workflow's UTC offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recurrence {
    /// Every week on this day.
    Weekly { weekday: Weekday, at: NaiveTime },
    /// Every month on this day; months without it are skipped.
    MonthlyDay { day: Nth, at: NaiveTime },
    /// Every month on the n-th (or last) of this weekday, e.g. the 4th Wednesday.
    MonthlyWeekday { weekday: Weekday, week: Nth, at: NaiveTime },
    /// Every month on this weekday of the n-th (or last) calendar week: weeks start on Monday and
    /// week 1 holds the 1st. Months whose week has no such day inside the month are skipped.
    MonthlyCalendarWeek { weekday: Weekday, week: Nth, at: NaiveTime },
    /// Every `days` days from `from`.
    EveryDays { days: u32, from: NaiveDate, at: NaiveTime },
}

impl Recurrence {
    /// Read a recurrence rule, or say what is wrong with it.
    ///
    /// # Errors
    /// A sentence naming the first problem.
    pub fn parse(raw: &RawRecurrence) -> Result<Self, String> {
        let at = match &raw.at {
            None => NaiveTime::MIN,
            Some(t) => NaiveTime::parse_from_str(t, "%H:%M")
                .map_err(|_| format!("`at: {t}` is not a time of day; write `HH:MM`, e.g. `09:00`"))?,
        };
        let weekday = raw.weekday.as_deref().map(parse_weekday).transpose()?;
        if let Some(week) = &raw.calendar_week {
            return match (weekday, &raw.week, &raw.day, raw.days, &raw.from) {
                (Some(weekday), None, None, None, None) => {
                    Ok(Recurrence::MonthlyCalendarWeek { weekday, week: nth(week, 6, "calendar_week")?, at })
                }
                (None, None, None, None, None) => Err("`calendar_week` needs `weekday`".into()),
                (Some(_), Some(_), None, None, None) => Err(
                    "`week` (the N-th weekday) and `calendar_week` (the weekday of the N-th calendar week) are two readings; pick one".into(),
                ),
                _ => Err("`calendar_week` goes with `weekday` only, not with `day`, `days` or `from`".into()),
            };
        }
        match (weekday, &raw.week, &raw.day, raw.days, &raw.from) {
            (Some(weekday), None, None, None, None) => Ok(Recurrence::Weekly { weekday, at }),
            (Some(weekday), Some(week), None, None, None) => {
                Ok(Recurrence::MonthlyWeekday { weekday, week: nth(week, 5, "week")?, at })
            }
            (None, None, Some(day), None, None) => Ok(Recurrence::MonthlyDay { day: nth(day, 31, "day")?, at }),
            (None, None, None, Some(days), Some(from)) => {
                if days == 0 {
                    return Err("`days` must be at least 1".into());
                }
                let from = NaiveDate::parse_from_str(from, "%Y-%m-%d")
                    .map_err(|_| format!("`from: {from}` is not a date; write `YYYY-MM-DD`"))?;
                Ok(Recurrence::EveryDays { days, from, at })
            }
            (None, None, None, Some(_), None) => Err("`days` needs `from`, the first date".into()),
            (None, Some(_), None, None, None) => Err("`week` needs `weekday`".into()),
            (None, None, None, None, _) => Err("say when: `weekday`, `day` or `days`".into()),
            _ => Err("combine `weekday` (with an optional `week`), `day`, or `days` with `from`; not several".into()),
        }
    }

    /// The first time strictly after `after` at which the rule fires.
    #[must_use]
    pub fn next_after(&self, after: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
        let zone = *after.offset();
        let start = after.date_naive();
        // Four years of days covers every rule, including the fifth weekday and the 31st.
        for offset in 0..1500 {
            let date = start.checked_add_days(Days::new(offset))?;
            if !self.fires_on(date) {
                continue;
            }
            let at = match self {
                Recurrence::Weekly { at, .. }
                | Recurrence::MonthlyDay { at, .. }
                | Recurrence::MonthlyWeekday { at, .. }
                | Recurrence::MonthlyCalendarWeek { at, .. }
                | Recurrence::EveryDays { at, .. } => *at,
            };
            let when = zone.from_local_datetime(&date.and_time(at)).single()?;
            if when > after {
                return Some(when);
            }
        }
        None
    }

    fn fires_on(&self, date: NaiveDate) -> bool {
        match self {
            Recurrence::Weekly { weekday, .. } => date.weekday() == *weekday,
            Recurrence::MonthlyDay { day: Nth::Number(d), .. } => date.day() == *d,
            Recurrence::MonthlyDay { day: Nth::Last, .. } => {
                date.checked_add_days(Days::new(1)).is_some_and(|n| n.day() == 1)
            }
            Recurrence::MonthlyWeekday { weekday, week, .. } => {
                date.weekday() == *weekday
                    && match week {
                        Nth::Number(n) => (date.day() - 1) / 7 + 1 == *n,
                        Nth::Last => date.checked_add_days(Days::new(7)).is_some_and(|n| n.month() != date.month()),
                    }
            }
            Recurrence::MonthlyCalendarWeek { weekday, week, .. } => {
                date.weekday() == *weekday
                    && match week {
                        Nth::Number(n) => calendar_week(date) == *n,
                        Nth::Last => {
                            let to_next_monday = 7 - u64::from(date.weekday().num_days_from_monday());
                            date.checked_add_days(Days::new(to_next_monday)).is_some_and(|n| n.month() != date.month())
                        }
                    }
            }
            Recurrence::EveryDays { days, from, .. } => {
                let since = (date - *from).num_days();
                since >= 0 && since % i64::from(*days) == 0
            }
        }
    }
}

impl std::fmt::Display for Recurrence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ordinal = |n: &Nth| match n {
            Nth::Last => "last".to_owned(),
            Nth::Number(1) => "1st".to_owned(),
            Nth::Number(2) => "2nd".to_owned(),
            Nth::Number(3) => "3rd".to_owned(),
            Nth::Number(n) => format!("{n}th"),
        };
        match self {
            Recurrence::Weekly { weekday, at } => write!(f, "every {weekday} at {}", at.format("%H:%M")),
            Recurrence::MonthlyDay { day, at } => {
                write!(f, "monthly on the {} day at {}", ordinal(day), at.format("%H:%M"))
            }
            Recurrence::MonthlyWeekday { weekday, week, at } => {
                write!(f, "monthly on the {} {weekday} at {}", ordinal(week), at.format("%H:%M"))
            }
            Recurrence::MonthlyCalendarWeek { weekday, week, at } => {
                write!(f, "monthly on the {weekday} of the {} calendar week at {}", ordinal(week), at.format("%H:%M"))
            }
            Recurrence::EveryDays { days, from, at } => {
                write!(f, "every {days} days from {from} at {}", at.format("%H:%M"))
            }
        }
    }
}

/// Which calendar week of its month a date lies in, from 1: weeks start on Monday and the
/// (possibly short) week holding the 1st is week 1.
fn calendar_week(date: NaiveDate) -> u32 {
    let lead = date.with_day(1).map_or(0, |first| first.weekday().num_days_from_monday());
    (date.day() - 1 + lead) / 7 + 1
}

fn parse_weekday(text: &str) -> Result<Weekday, String> {
    text.parse::<Weekday>().map_err(|_| format!("`{text}` is not a day of the week; write `monday` … `sunday`"))
}

fn nth(raw: &RawDayNumber, max: u64, what: &str) -> Result<Nth, String> {
    match raw {
        RawDayNumber::Word(w) if w == "last" => Ok(Nth::Last),
        RawDayNumber::Number(n) if (1..=max).contains(n) => Ok(Nth::Number(*n as u32)),
        RawDayNumber::Number(n) => Err(format!("`{what}: {n}` is out of range; use 1 to {max} or `last`")),
        RawDayNumber::Word(w) => Err(format!("`{what}: {w}` is not a number or `last`")),
    }
}

/// Read a duration such as `30m`, `24h`, `2d`, `1h 30m`; zero and anything else is `None`.
#[must_use]
pub fn parse_duration(text: &str) -> Option<Duration> {
    humantime::parse_duration(text.trim()).ok().filter(|d| !d.is_zero())
}

/// Read a fixed UTC offset such as `+08:00`.
#[must_use]
pub fn parse_offset(text: &str) -> Option<FixedOffset> {
    text.parse::<FixedOffset>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(yaml: &str) -> Result<Recurrence, String> {
        let loaded = crate::syntax::loader::load(std::path::Path::new("rule.yaml"), yaml.as_bytes()).unwrap();
        Recurrence::parse(&loaded.raw)
    }

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn weekly_fires_on_the_next_weekday() {
        let r = rule("{weekday: saturday, at: '09:00'}").unwrap();
        // 2026-11-29 is a Sunday.
        assert_eq!(r.next_after(at("2026-11-29T10:00:00+08:00")), Some(at("2026-12-05T09:00:00+08:00")));
    }

    #[test]
    fn last_day_of_month_and_fourth_wednesday() {
        let last = rule("{day: last, at: '15:00'}").unwrap();
        assert_eq!(last.next_after(at("2026-02-01T00:00:00+08:00")), Some(at("2026-02-28T15:00:00+08:00")));
        let fourth = rule("{weekday: wednesday, week: 4}").unwrap();
        assert_eq!(fourth.next_after(at("2026-12-01T00:00:00+08:00")), Some(at("2026-12-23T00:00:00+08:00")));
    }

    #[test]
    fn a_weekday_of_the_nth_calendar_week() {
        // May 2026 starts on a Friday: its 4th calendar week is 18–24 May, so the Wednesday is the
        // 20th (only the 3rd Wednesday of the month).
        let fourth = rule("{weekday: wednesday, calendar_week: 4, at: '09:00'}").unwrap();
        assert_eq!(fourth.next_after(at("2026-05-01T00:00:00+08:00")), Some(at("2026-05-20T09:00:00+08:00")));
        // June 2026 starts on a Monday, so both readings agree there.
        assert_eq!(fourth.next_after(at("2026-05-20T09:00:00+08:00")), Some(at("2026-06-24T09:00:00+08:00")));
        assert_eq!(fourth.to_string(), "monthly on the Wed of the 4th calendar week at 09:00");
        let last = rule("{weekday: friday, calendar_week: last}").unwrap();
        assert_eq!(last.next_after(at("2026-05-01T00:00:00+08:00")), Some(at("2026-05-29T00:00:00+08:00")));
    }

    #[test]
    fn a_calendar_week_without_the_weekday_skips_the_month() {
        // Week 1 of December 2026 (from Tuesday the 1st) and of January 2027 (from Friday the 1st)
        // hold no Monday of their own month; February 2027 starts on a Monday.
        let first_monday = rule("{weekday: monday, calendar_week: 1}").unwrap();
        assert_eq!(first_monday.next_after(at("2026-11-29T00:00:00+08:00")), Some(at("2027-02-01T00:00:00+08:00")));
        // The last calendar weeks of March 2026 (Monday 30–Tuesday 31) and April 2026 (Monday
        // 27–Thursday 30) end before their Friday.
        let last_friday = rule("{weekday: friday, calendar_week: last}").unwrap();
        assert_eq!(last_friday.next_after(at("2026-03-01T00:00:00+08:00")), Some(at("2026-05-29T00:00:00+08:00")));
        // A sixth calendar week exists only in some months: August 2026 (1st a Saturday) has 31 August.
        let sixth = rule("{weekday: monday, calendar_week: 6}").unwrap();
        assert_eq!(sixth.next_after(at("2026-06-01T00:00:00+08:00")), Some(at("2026-08-31T00:00:00+08:00")));
    }

    #[test]
    fn day_31_skips_short_months_and_every_15_days_counts_from_its_start() {
        let r = rule("{day: 31}").unwrap();
        assert_eq!(r.next_after(at("2026-04-01T00:00:00+00:00")), Some(at("2026-05-31T00:00:00+00:00")));
        let r = rule("{days: 15, from: 2026-01-01, at: '08:30'}").unwrap();
        assert_eq!(r.next_after(at("2026-01-02T00:00:00+00:00")), Some(at("2026-01-16T08:30:00+00:00")));
    }

    #[test]
    fn bad_rules_say_what_is_wrong() {
        assert!(rule("{weekday: caturday}").unwrap_err().contains("caturday"));
        assert!(rule("{day: 32}").unwrap_err().contains("out of range"));
        assert!(rule("{day: 3, weekday: monday}").unwrap_err().contains("not several"));
        assert!(rule("{days: 15}").unwrap_err().contains("needs `from`"));
        assert!(rule("{weekday: monday, at: '25:00'}").unwrap_err().contains("time of day"));
        assert!(rule("{}").unwrap_err().contains("say when"));
        assert!(rule("{calendar_week: 4}").unwrap_err().contains("needs `weekday`"));
        assert!(rule("{weekday: monday, week: 4, calendar_week: 4}").unwrap_err().contains("pick one"));
        assert!(rule("{weekday: monday, calendar_week: 7}").unwrap_err().contains("1 to 6"));
        assert!(rule("{day: 3, calendar_week: 1}").unwrap_err().contains("`weekday` only"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("24h"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("1h 30m"), Some(Duration::from_secs(5_400)));
        assert_eq!(parse_duration("2d"), Some(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("0s"), None);
        assert_eq!(parse_duration("soon"), None);
        assert!(parse_offset("+08:00").is_some());
        assert!(parse_offset("Beijing").is_none());
    }
}
