//! Views of the open entries for the group passes: signed amounts, normalised names, references
//! (of the entry and of each batch detail) and settlement numbers, and the account check.

use bankrec_model::{is_placeholder_reference, BankAccount, BankEntry, Currency, Decimal, Direction, LedgerEntry, OpenItem, Transaction};
use compact_str::CompactString;
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::prepare::{BankView, BookRecord, BookView, NameId, SettlementId};
use crate::reference::{classify_key, extract_keys, normalize_key, push_key, RefKey, ReferenceKind, Refs, MIN_REFERENCE_LEN};

/// A bank entry ready to group.
pub(super) struct BankV<'a> {
    pub(super) e: &'a BankEntry,
    pub(super) signed: Decimal,
    pub(super) name: NameId,
    /// The references it quotes that some book record has (no other can find anything).
    pub(super) refs: RefIds,
    /// Of a batch (two details or more), the references each detail quotes that some book record
    /// has; else empty.
    pub(super) detail_refs: Vec<RefIds>,
    pub(super) settlement: Option<SettlementId>,
    /// The bank account, when the account map knows it.
    pub(super) account: Option<&'a BankAccount>,
    pub(super) date: Option<i32>,
}

impl<'a> BankV<'a> {
    pub(super) fn account_id(&self) -> Option<&'a str> {
        self.account.map(|a| a.id.as_str())
    }

    /// The GL account the bank account is booked to, when the map knows it.
    pub(super) fn gl(&self) -> Option<&'a str> {
        self.account.map(|a| a.gl_account.code.as_str())
    }

    pub(super) fn account_label(&self) -> &'a str {
        self.account_id().unwrap_or_else(|| self.e.account.as_str())
    }
}

#[derive(Clone, Copy)]
pub(super) enum Rec<'a> {
    Ledger(&'a LedgerEntry),
    Item(&'a OpenItem),
}

/// A ledger line or open item ready to group; `open` is the unsigned amount available (the ledger
/// amount, or what remains open on the item).
pub(super) struct BookV<'a> {
    pub(super) rec: Rec<'a>,
    pub(super) id: &'a str,
    pub(super) currency: Currency,
    pub(super) open: Decimal,
    pub(super) signed: Decimal,
    pub(super) name: NameId,
    pub(super) refs: RefIds,
    /// Of a ledger line (settlement groups join no open items).
    pub(super) settlement: Option<SettlementId>,
    pub(super) date: Option<i32>,
}

impl BookV<'_> {
    pub(super) fn item(&self) -> Option<&OpenItem> {
        match self.rec {
            Rec::Item(i) => Some(i),
            Rec::Ledger(_) => None,
        }
    }
}

/// A reference of a book record: its position in [`BookRefs`].
pub(super) type RefId = u32;
/// The references of one entry or record, one to three, inline.
pub(super) type RefIds = SmallVec<[RefId; 2]>;

/// The references of the book records, each value once, with the records quoting it: the bank
/// side looks its references up here (no string copies per entry, one table for all lookups).
#[derive(Default)]
pub(super) struct BookRefs {
    ids: FxHashMap<CompactString, RefId>,
    values: Vec<CompactString>,
    records: Vec<SmallVec<[usize; 1]>>,
}

impl BookRefs {
    /// Room for `n` references: the table is built once for hundreds of thousands of records, and
    /// growing it rehashes every value again.
    pub(super) fn with_capacity(n: usize) -> BookRefs {
        BookRefs {
            ids: FxHashMap::with_capacity_and_hasher(n, Default::default()),
            values: Vec::with_capacity(n),
            records: Vec::with_capacity(n),
        }
    }

    fn add(&mut self, value: CompactString, k: usize) -> RefId {
        let next = RefId::try_from(self.values.len()).unwrap_or(RefId::MAX);
        let id = *self.ids.entry(value).or_insert_with_key(|v| {
            self.values.push(v.clone());
            self.records.push(SmallVec::new());
            next
        });
        self.records[id as usize].push(k);
        id
    }

    /// The id of a reference value some book record has.
    pub(super) fn find(&self, value: &str) -> Option<RefId> {
        self.ids.get(value).copied()
    }

    pub(super) fn value(&self, id: RefId) -> &str {
        self.values.get(id as usize).map_or("", CompactString::as_str)
    }

