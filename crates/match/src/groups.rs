//! Group matching, run after the one-to-one rules over what is still open: camt batches, settlement
//! groups, split payments (one bank entry for several items: by the references it quotes, then by
//! a bounded subset-sum search over its payer's open items) and partial payments (several entries
//! for one item, one entry paying part of it, or the rest of a partly paid item).
//!
//! Every pass sees the entries in id order and proposes all its groups before committing any: a
//! group whose members another group of the same pass also claims is only proposed (flagged
//! ambiguous). So the result never depends on the input order. See `docs/matching.md`.

mod config;
mod names;
mod subset;
#[cfg(test)]
mod tests;
mod view;

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::fmt::Write as _;

use bankrec_model::{AdjustmentLine, Currency, Decimal, MatchOrigin, MatchRecord, OpenItemAllocation, ScoreComponent, Timestamp};

pub use config::{GroupRules, MAX_STEP_BUDGET, MAX_SUBSET_ITEMS_LIMIT};

use crate::engine::{record_id, Candidate, ENGINE_ACTOR};
use crate::prepare::{minor_units, BankView, BookView, Labels, NameId, Names};
use crate::reference::Refs;
use subset::subset_sums;
pub(crate) use view::book_admissible_for;
use view::{bank_v, book_v, party_name, AccountKeys, BankFit, BankV, BookFit, BookRefs, BookV, Rec};

/// Rule names recorded on group matches.
pub(crate) const SPLIT_PAYMENT: &str = "split_payment";
/// Several entries for one item, or part of one item.
pub(crate) const PARTIAL_PAYMENT: &str = "partial_payment";
/// Bank entries and ledger lines sharing a settlement number.
pub(crate) const SETTLEMENT_GROUP: &str = "settlement_group";
/// A camt batch whose details each found their book record.
pub(crate) const BATCH: &str = "batch";

/// Most subsets listed in an ambiguous proposal.
const MAX_LISTED_SUBSETS: usize = 5;
/// Names shared by more distinct counterparties than this are not used to find similar names
/// (a word such as "services" would otherwise make the lookup quadratic).
const MAX_NAMES_PER_WORD: usize = 256;

/// Most of a payer's open items the subset search examines, walking outwards from the payment
/// date: bounds the work per payment whatever the size of the payer's ledger.
const MAX_EXAMINED_ITEMS: usize = 64;

/// Most combinations expected to sum to a payment by chance for the only one found by the subset
/// search over a payer's items to be matched automatically: above it, the combination is only
/// proposed. See [`chance_combinations`].
const MAX_CHANCE_COMBINATIONS: f64 = 0.01;

/// About how many combinations of `size` of `items` amounts sum to a payment of `cents` minor
/// units by chance: the combinations of that size spread their sums over about as many amounts
/// as the payment has minor units. Small amounts of a payer with many open items make an exact
/// sum likely (16 items hold 4 368 combinations of 5; a payment of 69.42 has 6 942 possible
/// amounts in cents), large amounts and few items unlikely.
fn chance_combinations(items: usize, size: usize, cents: i64) -> f64 {
    let combinations = (0..size.min(items)).fold(1.0, |c, i| c * (items - i) as f64 / (i + 1) as f64);
    combinations / cents.max(1) as f64
}

/// What the group pass reads: what the one-to-one rules left open, as the engine's views of it
/// (references, names and accounts are not worked out twice).
#[derive(Clone)]
pub(crate) struct GroupInput<'v, 'a> {
    /// Open booked bank entries.
    pub(crate) bank: Vec<&'v BankView<'a>>,
    /// Open ledger entries.
    pub(crate) ledger: Vec<&'v BookView<'a>>,
    /// Open items with the amount still open on each (open amount less active allocations).
    pub(crate) items: Vec<(&'v BookView<'a>, Decimal)>,
}

/// What the group pass found.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct GroupOutcome {
    /// New group records, in pass order (batch, settlement, split by reference, partial, split by
    /// subset), each pass by its first bank entry id.
    pub(crate) records: Vec<MatchRecord>,
    /// Proposals: bank entry id and one candidate group, by bank entry id, then as found.
    pub(crate) proposals: Vec<(String, Candidate)>,
    /// Reasons for bank entries left open that the group pass looked at without a candidate
    /// (e.g. "the subset search over 200 open items of acme was cut"), by bank entry id.
    pub(crate) notes: Vec<(String, String)>,
    /// Positions in [`GroupInput::bank`], [`GroupInput::ledger`] and [`GroupInput::items`] of the
    /// members of the records (an item paid in part among them), ascending.
    pub(crate) taken_bank: Vec<usize>,
    pub(crate) taken_ledger: Vec<usize>,
    pub(crate) taken_items: Vec<usize>,
    /// What the records apply to open items: (position in [`GroupInput::items`], amount), in
    /// record order; an item may appear more than once.
    pub(crate) applied_items: Vec<(usize, Decimal)>,
}

/// Fills the outcome's taken positions from the run's open flags.
fn out_taken(run: &mut Run<'_, '_>, bank_order: &[usize], ledger_order: &[usize], item_order: &[usize]) {
    let taken = |open: &[bool], order: &[usize]| {
        let mut t: Vec<usize> = open.iter().zip(order).filter(|(o, _)| !**o).map(|(_, &k)| k).collect();
        t.sort_unstable();
        t
    };
    let n_ledger = ledger_order.len();
    run.out.taken_bank = taken(&run.bank_open, bank_order);
    run.out.taken_ledger = taken(&run.book_open[..n_ledger], ledger_order);
    run.out.taken_items = taken(&run.book_open[n_ledger..], item_order);
    // The records held book positions (ledger lines first); the caller wants input positions.
    for slot in &mut run.out.applied_items {
        slot.0 = item_order[slot.0 - n_ledger];
    }
}

