//! A daily incremental run with saved state: each "day" a new statement arrives, is imported and
//! matched against what is still open; earlier matches stay; importing a statement again changes
//! nothing; a clerk's unmatch is refused by the policy and recorded.
//!
//! Run with `cargo run -p bankrec-examples --example daily_incremental`.

use std::path::Path;

use bankrec::matching::RuleSet;
use bankrec::{load_accounts, load_ledger, load_statements, Action, Actor, LoadOptions, ReconciliationState, RolePolicy};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let state_file = std::env::temp_dir().join(format!("bankrec-daily-{}.json", std::process::id()));
    let policy = RolePolicy::new().grant("accountant", Action::ALL).grant("clerk", &[Action::ManualMatch]);

    // Day 0: set up accounts and ledger, save.
    let mut state = ReconciliationState::new();
    state.accounts = load_accounts(data.join("accounts.toml"))?;
    state.merge_ledger(load_ledger(data.join("ledger.csv"), &LoadOptions::new().gl_account("1200"))?.records);
    state.save(&state_file)?;

    for (day, file) in [(1, "statement-2024-11-a.xml"), (2, "statement-2024-11-b.xml"), (3, "statement-2024-11-b.xml")] {
        let mut state = ReconciliationState::load(&state_file)?;
        let before = state.matches.len();
        let outcomes = state.import_statements(load_statements(data.join(file), &LoadOptions::new())?.records);
        let duplicates: usize = outcomes.iter().map(|o| o.duplicates.len()).sum();
        let outcome = state.reconcile(&RuleSet::default(), format!("2024-12-0{day}T08:00:00Z").parse()?)?;
        println!("day {day}: {file}: {duplicates} duplicate entries, {} new matches ({} before)", outcome.matches.len(), before);
        state.save(&state_file)?;
    }

    let mut state = ReconciliationState::load(&state_file)?;
    let record = state.active_matches().next().map(|m| m.id.clone()).ok_or("no match to undo")?;
    let clerk = Actor::new("kim", ["clerk"]);
    let refused = state.unmatch(&policy, &clerk, &record, Some("wrong invoice"), "2024-12-04T10:00:00Z".parse()?);
    println!("clerk unmatch: {}", refused.map(|_| "allowed".to_owned()).unwrap_or_else(|e| e.to_string()));
    let accountant = Actor::new("alex", ["accountant"]);
    state.unmatch(&policy, &accountant, &record, Some("wrong invoice"), "2024-12-04T10:05:00Z".parse()?)?;
    println!("accountant unmatched {record}; audit trail has {} events", state.audit.len());
    std::fs::remove_file(&state_file)?;
    Ok(())
}
