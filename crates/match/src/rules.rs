//! Matching rules: an ordered list read from TOML or JSON and validated when built.
//!
//! A rule has hard conditions (a candidate that fails one is not considered), score weights, an
//! acceptance threshold for automatic matches, a minimum score for proposals, and a margin by which
//! the best candidate must lead the next. See `docs/matching.md` and [`RuleSet::default`].

use std::collections::BTreeSet;

use bankrec_model::{AdjustmentKind, Currency, Decimal, Direction, GlAccount, OpenItemKind, PaymentMethod};
use serde::{Deserialize, Serialize};

use crate::error::MatchError;
use crate::groups::GroupRules;
use crate::pairs::PairRules;
use crate::posting::{PostingRuleSpec, PostingRules};

/// The default rule set, shipped with the crate (`crates/match/rules/default.toml`).
pub const DEFAULT_RULES_TOML: &str = include_str!("../rules/default.toml");

/// Which book-side records a rule considers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Targets {
    /// Ledger entries and open items.
    #[default]
    Both,
    /// Ledger entries only.
    Ledger,
    /// Open items only.
    OpenItems,
}

impl Targets {
    pub(crate) fn ledger(self) -> bool {
        matches!(self, Targets::Both | Targets::Ledger)
    }
    pub(crate) fn open_items(self) -> bool {
        matches!(self, Targets::Both | Targets::OpenItems)
    }
}

/// How close the amounts must be. The book side's amount is the ledger amount or the open item's
/// open amount, signed as the bank entry would be.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AmountCondition {
    /// Largest absolute difference allowed (in the currency), e.g. `"15.00"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absolute: Option<Decimal>,
    /// Largest difference allowed as a percentage of the book amount, e.g. `"2"` for 2 %.
    /// When both limits are given, the difference must respect both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<Decimal>,
}

impl AmountCondition {
    /// Amounts must be equal.
    pub fn exact() -> AmountCondition {
        AmountCondition::default()
    }

    /// At most this absolute difference.
    pub fn within(absolute: Decimal) -> AmountCondition {
        AmountCondition { absolute: Some(absolute), percent: None }
    }

    /// True when no difference is allowed.
    pub fn is_exact(&self) -> bool {
        self.absolute.is_none_or(|a| a.is_zero()) && self.percent.is_none_or(|p| p.is_zero())
    }

    /// What is wrong with the tolerance, as (field, value, what was expected): negative limits, a
    /// percentage above 100, or a tolerance without an adjustment account to carry differences.
    pub(crate) fn problem(&self, has_adjustment: bool) -> Option<(&'static str, String, &'static str)> {
        if let Some(a) = self.absolute.filter(|a| a.is_sign_negative()) {
            return Some(("amount.absolute", a.to_string(), "a non-negative amount"));
        }
        if let Some(p) = self.percent.filter(|p| p.is_sign_negative() || *p > Decimal::ONE_HUNDRED) {
            return Some(("amount.percent", p.to_string(), "a percentage from 0 to 100"));
        }
        if !self.is_exact() && !has_adjustment {
            return Some(("adjustment", "none".into(), "an adjustment account to carry differences within the amount tolerance"));
        }
        None
    }

    /// The largest difference allowed for a book amount (unsigned).
    pub fn limit(&self, book_amount: Decimal) -> Decimal {
        let abs = book_amount.abs();
        // Amounts near the decimal range: the percentage limit saturates instead of overflowing.
        let by_percent = self.percent.map(|p| abs.checked_mul(p).map_or(Decimal::MAX, hundredth));
        match (self.absolute, by_percent) {
            (Some(a), Some(p)) => a.min(p),
            (Some(a), None) => a,
            (None, Some(p)) => p,
            (None, None) => Decimal::ZERO,
        }
    }
}

/// `x / 100`, exactly: two more decimal places on the same digits where the scale allows (a
/// division is costly, and every candidate with a difference works out its limit).
fn hundredth(x: Decimal) -> Decimal {
    let mut shifted = x;
    if shifted.set_scale(x.scale() + 2).is_ok() {
        shifted
    } else {
        x / Decimal::ONE_HUNDRED
    }
}

