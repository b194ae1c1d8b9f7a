//! Embedding bankrec in an application: load the demo company's accounts, statements, ledger and
//! open items, reconcile, and print what was matched, proposed and left open, with reasons.
//!
//! Run with `cargo run -p bankrec-examples --example embed`.

use std::path::Path;

use bankrec::matching::RuleSet;
use bankrec::{load_accounts, load_ledger, load_open_items, load_statements, LoadOptions, ReconciliationState, Timestamp};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut state = ReconciliationState::new();
    state.accounts = load_accounts(data.join("accounts.toml"))?;

    let options = LoadOptions::new();
    for file in ["statement-2024-11-a.xml", "statement-2024-11-b.xml"] {
        let loaded = load_statements(data.join(file), &options)?;
        for outcome in state.import_statements(loaded.records) {
            println!("{}: {} entries accepted, {} findings", outcome.statement, outcome.accepted.len(), outcome.findings.len());
        }
    }
    // The default ledger layout has no GL column: its lines belong to the bank account's GL account.
    state.merge_ledger(load_ledger(data.join("ledger.csv"), &options.clone().gl_account("1200"))?.records);
    state.merge_open_items(load_open_items(data.join("open-items.csv"), &options)?.records);

    // The application passes "now": the libraries never read a clock.
    let now: Timestamp = "2024-12-01T09:00:00+01:00".parse()?;
    let outcome = state.reconcile(&RuleSet::default(), now)?;
    for record in &outcome.matches {
        println!(
            "matched {:?} with {:?} {:?}: {}",
            record.bank_entries,
            record.ledger_entries,
            record.open_items.iter().map(|a| &a.id).collect::<Vec<_>>(),
            record.reasons.join("; ")
        );
    }
    for open in &outcome.unmatched_bank {
        println!("open bank entry {}: {}", open.id, open.reasons.join("; "));
    }
    Ok(())
}