    /// Positions of the book records with this reference, ascending.
    pub(super) fn records(&self, id: RefId) -> &[usize] {
        self.records.get(id as usize).map_or(&[], |r| r.as_slice())
    }

    /// The ids of the values some book record has, in order.
    pub(super) fn known(&self, refs: &Refs) -> RefIds {
        refs.iter().filter_map(|r| self.find(&r.value)).collect()
    }
}

/// The references of one transaction (entry or batch detail): structured ones, then those found in
/// the remittance text; appended to `out` without repeats.
pub(super) fn transaction_refs(t: &Transaction, out: &mut Refs) {
    for c in &t.remittance.creditor_refs {
        if let Some(r) = classify_key(&c.reference) {
            push_key(out, r);
        }
    }
    for d in &t.remittance.documents {
        if let Some(r) = classify_key(&d.number) {
            push_key(out, r);
        }
    }
    if let Some(e2e) = t.refs.end_to_end_id().filter(|s| !is_placeholder_reference(s)) {
        push_key(out, RefKey { value: normalize_key(e2e), kind: ReferenceKind::EndToEndId });
    }
    for line in t.remittance.unstructured.iter().chain(&t.remittance.additional) {
        extract_keys(line, out);
    }
    if let Some(info) = t.additional_info.as_deref() {
        extract_keys(info, out);
    }
}

/// The counterparty name a transaction gives.
pub(super) fn party_name(t: &Transaction) -> Option<&str> {
    t.counterparty.as_ref().and_then(|p| p.name.as_deref())
}

/// The group view of an engine view of a bank entry; `scratch` is a buffer for the references
/// the entry quotes. The group pass reads each transaction's references in turn, its own
/// additional information included, and each batch detail's on its own; the engine's view lists
/// every structured reference first, so only for one plain transaction are its references the
/// same.
pub(super) fn bank_v<'a>(view: &BankView<'a>, book_refs: &BookRefs, scratch: &mut Refs) -> BankV<'a> {
    let e = view.entry;
    let mut detail_refs = Vec::new();
    let refs = if e.details.is_empty() && e.transaction.additional_info.is_none() {
        // One transaction without additional information of its own (almost every entry): the
        // engine's view found the same references, in the same order.
        book_refs.known(&view.refs)
    } else {
        scratch.clear();
        transaction_refs(&e.transaction, scratch);
        if e.details.len() >= 2 {
            // The batch pass looks each detail up by its own references: extracted once, here.
            detail_refs.reserve_exact(e.details.len());
            let mut own = Refs::new();
            for d in &e.details {
                own.clear();
                transaction_refs(&d.transaction, &mut own);
                detail_refs.push(book_refs.known(&own));
                for r in own.drain(..) {
                    push_key(scratch, r);
                }
            }
        } else {
            for d in &e.details {
                transaction_refs(&d.transaction, scratch);
            }
        }
        if let Some(info) = e.additional_info.as_deref() {
            extract_keys(info, scratch);
        }
        book_refs.known(scratch)
    };
    // The view's name is the entry's counterparty's: its transaction's, else its first detail's.
    let name = view.name_id;
    BankV {
        e,
        signed: view.signed,
        name,
        refs,
        detail_refs,
        settlement: view.settlement,
        account: view.account,
        date: e.date().map(|d| d.to_julian_day()),
    }
}

/// The group view of an engine view of a ledger line or open item at position `k` of the book
/// side, `open` the unsigned amount available; its references join `book_refs`. The engine's view
/// already holds the references (a ledger line's own and the check-digit-validated ones of its
/// description; an item's payment reference and number) and the name.
pub(super) fn book_v<'a>(view: &BookView<'a>, open: Decimal, k: usize, book_refs: &mut BookRefs) -> BookV<'a> {
    let refs = view.refs.iter().filter(|r| r.value.len() >= MIN_REFERENCE_LEN).map(|r| book_refs.add(r.value.clone(), k)).collect();
    let (rec, open, settlement) = match view.record {
        BookRecord::Ledger(l, _) => (Rec::Ledger(l), l.amount, view.settlement),
        // Settlement groups join bank entries and ledger lines only.
        BookRecord::Item(i, _) => (Rec::Item(i), open, None),
    };
    BookV {
        rec,
        id: view.id(),
        currency: view.currency,
        open,
        signed: view.signed,
        name: view.name_id,
        refs,
        settlement,
        date: view.date(),
    }
}

