//! Retrying against something that fails for a while (a hub, a device, a
//! printer): how long to wait before the next try.

use std::time::Duration;

/// Exponential backoff from 250 ms up to `max`, with "equal jitter": half fixed,
/// half random.
pub fn backoff(failures: u32, max: Duration) -> Duration {
    let ceiling = Duration::from_millis(250)
        .saturating_mul(1 << failures.min(16))
        .min(max);
    let half = ceiling / 2;
    half + half.mul_f64(fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let max = Duration::from_secs(30);
        for failures in 1..40 {
            let d = backoff(failures, max);
            let ceiling = Duration::from_millis(250 * (1u64 << failures.min(16))).min(max);
            assert!(d >= ceiling / 2 && d <= ceiling, "{failures}: {d:?}");
        }
        let samples: std::collections::HashSet<_> = (0..20).map(|_| backoff(5, max)).collect();
        assert!(samples.len() > 1, "jitter must vary the delay");
    }
}
