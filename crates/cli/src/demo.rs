//! `bankrec demo`: the whole flow on the demo data shipped in the repository.

use std::path::PathBuf;

use bankrec::matching::RuleSet;
use bankrec::report::{ExportFormat, RunReportOptions};
use bankrec::ReconciliationState;

use crate::args::DemoArgs;
use crate::failure::Failure;
use crate::reconcile::{load_into, now, print_reconciliation, RunInputs};
use crate::EXIT_OK;

fn data_dir(given: Option<&PathBuf>) -> Result<PathBuf, Failure> {
    let candidates = match given {
        Some(dir) => vec![dir.clone()],
        None => vec![PathBuf::from("examples/data"), PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/data")],
    };
    candidates
        .into_iter()
        .find(|d| d.join("accounts.toml").is_file())
        .ok_or_else(|| Failure::new("demo data not found: run from the repository root or give --data examples/data"))
}

pub(crate) fn run(args: &DemoArgs) -> Result<u8, Failure> {
    let data = data_dir(args.data.as_ref())?;
    let statements = vec![data.join("statement-2024-11-a.xml"), data.join("statement-2024-11-b.xml")];
    let ledger = data.join("ledger.csv");
    let open_items = data.join("open-items.csv");
    let accounts = data.join("accounts.toml");
    let inputs = RunInputs {
        statements: &statements,
        statement_template: None,
        ledger: Some(&ledger),
        ledger_template: None,
        open_items: Some(&open_items),
        open_items_template: None,
        accounts: Some(&accounts),
        lenient: false,
        facts: None,
    };
    let mut state = ReconciliationState::new();
    let loaded = load_into(&mut state, &inputs)?;
    if loaded.refused {
        return Err(Failure::new("the demo data was refused; see the errors above"));
    }
    let now = now();
    let outcome = state.reconcile(&RuleSet::default(), now)?;
    println!("bankrec demo: Nordlicht Handels GmbH, November 2024 ({})", data.display());
    println!(
        "  statements {} with {} entries; ledger lines {}; open items {}",
        state.archive.statements().count(),
        state.archive.entries().count(),
        state.ledger.len(),
        state.open_items.len()
    );
    println!("  matched automatically  {}", outcome.matches.len());
    for m in &outcome.matches {
        let book: Vec<&str> = m.ledger_entries.iter().map(String::as_str).chain(m.open_items.iter().map(|a| a.id.as_str())).collect();
        println!("    {} <-> {}  [{}; score {:.2}]", m.bank_entries.join("+"), book.join("+"), m.origin_label(), m.score);
    }
    println!("  proposed (need a person) {}", outcome.proposals.len());
    for p in &outcome.proposals {
        for c in p.candidates.iter().take(1) {
            let other: Vec<&str> = c.bank_entries.iter().chain(&c.ledger_entries).chain(&c.open_items).map(String::as_str).collect();
            println!("    {} -> {}  [{}; score {:.2}] {}", p.bank_entry, other.join("+"), c.rule, c.score, c.reasons.join("; "));
        }
    }
    println!("  slips proposed by posting rules {}", outcome.postings.len());
    for p in &outcome.postings {
        println!("    {} {} {} -> {} {}  [{}]", p.bank_entry, p.amount, p.currency, p.gl_account.code, p.gl_account.title, p.rule);
    }
    println!(
        "  open: {} bank entries, {} ledger lines, {} open items",
        outcome.unmatched_bank.len(),
        outcome.unmatched_ledger.len(),
        outcome.unmatched_open_items.len()
    );
    let as_of = crate::reconcile::parse_date("2024-11-30")?;
    let options = RunReportOptions::new(as_of, now);
    let reports = state.reports(&options)?;
    println!("  reconciliation as of {as_of}:");
    print_reconciliation(&mut std::io::stdout(), &reports.reconciliation)?;
    std::fs::create_dir_all(&args.out).map_err(|e| Failure::new(format!("{}: {e}", args.out.display())))?;
    let written = reports.export(&args.out, ExportFormat::Xlsx, &options.export).map_err(|e| Failure::new(e.to_string()))?;
    let state_path = args.out.join("demo-state.json");
    state.save(&state_path)?;
    println!("  workbooks in {}:", args.out.display());
    for path in written {
        println!("    {}", path.display());
    }
    println!("  state saved to {} (try: bankrec report --state {})", state_path.display(), state_path.display());
    Ok(EXIT_OK)
}
