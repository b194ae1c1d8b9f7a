//! Bounded subset-sum search: which combinations of at least two amounts make a target, exactly
//! or within a tolerance. Bounded by a step budget, never by time, so the answer is the same on
//! every machine.

use bankrec_model::Decimal;

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SubsetResult {
    /// Subsets (positions in the input, ascending) summing exactly to the target, at most
    /// `max_solutions`.
    pub(crate) exact: Vec<Vec<usize>>,
    /// Subsets within the tolerance but not exact, at most `max_solutions`.
    pub(crate) near: Vec<Vec<usize>>,
    /// Steps taken (subsets visited).
    pub(crate) steps: u64,
    /// True when the budget ran out before the search was complete.
    pub(crate) cut: bool,
}

/// Amounts as integers at one common scale: the search adds millions of them, and an integer add
/// is far cheaper than a `Decimal` one. Exact: every value is rescaled without rounding. `T` is
/// `i64` when no sum the search forms can leave it (almost always: cheaper adds and compares),
/// else `i128`; either way no sum saturates but at the limits of `i128`, so both answer alike.
struct Search<T> {
    /// The amounts from the largest (ties by position): `sorted[k]` is at position `order[k]`.
    sorted: Vec<T>,
    order: Vec<usize>,
    suffix: Vec<T>,
    low: T,
    high: T,
    target: T,
    budget: u64,
    max_solutions: usize,
    min_size: usize,
    chosen: Vec<usize>,
    out: SubsetResult,
}

/// The integer type a search adds in.
trait Amount: Copy + Ord + Default {
    fn plus(self, other: Self) -> Self;
    fn minus(self, other: Self) -> Self;
}

impl Amount for i64 {
    fn plus(self, other: Self) -> Self {
        self.saturating_add(other)
    }
    fn minus(self, other: Self) -> Self {
        self.saturating_sub(other)
    }
}

impl Amount for i128 {
    fn plus(self, other: Self) -> Self {
        self.saturating_add(other)
    }
    fn minus(self, other: Self) -> Self {
        self.saturating_sub(other)
    }
}

/// Searches the subsets of `amounts` (positive, unsigned) of at least `min_size` elements whose sum lies
/// within `limit` of `target`. Depth-first over the amounts sorted from the largest (ties by
/// position), pruning a branch that can no longer reach `target - limit` or already passed
/// `target + limit`. Stops once `max_solutions` exact subsets are known (the answer is then
/// "several" anyway) or after `budget` steps (`cut`).
pub(crate) fn subset_sums(
    amounts: &[Decimal],
    target: Decimal,
    limit: Decimal,
    min_size: usize,
    budget: u64,
    max_solutions: usize,
) -> SubsetResult {
    let scale = amounts.iter().chain([&target, &limit]).map(Decimal::scale).max().unwrap_or(0);
    let int = |d: &Decimal| 10i128.checked_pow(scale - d.scale()).and_then(|f| d.mantissa().checked_mul(f));
    let (Some(ints), Some(target), Some(limit)) = (amounts.iter().map(int).collect::<Option<Vec<i128>>>(), int(&target), int(&limit))
    else {
        // Amounts near the limits of `Decimal` at very different scales: nothing is searched.
        return SubsetResult { cut: true, ..SubsetResult::default() };
    };
    // Every sum formed is within twice the total of the amounts of zero, and the bounds are the
    // target plus or minus the limit: when all that fits, `i64` adds exactly as `i128` does.
    let reach = ints
        .iter()
        .fold(0u128, |acc, a| acc.saturating_add(a.unsigned_abs()))
        .saturating_mul(2)
        .saturating_add(target.unsigned_abs())
        .saturating_add(limit.unsigned_abs());
    let settings = Settings { budget, max_solutions, min_size };
    if reach <= i64::MAX as u128 {
        let narrow = |v: i128| i64::try_from(v).unwrap_or_default();
        search(ints.into_iter().map(narrow).collect(), narrow(target), narrow(limit), settings)
    } else {
        search(ints, target, limit, settings)
    }
}

/// The bounds of one search.
#[derive(Clone, Copy)]
struct Settings {
    budget: u64,
    max_solutions: usize,
    min_size: usize,
}

/// The search over amounts already in one integer type.
fn search<T: Amount>(ints: Vec<T>, target: T, limit: T, settings: Settings) -> SubsetResult {
    let mut order: Vec<usize> = (0..ints.len()).collect();
    order.sort_by(|&a, &b| ints[b].cmp(&ints[a]).then(a.cmp(&b)));
    let sorted: Vec<T> = order.iter().map(|&i| ints[i]).collect();
    let mut suffix = vec![T::default(); sorted.len() + 1];
    for k in (0..sorted.len()).rev() {
        suffix[k] = suffix[k + 1].plus(sorted[k]);
    }
    let mut s = Search {
        sorted,
        order,
        suffix,
        low: target.minus(limit),
        high: target.plus(limit),
        target,
        budget: settings.budget,
        max_solutions: settings.max_solutions.max(2),
        min_size: settings.min_size.max(1),
        chosen: Vec::new(),
        out: SubsetResult::default(),
    };
    s.visit(0, T::default());
    s.out
}