/// GL account codes and bank account identifiers of the book side as small integers: the account
/// check compares them for every candidate, and the strings lie far apart in memory.
#[derive(Default)]
pub(super) struct AccountKeys {
    /// Copied inline (almost all fit): no cache miss on a far-away string per comparison.
    ids: FxHashMap<CompactString, u32>,
}

/// No account given (no check).
const ABSENT: u32 = u32::MAX;
/// A bank-side account no book record names (equal to none).
const UNKNOWN: u32 = u32::MAX - 1;

impl AccountKeys {
    fn add(&mut self, key: Option<&str>) -> u32 {
        let Some(key) = key else { return ABSENT };
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let id = u32::try_from(self.ids.len()).unwrap_or(UNKNOWN).min(UNKNOWN - 1);
        self.ids.insert(CompactString::from(key), id);
        id
    }

    fn find(&self, key: &str) -> u32 {
        self.ids.get(key).copied().unwrap_or(UNKNOWN)
    }

    /// What the account check reads of a bank entry.
    pub(super) fn bank_fit(&self, bank: &BankEntry, account_id: Option<&str>, gl: Option<&str>) -> BankFit {
        BankFit {
            currency: bank.currency,
            debit: bank.direction == Direction::Debit,
            gl: gl.map(|g| self.find(g)),
            account_id: account_id.map(|a| self.find(a)),
            account: self.find(bank.account.as_str()),
        }
    }

    /// What the account check reads of a ledger line or open item, `open` and `signed` as in its
    /// view.
    pub(super) fn book_fit(&mut self, rec: Rec<'_>, currency: Currency, open: Decimal, signed: Decimal) -> BookFit {
        let (gl, account) = match rec {
            Rec::Ledger(l) => (self.add(l.gl_account_code()), ABSENT),
            Rec::Item(i) => (ABSENT, self.add(i.bank_account.as_deref())),
        };
        BookFit { open, currency, zero: signed.is_zero(), negative: signed.is_sign_negative(), gl, account }
    }
}

/// What [`book_admissible_for`] reads of a bank entry, with accounts as [`AccountKeys`].
#[derive(Clone, Copy)]
pub(super) struct BankFit {
    currency: Currency,
    debit: bool,
    gl: Option<u32>,
    account_id: Option<u32>,
    account: u32,
}

/// What [`book_admissible_for`] reads of a book record, with accounts as [`AccountKeys`], and its
/// open amount (the subset search walks over thousands of them).
#[derive(Clone, Copy)]
pub(super) struct BookFit {
    pub(super) open: Decimal,
    currency: Currency,
    zero: bool,
    negative: bool,
    gl: u32,
    account: u32,
}

impl BankFit {
    /// [`book_admissible_for`] on the keys.
    pub(super) fn admits(&self, c: &BookFit) -> bool {
        if c.currency != self.currency || c.zero || c.negative != self.debit {
            return false;
        }
        if let (Some(gl), true) = (self.gl, c.gl != ABSENT) {
            if c.gl != gl {
                return false;
            }
        }
        if let (Some(id), true) = (self.account_id, c.account != ABSENT) {
            if c.account != id && c.account != self.account {
                return false;
            }
        }
        true
    }
}

/// True when a book record may be paid by the bank entry: same currency, same direction, the
/// ledger line on the bank account's GL account and the item expected on this account (when the
/// account map knows them), as in the one-to-one rules.
pub(crate) fn book_admissible_for(
    bank: &BankEntry,
    account_id: Option<&str>,
    gl: Option<&str>,
    currency: Currency,
    signed: Decimal,
    ledger_gl: Option<&str>,
    item_account: Option<&str>,
) -> bool {
    if currency != bank.currency || signed.is_zero() || signed.is_sign_negative() != (bank.direction == Direction::Debit) {
        return false;
    }
    if let (Some(gl), Some(l)) = (gl, ledger_gl) {
        if l != gl {
            return false;
        }
    }
    if let (Some(expected), Some(id)) = (item_account, account_id) {
        if expected != id && expected != bank.account.as_str() {
            return false;
        }
    }
    true
}
