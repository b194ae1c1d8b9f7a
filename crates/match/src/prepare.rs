//! Comparable views of the inputs, computed once per run: amounts in minor units, dates as day
//! numbers, normalised names, references and settlement numbers, and the candidate index.

use std::cell::RefCell;
use std::hash::BuildHasher;
use std::num::NonZeroU32;
use std::rc::Rc;
use std::sync::Arc;

use compact_str::CompactString;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};

use bankrec_model::{AccountId, AccountMap, BankAccount, BankEntry, Currency, Decimal, LedgerEntry, OpenItem};

use crate::name::{normalize_name, normalized_name_similarity};
use crate::reference::{classify_key, document_key, extract_keys, normalize_key, push_key, RefKey, ReferenceKind, Refs};

/// The shortest check-digit-validated reference found in free text that counts as evidence
/// against a book record with another payment reference. A check digit on a short number is weak
/// evidence: one random 4-digit group in ten passes the Finnish check.
pub(crate) const STRONG_REFERENCE_LEN: usize = 8;

/// A normalised name in a [`Names`] table; [`NameId::EMPTY`] is the empty name (no party).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct NameId(u32);

impl NameId {
    pub(crate) const EMPTY: NameId = NameId(0);

    pub(crate) fn is_empty(self) -> bool {
        self == NameId::EMPTY
    }
}

/// Normalised names by spelling: payers repeat, and normalising (transliteration, legal forms,
/// word order) was the costliest step of a view. Views hold a name's id: within one table, equal
/// normalised names have equal ids, which scoring relies on (views compared are of one table).
/// The table also holds the views' settlement numbers, normalised, the same way.
pub(crate) struct Names {
    /// Spellings copied inline (almost all fit): a key borrowed from its entry would cost a cache
    /// miss per comparison, the entries lying far apart.
    by_spelling: FxHashMap<CompactString, NameId>,
    by_name: FxHashMap<Rc<str>, NameId>,
    names: Vec<Rc<str>>,
    /// Each name's words (split at spaces) as byte ranges of the name: name `i`'s are
    /// `word_spans[word_starts[i]..word_starts[i + 1]]`. The group pass compares a payer's words
    /// with those of every name sharing one, and splitting was most of that comparison's cost.
    word_spans: Vec<(u32, u32)>,
    word_starts: Vec<u32>,
    /// Normalised settlement numbers, kept here beside the names: a view holds 4 bytes for one.
    settlements: Vec<CompactString>,
    settlement_ids: FxHashMap<CompactString, SettlementId>,
    /// Similarities worked out so far, by pair of names (in the order asked): payers pay many
    /// times, and an accepted pair is scored twice. Looking a pair up costs one probe; working it
    /// out read both names' text, far apart in memory. A pair is at most one per candidate
    /// scored, so the table grows with the work done, not beyond it.
    similar: RefCell<FxHashMap<(NameId, NameId), f64>>,
}

impl Default for Names {
    fn default() -> Self {
        let mut names = Names {
            by_spelling: FxHashMap::default(),
            by_name: FxHashMap::default(),
            names: Vec::new(),
            word_spans: Vec::new(),
            word_starts: vec![0],
            settlements: Vec::new(),
            settlement_ids: FxHashMap::default(),
            similar: RefCell::default(),
        };
        names.add(Rc::from(""));
        names
    }
}

impl Names {
    /// The id of the normalised `raw` name ([`NameId::EMPTY`] for none).
    pub(crate) fn id(&mut self, raw: Option<&str>) -> NameId {
        let Some(raw) = raw else { return NameId::EMPTY };
        if let Some(&id) = self.by_spelling.get(raw) {
            return id;
        }
        let normalized = normalize_name(raw);
        let id = match self.by_name.get(normalized.as_str()) {
            Some(&id) => id,
            None => self.add(Rc::from(normalized)),
        };
        self.by_spelling.insert(CompactString::from(raw), id);
        id
    }

