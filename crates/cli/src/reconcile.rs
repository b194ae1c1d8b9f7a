//! `bankrec reconcile`, `bankrec report` and `bankrec export`: the facade's state, engine and
//! reports, driven from files.

use std::path::{Path, PathBuf};

use bankrec::matching::ReconcileSummary;
use bankrec::report::{ExportFormat, ReconciliationStatement, RunReportOptions};
use bankrec::{
    load_accounts, load_ledger, load_open_items, load_rules, load_statements, AccountMap, BankAccount, Date, GlAccount, ImportError,
    LoadOptions, ReconciliationState, Statement, Timestamp,
};

use crate::args::{ExportArgs, ReconcileArgs, ReportArgs};
use crate::failure::Failure;
use crate::{EXIT_BAD_INPUT, EXIT_OK, EXIT_OPEN};

/// "Now", from the system clock: the command line is the application, the libraries take it as input.
pub(crate) fn now() -> Timestamp {
    Timestamp::from_offset(time::OffsetDateTime::now_utc())
}

pub(crate) fn parse_date(text: &str) -> Result<Date, Failure> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).map_err(|_| Failure::new(format!("--as-of {text:?}: expected a date YYYY-MM-DD")))
}

/// Inputs of one run, read from files.
pub(crate) struct RunInputs<'a> {
    pub(crate) statements: &'a [PathBuf],
    pub(crate) statement_template: Option<&'a str>,
    pub(crate) ledger: Option<&'a Path>,
    pub(crate) ledger_template: Option<&'a str>,
    pub(crate) open_items: Option<&'a Path>,
    pub(crate) open_items_template: Option<&'a str>,
    pub(crate) accounts: Option<&'a Path>,
    pub(crate) lenient: bool,
    pub(crate) facts: Option<&'a crate::args::StatementFacts>,
}

/// What reading the inputs into a state found: every finding, and whether a file was refused.
pub(crate) struct Loaded {
    pub(crate) findings: Vec<ImportError>,
    pub(crate) refused: bool,
}

fn collect<T>(result: Result<bankrec::Loaded<T>, bankrec::Error>, lenient: bool, loaded: &mut Loaded) -> Result<Vec<T>, Failure> {
    match result {
        Ok(l) => {
            loaded.refused |= !lenient && l.findings.iter().any(ImportError::is_error);
            loaded.findings.extend(l.findings);
            Ok(l.records)
        }
        Err(bankrec::Error::Input { first, .. }) => {
            eprintln!("{first}");
            loaded.refused = true;
            loaded.findings.push(*first);
            Ok(Vec::new())
        }
        Err(other) => Err(other.into()),
    }
}

/// An account for each statement account the map does not know: GL code `BANK-<identifier>`,
/// starting at the earliest statement with the book agreeing with the bank's opening balance
/// (the assumption is printed; give `--accounts` to state the books' own opening balance).
fn derive_accounts(map: &mut AccountMap, statements: &[Statement]) -> Result<Vec<String>, Failure> {
    let mut derived = Vec::new();
    let mut sorted: Vec<&Statement> = statements.iter().collect();
    sorted.sort_by_key(|s| (s.from, s.to, s.id.clone()));
    for s in sorted {
        if map.by_identifier(&s.account).is_some() {
            continue;
        }
        let id = s.account.as_str().to_owned();
        let start = s.from.or(s.to).or_else(|| s.entries.iter().filter_map(|e| e.date()).min());
        let Some(start) = start else { continue };
        let gl = GlAccount::new(format!("BANK-{id}"), format!("Bank {id}"));
        let opening = s.opening_booked().map(bankrec::Balance::signed).unwrap_or_default();
        let account = BankAccount::new(id.clone(), s.account.clone(), s.currency, gl, "SUSPENSE", start).with_opening_book_balance(opening);
        map.insert(account)?;
        derived.push(id);
    }
    Ok(derived)
}

