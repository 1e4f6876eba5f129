//! The reconnect delay of the desk's and the widget's WebSockets.

/// The longest wait between two reconnect attempts.
const MAX_DELAY_MS: u32 = 15_000;

/// The delay before reconnect attempt `attempt` (1-based): 0.5 s doubling up to 15 s, plus up
/// to a fifth more so that many desks dropped together do not return together.
pub fn backoff_ms(attempt: u32, jitter: f64) -> u32 {
    let base = 500u32.saturating_mul(1 << attempt.saturating_sub(1).min(10));
    let base = base.min(MAX_DELAY_MS);
    base + (f64::from(base) * 0.2 * jitter.clamp(0.0, 1.0)) as u32
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff_ms(1, 0.0), 500);
        assert_eq!(backoff_ms(2, 0.0), 1000);
        assert_eq!(backoff_ms(4, 0.0), 4000);
        assert_eq!(backoff_ms(30, 0.0), 15_000);
        assert_eq!(backoff_ms(1, 1.0), 600);
    }
}
