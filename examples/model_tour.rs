//! A tour of the model through the facade: accounts, a statement, import with duplicate
//! detection, and a slip proposal for an unclassified deposit.
//!
//! Run with `cargo run -p bankrec-examples --example model_tour`.

use bankrec::{
    assign_entry_ids, AccountId, AccountMap, BankAccount, BankEntry, Currency, Decimal, Direction, GlAccount, SlipBook, Statement,
    StatementArchive, StatementKind,
};
use time::macros::date;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let iban = AccountId::iban("DE89 3704 0044 0532 0130 00")?;
    let mut accounts = AccountMap::new();
    let account = BankAccount::new("main", iban.clone(), Currency::EUR, GlAccount::new("1200", "Bank EUR"), "1290", date!(2024 - 01 - 01));
    accounts.insert(account.clone())?;

    let mut statement = Statement::new("2024-001", StatementKind::Statement, iban.clone(), Currency::EUR);
    statement.entries.push(
        BankEntry::new(iban, Decimal::new(25000, 2), Currency::EUR, Direction::Credit, Some(date!(2024 - 01 - 05)))
            .with_acct_svcr_ref("BANKREF-1"),
    );
    // Readers do this for every statement: the bank reference, or a content fingerprint, becomes the id.
    assign_entry_ids(&mut statement.entries);
    let deposit = statement.entries[0].clone();

    let mut archive = StatementArchive::new();
    let first = archive.import(statement.clone(), Some(&accounts));
    let again = archive.import(statement, Some(&accounts));
    println!("first import: {} accepted; second: {} duplicates", first.accepted.len(), again.duplicates.len());
    for finding in first.findings.iter().chain(&again.findings) {
        println!("  {finding}");
    }

    let mut slips = SlipBook::new();
    let slip = slips.propose(&deposit, &account, None)?;
    println!("slip for {}: {} {} to {} ({})", slip.bank_entry, slip.lines[0].amount, slip.currency, slip.title.code, slip.title.title);
    Ok(())
}
