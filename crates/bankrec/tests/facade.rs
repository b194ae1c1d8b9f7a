//! The facade end to end: statements from readers and files, a ledger, reconcile, manual work
//! under a policy, reports, and the saved state.

use std::path::{Path, PathBuf};

use bankrec::matching::{ManualMatch, RuleSet};
use bankrec::report::RunReportOptions;
use bankrec::{
    load_accounts, load_ledger, load_open_items, load_statements, load_statements_from, Action, Actor, AllowAll, ErrorCode, LoadOptions,
    ReconciliationState, RolePolicy, Timestamp,
};
use time::macros::date;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data").join(name)
}

fn now() -> Timestamp {
    "2024-12-01T09:00:00+01:00".parse().expect("timestamp")
}

fn demo_state() -> ReconciliationState {
    let mut state = ReconciliationState::new();
    state.accounts = load_accounts(data("accounts.toml")).expect("accounts");
    for file in ["statement-2024-11-a.xml", "statement-2024-11-b.xml"] {
        state.import_statements(load_statements(data(file), &LoadOptions::new()).expect("statement").records);
    }
    state.merge_ledger(load_ledger(data("ledger.csv"), &LoadOptions::new().gl_account("1200")).expect("ledger").records);
    state.merge_open_items(load_open_items(data("open-items.csv"), &LoadOptions::new()).expect("open items").records);
    state
}

#[test]
fn statements_load_from_readers_as_from_files() {
    let bytes = std::fs::read(data("statement-2024-11-a.xml")).expect("read");
    let from_reader = load_statements_from(std::io::Cursor::new(bytes), "upload.xml", &LoadOptions::new()).expect("camt");
    let from_file = load_statements(data("statement-2024-11-a.xml"), &LoadOptions::new()).expect("camt");
    assert_eq!(from_reader.records, from_file.records);

    let csv = "id,date,amount,currency,reference,counterparty,description,settlement_no\nX,2024-11-02,-1.00,EUR,,,,\n";
    let options = LoadOptions::new().template(Some("bankrec-ledger"));
    let refused = load_statements_from(std::io::Cursor::new(csv.as_bytes().to_vec()), "ledger.csv", &options);
    assert!(refused.is_err(), "a ledger template is not a statement template");

    let garbled = "<Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy=\"EUR\">12,3x</Amt></Ntry></Stmt></BkToCstmrStmt></Document>";
    let err = load_statements_from(std::io::Cursor::new(garbled.as_bytes().to_vec()), "garbled.xml", &LoadOptions::new()).expect_err("bad");
    assert!(err.to_string().contains("garbled.xml"), "{err}");
}

#[test]
fn reconcile_manual_match_unmatch_and_reports() {
    let mut state = demo_state();
    let outcome = state.reconcile(&RuleSet::default(), now()).expect("engine");
    assert!(!outcome.matches.is_empty());
    let again = state.reconcile(&RuleSet::default(), now()).expect("engine");
    assert!(again.matches.is_empty(), "a second run finds nothing new");

    // The batch paying two invoices is a group the engine found; an accountant undoes it
    // and a clerk matches it by hand instead: a clerk may, and every action is audited.
    let split = outcome.matches.iter().find(|r| r.bank_entries == ["NL-24111901"]).expect("batch matched");
    assert_eq!(split.origin_label(), "batch");
    let mut items: Vec<&str> = split.open_items.iter().map(|a| a.id.as_str()).collect();
    items.sort_unstable();
    assert_eq!(items, ["OI-1003", "OI-1004"]);
    let policy = RolePolicy::new().grant("clerk", &[Action::ManualMatch]).grant("accountant", Action::ALL);
    let accountant = Actor::new("alex", ["accountant"]);
    state.unmatch(&policy, &accountant, &split.id, Some("matched by hand"), now()).expect("accountants may unmatch");
    let clerk = Actor::new("kim", ["clerk"]);
    let request = ManualMatch::new().bank("NL-24111901").open_item("OI-1003", None).open_item("OI-1004", None);
    let id = state.match_manually(&policy, &clerk, &request, now()).expect("sums agree");
    let err = state.unmatch(&policy, &clerk, &id, None, now()).expect_err("clerks may not unmatch");
    assert!(matches!(err, bankrec::Error::PermissionDenied { .. }));
    let before = state.active_matches().count();
    state.unmatch(&policy, &Actor::new("alex", ["accountant"]), &id, Some("check"), now()).expect("accountants may");
    assert_eq!(state.active_matches().count(), before - 1);
    let actions: Vec<_> = state.audit.iter().map(|e| e.action).collect();
    assert!(actions.contains(&bankrec::AuditAction::Refused) && actions.contains(&bankrec::AuditAction::Unmatched));

    // An unclassified cash deposit goes to the suspense account.
    let slip = state.propose_slip(&AllowAll, &clerk, "NL-24111101", None, now()).expect("deposit");
    assert!(slip.suspense);
    let line = state.create_slip(&AllowAll, &clerk, "NL-24111101", "V-2024-118", now()).expect("created");
    assert!(state.ledger.contains_key(&line.id));

    let options = RunReportOptions::new(date!(2024 - 11 - 30), now());
    let reports = state.reports(&options).expect("reports");
    let account = &reports.reconciliation.accounts[0];
    assert_eq!(account.difference, Some(bankrec::Decimal::ZERO), "{account:#?}");
    // The statement alone is the statement of all the reports.
    assert_eq!(state.reconciliation_statement(&options).expect("statement"), reports.reconciliation);
}

#[test]
fn unknown_account_and_errors_are_kept_once() {
    let mut state = ReconciliationState::new();
    let statements = load_statements(data("statement-2024-11-a.xml"), &LoadOptions::new()).expect("camt").records;
    state.import_statements(statements.clone());
    state.import_statements(statements);
    assert!(state.errors.iter().all(|e| e.code != ErrorCode::DuplicateStatement), "duplicates are not state");
}
