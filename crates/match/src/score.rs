//! Scoring one bank entry against one book record under one rule: hard conditions first, then
//! the score components and their weighted mean.

use std::sync::Arc;

use bankrec_model::{Decimal, ScoreComponent};
use rustc_hash::FxHashMap;

use crate::name::one_edit_apart;
use crate::prepare::{BankView, BookRecord, BookView, Names, STRONG_REFERENCE_LEN};
use crate::reference::RefKey;
use crate::reference::ReferenceKind;
use crate::rules::{DateField, ReferenceCondition, Rule};

/// How a reference agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefHit {
    /// Equal to a structured field of the bank entry.
    Structured(usize),
    /// Equal to a reference found in the remittance text.
    Text(usize),
    /// One character away from a reference in the remittance text (a typo).
    Similar(usize),
}

/// The result of scoring a pair. Copied around for every candidate, so kept small: the weights
/// are the rule's, and which parts apply is a bit mask.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Eval {
    pub(crate) score: f64,
    /// amount, date, reference, name, settlement; see [`Eval::part`].
    values: [f64; 5],
    /// Bit `i` set when part `i` applies.
    applies: u8,
    /// Bank minus book, signed.
    pub(crate) difference: Decimal,
    pub(crate) days: Option<i32>,
    pub(crate) name_exact: bool,
    /// The names differ more than the rule's `auto_match_name_similarity` allows: proposed only.
    pub(crate) names_differ: bool,
    pub(crate) ref_hit: Option<(RefHit, usize)>,
}

pub(crate) const COMPONENT_NAMES: [&str; 5] = ["amount", "date", "reference", "name", "settlement"];

impl Eval {
    /// Part `i` (amount, date, reference, name, settlement); `None` when it does not apply.
    pub(crate) fn part(&self, i: usize) -> Option<f64> {
        (self.applies & (1 << i) != 0).then(|| self.values[i])
    }

    /// The score's components, weighted as the rule that scored the pair weighs them.
    pub(crate) fn components(&self, rule: &Rule) -> Vec<ScoreComponent> {
        // Exact capacity: a collected filter would reserve eight for five (a million records).
        let mut out = Vec::with_capacity(self.applies.count_ones() as usize);
        for (i, (name, weight)) in COMPONENT_NAMES.into_iter().zip(weights(rule)).enumerate() {
            if let Some(value) = self.part(i) {
                out.push(ScoreComponent { name: name.into(), value: round3(value), weight });
            }
        }
        out
    }
}

/// Score components shared by the pairs one rule scores alike: most pairs agree on every part,
/// and a million records need not hold a million equal lists.
#[derive(Default)]
pub(crate) struct SharedComponents(FxHashMap<(usize, u8, [u64; 5]), Arc<[ScoreComponent]>>);

impl SharedComponents {
    /// The components of `eval` under `rule`, the rule at position `rule_at` of its rule set.
    pub(crate) fn get(&mut self, rule_at: usize, rule: &Rule, eval: &Eval) -> Arc<[ScoreComponent]> {
        // The values as the components hold them (rounded), those of parts that do not apply as 0.
        let values = std::array::from_fn(|i| eval.part(i).map_or(0, |v| round3(v).to_bits()));
        self.0.entry((rule_at, eval.applies, values)).or_insert_with(|| eval.components(rule).into()).clone()
    }
}

/// A rule's weights in the order of [`COMPONENT_NAMES`].
fn weights(rule: &Rule) -> [f64; 5] {
    let w = rule.weights;
    [w.amount, w.date, w.reference, w.name, w.settlement]
}

pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The bank date a rule compares: the one it names, else the other.
pub(crate) fn bank_date(b: &BankView<'_>, field: DateField) -> Option<i32> {
    match field {
        DateField::Booking => b.booking().or(b.value()),
        DateField::Value => b.value().or(b.booking()),
    }
}

fn tx_code_matches(b: &BankView<'_>, patterns: &[String]) -> bool {
    let e = b.entry;
    let codes = std::iter::once(&e.transaction).chain(e.details.iter().map(|d| &d.transaction)).filter_map(|t| t.bank_tx_code.as_ref());
    for code in codes {
        let iso = code.iso();
        for p in patterns {
            if iso.as_deref().is_some_and(|s| s.to_ascii_uppercase().starts_with(&p.to_ascii_uppercase()))
                || code.proprietary.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(p))
            {
                return true;
            }
        }
    }
    false
}