    fn add(&mut self, name: Rc<str>) -> NameId {
        let id = NameId(u32::try_from(self.names.len()).unwrap_or(u32::MAX));
        // As `split(' ')` splits: each word ends where a one-byte space starts.
        let mut start = 0usize;
        for w in name.split(' ') {
            let at = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
            self.word_spans.push((at(start), at(start + w.len())));
            start += w.len() + 1;
        }
        self.word_starts.push(u32::try_from(self.word_spans.len()).unwrap_or(u32::MAX));
        self.names.push(name.clone());
        self.by_name.insert(name, id);
        id
    }

    /// The normalised name's words, as `split(' ')` gives them.
    pub(crate) fn words(&self, id: NameId) -> smallvec::SmallVec<[&str; 8]> {
        let i = id.0 as usize;
        let name = self.get(id);
        let (Some(&from), Some(&to)) = (self.word_starts.get(i), self.word_starts.get(i + 1)) else { return name.split(' ').collect() };
        let spans = self.word_spans.get(from as usize..to as usize).unwrap_or_default();
        spans.iter().map(|&(a, b)| name.get(a as usize..b as usize).unwrap_or_default()).collect()
    }

    /// The normalised name.
    pub(crate) fn get(&self, id: NameId) -> &str {
        self.names.get(id.0 as usize).map_or("", |n| n)
    }

    /// [`normalized_name_similarity`] of two names of this table, remembered.
    pub(crate) fn similarity(&self, a: NameId, b: NameId) -> f64 {
        if let Some(&known) = self.similar.borrow().get(&(a, b)) {
            return known;
        }
        let value = normalized_name_similarity(self.get(a), self.get(b));
        self.similar.borrow_mut().insert((a, b), value);
        value
    }

    /// The id of the normalised settlement number `raw`, none when it normalises to nothing.
    pub(crate) fn settlement_id(&mut self, raw: Option<&str>) -> Option<SettlementId> {
        let key = normalize_key(raw?);
        if key.is_empty() {
            return None;
        }
        if let Some(&id) = self.settlement_ids.get(&key) {
            return Some(id);
        }
        let id = SettlementId(NonZeroU32::new(u32::try_from(self.settlements.len() + 1).ok()?)?);
        self.settlements.push(key.clone());
        self.settlement_ids.insert(key, id);
        Some(id)
    }

    /// The normalised settlement number.
    pub(crate) fn settlement(&self, id: SettlementId) -> &str {
        self.settlements.get(id.0.get() as usize - 1).map_or("", CompactString::as_str)
    }
}

/// A normalised settlement number in a [`Names`] table: within one table, equal numbers have equal
/// ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct SettlementId(NonZeroU32);

/// Text many match records repeat (rule names, account labels), held once and shared by them.
#[derive(Default)]
pub(crate) struct Labels {
    all: FxHashSet<Arc<str>>,
    /// The label given last: records come in runs of one account, whose label is then compared,
    /// not hashed.
    last: Option<Arc<str>>,
}

impl Labels {
    pub(crate) fn get(&mut self, text: &str) -> Arc<str> {
        if let Some(last) = self.last.as_ref().filter(|last| ***last == *text) {
            return last.clone();
        }
        let shared = match self.all.get(text) {
            Some(shared) => shared.clone(),
            None => {
                let shared: Arc<str> = Arc::from(text);
                self.all.insert(shared.clone());
                shared
            }
        };
        self.last = Some(shared.clone());
        shared
    }
}

/// The account map indexed for a run: by the bank's identifier, by GL account code and by the
/// expected account an open item names. `AccountMap`'s own lookups scan its accounts, which a
/// million entries over many accounts cannot afford.
#[derive(Debug, Default)]
pub(crate) struct AccountLookup<'a> {
    by_identifier: FxHashMap<&'a str, &'a BankAccount>,
    by_gl: FxHashMap<&'a str, &'a BankAccount>,
    by_id: FxHashMap<&'a str, &'a BankAccount>,
}

