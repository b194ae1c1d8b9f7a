//! A custom ERP connector: the application's own books, handed to bankrec through the
//! `LedgerSource` trait instead of files.
//!
//! Run with `cargo run -p bankrec-examples --example erp_connector`.

use std::path::Path;

use bankrec::matching::RuleSet;
use bankrec::{
    load_accounts, load_statements, BankAccount, Currency, Decimal, LedgerEntry, LedgerSource, LoadOptions, OpenItem, OpenItemKind,
    ReconciliationState,
};
use time::macros::date;

/// Stands in for a connection to an ERP system.
struct MiniErp {
    calls: usize,
}

#[derive(Debug)]
struct ErpError(String);

impl std::fmt::Display for ErpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ERP: {}", self.0)
    }
}

impl std::error::Error for ErpError {}

impl LedgerSource for MiniErp {
    type Error = ErpError;

    fn ledger_entries(&mut self, account: &BankAccount) -> Result<Vec<LedgerEntry>, ErpError> {
        self.calls += 1;
        let gl = account.gl_account.code.clone();
        Ok(vec![
            LedgerEntry::new("ERP-7781", date!(2024 - 11 - 05), gl.clone(), Decimal::new(-45000, 2), Currency::EUR)
                .with_counterparty("Stadtwerke Koeln GmbH")
                .with_reference("KD445566"),
            LedgerEntry::new("ERP-7790", date!(2024 - 11 - 20), gl, Decimal::new(-125000, 2), Currency::EUR)
                .with_counterparty("Immobilien Hansa GmbH")
                .with_description("Miete Dezember Objekt 12"),
        ])
    }

    fn open_items(&mut self) -> Result<Vec<OpenItem>, ErpError> {
        if self.calls == 0 {
            return Err(ErpError("ledger must be read first".into()));
        }
        Ok(vec![OpenItem::new("AR-1002", OpenItemKind::Receivable, "INV-2024-1002", Decimal::new(238000, 2), Currency::EUR)
            .with_counterparty("Schmidt & Partner AG")
            .with_payment_reference("RF18539007547034")
            .with_due_date(date!(2024 - 11 - 19))])
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut state = ReconciliationState::new();
    state.accounts = load_accounts(data.join("accounts.toml"))?;
    state.import_statements(load_statements(data.join("statement-2024-11-a.xml"), &LoadOptions::new())?.records);

    let (ledger, items) = state.pull(&mut MiniErp { calls: 0 })?;
    println!("from the ERP: {} ledger lines and {} open items added", ledger.added.len(), items.added.len());

    let outcome = state.reconcile(&RuleSet::default(), "2024-12-01T09:00:00Z".parse()?)?;
    for record in &outcome.matches {
        println!(
            "{} -> {} {}",
            record.bank_entries.join(","),
            record.ledger_entries.join(","),
            record.open_items.iter().map(|a| a.id.as_str()).collect::<Vec<_>>().join(",")
        );
    }
    // The electricity bill by amount, date and name; the customer payment by its RF reference.
    // (The rent is on the second statement, not imported here.)
    assert_eq!(outcome.matches.len(), 2, "{:#?}", outcome.unmatched_bank);
    Ok(())
}