/// The amount still open on each item: its open amount minus the allocations of active records,
/// never below zero. An item with nothing remaining is taken; one with part remaining can still
/// be paid (partial payments survive later runs).
#[cfg(test)]
pub(crate) fn remaining_open_amounts<'a>(items: &'a [bankrec_model::OpenItem], existing: &[MatchRecord]) -> HashMap<&'a str, Decimal> {
    let mut allocated: HashMap<&str, Decimal> = HashMap::default();
    for r in existing.iter().filter(|r| r.is_active()) {
        for a in &r.open_items {
            let slot = allocated.entry(a.id.as_str()).or_default();
            *slot = slot.saturating_add(a.amount);
        }
    }
    items
        .iter()
        .map(|i| {
            let used = allocated.get(i.id.as_str()).copied().unwrap_or_default();
            (i.id.as_str(), i.open_amount.saturating_sub(used).max(Decimal::ZERO))
        })
        .collect()
}

/// A group found by a pass, before conflicts are resolved.
#[derive(Clone)]
struct Group {
    kind: &'static str,
    /// Bank positions, ascending.
    banks: Vec<usize>,
    /// Book positions and the unsigned amount applied, ascending by position.
    book: Vec<(usize, Decimal)>,
    difference: Decimal,
    components: Vec<ScoreComponent>,
    reasons: Vec<String>,
    /// Groups with the same owner may share members (partial payments of one item); others not.
    owner: usize,
    /// One record per bank entry (partial payments of one item by several entries).
    per_bank: bool,
    /// False when the group may only be proposed (search cut, sum outside tolerance, ...).
    auto: bool,
    ambiguous: bool,
}

/// The owners of the groups claiming one entry: the first, and whether any other differs from it.
#[derive(Clone, Copy)]
struct Claims {
    first: usize,
    mixed: bool,
}

impl Claims {
    fn new(owner: usize) -> Claims {
        Claims { first: owner, mixed: false }
    }

    fn add(&mut self, owner: usize) {
        self.mixed |= owner != self.first;
    }

    /// True when an owner other than `owner` claims the entry.
    fn other_than(&self, owner: usize) -> bool {
        self.first != owner || self.mixed
    }
}

struct Run<'a, 'c> {
    config: &'c GroupRules,
    now: Timestamp,
    used_ids: &'c dyn Fn(&str) -> bool,
    bank: Vec<BankV<'a>>,
    book: Vec<BookV<'a>>,
    bank_open: Vec<bool>,
    book_open: Vec<bool>,
    /// Bank entries already proposed by an earlier pass: later passes leave them alone.
    bank_proposed: Vec<bool>,
    /// The normalised names of the views.
    names: &'c mut Names,
    /// The references of the book records, with the records quoting each.
    book_refs: BookRefs,
    /// What the account check reads, by bank and by book position.
    bank_fit: Vec<BankFit>,
    book_fit: Vec<BookFit>,
    /// Entries quoting one item and paying more: (bank, item, the overpayment proposal made when
    /// the payer's other open items do not make up the rest).
    paid_more: Vec<(usize, usize, Group)>,
    new_ids: HashSet<String>,
    labels: Labels,
    out: GroupOutcome,
}

/// Runs the group passes over what the one-to-one rules left open. Pure and deterministic: the
/// same entries in any order give the same records and proposals; the subset search is bounded by
/// `config.step_budget` steps, never by time.
///
/// `names` is the table the views' names are in.
pub(crate) fn match_groups(
    config: &GroupRules,
    input: &GroupInput<'_, '_>,
    names: &mut Names,
    now: Timestamp,
    used_ids: &dyn Fn(&str) -> bool,
) -> GroupOutcome {
    // Positions in the input, in id order without repeats: the outcome says which positions
    // the records took, so the caller need not look ids up.
    let order = |ids: Vec<&str>| {
        let mut order: Vec<usize> = (0..ids.len()).collect();
        if ids.windows(2).all(|w| w[0] < w[1]) {
            // The engine hands them over in id order.
            return order;
        }
        order.sort_by(|&a, &b| ids[a].cmp(ids[b]).then(a.cmp(&b)));
        order.dedup_by(|a, b| ids[*a] == ids[*b]);
        order
    };
    let bank_order = order(input.bank.iter().map(|v| v.entry.id.as_str()).collect());
    let ledger_order = order(input.ledger.iter().map(|v| v.id()).collect());
    let item_order: Vec<usize> =
        order(input.items.iter().map(|(v, _)| v.id()).collect()).into_iter().filter(|&k| input.items[k].1 > Decimal::ZERO).collect();

    let n_refs = ledger_order.iter().map(|&k| input.ledger[k].refs.len()).sum::<usize>()
        + item_order.iter().map(|&k| input.items[k].0.refs.len()).sum::<usize>();
    let mut book_refs = BookRefs::with_capacity(n_refs);
    let mut book: Vec<BookV<'_>> = Vec::with_capacity(ledger_order.len() + item_order.len());
    for &k in &ledger_order {
        book.push(book_v(input.ledger[k], Decimal::ZERO, book.len(), &mut book_refs));
    }
    for &k in &item_order {
        let (view, remaining) = input.items[k];
        book.push(book_v(view, remaining, book.len(), &mut book_refs));
    }
    let mut scratch = Refs::new();
    let bank: Vec<BankV<'_>> = bank_order.iter().map(|&k| bank_v(input.bank[k], &book_refs, &mut scratch)).collect();
    let mut accounts = AccountKeys::default();
    let book_fit: Vec<BookFit> = book.iter().map(|c| accounts.book_fit(c.rec, c.currency, c.open, c.signed)).collect();
    let bank_fit: Vec<BankFit> = bank.iter().map(|v| accounts.bank_fit(v.e, v.account_id(), v.gl())).collect();
    let mut run = Run {
        config,
        now,
        used_ids,
        bank_open: vec![true; bank.len()],
        book_open: vec![true; book.len()],
        bank_proposed: vec![false; bank.len()],
        bank,
        book,
        names,
        book_refs,
        bank_fit,
        book_fit,
        paid_more: Vec::new(),
        new_ids: HashSet::default(),
        labels: Labels::default(),
        out: GroupOutcome::default(),
    };
    if config.batches {
        let groups = run.batches();
        run.commit(groups);
    }
    if config.settlement_groups {
        let groups = run.settlement_groups();
        run.commit(groups);
    }
    if config.split_payments || config.partial_payments {
        let groups = run.by_reference();
        run.commit(groups);
    }
    if config.split_payments && config.subset_search {
        let groups = run.by_subset();
        run.commit(groups);
    }
    out_taken(&mut run, &bank_order, &ledger_order, &item_order);
    let mut out = run.out;
    // Stable: a bank entry's candidates keep the order they were found in.
    out.proposals.sort_by(|a, b| a.0.cmp(&b.0));
    out.notes.sort();
    out.notes.dedup();
    out
}

