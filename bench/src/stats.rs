//! Latency samples and their percentiles (nearest rank over the sorted samples).

use std::time::Duration;

/// Collected durations, in milliseconds.
#[derive(Debug, Default, Clone)]
pub struct Samples {
    ms: Vec<f64>,
}

impl Samples {
    /// Adds one duration.
    pub fn push(&mut self, duration: Duration) {
        self.ms.push(duration.as_secs_f64() * 1000.0);
    }

    /// Adds all of `other`.
    pub fn extend(&mut self, other: &Samples) {
        self.ms.extend_from_slice(&other.ms);
    }

    /// How many samples.
    pub fn len(&self) -> usize {
        self.ms.len()
    }

    /// The `p`th percentile (0–100) in milliseconds, rounded to 0.01 ms; 0 with no samples.
    pub fn percentile(&self, p: f64) -> f64 {
        if self.ms.is_empty() {
            return 0.0;
        }
        let mut sorted = self.ms.clone();
        sorted.sort_by(f64::total_cmp);
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        round(sorted[rank.clamp(1, sorted.len()) - 1])
    }

    /// The mean in milliseconds.
    pub fn mean(&self) -> f64 {
        if self.ms.is_empty() {
            return 0.0;
        }
        round(self.ms.iter().sum::<f64>() / self.ms.len() as f64)
    }
}

/// Rounds to two decimals, so the JSON stays readable.
pub fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut samples = Samples::default();
        for ms in 1..=100 {
            samples.push(Duration::from_millis(ms));
        }
        assert_eq!(samples.percentile(50.0), 50.0);
        assert_eq!(samples.percentile(99.0), 99.0);
        assert_eq!(samples.percentile(100.0), 100.0);
        assert_eq!(samples.percentile(0.0), 1.0);
        assert_eq!(samples.mean(), 50.5);
        assert_eq!(Samples::default().percentile(50.0), 0.0);
    }
}