/// Which bank date a date window is measured from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DateField {
    /// The booking date (else the value date).
    #[default]
    Booking,
    /// The value date (else the booking date).
    Value,
}

/// How far the bank date may lie from the book date (ledger posting date, or the open item's due
/// date, else issue date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct DateWindow {
    /// Booking or value date.
    #[serde(default)]
    pub field: DateField,
    /// Days the bank date may be before the book date.
    pub before: u32,
    /// Days the bank date may be after the book date.
    pub after: u32,
}

impl DateWindow {
    /// A window on the booking date.
    pub fn new(before: u32, after: u32) -> DateWindow {
        DateWindow { field: DateField::Booking, before, after }
    }
}

/// How a reference must agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReferenceCondition {
    /// A book reference equals a structured reference of the bank entry (creditor reference,
    /// referred document, end-to-end id), after normalisation.
    Equal,
    /// A book reference equals a structured reference or is found in the remittance text.
    InRemittance,
}

/// Conditions on the open item (a rule with one considers open items only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OpenItemCondition {
    /// Allowed kinds; empty for any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<OpenItemKind>,
    /// Allowed payment methods; empty for any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payment_methods: Vec<PaymentMethod>,
    /// Whether a document must (true) or must not (false) be attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_attachment: Option<bool>,
}

/// Weights of the score components. Each component is a value from 0 to 1; the score is their
/// weighted mean over the components both sides have data for (see `docs/matching.md`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Weights {
    /// Amount agreement.
    #[serde(default = "one")]
    pub amount: f64,
    /// Date closeness.
    #[serde(default = "one")]
    pub date: f64,
    /// Reference found.
    #[serde(default = "two")]
    pub reference: f64,
    /// Counterparty name similarity.
    #[serde(default = "one")]
    pub name: f64,
    /// Settlement number equal.
    #[serde(default = "two")]
    pub settlement: f64,
}

fn one() -> f64 {
    1.0
}
fn two() -> f64 {
    2.0
}

impl Default for Weights {
    fn default() -> Self {
        Weights { amount: 1.0, date: 1.0, reference: 2.0, name: 1.0, settlement: 2.0 }
    }
}

/// Where a difference within tolerance is posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AdjustmentTarget {
    /// The GL account.
    pub account: GlAccount,
    /// Why (bank fee, FX difference, discount, ...).
    pub kind: AdjustmentKind,
}

impl AdjustmentTarget {
    /// An adjustment target.
    pub fn new(account: GlAccount, kind: AdjustmentKind) -> AdjustmentTarget {
        AdjustmentTarget { account, kind }
    }
}

fn default_accept() -> f64 {
    0.85
}
fn default_min_score() -> f64 {
    0.6
}
fn default_margin() -> f64 {
    0.1
}
fn yes() -> bool {
    true
}

/// One matching rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Rule {
    /// Unique name; recorded in every match the rule makes.
    pub name: String,
    /// Ledger entries, open items, or both.
    #[serde(default)]
    pub targets: Targets,
    /// Amount condition (exact unless a tolerance is given).
    #[serde(default)]
    pub amount: AmountCondition,
    /// Only bank entries of this direction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// Only these currencies; empty for any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub currencies: Vec<Currency>,
    /// Date window; without one, dates only score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_window: Option<DateWindow>,
    /// Reference condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<ReferenceCondition>,
    /// Settlement numbers must be equal.
    #[serde(default)]
    pub settlement_number: bool,
    /// Minimum counterparty name similarity (0 to 1); both sides must name one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_similarity: Option<f64>,
    /// Minimum counterparty name similarity (0 to 1) for an automatic match, when both sides name
    /// one: a pair whose names differ more is only proposed, with the reason. A side without a
    /// name is no objection. For rules that match on amount and date alone, where two payments
    /// of one amount on one day are told apart by nothing else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_match_name_similarity: Option<f64>,
    /// Bank transaction codes: an ISO `DOMAIN/FAMILY/SUBFAMILY` prefix (`PMNT/CCRD`) or a
    /// proprietary code; empty for any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bank_tx_codes: Vec<String>,
    /// Bank accounts (application id or identifier such as the IBAN); empty for any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<String>,
    /// Conditions on open items; when set, the rule considers open items only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_item: Option<OpenItemCondition>,
    /// Score weights.
    #[serde(default)]
    pub weights: Weights,
    /// Score from which the rule matches automatically.
    #[serde(default = "default_accept")]
    pub accept: f64,
    /// Score from which a candidate is proposed.
    #[serde(default = "default_min_score")]
    pub min_score: f64,
    /// How far the best candidate must lead the next (on both sides) to match automatically.
    #[serde(default = "default_margin")]
    pub margin: f64,
    /// Where a difference within the amount tolerance is posted; required with a tolerance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjustment: Option<AdjustmentTarget>,
    /// False for a rule that only proposes.
    #[serde(default = "yes")]
    pub auto_match: bool,
}