impl<'a> AccountLookup<'a> {
    pub(crate) fn new(map: Option<&'a AccountMap>) -> AccountLookup<'a> {
        let mut lookup = AccountLookup::default();
        for a in map.into_iter().flat_map(AccountMap::iter) {
            lookup.by_identifier.entry(a.identifier.as_str()).or_insert(a);
            // An empty code names no GL account: lines without one stay tied to none
            // (`LedgerEntry::gl_account_code`).
            if !a.gl_account.code.is_empty() {
                lookup.by_gl.entry(a.gl_account.code.as_str()).or_insert(a);
            }
            lookup.by_id.insert(a.id.as_str(), a);
        }
        lookup
    }

    /// The account the bank identifies this way.
    pub(crate) fn by_identifier(&self, identifier: &AccountId) -> Option<&'a BankAccount> {
        self.by_identifier.get(identifier.as_str()).copied()
    }

    /// The account booked to this GL code.
    pub(crate) fn by_gl_account(&self, code: &str) -> Option<&'a BankAccount> {
        self.by_gl.get(code).copied()
    }

    /// The account an open item expects, named by account id or by the bank's identifier.
    pub(crate) fn expected(&self, named: &str) -> Option<&'a BankAccount> {
        self.by_id.get(named).or_else(|| self.by_identifier.get(named)).copied()
    }
}

/// A day number (Julian day) of a view, [`NO_DAY`] for none: 4 bytes where `Option<i32>` takes 8,
/// and a run holds two million views.
type Day = i32;

/// No date.
const NO_DAY: Day = Day::MIN;

fn day(date: Option<bankrec_model::Date>) -> Day {
    date.map_or(NO_DAY, |d| d.to_julian_day())
}

fn some_day(day: Day) -> Option<i32> {
    (day != NO_DAY).then_some(day)
}

/// A bank entry ready to compare. Kept small (136 bytes): a run holds one per entry, and what is
/// cheap to derive (the amount in minor units) is derived where needed.
#[derive(Debug)]
pub(crate) struct BankView<'a> {
    pub(crate) entry: &'a BankEntry,
    /// The bank account, when the account map knows it.
    pub(crate) account: Option<&'a BankAccount>,
    /// Structured references first (`refs[..structured]`), then those found in text.
    pub(crate) refs: Refs,
    pub(crate) signed: Decimal,
    booking: Day,
    value: Day,
    /// The normalised counterparty name in the run's [`Names`]: equal names are equal ids.
    pub(crate) name_id: NameId,
    /// The normalised settlement number in the run's [`Names`].
    pub(crate) settlement: Option<SettlementId>,
    structured: u32,
    /// The entry's currency, read here: every candidate is compared on it, and the entry itself
    /// lies far away in memory.
    pub(crate) currency: Currency,
}

impl<'a> BankView<'a> {
    /// The amount in minor units.
    pub(crate) fn minor(&self) -> i64 {
        minor_units(self.signed, self.currency)
    }

    pub(crate) fn booking(&self) -> Option<i32> {
        some_day(self.booking)
    }

    pub(crate) fn value(&self) -> Option<i32> {
        some_day(self.value)
    }

    /// The structured references (`refs[..structured]`).
    pub(crate) fn structured(&self) -> usize {
        self.structured as usize
    }

    /// The application's account id, when the account map knows the account.
    pub(crate) fn account_id(&self) -> Option<&'a str> {
        self.account.map(|a| a.id.as_str())
    }
}

/// The book side of a candidate, with the account the account check reads: a ledger line's GL
/// account as the bank account booked to it, when the map has one; an open item's expected bank
/// account as named. Read here so that scoring a pair does not reach into the record.
#[derive(Debug, Clone, Copy)]
pub(crate) enum BookRecord<'a> {
    Ledger(&'a LedgerEntry, Option<&'a BankAccount>),
    Item(&'a OpenItem, Option<&'a String>),
}