impl<T: Amount> Search<T> {
    /// Returns false to stop the whole search. A subset is recorded when its last element is
    /// added, so each is seen once. Positions from `k` on, each first with the amount at `k`
    /// (recursively), then without it (the loop).
    fn visit(&mut self, mut k: usize, sum: T) -> bool {
        loop {
            if k == self.sorted.len() || sum.plus(self.suffix[k]) < self.low {
                return true;
            }
            if self.out.steps >= self.budget {
                self.out.cut = true;
                return false;
            }
            self.out.steps += 1;
            let with = sum.plus(self.sorted[k]);
            if with <= self.high {
                self.chosen.push(self.order[k]);
                if self.chosen.len() >= self.min_size && with >= self.low {
                    let mut subset: Vec<usize> = self.chosen.clone();
                    subset.sort_unstable();
                    if with == self.target {
                        self.out.exact.push(subset);
                        if self.out.exact.len() >= self.max_solutions {
                            self.chosen.pop();
                            return false;
                        }
                    } else if self.out.near.len() < self.max_solutions {
                        self.out.near.push(subset);
                    }
                }
                let go_on = self.visit(k + 1, with);
                self.chosen.pop();
                if !go_on {
                    return false;
                }
            }
            k += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(v: &[i64]) -> Vec<Decimal> {
        v.iter().map(|c| Decimal::new(*c, 2)).collect()
    }

    #[test]
    fn finds_the_one_subset() {
        let r = subset_sums(&d(&[50_000, 70_000, 30_000, 12_345]), Decimal::new(80_000, 2), Decimal::ZERO, 2, 1_000, 5);
        assert_eq!(r.exact, vec![vec![0, 2]]);
        assert!(r.near.is_empty() && !r.cut);
    }

    #[test]
    fn two_subsets_and_near_ones() {
        let r = subset_sums(&d(&[100, 200, 300, 50]), Decimal::new(300, 2), Decimal::ZERO, 2, 1_000, 5);
        assert_eq!(r.exact, vec![vec![0, 1]], "a single amount equal to the target is not a group");
        let r = subset_sums(&d(&[100, 200, 300, 400]), Decimal::new(500, 2), Decimal::ZERO, 2, 1_000, 5);
        assert_eq!(r.exact.len(), 2);
        let r = subset_sums(&d(&[100, 205]), Decimal::new(300, 2), Decimal::new(10, 2), 2, 1_000, 5);
        assert!(r.exact.is_empty());
        assert_eq!(r.near, vec![vec![0, 1]]);
    }

    #[test]
    fn budget_cuts_deterministically() {
        let amounts: Vec<Decimal> = (0..24).map(|i| Decimal::new(1000 + i, 2)).collect();
        let a = subset_sums(&amounts, Decimal::new(1_000_000, 2), Decimal::ZERO, 2, 5_000, 5);
        let b = subset_sums(&amounts, Decimal::new(1_000_000, 2), Decimal::ZERO, 2, 5_000, 5);
        assert_eq!(a, b);
        assert!(!a.cut, "pruned: the target is beyond the total");
        let c = subset_sums(&amounts, Decimal::new(12_066, 2), Decimal::ZERO, 2, 500, 5);
        assert!(c.cut && c.steps == 500);
    }

    #[test]
    fn mixed_scales_are_exact() {
        let amounts = [Decimal::new(1005, 3), Decimal::new(2, 0), Decimal::new(5, 1)];
        let r = subset_sums(&amounts, Decimal::new(3005, 3), Decimal::ZERO, 2, 100, 5);
        assert_eq!(r.exact, vec![vec![0, 1]]);
        let r = subset_sums(&[Decimal::MAX, Decimal::new(1, 28)], Decimal::ONE, Decimal::ZERO, 2, 100, 5);
        assert!(r.cut && r.exact.is_empty());
    }

    #[test]
    fn amounts_beyond_i64_are_searched_in_i128() {
        let big = |v: i128| Decimal::from_i128_with_scale(v, 2);
        let amounts = [big(1 << 70), big(3), big(1 << 70), big(5)];
        let r = subset_sums(&amounts, big((1 << 71) + 3), Decimal::ZERO, 2, 1_000, 5);
        assert_eq!(r.exact, vec![vec![0, 1, 2]]);
        assert!(!r.cut);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..proptest::prelude::ProptestConfig::default() })]

        /// Against brute force: the same exact combinations, and near ones only within the limit.
        #[test]
        fn agrees_with_brute_force(cents in proptest::collection::vec(1i64..50, 2..11), pick in 0u32..2048, tol in 0i64..3) {
            let amounts: Vec<Decimal> = cents.iter().map(|c| Decimal::new(*c, 2)).collect();
            let n = amounts.len();
            let mask = pick & ((1 << n) - 1);
            let target: i64 = (0..n).filter(|i| mask & (1 << i) != 0).map(|i| cents[i]).sum::<i64>().max(1);
            let r = subset_sums(&amounts, Decimal::new(target, 2), Decimal::new(tol, 2), 2, 1_000_000, usize::MAX);
            proptest::prop_assert!(!r.cut);
            let mut brute: Vec<Vec<usize>> = Vec::new();
            for m in 0u32..(1 << n) {
                let members: Vec<usize> = (0..n).filter(|i| m & (1 << i) != 0).collect();
                let sum: i64 = members.iter().map(|&i| cents[i]).sum();
                if members.len() >= 2 && sum == target {
                    brute.push(members);
                }
            }
            let mut exact = r.exact.clone();
            exact.sort();
            brute.sort();
            proptest::prop_assert_eq!(exact, brute);
            for s in &r.near {
                let sum: i64 = s.iter().map(|&i| cents[i]).sum();
                proptest::prop_assert!(s.len() >= 2 && sum != target && (sum - target).abs() <= tol);
            }
        }
    }
}