impl Rule {
    /// A rule with the given name and the defaults: exact amount, both targets, no other
    /// condition, default weights, accept 0.85, minimum score 0.6, margin 0.1.
    pub fn new(name: impl Into<String>) -> Rule {
        Rule {
            name: name.into(),
            targets: Targets::Both,
            amount: AmountCondition::exact(),
            direction: None,
            currencies: Vec::new(),
            date_window: None,
            reference: None,
            settlement_number: false,
            name_similarity: None,
            auto_match_name_similarity: None,
            bank_tx_codes: Vec::new(),
            accounts: Vec::new(),
            open_item: None,
            weights: Weights::default(),
            accept: default_accept(),
            min_score: default_min_score(),
            margin: default_margin(),
            adjustment: None,
            auto_match: true,
        }
    }

    /// True when the rule may consider ledger entries.
    pub(crate) fn considers_ledger(&self) -> bool {
        self.targets.ledger() && self.open_item.is_none()
    }

    /// True when the rule may consider open items.
    pub(crate) fn considers_open_items(&self) -> bool {
        self.targets.open_items()
    }

    fn validate(&self, position: usize) -> Result<(), MatchError> {
        let rule = if self.name.trim().is_empty() { format!("#{}", position + 1) } else { self.name.clone() };
        let bad = |field: &'static str, value: String, expected: &'static str| MatchError::InvalidRule {
            rule: rule.clone(),
            field,
            value,
            expected,
        };
        if self.name.trim().is_empty() {
            return Err(bad("name", self.name.clone(), "a non-empty name"));
        }
        let unit = |x: f64| x.is_finite() && (0.0..=1.0).contains(&x);
        if !unit(self.accept) {
            return Err(bad("accept", self.accept.to_string(), "a number from 0 to 1"));
        }
        if !unit(self.min_score) || self.min_score > self.accept {
            return Err(bad("min_score", self.min_score.to_string(), "a number from 0 to 1, at most accept"));
        }
        if !self.margin.is_finite() || !(0.0..1.0).contains(&self.margin) {
            return Err(bad("margin", self.margin.to_string(), "a number from 0 (inclusive) to 1 (exclusive)"));
        }
        if let Some(t) = self.name_similarity {
            if !unit(t) {
                return Err(bad("name_similarity", t.to_string(), "a number from 0 to 1"));
            }
        }
        if let Some(t) = self.auto_match_name_similarity {
            if !unit(t) {
                return Err(bad("auto_match_name_similarity", t.to_string(), "a number from 0 to 1"));
            }
        }
        let w = self.weights;
        let ws = [w.amount, w.date, w.reference, w.name, w.settlement];
        if ws.iter().any(|x| !x.is_finite() || *x < 0.0) || ws.iter().sum::<f64>() <= 0.0 {
            return Err(bad("weights", format!("{ws:?}"), "non-negative weights with a positive sum"));
        }
        if let Some((field, value, expected)) = self.amount.problem(self.adjustment.is_some()) {
            return Err(bad(field, value, expected));
        }
        if let Some(d) = self.date_window {
            if d.before > 3660 || d.after > 3660 {
                return Err(bad("date_window", format!("{}/{}", d.before, d.after), "at most 3660 days either way"));
            }
        }
        if self.open_item.is_some() && !self.targets.open_items() {
            return Err(bad("open_item", "set".into(), "targets that include open items"));
        }
        if self.bank_tx_codes.iter().chain(&self.accounts).any(|s| s.trim().is_empty()) {
            return Err(bad("bank_tx_codes/accounts", String::new(), "non-empty codes and account ids"));
        }
        Ok(())
    }
}