/// A ledger entry or open item ready to compare, kept small (136 bytes) as [`BankView`] is.
#[derive(Debug)]
pub(crate) struct BookView<'a> {
    pub(crate) record: BookRecord<'a>,
    pub(crate) refs: Refs,
    pub(crate) signed: Decimal,
    date: Day,
    /// The normalised counterparty name in the run's [`Names`].
    pub(crate) name_id: NameId,
    /// The normalised settlement number in the run's [`Names`].
    pub(crate) settlement: Option<SettlementId>,
    pub(crate) currency: Currency,
}

impl<'a> BookView<'a> {
    pub(crate) fn is_ledger(&self) -> bool {
        matches!(self.record, BookRecord::Ledger(..))
    }

    /// The record's id.
    pub(crate) fn id(&self) -> &'a str {
        match self.record {
            BookRecord::Ledger(l, _) => &l.id,
            BookRecord::Item(i, _) => &i.id,
        }
    }

    pub(crate) fn date(&self) -> Option<i32> {
        some_day(self.date)
    }
}

/// Minor units of a signed amount (truncated when finer than the currency allows; equality is
/// always decided on the exact decimal).
pub(crate) fn minor_units(amount: Decimal, currency: Currency) -> i64 {
    // Integer arithmetic on the mantissa: called for every view and every tolerance band.
    let units = currency.minor_units().unwrap_or(2).min(6);
    let (mantissa, scale) = (amount.mantissa(), amount.scale());
    let scaled =
        if units >= scale { mantissa.checked_mul(10i128.pow(units - scale)) } else { Some(mantissa / 10i128.pow((scale - units).min(38))) };
    let saturated = if mantissa < 0 { i64::MIN } else { i64::MAX };
    scaled.and_then(|v| i64::try_from(v).ok()).unwrap_or(saturated)
}

pub(crate) fn bank_view<'a>(entry: &'a BankEntry, accounts: &AccountLookup<'a>, names: &mut Names) -> BankView<'a> {
    let signed = entry.signed_amount();
    let mut refs = Refs::new();
    let transactions = std::iter::once(&entry.transaction).chain(entry.details.iter().map(|d| &d.transaction));
    for t in transactions.clone() {
        for c in &t.remittance.creditor_refs {
            if let Some(r) = classify_key(&c.reference) {
                push_key(&mut refs, r);
            }
        }
        for d in &t.remittance.documents {
            if let Some(r) = document_key(&d.number) {
                push_key(&mut refs, r);
            }
        }
        if let Some(e2e) = t.refs.end_to_end_id().filter(|s| !bankrec_model::is_placeholder_reference(s)) {
            push_key(&mut refs, RefKey { value: normalize_key(e2e), kind: ReferenceKind::EndToEndId });
        }
    }
    let structured = u32::try_from(refs.len()).unwrap_or(u32::MAX);
    for t in transactions {
        for line in t.remittance.unstructured.iter().chain(&t.remittance.additional) {
            extract_keys(line, &mut refs);
        }
    }
    if let Some(info) = entry.additional_info.as_deref() {
        extract_keys(info, &mut refs);
    }
    let name_id = names.id(entry.counterparty().and_then(|p| p.name.as_deref()));
    let account = accounts.by_identifier(&entry.account);
    BankView {
        entry,
        account,
        refs,
        signed,
        booking: day(entry.booking_date),
        value: day(entry.value_date),
        name_id,
        settlement: names.settlement_id(entry.settlement_number.as_deref()),
        structured,
        currency: entry.currency,
    }
}