impl<'a> Run<'a, '_> {
    /// [`book_admissible_for`], on keys read side by side.
    fn admissible(&self, b: usize, k: usize) -> bool {
        let fits = self.bank_fit[b].admits(&self.book_fit[k]);
        debug_assert_eq!(fits, {
            let (bv, c) = (&self.bank[b], &self.book[k]);
            let (ledger_gl, item_account) = match c.rec {
                Rec::Ledger(l) => (l.gl_account_code(), None),
                Rec::Item(i) => (None, i.bank_account.as_deref()),
            };
            book_admissible_for(bv.e, bv.account_id(), bv.gl(), c.currency, c.signed, ledger_gl, item_account)
        });
        fits
    }

    /// True when both name a party and their similarity reaches the threshold.
    fn same_party(&self, a: NameId, b: NameId) -> bool {
        self.names.same_party(a, b, self.config.name_similarity)
    }

    fn cur(&self, b: usize) -> Currency {
        self.bank[b].e.currency
    }

    fn book_sum(&self, members: &[(usize, Decimal)]) -> Decimal {
        members.iter().fold(Decimal::ZERO, |acc, &(k, a)| {
            let c = &self.book[k];
            let signed = if c.signed.is_sign_negative() { -a } else { a };
            acc.saturating_add(signed)
        })
    }

    fn bank_sum(&self, banks: &[usize]) -> Decimal {
        banks.iter().fold(Decimal::ZERO, |acc, &b| acc.saturating_add(self.bank[b].signed))
    }

    fn list(&self, members: &[(usize, Decimal)]) -> String {
        let mut s = String::new();
        for (n, &(k, a)) in members.iter().enumerate() {
            if n > 0 {
                s.push_str(", ");
            }
            let _ = write!(s, "{} ({a})", self.book[k].id);
        }
        s
    }

    fn difference_reason(&self, b: usize, difference: Decimal) -> Option<String> {
        let adj = self.config.adjustment.as_ref().filter(|_| !difference.is_zero())?;
        let what = if difference.is_sign_negative() == self.bank[b].signed.is_sign_negative() { "more" } else { "less" };
        Some(format!(
            "the bank side is {} {} {what} than the book side (bank minus book {difference}), within the group tolerance, carried to {} {}",
            difference.abs(),
            self.cur(b),
            adj.account.code,
            adj.account.title
        ))
    }

    fn amount_component(&self, book_sum: Decimal, difference: Decimal) -> ScoreComponent {
        let limit = self.config.amount.limit(book_sum);
        let value = if difference.is_zero() || limit.is_zero() {
            1.0
        } else {
            let ratio: f64 = (difference.abs() / limit).try_into().unwrap_or(1.0);
            1.0 - 0.5 * ratio.min(1.0)
        };
        component("amount", value, 1.0)
    }

    // ---- batches -------------------------------------------------------------------------

    /// A batch entry whose every detail finds its own ledger line or open item: by a reference the
    /// detail quotes (amount within the tolerance), else by equal amount and the payer's name.
    fn batches(&mut self) -> Vec<Group> {
        // Open book records by amount, only for the amounts of batch details: a list for every
        // amount on the book side would cost an allocation per record.
        let mut by_amount: HashMap<(Currency, Decimal), Vec<usize>> = HashMap::default();
        for b in (0..self.bank.len()).filter(|&b| self.bank_open[b] && self.bank[b].e.details.len() >= 2) {
            let e = self.bank[b].e;
            for d in &e.details {
                if let Some(money) = d.amount.as_ref().filter(|m| m.currency() == e.currency) {
                    by_amount.entry((e.currency, d.direction.unwrap_or(e.direction).signed(money.amount()).normalize())).or_default();
                }
            }
        }
        if !by_amount.is_empty() {
            for (k, c) in self.book.iter().enumerate().filter(|(k, _)| self.book_open[*k]) {
                if let Some(list) = by_amount.get_mut(&(c.currency, c.signed.normalize())) {
                    list.push(k);
                }
            }
        }
        let mut groups = Vec::new();
        for b in 0..self.bank.len() {
            let e = self.bank[b].e;
            if !self.bank_open[b] || e.details.len() < 2 {
                continue;
            }
            let mut chosen: Vec<(usize, Decimal)> = Vec::new();
            let mut lines: Vec<String> = Vec::new();
            let mut missing: Vec<usize> = Vec::new();
            let mut by_ref_count = 0usize;
            for (n, d) in e.details.iter().enumerate() {
                let Some(money) = d.amount.as_ref().filter(|m| m.currency() == e.currency) else {
                    missing.push(n + 1);
                    continue;
                };
                let signed = d.direction.unwrap_or(e.direction).signed(money.amount());
                let refs = self.bank[b].detail_refs.get(n).map_or(&[][..], |r| r.as_slice());
                let name = self.names.id(party_name(&d.transaction));
                let fits = |k: usize, chosen: &[(usize, Decimal)]| {
                    self.book_open[k]
                        && !chosen.iter().any(|c| c.0 == k)
                        && self.admissible(b, k)
                        && self.book[k].signed.is_sign_negative() == signed.is_sign_negative()
                };
                let mut hits: Vec<usize> = refs
                    .iter()
                    .flat_map(|&r| self.book_refs.records(r).iter().copied())
                    .filter(|&k| fits(k, &chosen) && self.config.within(signed, self.book[k].signed).is_some())
                    .collect();
                hits.sort_unstable();
                hits.dedup();
                let how;
                if hits.len() == 1 {
                    how = "reference";
                    by_ref_count += 1;
                } else if hits.is_empty() {
                    hits = by_amount
                        .get(&(e.currency, signed.normalize()))
                        .into_iter()
                        .flatten()
                        .copied()
                        .filter(|&k| fits(k, &chosen) && self.same_party(name, self.book[k].name))
                        .collect();
                    how = "amount and name";
                } else {
                    how = "";
                }
                if hits.len() != 1 {
                    missing.push(n + 1);
                    continue;
                }
                let k = hits[0];
                chosen.push((k, self.book[k].open));
                lines.push(format!("detail {} {} -> {} by {how}", n + 1, signed, self.book[k].id));
            }
            if chosen.is_empty() {
                continue;
            }
            chosen.sort_unstable();
            let book_sum = self.book_sum(&chosen);
            let difference = self.config.within(self.bank[b].signed, book_sum);
            let mut reasons = vec![format!(
                "batch of {} details, {} {} in total: {}",
                e.details.len(),
                self.bank[b].signed,
                e.currency,
                lines.join("; ")
            )];
            let auto = missing.is_empty() && difference.is_some();
            if !missing.is_empty() {
                let list: Vec<String> = missing.iter().map(usize::to_string).collect();
                reasons.push(format!("detail(s) {} found no single ledger line or open item", list.join(", ")));
            }
            match difference {
                Some(d) => reasons.extend(self.difference_reason(b, d)),
                None => reasons
                    .push(format!("the details found sum to {book_sum}, the batch to {}: outside the tolerance", self.bank[b].signed)),
            }
            let n = e.details.len() as f64;
            let diff = difference.unwrap_or(self.bank[b].signed - book_sum);
            let components = vec![self.amount_component(book_sum, diff), component("reference", by_ref_count as f64 / n, 2.0)];
            groups.push(Group {
                kind: BATCH,
                banks: vec![b],
                book: chosen,
                difference: diff,
                components,
                reasons,
                owner: b,
                per_bank: false,
                auto,
                ambiguous: false,
            });
        }
        groups
    }

    // ---- settlement groups -----------------------------------------------------------------

    /// Bank entries and ledger lines sharing a settlement number, three or more in all, on one
    /// bank account and currency.
    fn settlement_groups(&mut self) -> Vec<Group> {
        // Keyed by the numbers' text, so that groups are found in the same order in every run.
        let names: &Names = self.names;
        let mut banks: BTreeMap<(&str, &str, &str), Vec<usize>> = BTreeMap::new();
        for (b, v) in self.bank.iter().enumerate().filter(|(b, _)| self.bank_open[*b]) {
            if let Some(s) = v.settlement {
                banks.entry((names.settlement(s), v.account_label(), v.e.currency.code())).or_default().push(b);
            }
        }
        let mut ledgers: HashMap<&str, Vec<usize>> = HashMap::default();
        for (k, c) in self.book.iter().enumerate().filter(|(k, _)| self.book_open[*k]) {
            if let (Rec::Ledger(_), Some(s)) = (c.rec, c.settlement.map(|s| names.settlement(s))) {
                ledgers.entry(s).or_default().push(k);
            }
        }
        let mut groups = Vec::new();
        for ((key, _, _), bs) in banks {
            let first = bs[0];
            let v = &self.bank[first];
            // A ledger line counts in either direction: refunds and fees net within a settlement.
            let ls: Vec<(usize, Decimal)> = ledgers
                .get(key)
                .into_iter()
                .flatten()
                .copied()
                .filter(|&k| {
                    let c = &self.book[k];
                    let fits = match c.rec {
                        Rec::Ledger(l) => l.gl_account_code().is_none_or(|gl| v.gl().is_none_or(|bank| bank == gl)),
                        Rec::Item(_) => v.gl().is_none(),
                    };
                    c.currency == v.e.currency && fits
                })
                .map(|k| (k, self.book[k].open))
                .collect();
            if ls.is_empty() || bs.len() + ls.len() < 3 {
                continue;
            }
            let bank_sum = self.bank_sum(&bs);
            let book_sum: Decimal = ls.iter().fold(Decimal::ZERO, |acc, &(k, _)| acc.saturating_add(self.book[k].signed));
            let difference = self.config.within(bank_sum, book_sum);
            let cur = v.e.currency;
            let mut reasons = vec![format!(
                "settlement number {key}: {} bank entr{} sum to {bank_sum} {cur}, {} ledger line(s) to {book_sum} {cur}",
                bs.len(),
                if bs.len() == 1 { "y" } else { "ies" },
                ls.len()
            )];
            match difference {
                Some(d) => reasons.extend(self.difference_reason(first, d)),
                None => reasons.push(format!("the sums differ by {} {cur}, outside the tolerance", bank_sum - book_sum)),
            }
            let diff = difference.unwrap_or(bank_sum - book_sum);
            let components = vec![self.amount_component(book_sum, diff), component("settlement", 1.0, 2.0)];
            groups.push(Group {
                kind: SETTLEMENT_GROUP,
                banks: bs.clone(),
                book: ls,
                difference: diff,
                components,
                reasons,
                owner: first,
                per_bank: false,
                auto: difference.is_some(),
                ambiguous: false,
            });
        }
        groups
    }

    // ---- references: split and partial payments -------------------------------------------

    /// Book records whose references the bank entry quotes (open, admissible), ascending.
    fn reference_hits(&self, b: usize) -> Vec<usize> {
        let mut hits: Vec<usize> = self.bank[b]
            .refs
            .iter()
            .flat_map(|&r| self.book_refs.records(r).iter().copied())
            .filter(|&k| self.book_open[k] && self.admissible(b, k))
            .collect();
        hits.sort_unstable();
        hits.dedup();
        hits
    }

    fn quoted(&self, b: usize, k: usize) -> &str {
        let refs = &self.bank[b].refs;
        self.book[k].refs.iter().find(|r| refs.contains(r)).map_or("", |&r| self.book_refs.value(r))
    }

    /// Split payments by the references an entry quotes, and partial payments of one item.
    fn by_reference(&mut self) -> Vec<Group> {
        let mut groups = Vec::new();
        let mut notes = Vec::new();
        // Entries quoting exactly one open item, by item: many-to-one and partial payments.
        let mut single: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for b in 0..self.bank.len() {
            if !self.bank_open[b] || self.bank_proposed[b] {
                continue;
            }
            let hits = self.reference_hits(b);
            if hits.len() == 1 {
                if self.config.partial_payments && self.book[hits[0]].item().is_some() {
                    single.entry(hits[0]).or_default().push(b);
                }
                continue;
            }
            if hits.len() < 2 || !self.config.split_payments {
                continue;
            }
            let target = self.bank[b].signed.abs();
            let amounts: Vec<Decimal> = hits.iter().map(|&k| self.book[k].open).collect();
            let found = subset_sums(&amounts, target, self.config.amount.limit(target), 2, self.config.step_budget, MAX_LISTED_SUBSETS);
            let quoted: Vec<&str> = hits.iter().map(|&k| self.quoted(b, k)).collect();
            let head = format!(
                "the payment of {} {} quotes {} open record(s): {}",
                self.bank[b].signed,
                self.cur(b),
                hits.len(),
                hits.iter()
                    .zip(&quoted)
                    .map(|(&k, q)| format!("{q} ({} {})", self.book[k].id, self.book[k].open))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            self.subset_groups(b, &hits, &found, head, true, &mut groups, &mut notes);
        }
        let mut paid_more = Vec::new();
        for (k, bs) in single {
            self.partial_groups(k, &bs, &mut groups, &mut paid_more);
        }
        self.paid_more = paid_more;
        self.out.notes.extend(notes);
        groups
    }

    /// Groups (or proposals) from a subset search over `pool` (book positions) for bank entry `b`.
    #[allow(clippy::too_many_arguments)]
    fn subset_groups(
        &self,
        b: usize,
        pool: &[usize],
        found: &subset::SubsetResult,
        head: String,
        by_ref: bool,
        out: &mut Vec<Group>,
        notes: &mut Vec<(String, String)>,
    ) {
        let (subsets, exact) = if found.exact.is_empty() { (&found.near, false) } else { (&found.exact, true) };
        let subsets: Vec<Vec<(usize, Decimal)>> = subsets
            .iter()
            .map(|s| s.iter().map(|&i| (pool[i], self.book[pool[i]].open)).collect::<Vec<_>>())
            .filter(|s| self.config.within(self.bank[b].signed, self.book_sum(s)).is_some())
            .collect();
        if subsets.is_empty() {
            if found.cut {
                notes.push((
                    self.bank[b].e.id.clone(),
                    if found.steps >= self.config.step_budget {
                        format!(
                            "{head}; the search was cut after {} steps (step budget) without a combination summing to the payment",
                            found.steps
                        )
                    } else {
                        format!("{head}; no combination of them sums to the payment ({} steps)", found.steps)
                    },
                ));
            }
            return;
        }
        let several = subsets.len() > 1;
        // Without a reference, the only exact sum is evidence when a coincidence is unlikely.
        let cents = (!by_ref).then(|| minor_units(self.bank[b].signed.abs(), self.cur(b)));
        for (n, s) in subsets.into_iter().enumerate() {
            let chance = cents.map(|c| chance_combinations(pool.len(), s.len(), c)).filter(|&c| c > MAX_CHANCE_COMBINATIONS);
            let book_sum = self.book_sum(&s);
            let difference = self.config.within(self.bank[b].signed, book_sum).unwrap_or_default();
            let mut reasons = vec![head.clone()];
            reasons.push(format!(
                "{} {} sum to {book_sum}{}: {}",
                s.len(),
                if by_ref { "of them" } else { "open items" },
                if exact { ", the payment amount" } else { "" },
                self.list(&s)
            ));
            reasons.extend(self.difference_reason(b, difference));
            if several {
                reasons.push(format!(
                    "ambiguous: combination {} of {}{} summing to the payment; not matched automatically",
                    n + 1,
                    if found.exact.len() >= MAX_LISTED_SUBSETS { "at least " } else { "" },
                    if exact { found.exact.len() } else { found.near.len() }
                ));
            } else if let Some(chance) = chance.filter(|_| !found.cut) {
                reasons.push(format!(
                    "the only combination ({} steps searched), but {} of {} open items sum to a payment of this size by chance about {chance:.2} times: not matched automatically",
                    found.steps,
                    s.len(),
                    pool.len()
                ));
            } else if found.cut {
                reasons.push(if found.steps >= self.config.step_budget {
                    format!(
                        "the search was cut after {} steps (step budget): this combination is not proven the only one, not matched automatically",
                        found.steps
                    )
                } else {
                    "only the items closest in due date were searched: this combination is not proven the only one, not matched automatically"
                        .to_owned()
                });
            } else {
                reasons.push(format!("the only combination ({} steps searched)", found.steps));
            }
            let mut components = vec![self.amount_component(book_sum, difference)];
            if by_ref {
                components.push(component("reference", 1.0, 2.0));
            }
            if let Some(sim) = s.iter().map(|&(k, _)| self.names.similarity(self.bank[b].name, self.book[k].name)).reduce(f64::min) {
                if !self.bank[b].name.is_empty() {
                    components.push(component("name", sim, 1.0));
                }
            }
            out.push(Group {
                kind: SPLIT_PAYMENT,
                banks: vec![b],
                book: s,
                difference,
                components,
                reasons,
                owner: b,
                per_bank: false,
                auto: !several && !found.cut && chance.is_none(),
                ambiguous: several,
            });
        }
    }

    /// Entries quoting one open item: together its open amount (one record), each less (one
    /// partial record each), the rest of a partly paid item, or too much (a proposal).
    fn partial_groups(&self, k: usize, bs: &[usize], out: &mut Vec<Group>, paid_more: &mut Vec<(usize, usize, Group)>) {
        let Some(item) = self.book[k].item() else { return };
        let open = self.book[k].open;
        let cur = item.currency;
        // The same payer: names that are given must agree with the first one given.
        let first_name = bs.iter().map(|&b| self.bank[b].name).find(|n| !n.is_empty());
        // And one bank account: a record belongs to one account.
        let same_payer = bs.iter().all(|&b| {
            (self.bank[b].name.is_empty() || first_name.is_none_or(|f| self.same_party(f, self.bank[b].name)))
                && self.bank[b].account_label() == self.bank[bs[0]].account_label()
        });
        let sum = self.bank_sum(bs).abs();
        let quoted = self.quoted(bs[0], k).to_owned();
        let ids: Vec<&str> = bs.iter().map(|&b| self.bank[b].e.id.as_str()).collect();
        let partly_paid = open < item.open_amount;
        let ref_component = component("reference", 1.0, 2.0);
        let group = |banks: Vec<usize>, alloc: Decimal, difference: Decimal, reasons: Vec<String>, auto: bool, per_bank: bool| Group {
            kind: PARTIAL_PAYMENT,
            banks,
            book: vec![(k, alloc)],
            difference,
            components: vec![component("amount", 1.0, 1.0), ref_component.clone()],
            reasons,
            owner: usize::MAX - k,
            per_bank,
            auto,
            ambiguous: false,
        };
        let signed = |a: Decimal| if self.book[k].signed.is_sign_negative() { -a } else { a };
        if !same_payer {
            for &b in bs {
                let reasons = vec![format!(
                    "{} bank entries from different payers or accounts quote {quoted} ({}, {open} {cur} open): {}",
                    bs.len(),
                    item.id,
                    ids.join(", ")
                )];
                out.push(Group {
                    ambiguous: true,
                    ..group(vec![b], self.bank[b].signed.abs().min(open), Decimal::ZERO, reasons, false, false)
                });
            }
            return;
        }
        let settles = self.config.within(signed(sum), signed(open));
        if settles.is_some() && bs.len() == 1 && !partly_paid {
            // One entry for one whole item: the one-to-one rules decide (and left it open).
            return;
        }
        // A reference is the only evidence here, and a mistyped one can name another customer's
        // item: a payer whose name differs from the item's is only proposed.
        let item_name = self.book[k].name;
        if let Some(payer) = first_name.filter(|&p| !item_name.is_empty() && !self.same_party(p, item_name)) {
            let (payer, owner) = (self.names.get(payer), self.names.get(item_name));
            for &b in bs {
                let reasons = vec![format!(
                    "quotes {quoted} ({}, {open} {cur} open), but the payer {payer} is not the item's {owner} (name similarity below {}): not matched automatically",
                    item.id, self.config.name_similarity
                )];
                out.push(group(vec![b], self.bank[b].signed.abs().min(open), Decimal::ZERO, reasons, false, false));
            }
            return;
        }
        if let Some(difference) = settles {
            let mut reasons = vec![if bs.len() > 1 {
                format!(
                    "{} payments quoting {quoted} ({}) sum to {sum} {cur}, its open amount {open} {cur}: {}",
                    bs.len(),
                    item.id,
                    ids.join(", ")
                )
            } else {
                format!(
                    "pays the rest of {} ({quoted}): {sum} {cur} of the {open} {cur} still open after earlier partial payments ({} originally)",
                    item.id, item.open_amount
                )
            }];
            reasons.extend(self.difference_reason(bs[0], difference));
            out.push(group(bs.to_vec(), open, difference, reasons, true, false));
            return;
        }
        if sum < open {
            // Each entry pays part; together they leave the rest open.
            let rest = open - sum;
            for &b in bs {
                let paid = self.bank[b].signed.abs();
                let reasons = vec![format!(
                    "pays {paid} {cur} of the {open} {cur} open on {} (reference {quoted} quoted); {rest} {cur} stays open{}",
                    item.id,
                    if bs.len() > 1 { format!(" after the {} payments quoting it ({})", bs.len(), ids.join(", ")) } else { String::new() }
                )];
                out.push(group(vec![b], paid, Decimal::ZERO, reasons, true, true));
            }
            // One owner for all: the allocations together stay within the open amount.
            return;
        }
        for &b in bs {
            let reasons = vec![format!(
                "{} payment(s) quoting {quoted} sum to {sum} {cur}, more than the {open} {cur} open on {} beyond the tolerance: overpayment, not matched automatically",
                bs.len(),
                item.id
            )];
            let g = group(vec![b], open, Decimal::ZERO, reasons, false, false);
            if bs.len() == 1 && self.config.split_payments && self.config.subset_search {
                // Perhaps the quoted invoice and others of the payer: the subset search decides.
                paid_more.push((b, k, g));
            } else {
                out.push(g);
            }
        }
    }

    // ---- subset search by counterparty --------------------------------------------------------

    /// Split payments without references: a bounded subset-sum search over the open items of the
    /// payer (equal or similar name), the `max_subset_items` closest in due date.
    /// The first reason of a subset search's groups and notes: what was searched for whom.
    #[allow(clippy::too_many_arguments)]
    fn subset_head(
        &self,
        b: usize,
        name: NameId,
        forced: Option<usize>,
        target: Decimal,
        total: usize,
        searched: usize,
        cut: bool,
    ) -> String {
        let mut head = match forced {
            Some(k) => format!(
                "the payment of {} {} quotes only {} ({} {}), {target} more; {total} other open item(s) of the payer {} (name similarity at least {})",
                self.bank[b].signed,
                self.cur(b),
                self.quoted(b, k),
                self.book[k].id,
                self.book[k].open,
                self.names.get(name),
                self.config.name_similarity
            ),
            None => format!(
                "no usable reference; {total} open item(s) of the payer {} (name similarity at least {})",
                self.names.get(name),
                self.config.name_similarity
            ),
        };
        if cut {
            let _ = write!(
                head,
                ", the {searched} closest in due date searched (the search was cut at max_subset_items usable items or {MAX_EXAMINED_ITEMS} examined)"
            );
        }
        head
    }

    fn by_subset(&mut self) -> Vec<Group> {
        // Open items by normalised name, and names by word, to find a payer's items without
        // comparing every name.
        let mut by_name: BTreeMap<NameId, Vec<usize>> = BTreeMap::new();
        for (k, c) in self.book.iter().enumerate() {
            if self.book_open[k] && c.item().is_some() && !c.name.is_empty() {
                by_name.entry(c.name).or_default().push(k);
            }
        }
        let mut by_word: HashMap<&str, Vec<NameId>> = HashMap::default();
        for &name in by_name.keys() {
            for w in self.names.get(name).split(' ').filter(|w| w.len() >= 3) {
                by_word.entry(w).or_default().push(name);
            }
        }
        let mut groups = Vec::new();
        let mut notes = Vec::new();
        let mut payer_items: HashMap<NameId, Vec<(i32, usize)>> = HashMap::default();
        let mut paid_more: BTreeMap<usize, (usize, Group)> =
            std::mem::take(&mut self.paid_more).into_iter().map(|(b, k, g)| (b, (k, g))).collect();
        for b in 0..self.bank.len() {
            let quoted = paid_more.remove(&b);
            if !self.bank_open[b] || self.bank_proposed[b] {
                continue;
            }
            // The payer: the bank entry's name, else the quoted item's counterparty.
            let name = match (&quoted, self.bank[b].name.is_empty()) {
                (Some((k, _)), true) => self.book[*k].name,
                _ => self.bank[b].name,
            };
            if name.is_empty() {
                groups.extend(quoted.map(|(_, g)| g));
                continue;
            }
            // The payer's open items, once per payer and sorted by due date: payers pay many
            // times, and comparing names is the costly part of the search.
            let payer_items = payer_items.entry(name).or_insert_with(|| {
                let mut names: Vec<NameId> = Vec::new();
                if by_name.contains_key(&name) {
                    names.push(name);
                }
                for w in self.names.get(name).split(' ').filter(|w| w.len() >= 3) {
                    for &n in by_word.get(w).filter(|l| l.len() <= MAX_NAMES_PER_WORD).into_iter().flatten() {
                        if !names.contains(&n) && self.same_party(name, n) {
                            names.push(n);
                        }
                    }
                }
                let mut items: Vec<(i32, usize)> = names
                    .iter()
                    .flat_map(|n| by_name.get(n).into_iter().flatten().copied())
                    .map(|k| (self.book[k].date.unwrap_or(i32::MAX), k))
                    .collect();
                items.sort_unstable();
                items.dedup();
                items
            });
            // With a quoted item paid more than its open amount, the rest is searched among the
            // payer's other items; the quoted item is in every combination.
            let forced = quoted.as_ref().map(|(k, _)| *k).filter(|&k| self.book_open[k]);
            if let (Some((_, fallback)), None) = (&quoted, forced) {
                groups.push(fallback.clone());
                continue;
            }
            let target = match forced {
                Some(k) => self.bank[b].signed.abs() - self.book[k].open,
                None => self.bank[b].signed.abs(),
            };
            // Exact sums only: without a reference, a tolerance would let unrelated items of the
            // payer make up a near sum.
            let limit = Decimal::ZERO;
            // The usable items closest in due date to the payment, found by walking outwards from
            // the payment date over at most MAX_EXAMINED_ITEMS of the payer's items: a payer with
            // thousands of open items costs no more than one with a few.
            let bank_date = self.bank[b].date.unwrap_or(i32::MAX);
            let usable = |k: usize| Some(k) != forced && self.book_open[k] && self.book_fit[k].open <= target && self.admissible(b, k);
            let start = payer_items.partition_point(|&(d, _)| d < bank_date);
            let (mut lo, mut hi) = (start, start);
            let mut pool: Vec<usize> = Vec::new();
            let mut examined = 0usize;
            let mut cut = false;
            while lo > 0 || hi < payer_items.len() {
                if pool.len() == self.config.max_subset_items || examined == MAX_EXAMINED_ITEMS {
                    cut = true;
                    break;
                }
                let take_low = match (lo.checked_sub(1).map(|i| payer_items[i]), payer_items.get(hi)) {
                    (Some((dl, _)), Some(&(dh, _))) => i64::from(bank_date) - i64::from(dl) <= i64::from(dh) - i64::from(bank_date),
                    (Some(_), None) => true,
                    _ => false,
                };
                let k = if take_low {
                    lo -= 1;
                    payer_items[lo].1
                } else {
                    hi += 1;
                    payer_items[hi - 1].1
                };
                examined += 1;
                if usable(k) {
                    pool.push(k);
                }
            }
            let min_size = if forced.is_some() { 1 } else { 2 };
            if pool.len() < min_size {
                groups.extend(quoted.map(|(_, g)| g));
                continue;
            }
            let total = pool.len();
            pool.sort_unstable();
            let amounts: Vec<Decimal> = pool.iter().map(|&k| self.book[k].open).collect();
            let mut found = subset_sums(&amounts, target, limit, min_size, self.config.step_budget, MAX_LISTED_SUBSETS);
            found.cut |= cut;
            // Written only when a reason or a note will quote it: most searches find nothing.
            let quotes_head = found.cut || !found.exact.is_empty() || !found.near.is_empty();
            let head = if quotes_head { self.subset_head(b, name, forced, target, total, pool.len(), cut) } else { String::new() };
            match (forced, quoted) {
                (Some(k), Some((_, fallback))) => {
                    if found.exact.is_empty() {
                        groups.push(fallback);
                        continue;
                    }
                    // The quoted item joins every combination, as position 0 of the pool.
                    let mut with_quoted = vec![k];
                    with_quoted.extend(&pool);
                    for s in &mut found.exact {
                        *s = std::iter::once(0).chain(s.iter().map(|i| i + 1)).collect();
                    }
                    self.subset_groups(b, &with_quoted, &found, head, true, &mut groups, &mut notes);
                }
                (_, quoted) => {
                    groups.extend(quoted.map(|(_, g)| g));
                    self.subset_groups(b, &pool, &found, head, false, &mut groups, &mut notes);
                }
            }
        }
        self.out.notes.extend(notes);
        groups
    }

    // ---- committing -------------------------------------------------------------------------

    /// Records the groups that may match and whose members no other group of the pass claims;
    /// proposes the others.
    fn commit(&mut self, groups: Vec<Group>) {
        let mut bank_owner: HashMap<usize, Claims> = HashMap::default();
        let mut book_owner: HashMap<usize, Claims> = HashMap::default();
        for g in groups.iter().filter(|g| g.auto || g.ambiguous) {
            for &b in &g.banks {
                bank_owner.entry(b).or_insert(Claims::new(g.owner)).add(g.owner);
            }
            for &(k, _) in &g.book {
                book_owner.entry(k).or_insert(Claims::new(g.owner)).add(g.owner);
            }
        }
        let contested = |g: &Group| {
            let other = |c: &Claims| c.other_than(g.owner);
            g.banks.iter().any(|b| bank_owner.get(b).is_some_and(other)) || g.book.iter().any(|(k, _)| book_owner.get(k).is_some_and(other))
        };
        let flags: Vec<bool> = groups.iter().map(contested).collect();
        for (mut g, contested) in groups.into_iter().zip(flags) {
            if contested {
                g.auto = false;
                g.ambiguous = true;
                g.reasons.push("ambiguous: another group claims one of these entries; not matched automatically".into());
            }
            if g.auto {
                self.record(g);
            } else {
                self.propose(&g);
            }
        }
    }

    fn score(components: &[ScoreComponent]) -> f64 {
        let (num, den) = components.iter().fold((0.0, 0.0), |(n, d), c| (n + c.value * c.weight, d + c.weight));
        if den > 0.0 {
            crate::score::round3(num / den)
        } else {
            0.0
        }
    }

    fn record(&mut self, mut g: Group) {
        let parts: Vec<Vec<usize>> = if g.per_bank { g.banks.iter().map(|&b| vec![b]).collect() } else { vec![g.banks.clone()] };
        let n_parts = parts.len();
        // One list for all the group's records.
        let components: std::sync::Arc<[ScoreComponent]> = std::mem::take(&mut g.components).into();
        let score = Self::score(&components);
        for (n, banks) in parts.into_iter().enumerate() {
            let book: Vec<(usize, Decimal)> =
                if g.per_bank { g.book.iter().map(|&(k, _)| (k, self.bank[banks[0]].signed.abs())).collect() } else { g.book.clone() };
            let first = banks[0];
            let bank_ids: Vec<&str> = banks.iter().map(|&b| self.bank[b].e.id.as_str()).collect();
            let ledger_ids: Vec<&str> =
                book.iter().filter(|(k, _)| self.book[*k].item().is_none()).map(|(k, _)| self.book[*k].id).collect();
            let item_ids: Vec<&str> = book.iter().filter(|(k, _)| self.book[*k].item().is_some()).map(|(k, _)| self.book[*k].id).collect();
            let used = |id: &str| (self.used_ids)(id) || self.new_ids.contains(id);
            let id = record_id(g.kind, &bank_ids, &ledger_ids, &item_ids, &used);
            let cur = self.cur(first);
            let mut r = MatchRecord::new(id.clone(), cur, MatchOrigin::Rule(self.labels.get(g.kind)), self.now, ENGINE_ACTOR);
            let account = self.bank[first].account_label();
            r.account = Some(self.labels.get(account));
            r.bank_entries = bank_ids.iter().map(|s| (*s).to_owned()).collect();
            r.ledger_entries = ledger_ids.iter().map(|s| (*s).to_owned()).collect();
            r.open_items = book
                .iter()
                .filter(|(k, _)| self.book[*k].item().is_some())
                .map(|&(k, a)| OpenItemAllocation { id: self.book[k].id.to_owned(), amount: a })
                .collect();
            self.out.applied_items.extend(book.iter().filter(|(k, _)| self.book[*k].item().is_some()).copied());
            if !g.difference.is_zero() {
                if let Some(adj) = &self.config.adjustment {
                    r.adjustments.push(AdjustmentLine {
                        account: adj.account.clone(),
                        amount: g.difference,
                        currency: cur,
                        kind: adj.kind,
                        description: Some(format!("difference within the tolerance of the {} group", g.kind)),
                    });
                }
            }
            // The last (usually the only) record takes the group's reasons; earlier ones copy them.
            let last = n + 1 == n_parts;
            r.components = components.clone();
            r.score = score;
            r.reasons = if last { std::mem::take(&mut g.reasons) } else { g.reasons.clone() };
            self.new_ids.insert(id);
            self.out.records.push(r);
            for &b in &banks {
                self.bank_open[b] = false;
            }
        }
        for &(k, _) in &g.book {
            self.book_open[k] = false;
        }
    }

    fn propose(&mut self, g: &Group) {
        let (ledger_entries, open_items): (Vec<String>, Vec<String>) = {
            let mut l = Vec::new();
            let mut i = Vec::new();
            for &(k, _) in &g.book {
                if self.book[k].item().is_some() {
                    i.push(self.book[k].id.to_owned());
                } else {
                    l.push(self.book[k].id.to_owned());
                }
            }
            (l, i)
        };
        for &b in &g.banks {
            self.bank_proposed[b] = true;
            let mut reasons = g.reasons.clone();
            if g.banks.len() > 1 {
                let others: Vec<&str> = g.banks.iter().filter(|&&o| o != b).map(|&o| self.bank[o].e.id.as_str()).collect();
                reasons.push(format!("together with bank entr{} {}", if others.len() == 1 { "y" } else { "ies" }, others.join(", ")));
            }
            self.out.proposals.push((
                self.bank[b].e.id.clone(),
                Candidate {
                    bank_entries: g.banks.iter().filter(|&&o| o != b).map(|&o| self.bank[o].e.id.clone()).collect(),
                    ledger_entries: ledger_entries.clone(),
                    open_items: open_items.clone(),
                    rule: g.kind.to_owned(),
                    score: Self::score(&g.components),
                    components: g.components.clone().into(),
                    reasons,
                    ambiguous: g.ambiguous,
                },
            ));
        }
    }
}

fn component(name: &'static str, value: f64, weight: f64) -> ScoreComponent {
    ScoreComponent { name: name.into(), value: crate::score::round3(value), weight }
}