/// The serialised form of a rule set: `max_proposals` and a list of `[[rule]]` tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSetFile {
    #[serde(default = "default_max_proposals")]
    max_proposals: usize,
    #[serde(rename = "rule", default)]
    rules: Vec<Rule>,
    #[serde(default)]
    pairs: PairRules,
    #[serde(default)]
    groups: GroupRules,
    /// `None` (no `posting` key): the shipped posting rules; an empty list: none.
    #[serde(rename = "posting", default, skip_serializing_if = "Option::is_none")]
    postings: Option<Vec<PostingRuleSpec>>,
}

impl RuleSetFile {
    fn build(self) -> Result<RuleSet, MatchError> {
        let postings = match self.postings {
            Some(specs) => PostingRules::new(specs)?,
            None => PostingRules::default(),
        };
        RuleSet::new(self.rules, self.max_proposals)?.with_pairs(self.pairs)?.with_groups(self.groups)?.with_postings(postings)
    }
}

fn default_max_proposals() -> usize {
    5
}

/// A validated, ordered list of rules. Rules apply in the order given: an entry matched by an
/// earlier rule is not considered by later ones.
///
/// ```
/// use bankrec_match::RuleSet;
/// let rules = RuleSet::from_toml(r#"
///     max_proposals = 3
///     [[rule]]
///     name = "reference"
///     reference = "in_remittance"
///     date_window = { before = 30, after = 90 }
/// "#).expect("valid rules");
/// assert_eq!(rules.rules()[0].name, "reference");
/// assert!(RuleSet::from_toml("[[rule]]\nname = \"x\"\naccept = 2.0").is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSet {
    max_proposals: usize,
    rules: Vec<Rule>,
    pairs: PairRules,
    groups: GroupRules,
    postings: PostingRules,
}

impl RuleSet {
    /// Validates rules: names unique and non-empty, thresholds from 0 to 1 with `min_score <=
    /// accept`, weights non-negative, tolerances non-negative and backed by an adjustment account.
    pub fn new(rules: Vec<Rule>, max_proposals: usize) -> Result<RuleSet, MatchError> {
        let mut names = BTreeSet::new();
        for (i, r) in rules.iter().enumerate() {
            r.validate(i)?;
            if !names.insert(r.name.as_str()) {
                return Err(MatchError::DuplicateRule { name: r.name.clone() });
            }
        }
        if max_proposals > 100 {
            return Err(MatchError::InvalidRule {
                rule: "(rule set)".into(),
                field: "max_proposals",
                value: max_proposals.to_string(),
                expected: "at most 100",
            });
        }
        Ok(RuleSet { max_proposals, rules, pairs: PairRules::default(), groups: GroupRules::default(), postings: PostingRules::default() })
    }

    /// Sets the reversal and transfer pairing (`[pairs]` in the file), after checking it.
    pub fn with_pairs(mut self, pairs: PairRules) -> Result<RuleSet, MatchError> {
        pairs.validate()?;
        self.pairs = pairs;
        Ok(self)
    }

    /// Sets the group matching (`[groups]` in the file), after checking it.
    pub fn with_groups(mut self, groups: GroupRules) -> Result<RuleSet, MatchError> {
        groups.validate()?;
        self.groups = groups;
        Ok(self)
    }

    /// Sets the posting rules (`[[posting]]` tables in the file; the shipped ones when the file
    /// has none, none when it says `posting = []`).
    pub fn with_postings(mut self, postings: PostingRules) -> Result<RuleSet, MatchError> {
        self.postings = postings;
        Ok(self)
    }

    /// Reversal and transfer pairing.
    pub fn pairs(&self) -> &PairRules {
        &self.pairs
    }

    /// Group matching (split, partial and batch payments, settlement groups).
    pub fn groups(&self) -> &GroupRules {
        &self.groups
    }

    /// Posting rules for bank entries with no counterpart.
    pub fn postings(&self) -> &PostingRules {
        &self.postings
    }

