//! How a 64-bit draw picks among weighted scenarios (step 4 of the
//! sequence specified in [`crate::picker`]), with integer bounds that are
//! the same on every platform.

/// Cumulative 64-bit bounds over a list of weights: the sampling table of
/// a [`Catalogue`](crate::scenario::Catalogue), built once from its
/// validated weights.
///
/// With `c_i` the left-to-right `f64` sum of weights `0..=i` and `total`
/// the sum of all, bound `i` is `2^64` once `c_i == total`, and
/// `trunc(c_i / total * 2^64)` before that. A draw `x` (uniform over
/// `0..2^64`) picks the first `i` with `x < bound_i`. Every operation is a
/// correctly rounded IEEE-754 one, so the bounds are the same on every
/// platform. A zero weight gives an empty range (never picked); a weight
/// below about `2^-53` of the total may too, which changes a probability
/// by less than that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightTable {
    /// Non-decreasing; the last is `2^64`.
    bounds: Vec<u128>,
}

impl WeightTable {
    /// The table for `weights`: finite, at least 0, with a positive finite sum.
    pub fn new(weights: &[f64]) -> Result<Self, String> {
        if let Some(bad) = weights.iter().find(|w| !w.is_finite() || **w < 0.0) {
            return Err(format!("weight {bad} is not a finite number >= 0"));
        }
        let total: f64 = weights.iter().sum();
        if !total.is_finite() {
            return Err("the weights add up to more than the largest number".to_owned());
        }
        if total <= 0.0 {
            return Err("all weights are zero".to_owned());
        }
        const TWO_TO_64: f64 = 18_446_744_073_709_551_616.0;
        let full = 1u128 << 64;
        let mut cumulative = 0.0;
        let bounds = weights
            .iter()
            .map(|weight| {
                cumulative += weight;
                if cumulative >= total {
                    full
                } else {
                    // In [0, 2^64]: the cast truncates and cannot wrap.
                    ((cumulative / total * TWO_TO_64) as u128).min(full)
                }
            })
            .collect();
        Ok(WeightTable { bounds })
    }

    /// The position picked by the draw `x`.
    pub fn position(&self, x: u64) -> usize {
        let x = u128::from(x);
        // The last bound is 2^64 > x, so a position is always found; the
        // `min` only keeps an impossible result in bounds.
        self.bounds
            .partition_point(|bound| *bound <= x)
            .min(self.bounds.len().saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_table_bounds_follow_the_documented_rule() {
        let table = WeightTable::new(&[0.0, 1.0, 0.0, 3.0, 0.0]).unwrap();
        let quarter = 1u128 << 62;
        assert_eq!(
            table.bounds,
            [0, quarter, quarter, 1 << 64, 1 << 64],
            "zero weights are empty ranges; the last bound is 2^64"
        );
        assert_eq!(table.position(0), 1);
        assert_eq!(table.position((1 << 62) - 1), 1);
        assert_eq!(table.position(1 << 62), 3);
        assert_eq!(table.position(u64::MAX), 3);
        assert!(WeightTable::new(&[0.0, 0.0]).is_err());
        assert!(WeightTable::new(&[f64::MAX, f64::MAX]).is_err());
        assert!(WeightTable::new(&[1.0, -1.0]).is_err());
        assert!(WeightTable::new(&[f64::NAN]).is_err());
    }
}
