//! The `[groups]` configuration: which group kinds run, the bounds of the subset search, the
//! counterparty threshold, and the tolerance with its adjustment account.

use bankrec_model::{AdjustmentKind, Decimal, GlAccount};
use serde::{Deserialize, Serialize};

use crate::error::MatchError;
use crate::rules::{AdjustmentTarget, AmountCondition};

/// Most open items one subset search may consider: 2^24 subsets is already far beyond any step
/// budget, and larger bitsets buy nothing.
pub const MAX_SUBSET_ITEMS_LIMIT: usize = 24;

/// Largest step budget accepted for one subset search.
pub const MAX_STEP_BUDGET: u64 = 10_000_000;

/// Group matching, run after the one-to-one rules over what is still open: split payments (one
/// bank entry for several items), partial payments (several entries for one item, or one entry
/// paying part of it), settlement groups and camt batches. Every field has a default, so an
/// empty `[groups]` table (or none) works; see `docs/matching.md`.
///
/// ```
/// use bankrec_match::GroupRules;
/// let rules: GroupRules = toml::from_str("max_subset_items = 12\nbatches = false").expect("valid");
/// rules.validate().expect("in range");
/// assert_eq!(rules.max_subset_items, 12);
/// assert!(rules.split_payments && !rules.batches);
/// assert!(toml::from_str::<GroupRules>("max_items = 3").is_err()); // unknown field
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct GroupRules {
    /// One bank entry paying several open items or ledger lines (`split_payment`): by the
    /// references it quotes, then by a subset-sum search over its payer's open items.
    pub split_payments: bool,
    /// The subset-sum search of split payments (off: split payments by reference only).
    pub subset_search: bool,
    /// Several bank entries paying one open item, one entry paying part of it, and the entry
    /// paying the rest of a partly paid item (`partial_payment`).
    pub partial_payments: bool,
    /// Bank entries and ledger lines sharing a settlement number (`settlement_group`).
    pub settlement_groups: bool,
    /// A camt batch entry whose details each find their ledger line or open item (`batch`).
    pub batches: bool,
    /// Most open items one subset search considers: those closest in due date to the payment.
    pub max_subset_items: usize,
    /// Most steps (subsets visited) of one subset search; the result never depends on time.
    pub step_budget: u64,
    /// Minimum name similarity (0 to 1) for an open item to belong to the payer.
    pub name_similarity: f64,
    /// Tolerance between the bank side and the book side of a group (exact by default).
    pub amount: AmountCondition,
    /// Where a difference within the tolerance is posted; required with a tolerance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjustment: Option<AdjustmentTarget>,
}

impl Default for GroupRules {
    /// Every group kind on, 16 items and 200 000 steps per subset search, name similarity 0.85,
    /// and a tolerance of 15.00 or 2 % (the smaller) carried to `6820 Bank fees`, as in the
    /// default rule set's `reference_with_fee`.
    fn default() -> Self {
        GroupRules {
            split_payments: true,
            subset_search: true,
            partial_payments: true,
            settlement_groups: true,
            batches: true,
            max_subset_items: 16,
            step_budget: 200_000,
            name_similarity: 0.85,
            amount: AmountCondition { absolute: Some(Decimal::new(1500, 2)), percent: Some(Decimal::TWO) },
            adjustment: Some(AdjustmentTarget::new(GlAccount::new("6820", "Bank fees"), AdjustmentKind::BankFee)),
        }
    }
}

impl GroupRules {
    /// Group matching with exact amounts only (no adjustment lines).
    pub fn exact() -> GroupRules {
        GroupRules { amount: AmountCondition::exact(), adjustment: None, ..GroupRules::default() }
    }

    /// Checks the ranges: at least 2 and at most [`MAX_SUBSET_ITEMS_LIMIT`] items, a step budget
    /// from 1 to [`MAX_STEP_BUDGET`], a name similarity from 0 to 1, a non-negative tolerance
    /// (percent at most 100) backed by an adjustment account.
    pub fn validate(&self) -> Result<(), MatchError> {
        let bad = |field: &'static str, value: String, expected: &'static str| MatchError::InvalidRule {
            rule: "groups".into(),
            field,
            value,
            expected,
        };
        if !(2..=MAX_SUBSET_ITEMS_LIMIT).contains(&self.max_subset_items) {
            return Err(bad("max_subset_items", self.max_subset_items.to_string(), "a number from 2 to 24"));
        }
        if !(1..=MAX_STEP_BUDGET).contains(&self.step_budget) {
            return Err(bad("step_budget", self.step_budget.to_string(), "a number from 1 to 10000000"));
        }
        if !self.name_similarity.is_finite() || !(0.0..=1.0).contains(&self.name_similarity) {
            return Err(bad("name_similarity", self.name_similarity.to_string(), "a number from 0 to 1"));
        }
        if let Some((field, value, expected)) = self.amount.problem(self.adjustment.is_some()) {
            return Err(bad(field, value, expected));
        }
        Ok(())
    }

    /// The difference (bank minus book, signed) when the sides agree within the tolerance.
    pub(crate) fn within(&self, bank: Decimal, book: Decimal) -> Option<Decimal> {
        let difference = bank.checked_sub(book)?;
        if difference.is_zero() {
            return Some(difference);
        }
        let limit = self.amount.limit(book);
        (self.adjustment.is_some() && !limit.is_zero() && difference.abs() <= limit).then_some(difference)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_round_trip() {
        let d = GroupRules::default();
        d.validate().expect("default valid");
        GroupRules::exact().validate().expect("exact valid");
        let text = toml::to_string(&d).expect("ser");
        assert_eq!(toml::from_str::<GroupRules>(&text).expect("de"), d);
        assert_eq!(toml::from_str::<GroupRules>("").expect("empty table"), d);
        let json = serde_json::to_string(&d).expect("json");
        assert_eq!(serde_json::from_str::<GroupRules>(&json).expect("json de"), d);
    }

    #[test]
    fn validation_refuses_out_of_range() {
        for (text, field) in [
            ("max_subset_items = 1", "max_subset_items"),
            ("max_subset_items = 40", "max_subset_items"),
            ("step_budget = 0", "step_budget"),
            ("name_similarity = 1.5", "name_similarity"),
            ("amount = { absolute = \"-1\" }\n", "amount.absolute"),
            ("amount = { percent = \"101\" }\n", "amount.percent"),
        ] {
            let r: GroupRules = toml::from_str(text).expect(text);
            assert!(matches!(r.validate(), Err(MatchError::InvalidRule { field: f, .. }) if f == field), "{text}");
        }
        let r = GroupRules { adjustment: None, ..GroupRules::default() };
        assert!(matches!(r.validate(), Err(MatchError::InvalidRule { field: "adjustment", .. })));
    }

    #[test]
    fn tolerance_is_symmetric() {
        let r = GroupRules::default();
        let d = |c| Decimal::new(c, 2);
        assert_eq!(r.within(d(98_600), d(100_000)), Some(d(-1400)));
        assert_eq!(r.within(d(102_000), d(100_000)), None, "15.00 is the smaller limit");
        assert_eq!(r.within(d(101_000), d(100_000)), Some(d(1000)));
        assert_eq!(r.within(d(-99_000), d(-100_000)), Some(d(1000)));
        assert_eq!(GroupRules::exact().within(d(99_999), d(100_000)), None);
    }
}