    /// Reads and validates a rule set from TOML.
    pub fn from_toml(text: &str) -> Result<RuleSet, MatchError> {
        let file: RuleSetFile = toml::from_str(text).map_err(|e| MatchError::RuleToml {
            location: match e.span() {
                Some(span) => {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    format!("line {line} (bytes {}..{})", span.start, span.end)
                }
                None => "unknown position".into(),
            },
            message: e.message().to_owned(),
        })?;
        file.build()
    }

    /// Reads and validates a rule set from JSON: `{"max_proposals": 5, "rule": [{...}]}`.
    pub fn from_json(text: &str) -> Result<RuleSet, MatchError> {
        let file: RuleSetFile =
            serde_json::from_str(text).map_err(|e| MatchError::RuleJson { line: e.line(), column: e.column(), message: e.to_string() })?;
        file.build()
    }

    /// The rule set as TOML, readable by [`RuleSet::from_toml`].
    pub fn to_toml(&self) -> String {
        let file = RuleSetFile {
            max_proposals: self.max_proposals,
            rules: self.rules.clone(),
            pairs: self.pairs,
            groups: self.groups.clone(),
            postings: Some(self.postings.rules().iter().map(|r| r.spec().clone()).collect()),
        };
        toml::to_string(&file).unwrap_or_default()
    }

    /// The rules, in priority order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// How many proposals at most are returned per bank entry.
    pub fn max_proposals(&self) -> usize {
        self.max_proposals
    }
}

impl Default for RuleSet {
    /// The rule set shipped with the crate ([`DEFAULT_RULES_TOML`]): settlement number, reference
    /// (exact amount, then with a bank fee of up to 15.00 carried to account `6820 Bank fees`),
    /// amount + date + name on ledger entries, amount + name on open items.
    fn default() -> Self {
        RuleSet::from_toml(DEFAULT_RULES_TOML).expect("the shipped default rule set is valid (tested)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn hundredth_divides_by_one_hundred_exactly(m in proptest::num::i128::ANY, scale in 0u32..=28) {
            let x = Decimal::try_from_i128_with_scale(m >> 32, scale).unwrap_or(Decimal::MAX);
            let h = hundredth(x);
            proptest::prop_assert_eq!(h, x / Decimal::ONE_HUNDRED);
            if scale <= 26 {
                proptest::prop_assert_eq!(h.mantissa(), x.mantissa());
            }
        }
    }

    #[test]
    fn default_rules_parse_and_round_trip() {
        let rules = RuleSet::default();
        assert!(rules.rules().len() >= 4);
        assert_eq!(rules.max_proposals(), 5);
        let again = RuleSet::from_toml(&rules.to_toml()).expect("round trip");
        assert_eq!(again, rules);
        let json = serde_json::json!({"max_proposals": 5, "rule": rules.rules()}).to_string();
        assert_eq!(RuleSet::from_json(&json).expect("json"), rules);
    }

    #[test]
    fn validation_refuses_bad_rules() {
        for bad in [-0.1, 1.5, f64::NAN] {
            let mut r = Rule::new("names");
            r.auto_match_name_similarity = Some(bad);
            assert!(matches!(RuleSet::new(vec![r], 5), Err(MatchError::InvalidRule { field: "auto_match_name_similarity", .. })), "{bad}");
        }
        let mut r = Rule::new("x");
        r.amount = AmountCondition::within(Decimal::ONE);
        assert!(matches!(RuleSet::new(vec![r.clone()], 5), Err(MatchError::InvalidRule { field: "adjustment", .. })));
        r.adjustment = Some(AdjustmentTarget::new(GlAccount::new("6820", "Bank fees"), AdjustmentKind::BankFee));
        assert!(RuleSet::new(vec![r.clone()], 5).is_ok());
        assert!(matches!(RuleSet::new(vec![r.clone(), r.clone()], 5), Err(MatchError::DuplicateRule { .. })));
        let mut m = Rule::new("m");
        m.min_score = 0.9;
        m.accept = 0.8;
        assert!(RuleSet::new(vec![m], 5).is_err());
        let err = RuleSet::from_toml("[[rule]]\nname = \"a\"\nbogus = 1\n").expect_err("unknown field");
        assert!(err.to_string().contains("line 3"), "{err}");
        assert!(RuleSet::from_json("{\"rule\": [{\"name\": 5}]}").is_err());
    }
}