pub(crate) fn ledger_view<'a>(entry: &'a LedgerEntry, accounts: &AccountLookup<'a>, names: &mut Names) -> BookView<'a> {
    let signed = entry.signed_amount();
    let name_id = names.id(entry.counterparty.as_deref());
    let mut refs = Refs::new();
    if let Some(r) = entry.reference.as_deref().and_then(classify_key) {
        refs.push(r);
    }
    if let Some(text) = entry.description.as_deref() {
        // Only check-digit-validated references from free text: other tokens in descriptions
        // (dates, order numbers of other documents) would join unrelated entries.
        let mut found = Refs::new();
        extract_keys(text, &mut found);
        for r in found.into_iter().filter(|r| r.kind.is_check_digit_validated()) {
            if !refs.iter().any(|o| o.value == r.value) {
                refs.push(r);
            }
        }
    }
    BookView {
        record: BookRecord::Ledger(entry, accounts.by_gl_account(&entry.gl_account)),
        refs,
        signed,
        date: entry.date.to_julian_day(),
        name_id,
        settlement: names.settlement_id(entry.settlement_number.as_deref()),
        currency: entry.currency,
    }
}

/// An open item's view; `remaining` is what is still open on it (its open amount less what
/// active records already allocate).
pub(crate) fn item_view<'a>(item: &'a OpenItem, remaining: Decimal, names: &mut Names) -> BookView<'a> {
    let signed = item.settling_direction().signed(remaining);
    let name_id = names.id(item.counterparty.as_deref());
    let mut refs = Refs::new();
    if let Some(r) = item.payment_reference.as_deref().and_then(classify_key) {
        refs.push(r);
    }
    if let Some(r) = document_key(&item.number) {
        if !refs.iter().any(|o| o.value == r.value) {
            refs.push(r);
        }
    }
    BookView {
        record: BookRecord::Item(item, item.bank_account.as_ref()),
        refs,
        signed,
        date: day(item.due_date.or(item.issue_date)),
        name_id,
        settlement: names.settlement_id(item.settlement_number.as_deref()),
        currency: item.currency,
    }
}

fn currency_key(c: Currency) -> u32 {
    let [a, b, c] = c.code_bytes();
    u32::from_be_bytes([0, a, b, c])
}

/// The candidate index over the book side: amounts sorted (a range query serves exact amounts and
/// tolerance bands alike), and hash tables from amount, normalised reference and settlement
/// number.
#[derive(Debug, PartialEq)]
pub(crate) struct BookIndex {
    /// (currency, amount in minor units, date as day number or [`NO_DAY`], position), sorted.
    by_amount: Vec<(u32, i64, i32, u32)>,
    /// (currency, amount) to its run `[start, end)` of `by_amount`: an exact amount costs one
    /// probe instead of a binary search over the whole array (about 20 cache misses at 1M).
    amount_runs: Slots,
    /// Normalised reference to (hash tag, position); a hit is confirmed on the record.
    by_reference: Slots,
    /// Settlement number id to (hash tag, position); confirmed on the view.
    by_settlement: Slots,
}

/// An open-addressing hash table (linear probing, at most half full) of pairs of `u32`, 8 bytes a
/// slot: no allocation per key, and a lookup usually touches one cache line. The second number is
/// never `u32::MAX`, which marks an empty slot; callers confirm what a probe returns.
#[derive(Debug, PartialEq)]
struct Slots {
    slots: Vec<(u32, u32)>,
    mask: usize,
}

const EMPTY: (u32, u32) = (u32::MAX, u32::MAX);

/// Spreads a hash over the table (Fibonacci hashing): the amount keys are not hashed otherwise.
fn spread(hash: u64) -> u64 {
    hash.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29)
}

/// The upper half of a key hash, stored to skip most foreign entries without touching the record.
fn tag(hash: u64) -> u32 {
    (hash >> 32) as u32
}

impl Slots {
    fn with_entries(entries: &[(u64, (u32, u32))]) -> Slots {
        let len = (entries.len() * 2).next_power_of_two().max(8);
        let mut t = Slots { slots: vec![EMPTY; len], mask: len - 1 };
        for &(h, v) in entries {
            let mut i = spread(h) as usize & t.mask;
            while t.slots[i] != EMPTY && t.slots[i] != v {
                i = (i + 1) & t.mask;
            }
            t.slots[i] = v;
        }
        t
    }

