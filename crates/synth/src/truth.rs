//! Judging match records and proposal candidates against the truth of a scenario: which pair or
//! group a bank entry belongs to, and whether a record or candidate says what the truth says.

use std::collections::{BTreeSet, HashMap};

use bankrec_model::MatchRecord;

use crate::scenario::{BookRef, Noise, Scenario};

/// A unit of truth: a true pair or a true group, by its index in [`Scenario::pairs`] or
/// [`Scenario::groups`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TruthUnit {
    /// Index into [`Scenario::pairs`].
    Pair(usize),
    /// Index into [`Scenario::groups`].
    Group(usize),
}

/// What the truth says about one match record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// The unit of the record's first bank entry; `None` for a bank-only entry (or no bank entry).
    pub unit: Option<TruthUnit>,
    /// Its noise kind ([`Noise::NoCounterpart`] when there is no unit).
    pub noise: Noise,
    /// Whether the record is right (see [`Truth::judge`]).
    pub correct: bool,
}

/// The truth of a scenario, indexed by bank entry id.
///
/// ```
/// use bankrec_model::{Currency, MatchOrigin, MatchRecord, OpenItemAllocation, Timestamp};
/// use bankrec_synth::{BookRef, Scenario, ScenarioConfig, Truth};
/// let s = Scenario::generate(&ScenarioConfig::new(3, 50));
/// let truth = Truth::new(&s);
/// let p = &s.pairs[0];
/// let now: Timestamp = "2026-01-01T00:00:00Z".parse().expect("timestamp");
/// let mut r = MatchRecord::new("M1", Currency::EUR, MatchOrigin::Manual, now, "test");
/// r.bank_entries.push(p.bank.clone());
/// match &p.book {
///     BookRef::Ledger(id) => r.ledger_entries.push(id.clone()),
///     BookRef::OpenItem(id) => r.open_items.push(OpenItemAllocation { id: id.clone(), amount: Default::default() }),
/// }
/// assert!(truth.judge(&r).correct);
/// ```
#[derive(Debug)]
pub struct Truth<'a> {
    scenario: &'a Scenario,
    by_bank: HashMap<&'a str, TruthUnit>,
}

fn book_set<'r>(ledger: impl IntoIterator<Item = &'r String>, items: impl IntoIterator<Item = &'r String>) -> BTreeSet<BookRef> {
    ledger.into_iter().map(|l| BookRef::Ledger(l.clone())).chain(items.into_iter().map(|i| BookRef::OpenItem(i.clone()))).collect()
}

impl<'a> Truth<'a> {
    /// Indexes the pairs and groups of a scenario by bank entry id.
    pub fn new(scenario: &'a Scenario) -> Truth<'a> {
        let mut by_bank = HashMap::with_capacity(scenario.bank_entries.len());
        for (i, p) in scenario.pairs.iter().enumerate() {
            by_bank.insert(p.bank.as_str(), TruthUnit::Pair(i));
        }
        for (i, g) in scenario.groups.iter().enumerate() {
            for b in &g.bank {
                by_bank.insert(b.as_str(), TruthUnit::Group(i));
            }
        }
        Truth { scenario, by_bank }
    }

    /// The pair or group a bank entry belongs to.
    pub fn unit_of(&self, bank_id: &str) -> Option<TruthUnit> {
        self.by_bank.get(bank_id).copied()
    }

    /// Every unit: the pairs, then the groups.
    pub fn units(&self) -> impl Iterator<Item = TruthUnit> + '_ {
        (0..self.scenario.pairs.len()).map(TruthUnit::Pair).chain((0..self.scenario.groups.len()).map(TruthUnit::Group))
    }

    /// The noise kind of a unit.
    pub fn noise(&self, unit: TruthUnit) -> Noise {
        match unit {
            TruthUnit::Pair(i) => self.scenario.pairs[i].noise,
            TruthUnit::Group(i) => self.scenario.groups[i].noise,
        }
    }

