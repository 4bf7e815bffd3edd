//! The sandbox's clock as text: ISO 8601 for V3, RFC 2822 for V2, and reading both back
//! (and Unix seconds) for the date filters that polling uses.

/// 2026-11-26T12:00:00Z, the sandbox's time before its first write.
pub(crate) const BASE: i64 = 1_795_694_400;

/// `2026-11-26T12:00:01+00:00`.
pub(crate) fn iso(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S+00:00")
        .to_string()
}

/// `Thu, 26 Nov 2026 12:00:01 +0000`.
pub(crate) fn rfc2822(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .unwrap_or_default()
        .format("%a, %d %b %Y %H:%M:%S +0000")
        .to_string()
}

/// Unix seconds of a date as BigCommerce writes or accepts it: ISO 8601, RFC 2822, or
/// Unix seconds.
pub(crate) fn parse(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<i64>() {
        return Some(seconds);
    }
    chrono::DateTime::parse_from_rfc3339(&text.replace(' ', "T"))
        .or_else(|_| chrono::DateTime::parse_from_rfc2822(text))
        .ok()
        .map(|d| d.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_writes_and_reads_both_formats() {
        assert_eq!(iso(BASE + 61), "2026-11-26T12:01:01+00:00");
        assert_eq!(rfc2822(BASE + 61), "Thu, 26 Nov 2026 12:01:01 +0000");
        assert_eq!(
            rfc2822(BASE + 3_600 * 13),
            "Fri, 27 Nov 2026 01:00:00 +0000",
            "no wrap after an hour"
        );
        for text in [
            iso(BASE + 5),
            rfc2822(BASE + 5),
            (BASE + 5).to_string(),
            "2026-11-26T12:00:05Z".into(),
        ] {
            assert_eq!(parse(&text), Some(BASE + 5), "{text}");
        }
        assert_eq!(parse("yesterday"), None);
    }
}