/// Reads every input file into the state. Statements go through the archive (duplicates and
/// re-imports change nothing); ledger lines and open items are merged by id.
pub(crate) fn load_into(state: &mut ReconciliationState, inputs: &RunInputs<'_>) -> Result<Loaded, Failure> {
    let mut loaded = Loaded { findings: Vec::new(), refused: false };
    if let Some(path) = inputs.accounts {
        for account in load_accounts(path)?.iter() {
            if state.accounts.get(&account.id).is_none() {
                state.accounts.insert(account.clone())?;
            }
        }
    }
    let options = LoadOptions::new().lenient(inputs.lenient);
    let bar = crate::progress::bar(inputs.statements.len() as u64, "reading statements");
    let mut statements = Vec::new();
    for path in inputs.statements {
        let mut opts = options.clone().template(inputs.statement_template);
        if let Some(facts) = inputs.facts {
            opts = facts.apply(opts)?;
        }
        statements.extend(collect(load_statements(path, &opts), inputs.lenient, &mut loaded)?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    for id in derive_accounts(&mut state.accounts, &statements)? {
        eprintln!("note: account {id} is not configured (--accounts); its book balance is assumed to agree with the bank's at the first statement");
    }
    for finding in &loaded.findings {
        state.record_error(finding.clone());
    }
    for outcome in state.import_statements(statements) {
        loaded.findings.extend(outcome.findings);
    }
    if let Some(path) = inputs.ledger {
        // A ledger without a GL column belongs to the one bank account there is.
        let gl = (state.accounts.len() == 1).then(|| state.accounts.iter().map(|a| a.gl_account.code.clone()).next()).flatten();
        let mut opts = options.clone().template(inputs.ledger_template);
        if let Some(code) = gl {
            opts = opts.gl_account(code);
        }
        let entries = collect(load_ledger(path, &opts), inputs.lenient, &mut loaded)?;
        let untied = entries.iter().filter(|l| l.gl_account_code().is_none()).count();
        if untied > 0 && state.accounts.len() > 1 {
            eprintln!(
                "note: {untied} ledger line(s) name no GL account and there are {} bank accounts: they may pair with entries of any \
                 account, and count in an account's book balance once a match ties them to it (give the ledger a gl_account column)",
                state.accounts.len()
            );
        }
        state.merge_ledger(entries);
    }
    if let Some(path) = inputs.open_items {
        let opts = options.clone().template(inputs.open_items_template);
        let items = collect(load_open_items(path, &opts), inputs.lenient, &mut loaded)?;
        state.merge_open_items(items);
    }
    Ok(loaded)
}

/// The as-of date: given, or the latest statement end (or entry date) in the state.
pub(crate) fn as_of(state: &ReconciliationState, given: Option<&str>) -> Result<Date, Failure> {
    if let Some(text) = given {
        return parse_date(text);
    }
    let latest_statement = state.archive.statements().filter_map(|s| s.to.or(s.from)).max();
    let latest_entry = state.archive.entries().filter_map(bankrec::BankEntry::date).max();
    latest_statement.max(latest_entry).ok_or_else(|| Failure::new("no statement dates to reconcile as of; give --as-of"))
}

/// Writes every report into the directories asked for (each report creates its directory),
/// building each report once for all of them and one report at a time.
fn write_exports(
    state: &ReconciliationState,
    options: &RunReportOptions,
    xlsx: Option<&Path>,
    csv: Option<&Path>,
) -> Result<Vec<PathBuf>, Failure> {
    let targets: Vec<(&Path, ExportFormat)> =
        [(xlsx, ExportFormat::Xlsx), (csv, ExportFormat::Csv)].into_iter().filter_map(|(dir, format)| Some((dir?, format))).collect();
    Ok(state.write_reports(options, &targets)?)
}

/// Prints the reconciliation figures per account; true when a difference remains.
pub(crate) fn print_reconciliation(out: &mut impl std::io::Write, statement: &ReconciliationStatement) -> std::io::Result<bool> {
    let mut differs = false;
    for a in &statement.accounts {
        let show = |d: Option<bankrec::Decimal>| d.map(|d| d.to_string()).unwrap_or_else(|| "unknown".into());
        writeln!(
            out,
            "  {} {}: bank {} + in transit {} - outstanding {} = {} | book {} -> adjusted {} | difference {}",
            a.account,
            a.currency,
            show(a.bank_balance),
            a.deposits_in_transit,
            a.outstanding_payments,
            show(a.adjusted_bank_balance),
            a.book_balance,
            a.adjusted_book_balance,
            show(a.difference),
        )?;
        differs |= a.difference != Some(bankrec::Decimal::ZERO);
    }
    Ok(differs)
}

pub(crate) fn run(args: &ReconcileArgs) -> Result<u8, Failure> {
    let mut state = match &args.state {
        Some(path) if path.exists() => ReconciliationState::load(path)?,
        _ => ReconciliationState::new(),
    };
    let inputs = RunInputs {
        statements: &args.statements,
        statement_template: args.statement_template.as_deref(),
        ledger: args.ledger.as_deref(),
        ledger_template: args.ledger_template.as_deref(),
        open_items: args.open_items.as_deref(),
        open_items_template: args.open_items_template.as_deref(),
        accounts: args.accounts.as_deref(),
        lenient: args.lenient,
        facts: Some(&args.statement),
    };
    let loaded = load_into(&mut state, &inputs)?;
    if loaded.refused {
        eprintln!("bankrec: input refused (see the errors above); nothing reconciled");
        return Ok(EXIT_BAD_INPUT);
    }
    let rules = match &args.rules {
        Some(path) => load_rules(path)?,
        None => state.rules()?,
    };
    let now = now();
    let outcome = state.reconcile(&rules, now)?;
    let summary = ReconcileSummary::new(&outcome, loaded.findings.clone());
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&summary).map_err(|e| Failure::new(e.to_string()))?;
        std::fs::write(path, text + "\n").map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
    }
    eprintln!(
        "matched {} new ({} in all), proposals for {}, slips proposed by posting rules {}, open: {} bank, {} ledger, {} open items; {} finding(s)",
        summary.matches.len(),
        state.active_matches().count(),
        summary.proposals.len(),
        summary.postings.len(),
        summary.unmatched_bank.len(),
        summary.unmatched_ledger.len(),
        summary.unmatched_open_items.len(),
        loaded.findings.len()
    );
    // A short summary: the first open entries with their reasons (--json lists them all).
    for u in outcome.unmatched_bank.iter().take(OPEN_ENTRIES_SHOWN) {
        eprintln!("  open bank entry {}: {}", u.id, u.reasons.join("; "));
    }
    if let Some(more) = outcome.unmatched_bank.len().checked_sub(OPEN_ENTRIES_SHOWN).filter(|&n| n > 0) {
        eprintln!("  ... and {more} more open bank entries (--json lists them all)");
    }
    let options = RunReportOptions::new(as_of(&state, args.as_of.as_deref())?, now);
    // The statement alone is printed; the exports build the reports one at a time (the histories
    // of a large archive are most of their time and memory).
    let differs = print_reconciliation(&mut std::io::stderr(), &state.reconciliation_statement(&options)?)?;
    for path in write_exports(&state, &options, args.xlsx.as_deref(), args.csv.as_deref())? {
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &args.state {
        state.save(path)?;
    }
    let open = !summary.unmatched_bank.is_empty() || !summary.unmatched_ledger.is_empty() || differs;
    Ok(if open { EXIT_OPEN } else { EXIT_OK })
}

/// Open bank entries listed on stderr after a run.
const OPEN_ENTRIES_SHOWN: usize = 20;

pub(crate) fn report(args: &ReportArgs) -> Result<u8, Failure> {
    let state = ReconciliationState::load(&args.state)?;
    let options = RunReportOptions::new(as_of(&state, args.as_of.as_deref())?, now());
    let r = &state.reconciliation_statement(&options)?;
    println!("Bank reconciliation statement as of {}", r.as_of);
    for a in &r.accounts {
        let show = |d: Option<bankrec::Decimal>| d.map(|d| d.to_string()).unwrap_or_else(|| "unknown".into());
        println!("\n{} ({}) {}", a.account, a.account_identifier, a.currency);
        println!("  balance per bank                  {:>16}", show(a.bank_balance));
        println!("  + deposits in transit             {:>16}", a.deposits_in_transit);
        println!("  - outstanding payments            {:>16}", a.outstanding_payments);
        println!("  = adjusted bank balance           {:>16}", show(a.adjusted_bank_balance));
        println!("  balance per books                 {:>16}", a.book_balance);
        println!("  + bank credits not in the books   {:>16}", a.bank_credits_not_in_books);
        println!("  - bank debits not in the books    {:>16}", a.bank_debits_not_in_books);
        println!("  = adjusted book balance           {:>16}", a.adjusted_book_balance);
        println!("  difference                        {:>16}", show(a.difference));
        for item in &a.items {
            println!(
                "    {:?} {} {} {} {} age {}",
                item.kind,
                item.date.map(|d| d.to_string()).unwrap_or_default(),
                item.amount,
                item.reference.as_deref().unwrap_or("-"),
                item.counterparty.as_deref().unwrap_or("-"),
                item.age_days.map(|d| d.to_string()).unwrap_or_default()
            );
        }
    }
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(r).map_err(|e| Failure::new(e.to_string()))?;
        std::fs::write(path, text + "\n").map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
    }
    let differs = r.accounts.iter().any(|a| a.difference != Some(bankrec::Decimal::ZERO));
    let open = r.accounts.iter().any(|a| !a.items.is_empty());
    Ok(if differs || open { EXIT_OPEN } else { EXIT_OK })
}

pub(crate) fn export(args: &ExportArgs) -> Result<u8, Failure> {
    let state = ReconciliationState::load(&args.state)?;
    let options = RunReportOptions::new(as_of(&state, args.as_of.as_deref())?, now());
    for path in write_exports(&state, &options, args.xlsx.as_deref(), args.csv.as_deref())? {
        println!("{}", path.display());
    }
    Ok(EXIT_OK)
}