    /// The bank entry ids of a unit.
    pub fn bank_ids(&self, unit: TruthUnit) -> Vec<&'a str> {
        match unit {
            TruthUnit::Pair(i) => vec![self.scenario.pairs[i].bank.as_str()],
            TruthUnit::Group(i) => self.scenario.groups[i].bank.iter().map(String::as_str).collect(),
        }
    }

    /// Whether a match record is right. With B its bank entry ids and K its ledger entry and open
    /// item ids, the record is right when all of B belong to one unit and:
    /// - the unit is a true pair and B = {its bank entry}, K = {its book record}; or
    /// - the unit is a true group and either B and K are exactly the group's members, or B and K
    ///   are exactly the union of one or more of the group's [parts](crate::TrueGroup::parts)
    ///   (an instalment of a partial payment with its item, a transfer leg with its own ledger
    ///   line); and every open item allocation of the record equals the sum of what the truth
    ///   applies from the record's bank entries to that item ([`crate::TrueGroup::applied_to`]),
    ///   so a partial payment allocated as if it settled the item in full is wrong.
    ///
    /// A record whose bank entries have no counterpart is wrong.
    pub fn judge(&self, record: &MatchRecord) -> Verdict {
        let unit = record.bank_entries.first().and_then(|b| self.unit_of(b));
        let Some(unit) = unit else {
            return Verdict { unit: None, noise: Noise::NoCounterpart, correct: false };
        };
        let noise = self.noise(unit);
        let bank: BTreeSet<&str> = record.bank_entries.iter().map(String::as_str).collect();
        let book = book_set(&record.ledger_entries, record.open_items.iter().map(|a| &a.id));
        let same_unit = bank.iter().all(|b| self.unit_of(b) == Some(unit)) && bank.len() == record.bank_entries.len();
        let correct = same_unit
            && match unit {
                TruthUnit::Pair(i) => {
                    let p = &self.scenario.pairs[i];
                    bank.len() == 1 && book.len() == 1 && book.contains(&p.book)
                }
                TruthUnit::Group(i) => {
                    let g = &self.scenario.groups[i];
                    let whole = bank.len() == g.bank.len() && book == g.book.iter().cloned().collect::<BTreeSet<_>>();
                    let of_parts = {
                        let chosen: Vec<_> =
                            g.parts.iter().filter(|p| !p.bank.is_empty() && p.bank.iter().all(|b| bank.contains(b.as_str()))).collect();
                        let union_bank: BTreeSet<&str> = chosen.iter().flat_map(|p| p.bank.iter().map(String::as_str)).collect();
                        let union_book: BTreeSet<BookRef> = chosen.iter().flat_map(|p| p.book.iter().cloned()).collect();
                        !chosen.is_empty() && union_bank == bank && union_book == book
                    };
                    let members: Vec<&str> = bank.iter().copied().collect();
                    let allocations_agree = record.open_items.iter().all(|a| {
                        let expected = g.applied_to(&a.id, &members);
                        !expected.is_zero() && a.amount == expected
                    });
                    (whole || of_parts) && allocations_agree
                }
            };
        Verdict { unit: Some(unit), noise, correct }
    }

    /// Whether a proposal candidate for `bank_id` names the right book records: the pair's book
    /// record; or all of the group's book records; or the book records of a part holding this bank
    /// entry (a partial payment's item, a transfer leg's own ledger line). Never for a group
    /// without book records, since a candidate names book records only.
    pub fn is_hit(&self, bank_id: &str, ledger: &[String], items: &[String]) -> bool {
        let book = book_set(ledger, items);
        if book.is_empty() {
            return false;
        }
        match self.unit_of(bank_id) {
            None => false,
            Some(TruthUnit::Pair(i)) => book.len() == 1 && book.contains(&self.scenario.pairs[i].book),
            Some(TruthUnit::Group(i)) => {
                let g = &self.scenario.groups[i];
                book == g.book.iter().cloned().collect::<BTreeSet<_>>()
                    || g.parts
                        .iter()
                        .any(|p| p.bank.iter().any(|b| b == bank_id) && book == p.book.iter().cloned().collect::<BTreeSet<_>>())
            }
        }
    }
}
