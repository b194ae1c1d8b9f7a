//! The JSON shapes the command line prints, built from model types.

use bankrec::{BankEntry, BankTxCode, Decimal, ImportError, Party, Remittance, Statement, TransactionDetail};
use serde::Serialize;

/// `bankrec parse` output.
#[derive(Debug, Serialize)]
pub(crate) struct ParseOutput<'a> {
    pub(crate) statements: Vec<StatementView<'a>>,
    pub(crate) errors: Vec<ErrorView<'a>>,
}

#[derive(Debug, Serialize)]
pub(crate) struct StatementView<'a> {
    id: &'a str,
    kind: bankrec::StatementKind,
    message_id: Option<&'a str>,
    account: &'a str,
    currency: &'a str,
    owner: Option<&'a str>,
    electronic_sequence: Option<u64>,
    opening_balance: Option<Decimal>,
    closing_balance: Option<Decimal>,
    from: Option<bankrec::Date>,
    to: Option<bankrec::Date>,
    balances: &'a [bankrec::Balance],
    entries: Vec<EntryView<'a>>,
}

impl<'a> StatementView<'a> {
    pub(crate) fn new(s: &'a Statement) -> StatementView<'a> {
        StatementView {
            id: &s.id,
            kind: s.kind,
            message_id: s.message_id.as_deref(),
            account: s.account.as_str(),
            currency: s.currency.code(),
            owner: s.owner_name.as_deref(),
            electronic_sequence: s.electronic_sequence,
            opening_balance: s.opening_booked().map(bankrec::Balance::signed),
            closing_balance: s.closing_booked().map(bankrec::Balance::signed),
            from: s.from,
            to: s.to,
            balances: &s.balances,
            entries: s.entries.iter().map(EntryView::new).collect(),
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct EntryView<'a> {
    id: &'a str,
    amount: Decimal,
    direction: bankrec::Direction,
    currency: &'a str,
    status: bankrec::EntryStatus,
    booking_date: Option<bankrec::Date>,
    value_date: Option<bankrec::Date>,
    reversal: bool,
    acct_svcr_ref: Option<&'a str>,
    end_to_end_ids: Vec<&'a str>,
    creditor_refs: Vec<&'a str>,
    counterparty: Option<&'a Party>,
    remittance: &'a Remittance,
    bank_tx_code: Option<&'a BankTxCode>,
    additional_info: Option<&'a str>,
    details: &'a [TransactionDetail],
}

impl<'a> EntryView<'a> {
    fn new(e: &'a BankEntry) -> EntryView<'a> {
        EntryView {
            id: &e.id,
            amount: e.amount,
            direction: e.direction,
            currency: e.currency.code(),
            status: e.status,
            booking_date: e.booking_date,
            value_date: e.value_date,
            reversal: e.reversal,
            acct_svcr_ref: e.acct_svcr_ref.as_deref(),
            end_to_end_ids: e.end_to_end_ids(),
            creditor_refs: e.creditor_refs().into_iter().map(|r| r.reference.as_str()).collect(),
            counterparty: e.counterparty(),
            remittance: &e.transaction.remittance,
            bank_tx_code: e.transaction.bank_tx_code.as_deref(),
            additional_info: e.additional_info.as_deref(),
            details: &e.details,
        }
    }
}

/// An import error as the command line prints it: flat, with the location spelled out.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorView<'a> {
    code: &'a str,
    severity: &'a str,
    file: Option<&'a str>,
    line: Option<u64>,
    byte_offset: Option<u64>,
    path: Option<&'a str>,
    column: Option<&'a str>,
    account: Option<&'a str>,
    statement: Option<&'a str>,
    entry: Option<&'a str>,
    date: Option<bankrec::Date>,
    raw: Option<&'a str>,
    message: &'a str,
}

impl<'a> ErrorView<'a> {
    pub(crate) fn new(e: &'a ImportError) -> ErrorView<'a> {
        ErrorView {
            code: e.code.as_str(),
            severity: e.severity.as_str(),
            file: e.source.file.as_deref(),
            line: e.source.line,
            byte_offset: e.source.byte_offset,
            path: e.source.path.as_deref(),
            column: e.source.column.as_deref(),
            account: e.account.as_deref(),
            statement: e.statement.as_deref(),
            entry: e.entry.as_deref(),
            date: e.date,
            raw: e.raw.as_deref(),
            message: &e.message,
        }
    }
}