/// Conditions that depend on the bank entry alone (checked once per entry and rule).
pub(crate) fn bank_admissible(rule: &Rule, b: &BankView<'_>) -> bool {
    if rule.direction.is_some_and(|d| d != b.entry.direction) {
        return false;
    }
    if !rule.currencies.is_empty() && !rule.currencies.contains(&b.currency) {
        return false;
    }
    if !rule.accounts.is_empty() {
        let ids = [b.account_id(), Some(b.entry.account.as_str())];
        if !rule.accounts.iter().any(|a| ids.iter().flatten().any(|id| id == a)) {
            return false;
        }
    }
    if !rule.bank_tx_codes.is_empty() && !tx_code_matches(b, &rule.bank_tx_codes) {
        return false;
    }
    if rule.settlement_number && b.settlement.is_none() {
        return false;
    }
    if rule.reference.is_some() && b.refs.is_empty() {
        return false;
    }
    if rule.name_similarity.is_some() && b.name_id.is_empty() {
        return false;
    }
    true
}

fn reference_hit(b: &BankView<'_>, c: &BookView<'_>, condition: Option<ReferenceCondition>) -> Option<(RefHit, usize)> {
    let limit = match condition {
        Some(ReferenceCondition::Equal) => b.structured(),
        _ => b.refs.len(),
    };
    for (ci, cr) in c.refs.iter().enumerate() {
        if let Some(bi) = b.refs[..limit].iter().position(|br| br.value == cr.value) {
            let hit = if bi < b.structured() { RefHit::Structured(bi) } else { RefHit::Text(bi) };
            return Some((hit, ci));
        }
    }
    if condition.is_some() {
        return None;
    }
    for (ci, cr) in c.refs.iter().enumerate().filter(|(_, r)| r.value.len() >= 6) {
        let similar = |br: &RefKey| br.value.len().abs_diff(cr.value.len()) <= 1 && one_edit_apart(&br.value, &cr.value);
        if let Some(bi) = b.refs.iter().position(similar) {
            return Some((RefHit::Similar(bi), ci));
        }
    }
    None
}

/// The kind of evidence a reference is, for telling a contradiction from absent evidence.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RefClass {
    /// A payment reference whose check digits were validated (RF, QR, KID, OCR, ...).
    Payment,
    /// A document (invoice) number.
    Document,
}

fn class(kind: ReferenceKind) -> Option<RefClass> {
    match kind {
        ReferenceKind::EndToEndId => None,
        ReferenceKind::Document => Some(RefClass::Document),
        _ => Some(RefClass::Payment),
    }
}

/// True when the bank entry carries a reference of the same class as one of the book record's
/// (a payment reference against a payment reference, a structured document number against a
/// document number) and none agreed: the payer quoted something else. A reference the bank side
/// cannot show (an internal book reference, a payer's end-to-end id against our document number)
/// is absent evidence and must not count against the pair.
fn contradicts(b: &BankView<'_>, c: &BookView<'_>) -> bool {
    let strong = b.refs.iter().enumerate().filter_map(|(i, r)| {
        let structured = i < b.structured();
        match class(r.kind)? {
            RefClass::Payment if structured || r.value.len() >= STRONG_REFERENCE_LEN => Some(RefClass::Payment),
            RefClass::Document if structured => Some(RefClass::Document),
            _ => None,
        }
    });
    let mut bank_classes = [false; 2];
    for k in strong {
        bank_classes[k as usize] = true;
    }
    c.refs.iter().filter_map(|r| class(r.kind)).any(|k| bank_classes[k as usize])
}