    /// The pairs on the probe path of a hash (those stored under it among them), in insertion order.
    fn get(&self, hash: u64) -> impl Iterator<Item = (u32, u32)> + '_ {
        let start = spread(hash) as usize & self.mask;
        let (tail, head) = self.slots.split_at(start);
        head.iter().chain(tail).copied().take_while(|&(_, b)| b != u32::MAX)
    }
}

fn amount_key(currency: u32, minor: i64) -> u64 {
    (u64::from(currency) << 40) ^ (minor as u64)
}

/// Most candidates one amount lookup returns: a tolerance band over a dense ledger would otherwise
/// make the search quadratic. Counted over the records indexed, open or not (the engine indexes
/// only open ones after the one-to-one rules). Documented in docs/matching.md.
pub(crate) const MAX_AMOUNT_CANDIDATES: usize = 64;

impl BookIndex {
    pub(crate) fn build(book: &[BookView<'_>]) -> BookIndex {
        let mut by_amount: Vec<(u32, i64, i32, u32)> =
            book.iter().enumerate().map(|(i, v)| (currency_key(v.currency), minor_units(v.signed, v.currency), v.date, i as u32)).collect();
        by_amount.sort_unstable();
        BookIndex::with_sorted_amounts(by_amount, book)
    }

    /// The index of the records still open, once the views are narrowed to them in their order
    /// (`open` is the flags before narrowing, `book` the views after): the amounts keep their
    /// sorted order with each position renumbered, so the largest array is filtered in place,
    /// not sorted and allocated again. The same index as [`BookIndex::build`] on `book`.
    pub(crate) fn narrowed(self, open: &[bool], book: &[BookView<'_>]) -> BookIndex {
        // The hash tables are built anew, smaller: the old ones are freed first.
        let BookIndex { mut by_amount, amount_runs, by_reference, by_settlement } = self;
        drop((amount_runs, by_reference, by_settlement));
        // A position's new number (how many open records come before it), or none for a record
        // no longer open. Renumbering keeps the order, so the array stays sorted.
        let mut next = 0u32;
        let renumbered: Vec<Option<u32>> = open
            .iter()
            .map(|&o| {
                let at = o.then_some(next);
                next += u32::from(o);
                at
            })
            .collect();
        // One pass: each entry renumbered, or dropped.
        by_amount.retain_mut(|entry| match renumbered.get(entry.3 as usize).copied().flatten() {
            Some(at) => {
                entry.3 = at;
                true
            }
            None => false,
        });
        drop(renumbered);
        by_amount.shrink_to_fit();
        BookIndex::with_sorted_amounts(by_amount, book)
    }

    /// The hash tables over amounts sorted by [`BookIndex::build`], and over the views' references
    /// and settlement numbers. Lists are sized before they are filled: grown, each would be copied
    /// into new memory as it doubles (tens of MB at 1M).
    fn with_sorted_amounts(by_amount: Vec<(u32, i64, i32, u32)>, book: &[BookView<'_>]) -> BookIndex {
        let mut runs: Vec<(u64, (u32, u32))> = Vec::with_capacity(by_amount.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)).count());
        let mut start = 0usize;
        for chunk in by_amount.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
            let end = start + chunk.len();
            runs.push((amount_key(chunk[0].0, chunk[0].1), (start as u32, end as u32)));
            start = end;
        }
        let (n_refs, n_settlements) =
            book.iter().fold((0usize, 0usize), |(r, s), v| (r + v.refs.len(), s + usize::from(v.settlement.is_some())));
        let mut refs: Vec<(u64, (u32, u32))> = Vec::with_capacity(n_refs);
        let mut settlements: Vec<(u64, (u32, u32))> = Vec::with_capacity(n_settlements);
        for (i, v) in book.iter().enumerate() {
            for r in &v.refs {
                let h = key_hash(&r.value);
                refs.push((h, (tag(h), i as u32)));
            }
            if let Some(s) = v.settlement {
                let h = settlement_hash(s);
                settlements.push((h, (tag(h), i as u32)));
            }
        }
        BookIndex {
            by_amount,
            amount_runs: Slots::with_entries(&runs),
            by_reference: Slots::with_entries(&refs),
            by_settlement: Slots::with_entries(&settlements),
        }
    }

