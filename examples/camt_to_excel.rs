//! camt statements and a CSV ledger to Excel: reconcile and write every report as a workbook.
//!
//! Run with `cargo run -p bankrec-examples --example camt_to_excel -- [OUT_DIR]`.

use std::path::{Path, PathBuf};

use bankrec::matching::RuleSet;
use bankrec::report::{ExportFormat, RunReportOptions};
use bankrec::{load_accounts, load_ledger, load_statements, LoadOptions, ReconciliationState, Timestamp};
use time::macros::date;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let out: PathBuf = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| std::env::temp_dir().join("bankrec-camt-to-excel"));
    std::fs::create_dir_all(&out)?;

    let mut state = ReconciliationState::new();
    state.accounts = load_accounts(data.join("accounts.toml"))?;
    for file in ["statement-2024-11-a.xml", "statement-2024-11-b.xml"] {
        state.import_statements(load_statements(data.join(file), &LoadOptions::new())?.records);
    }
    state.merge_ledger(load_ledger(data.join("ledger.csv"), &LoadOptions::new().gl_account("1200"))?.records);

    let now: Timestamp = "2024-12-01T09:00:00Z".parse()?;
    state.reconcile(&RuleSet::default(), now)?;
    let options = RunReportOptions::new(date!(2024 - 11 - 30), now);
    let reports = state.reports(&options)?;
    for path in reports.export(&out, ExportFormat::Xlsx, &options.export)? {
        println!("wrote {}", path.display());
    }
    let account = &reports.reconciliation.accounts[0];
    println!(
        "adjusted bank {:?} = adjusted book {} (difference {:?})",
        account.adjusted_bank_balance, account.adjusted_book_balance, account.difference
    );
    Ok(())
}
