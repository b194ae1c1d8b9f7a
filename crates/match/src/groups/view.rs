//! Views of the open entries for the group passes: signed amounts, normalised names, references
//! (of the entry and of each batch detail) and settlement numbers, and the account check.

use bankrec_model::{is_placeholder_reference, AccountMap, BankEntry, Currency, Decimal, Direction, LedgerEntry, OpenItem, Transaction};

use crate::name::normalize_name;
use crate::reference::{classify_reference, extract_references, normalize_reference, MIN_REFERENCE_LEN};

/// A bank entry ready to group.
pub(super) struct BankV<'a> {
    pub(super) e: &'a BankEntry,
    pub(super) signed: Decimal,
    pub(super) name: String,
    pub(super) refs: Vec<String>,
    pub(super) settlement: Option<String>,
    pub(super) account_id: Option<&'a str>,
    pub(super) gl: Option<&'a str>,
    pub(super) date: Option<i32>,
}

impl BankV<'_> {
    pub(super) fn account_label(&self) -> &str {
        self.account_id.unwrap_or_else(|| self.e.account.as_str())
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
    pub(super) name: String,
    pub(super) refs: Vec<String>,
    pub(super) settlement: Option<String>,
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

fn push_ref(value: String, out: &mut Vec<String>) {
    if value.len() >= MIN_REFERENCE_LEN && !out.contains(&value) {
        out.push(value);
    }
}

/// The references of one transaction (entry or batch detail): structured ones, then those found in
/// the remittance text.
pub(super) fn transaction_refs(t: &Transaction, out: &mut Vec<String>) {
    for c in &t.remittance.creditor_refs {
        if let Some(r) = classify_reference(&c.reference) {
            push_ref(r.value, out);
        }
    }
    for d in &t.remittance.documents {
        if let Some(r) = classify_reference(&d.number) {
            push_ref(r.value, out);
        }
    }
    if let Some(e2e) = t.refs.end_to_end_id.as_deref().filter(|s| !is_placeholder_reference(s)) {
        push_ref(normalize_reference(e2e), out);
    }
    for line in t.remittance.unstructured.iter().chain(&t.remittance.additional) {
        for r in extract_references(line) {
            push_ref(r.value, out);
        }
    }
    if let Some(info) = t.additional_info.as_deref() {
        for r in extract_references(info) {
            push_ref(r.value, out);
        }
    }
}

pub(super) fn party_name(t: &Transaction) -> String {
    t.counterparty.as_ref().and_then(|p| p.name.as_deref()).map(normalize_name).unwrap_or_default()
}

fn settlement_key(text: Option<&str>) -> Option<String> {
    text.map(normalize_reference).filter(|s| !s.is_empty())
}

pub(super) fn bank_v<'a>(e: &'a BankEntry, accounts: Option<&'a AccountMap>) -> BankV<'a> {
    let mut refs = Vec::new();
    transaction_refs(&e.transaction, &mut refs);
    for d in &e.details {
        transaction_refs(&d.transaction, &mut refs);
    }
    if let Some(info) = e.additional_info.as_deref() {
        for r in extract_references(info) {
            push_ref(r.value, &mut refs);
        }
    }
    let mut name = party_name(&e.transaction);
    if name.is_empty() {
        name = e.counterparty().and_then(|p| p.name.as_deref()).map(normalize_name).unwrap_or_default();
    }
    let account = accounts.and_then(|m| m.by_identifier(&e.account));
    BankV {
        e,
        signed: e.signed_amount(),
        name,
        refs,
        settlement: settlement_key(e.settlement_number.as_deref()),
        account_id: account.map(|a| a.id.as_str()),
        gl: account.map(|a| a.gl_account.code.as_str()),
        date: e.date().map(|d| d.to_julian_day()),
    }
}

pub(super) fn ledger_v(l: &LedgerEntry) -> BookV<'_> {
    let mut refs = Vec::new();
    if let Some(r) = l.reference.as_deref().and_then(classify_reference) {
        push_ref(r.value, &mut refs);
    }
    if let Some(text) = l.description.as_deref() {
        // Only check-digit-validated references from free text, as in the one-to-one rules.
        for r in extract_references(text).into_iter().filter(|r| r.kind.is_check_digit_validated()) {
            push_ref(r.value, &mut refs);
        }
    }
    BookV {
        rec: Rec::Ledger(l),
        id: &l.id,
        currency: l.currency,
        open: l.amount,
        signed: l.signed_amount(),
        name: l.counterparty.as_deref().map(normalize_name).unwrap_or_default(),
        refs,
        settlement: settlement_key(l.settlement_number.as_deref()),
        date: Some(l.date.to_julian_day()),
    }
}

pub(super) fn item_v(i: &OpenItem, remaining: Decimal) -> BookV<'_> {
    let mut refs = Vec::new();
    if let Some(r) = i.payment_reference.as_deref().and_then(classify_reference) {
        push_ref(r.value, &mut refs);
    }
    if let Some(r) = classify_reference(&i.number) {
        push_ref(r.value, &mut refs);
    }
    BookV {
        rec: Rec::Item(i),
        id: &i.id,
        currency: i.currency,
        open: remaining,
        signed: i.settling_direction().signed(remaining),
        name: i.counterparty.as_deref().map(normalize_name).unwrap_or_default(),
        refs,
        settlement: settlement_key(i.settlement_number.as_deref()),
        date: i.due_date.or(i.issue_date).map(|d| d.to_julian_day()),
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