    /// The run of `by_amount` with exactly this currency and amount.
    fn amount_run(&self, key: u32, minor: i64) -> &[(u32, i64, i32, u32)] {
        self.amount_runs
            .get(amount_key(key, minor))
            .map(|(s, e)| &self.by_amount[s as usize..e as usize])
            .find(|run| run.first().is_some_and(|&(c, m, _, _)| (c, m) == (key, minor)))
            .unwrap_or(&[])
    }

    /// Book records in a currency whose amount in minor units lies in `[low, high]`, of the first
    /// [`MAX_AMOUNT_CANDIDATES`] in amount order; the bool says whether the list was cut. With
    /// `dates`, only those dated within `[from, to]` (day numbers) are given: the date sits in the
    /// index, so a record a rule's date window refuses costs no visit to its view.
    pub(crate) fn amount_range(&self, currency: Currency, low: i64, high: i64, dates: Option<(i32, i32)>, out: &mut Vec<u32>) -> bool {
        let key = currency_key(currency);
        let slice = if low == high {
            self.amount_run(key, low)
        } else {
            &self.by_amount[self.by_amount.partition_point(|&(c, m, _, _)| (c, m) < (key, low))..]
        };
        // The cap counts every record examined, dated in the window or not, so the window
        // changes which records are visited, never which could be found.
        for (examined, &(c, m, d, i)) in slice.iter().enumerate() {
            if c != key || m > high {
                return false;
            }
            if examined >= MAX_AMOUNT_CANDIDATES {
                return true;
            }
            if dates.is_none_or(|(from, to)| (from..=to).contains(&d)) {
                out.push(i);
            }
        }
        false
    }

    /// Book records in a currency with exactly this amount in minor units and a date in
    /// `[from, to]` (day numbers): a range of the amount's run, so many equal amounts on other
    /// days cost nothing.
    pub(crate) fn amount_on_dates(&self, currency: Currency, minor: i64, from: i32, to: i32, out: &mut Vec<u32>) -> bool {
        let run = self.amount_run(currency_key(currency), minor);
        let start = run.partition_point(|&(_, _, d, _)| d < from);
        for &(_, _, d, i) in &run[start..] {
            if d > to {
                return false;
            }
            if out.len() >= MAX_AMOUNT_CANDIDATES {
                return true;
            }
            out.push(i);
        }
        false
    }