/// Scores a pair under a rule; `None` when a hard condition fails. Bank-only conditions are
/// checked by [`bank_admissible`]. Both views name their counterparty in `names`.
pub(crate) fn evaluate(rule: &Rule, b: &BankView<'_>, c: &BookView<'_>, names: &Names) -> Option<Eval> {
    if c.currency != b.currency {
        return None;
    }
    // Direction: both sides must move money the same way.
    if c.signed.is_sign_negative() != b.signed.is_sign_negative() || c.signed.is_zero() {
        return None;
    }
    match c.record {
        BookRecord::Ledger(l, owner) => {
            if !rule.considers_ledger() {
                return None;
            }
            if let Some(account) = b.account {
                // The line must be booked to the bank account's GL code. The view names the account
                // booked to the line's code: the same account (by address, the common case) or one
                // with the same code agrees; a line whose code the view could not place is compared
                // as written; a line without a code is tied to no account (`LedgerEntry::gl_account_code`).
                let agrees = match owner {
                    Some(o) => std::ptr::eq(o, account) || o.gl_account.code == account.gl_account.code,
                    None => l.gl_account_code().is_none_or(|code| code == account.gl_account.code),
                };
                if !agrees {
                    return None;
                }
            }
        }
        BookRecord::Item(item, expected) => {
            if !rule.considers_open_items() {
                return None;
            }
            if let Some(cond) = &rule.open_item {
                if !cond.kinds.is_empty() && !cond.kinds.contains(&item.kind) {
                    return None;
                }
                if !cond.payment_methods.is_empty() && !item.payment_method.as_ref().is_some_and(|m| cond.payment_methods.contains(m)) {
                    return None;
                }
                if cond.has_attachment.is_some_and(|h| h != item.has_attachment) {
                    return None;
                }
            }
            if let (Some(expected), Some(id)) = (expected, b.account_id()) {
                if expected != id && expected != b.entry.account.as_str() {
                    return None;
                }
            }
        }
    }
    // Amount.
    let difference = b.signed - c.signed;
    let amount = if difference.is_zero() {
        1.0
    } else {
        let limit = rule.amount.limit(c.signed);
        if difference.abs() > limit || limit.is_zero() {
            return None;
        }
        let ratio: f64 = (difference.abs() / limit).try_into().unwrap_or(1.0);
        1.0 - 0.5 * ratio
    };
    // Date.
    let field = rule.date_window.map(|w| w.field).unwrap_or_default();
    let days = match (bank_date(b, field), c.date()) {
        (Some(bd), Some(cd)) => Some(bd - cd),
        _ => None,
    };
    let date = match (rule.date_window, days) {
        (Some(w), Some(d)) => {
            let limit = if d < 0 { w.before } else { w.after } as i32;
            if d.abs() > limit {
                return None;
            }
            Some(1.0 - f64::from(d.abs()) / f64::from(limit + 1))
        }
        (Some(_), None) => return None,
        (None, Some(d)) => Some((1.0 - f64::from(d.abs()) / 8.0).max(0.0)),
        (None, None) => Some(0.0),
    };
    // Settlement number.
    let settlement = match (&b.settlement, &c.settlement) {
        (Some(x), Some(y)) => Some(if x == y { 1.0 } else { 0.0 }),
        _ => None,
    };
    if rule.settlement_number && settlement != Some(1.0) {
        return None;
    }
    // Name, before the references: a name below the rule's threshold refuses most candidates of
    // an amount band, and comparing references (edit distances among them) would be wasted on them.
    let (name, name_exact) = if b.name_id.is_empty() || c.name_id.is_empty() {
        (None, false)
    } else if b.name_id == c.name_id {
        // One table gives equal normalised names one id: most pairs are decided here.
        (Some(1.0), true)
    } else {
        (Some(names.similarity(b.name_id, c.name_id)), false)
    };
    if let Some(threshold) = rule.name_similarity {
        if name.is_none_or(|s| s < threshold) {
            return None;
        }
    }
    // Reference.
    let ref_hit = if c.refs.is_empty() || b.refs.is_empty() { None } else { reference_hit(b, c, rule.reference) };
    if rule.reference.is_some() && ref_hit.is_none() {
        return None;
    }
    let reference = match ref_hit {
        Some((RefHit::Structured(_) | RefHit::Text(_), _)) => Some(1.0),
        Some((RefHit::Similar(_), _)) => Some(0.75),
        None if contradicts(b, c) => Some(0.0),
        None => None,
    };
    let parts = [Some(amount), date, reference, name, settlement];
    let (mut num, mut den) = (0.0, 0.0);
    let (mut values, mut applies) = ([0.0; 5], 0u8);
    for (i, (p, w)) in parts.iter().zip(weights(rule)).enumerate() {
        if let Some(v) = p {
            num += v * w;
            den += w;
            values[i] = *v;
            applies |= 1 << i;
        }
    }
    let score = if den > 0.0 { round3(num / den) } else { 0.0 };
    let names_differ = rule.auto_match_name_similarity.is_some_and(|least| name.is_some_and(|s| s < least));
    Some(Eval { score, values, applies, difference, days, name_exact, names_differ, ref_hit })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(values: [f64; 5], applies: u8) -> Eval {
        Eval { score: 1.0, values, applies, difference: Decimal::ZERO, days: Some(0), name_exact: true, names_differ: false, ref_hit: None }
    }

    #[test]
    fn pairs_scored_alike_share_one_list() {
        let rule = Rule::new("r");
        let mut shared = SharedComponents::default();
        let one = eval([1.0, 1.0, 0.0, 0.74, 0.0], 0b01011);
        let a = shared.get(0, &rule, &one);
        assert_eq!(&*a, one.components(&rule).as_slice());
        // Equal once rounded as the components hold them; a part that does not apply is ignored.
        let b = shared.get(0, &rule, &eval([1.0, 1.0, 0.5, 0.740_01, 0.9], 0b01011));
        assert!(Arc::ptr_eq(&a, &b));
        // Another value, another set of parts or another rule: a list of its own.
        for (at, other) in [(0, eval([1.0, 1.0, 0.0, 0.75, 0.0], 0b01011)), (0, eval([1.0, 1.0, 0.0, 0.74, 0.0], 0b01111)), (1, one)] {
            let c = shared.get(at, &rule, &other);
            assert!(!Arc::ptr_eq(&a, &c));
            assert_eq!(&*c, other.components(&rule).as_slice());
        }
    }
}