    /// Book records with this normalised reference, appended to `out`.
    pub(crate) fn reference(&self, value: &str, book: &[BookView<'_>], out: &mut Vec<u32>) {
        let h = key_hash(value);
        for (_, i) in self.by_reference.get(h).filter(|&(t, _)| t == tag(h)) {
            if book[i as usize].refs.iter().any(|r| r.value == value) {
                out.push(i);
            }
        }
    }

    /// Book records with this settlement number, appended to `out`.
    pub(crate) fn settlement(&self, id: SettlementId, book: &[BookView<'_>], out: &mut Vec<u32>) {
        let h = settlement_hash(id);
        for (_, i) in self.by_settlement.get(h).filter(|&(t, _)| t == tag(h)) {
            if book[i as usize].settlement == Some(id) {
                out.push(i);
            }
        }
    }
}

/// A fixed-key hash (the same in every run, so candidate order never depends on a random seed).
fn key_hash(value: &str) -> u64 {
    FxBuildHasher.hash_one(value)
}

fn settlement_hash(id: SettlementId) -> u64 {
    FxBuildHasher.hash_one(id.0.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_stay_small() {
        // A run holds one view per entry, ledger line and open item: two million at 1M × 1M.
        assert!(std::mem::size_of::<BankView<'_>>() <= 136, "{}", std::mem::size_of::<BankView<'_>>());
        assert!(std::mem::size_of::<BookView<'_>>() <= 136, "{}", std::mem::size_of::<BookView<'_>>());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..proptest::prelude::ProptestConfig::default() })]

        /// The index filtered to what stays open is the index built anew over the open views.
        #[test]
        fn a_narrowed_index_is_the_one_built_anew(seed in 0u64..1000, open in proptest::collection::vec(proptest::bool::weighted(0.3), 0..400)) {
            let s = bankrec_synth::Scenario::generate(&bankrec_synth::ScenarioConfig::new(seed, 200));
            let accounts = s.accounts().clone();
            let lookup = AccountLookup::new(Some(&accounts));
            let mut names = Names::default();
            let mut book: Vec<BookView<'_>> = s.ledger_entries.iter().map(|l| ledger_view(l, &lookup, &mut names)).collect();
            book.extend(s.open_items.iter().map(|i| item_view(i, i.open_amount, &mut names)));
            let open: Vec<bool> = (0..book.len()).map(|i| open.get(i).copied().unwrap_or(i % 3 == 0)).collect();
            let index = BookIndex::build(&book);
            let mut flags = open.iter().copied();
            book.retain(|_| flags.next().unwrap_or(false));
            proptest::prop_assert_eq!(index.narrowed(&open, &book), BookIndex::build(&book));
        }
    }

    #[test]
    fn settlement_numbers_share_an_id_when_they_normalise_alike() {
        let mut names = Names::default();
        let a = names.settlement_id(Some("ST-0077"));
        assert_eq!(a, names.settlement_id(Some("st 0077")));
        assert_ne!(a, names.settlement_id(Some("ST-0078")));
        assert_eq!(names.settlement(a.expect("a number")), normalize_key("ST-0077"));
        assert_eq!(names.settlement_id(Some(" - ")), None);
        assert_eq!(names.settlement_id(None), None);
    }

    #[test]
    fn a_remembered_similarity_is_the_one_worked_out() {
        let mut names = Names::default();
        let raw = ["Müller Handel GmbH", "MUELLER HANDEL", "Handel Müller", "Acme Oy", "ACME", "Other Party Ltd"];
        let ids: Vec<NameId> = raw.iter().map(|r| names.id(Some(r))).chain([NameId::EMPTY]).collect();
        // Twice: the second time from the table.
        for _ in 0..2 {
            for &a in &ids {
                for &b in &ids {
                    let want = normalized_name_similarity(names.get(a), names.get(b));
                    assert_eq!(names.similarity(a, b).to_bits(), want.to_bits(), "{} / {}", names.get(a), names.get(b));
                }
            }
        }
    }

    #[test]
    fn minor_units_truncate_like_decimal_arithmetic() {
        let cases: [(i64, u32, Currency, i64); 9] = [
            (12345i64, 2u32, Currency::EUR, 12345i64),
            (-12345, 2, Currency::EUR, -12345),
            (123456, 3, Currency::EUR, 12345),
            (-123456, 3, Currency::EUR, -12345),
            (12, 0, Currency::EUR, 1200),
            (1500, 2, Currency::JPY, 15),
            (1234, 0, "BHD".parse().expect("ISO currency"), 1_234_000),
            (i64::MAX, 0, Currency::EUR, i64::MAX),
            (i64::MIN + 1, 0, Currency::EUR, i64::MIN),
        ];
        for (m, scale, currency, want) in cases {
            let d = Decimal::new(m, scale);
            assert_eq!(minor_units(d, currency), want, "{d} {currency:?}");
        }
    }
}
