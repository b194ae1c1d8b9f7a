//! End-to-end tests of the `bankrec` binary on the demo data and real bank samples.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn data(name: &str) -> PathBuf {
    repo().join("examples/data").join(name)
}

fn camt_fixture(name: &str) -> PathBuf {
    repo().join("crates/camt/tests/fixtures").join(name)
}

fn bankrec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bankrec")).args(args).current_dir(repo()).output().expect("the binary runs")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("stdout is JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn parse_prints_statements_and_entries_as_json() {
    let out = bankrec(&["parse", path(&data("statement-2024-11-a.xml")), path(&data("statement-2024-11-b.xml"))]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc = json(&out);
    let statements = doc["statements"].as_array().expect("statements");
    assert_eq!(statements.len(), 2);
    let a = &statements[0];
    assert_eq!(a["account"], "DE89370400440532013000");
    assert_eq!(a["currency"], "EUR");
    assert_eq!(a["opening_balance"], "12500.00");
    assert_eq!(a["closing_balance"], "12817.60");
    assert_eq!(statements[1]["opening_balance"], "12817.60");
    let first = &a["entries"][0];
    assert_eq!(first["id"], "NL-24110401", "the bank reference is the id");
    assert_eq!(first["amount"], "1190.00");
    assert_eq!(first["direction"], "credit");
    assert_eq!(first["status"], "booked");
    assert_eq!(first["booking_date"], "2024-11-04");
    assert_eq!(first["end_to_end_ids"][0], "MB-2024-1001");
    assert_eq!(first["counterparty"]["name"], "Mueller Bau GmbH");
    assert_eq!(a["entries"][2]["creditor_refs"][0], "RF18539007547034");
    let batch = &statements[1]["entries"][0];
    assert_eq!(batch["details"].as_array().map(Vec::len), Some(2));
    assert!(doc["errors"].as_array().expect("errors").is_empty());
}

#[test]
fn parse_refuses_an_invalid_file_with_exit_2_and_a_located_error() {
    let bad = camt_fixture("camt053/bsp-de-v02-invalid-garbled-amount.xml");
    let out = bankrec(&["parse", path(&bad)]);
    assert_eq!(out.status.code(), Some(2));
    let doc = json(&out);
    let err = &doc["errors"][0];
    assert_eq!(err["code"], "invalid_amount");
    assert_eq!(err["severity"], "error");
    assert!(err["line"].as_u64().is_some(), "{err}");
    assert!(err["path"].as_str().is_some_and(|p| p.ends_with("/Amt")), "{err}");
    assert!(err["file"].as_str().is_some_and(|f| f.ends_with("garbled-amount.xml")), "{err}");
}

#[test]
fn parse_summary_streams_one_line_per_statement() {
    let out = bankrec(&["parse", "--summary", path(&data("statement-2024-11-a.xml"))]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(text.lines().count(), 1);
    assert!(text.contains("2024-11-A DE89370400440532013000 EUR entries=7 opening=12500.00 closing=12817.60"), "{text}");
    assert!(text.contains("credits=4070.00 debits=3752.40 balances"), "{text}");
}

#[test]
fn reconcile_writes_json_and_exits_1_with_items_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out_json = dir.path().join("result.json");
    let out = bankrec(&[
        "reconcile",
        "--statements",
        path(&data("statement-2024-11-a.xml")),
        path(&data("statement-2024-11-b.xml")),
        "--ledger",
        path(&data("ledger.csv")),
        "--open-items",
        path(&data("open-items.csv")),
        "--accounts",
        path(&data("accounts.toml")),
        "--json",
        path(&out_json),
        "--csv",
        path(dir.path()),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out_json).expect("json written")).expect("json");
    let matches = doc["matches"].as_array().expect("matches");
    assert!(matches.iter().any(|m| m["bank"][0] == "NL-24110701" && m["open_items"][0] == "OI-1002"), "RF reference settles INV-2024-1002");
    assert!(matches.iter().all(|m| m["reasons"].as_array().is_some_and(|r| !r.is_empty())));
    assert!(doc["unmatched_bank"].as_array().expect("ids").iter().any(|id| id == "NL-24110801"), "the bank fee is open");
    // ...and the posting rules propose a slip for it; the batch of two invoices is one group.
    let postings = doc["postings"].as_array().expect("postings");
    assert!(postings.iter().any(|p| p["bank_entry"] == "NL-24110801" && p["kind"] == "bank_fee"), "{postings:?}");
    assert!(matches.iter().any(|m| m["bank"][0] == "NL-24111901" && m["open_items"].as_array().is_some_and(|i| i.len() == 2)));
    let proposals = doc["proposals"].as_array().expect("proposals");
    assert!(proposals.iter().any(|p| p["bank"] == "NL-24112201" && p["candidates"][0]["open_items"][0] == "OI-1005"), "995.00 for 1000.00");
    let csv_files = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "csv")))
        .count();
    assert!(csv_files >= 7, "{csv_files} csv files");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("difference 0.00"), "{stderr}");
}

#[test]
fn incremental_state_reimport_changes_nothing_then_report_and_export() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state.json");
    let run = |statement: &str| {
        bankrec(&[
            "reconcile",
            "--statements",
            path(&data(statement)),
            "--ledger",
            path(&data("ledger.csv")),
            "--accounts",
            path(&data("accounts.toml")),
            "--state",
            path(&state),
        ])
    };
    assert_eq!(run("statement-2024-11-a.xml").status.code(), Some(1));
    let first: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&state).expect("state")).expect("json");
    assert_eq!(run("statement-2024-11-a.xml").status.code(), Some(1));
    let again: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&state).expect("state")).expect("json");
    assert_eq!(first["archive"], again["archive"]);
    assert_eq!(first["matches"], again["matches"]);
    assert_eq!(run("statement-2024-11-b.xml").status.code(), Some(1));
    let after: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&state).expect("state")).expect("json");
    assert!(after["matches"].as_array().map(Vec::len) > first["matches"].as_array().map(Vec::len));

    let report = bankrec(&["report", "--state", path(&state), "--as-of", "2024-11-30"]);
    let text = String::from_utf8_lossy(&report.stdout);
    assert!(text.contains("Bank reconciliation statement as of 2024-11-30"), "{text}");
    assert!(text.contains("balance per bank"), "{text}");
    let xlsx_dir = dir.path().join("xlsx");
    let export = bankrec(&["export", "--state", path(&state), "--xlsx", path(&xlsx_dir)]);
    assert_eq!(export.status.code(), Some(0), "{}", String::from_utf8_lossy(&export.stderr));
    assert_eq!(std::fs::read_dir(&xlsx_dir).expect("dir").count(), 7);
}

#[test]
fn demo_runs_the_whole_flow() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = bankrec(&["demo", "--out", path(dir.path())]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("matched automatically"), "{text}");
    assert!(text.contains("difference 0.00"), "{text}");
    let workbooks = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "xlsx")))
        .count();
    assert_eq!(workbooks, 7);
}

#[test]
fn bad_arguments_and_missing_files_exit_2() {
    assert_eq!(bankrec(&["parse", "/no/such/file.xml"]).status.code(), Some(2));
    assert_eq!(bankrec(&["report", "--state", "/no/such/state.json"]).status.code(), Some(2));
    assert_eq!(
        bankrec(&["reconcile", "--statements", path(&data("statement-2024-11-a.xml")), "--as-of", "30.11.2024"]).status.code(),
        Some(2)
    );
}

#[test]
fn parse_reads_a_bank_csv_through_a_template_with_facts_from_flags() {
    let csv = repo().join("crates/tabular/tests/fixtures/ofxrevolut-revolut-2022-01.csv");
    let refused = bankrec(&["parse", "--template", "revolut", path(&csv)]);
    assert_eq!(refused.status.code(), Some(2), "the layout names no account");
    assert_eq!(json(&refused)["errors"][0]["code"], "missing_field");
    let out = bankrec(&["parse", "--template", "revolut", "--account", "LT601010012345678901", "--currency", "EUR", path(&csv)]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc = json(&out);
    assert_eq!(doc["statements"][0]["account"], "LT601010012345678901");
    assert_eq!(doc["statements"][0]["entries"].as_array().map(Vec::len), Some(9));
    let unknown = bankrec(&["parse", "--template", "no-such-bank", path(&csv)]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no-such-bank"));
}

/// A camt.053 statement of `account` from 0.00 with deposits of `amounts` (whole euros) on
/// 2024-11-04, the entry ids `{prefix}` and the amount (`E01`, `E02`...).
fn deposits_statement(account: &str, prefix: &str, amounts: std::ops::RangeInclusive<u32>) -> String {
    let entries: String = amounts
        .clone()
        .map(|i| {
            format!(
                "<Ntry><Amt Ccy=\"EUR\">{i}.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>\
                 <BookgDt><Dt>2024-11-04</Dt></BookgDt><AcctSvcrRef>{prefix}{i:02}</AcctSvcrRef></Ntry>"
            )
        })
        .collect();
    let closing: u32 = amounts.sum();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>\
         <GrpHdr><MsgId>M-{prefix}</MsgId><CreDtTm>2024-11-15T18:00:00</CreDtTm></GrpHdr><Stmt><Id>S-{prefix}</Id>\
         <CreDtTm>2024-11-15T18:00:00</CreDtTm><Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy></Acct>\
         <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-11-01</Dt></Dt></Bal>\
         <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{closing}.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-11-15</Dt></Dt></Bal>\
         {entries}</Stmt></BkToCstmrStmt></Document>"
    )
}

const LEDGER_HEADER: &str = "id,date,amount,currency,reference,counterparty,description,settlement_no\n";

#[test]
fn reconcile_lists_the_first_open_entries_and_counts_the_rest() {
    // 25 deposits and an empty ledger: every entry stays open.
    let dir = tempfile::tempdir().expect("temp dir");
    let (statement, ledger) = (dir.path().join("statement.xml"), dir.path().join("ledger.csv"));
    std::fs::write(&statement, deposits_statement("DE89370400440532013000", "E", 1..=25)).expect("written");
    std::fs::write(&ledger, LEDGER_HEADER).expect("written");
    let out = bankrec(&["reconcile", "--statements", path(&statement), "--ledger", path(&ledger)]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("open: 25 bank"), "{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.starts_with("  open bank entry ")).count(), 20, "{stderr}");
    assert!(stderr.contains("  open bank entry E01: "), "{stderr}");
    assert!(stderr.contains("  ... and 5 more open bank entries (--json lists them all)"), "{stderr}");
}

#[test]
fn reconcile_pairs_a_ledger_without_gl_column_on_any_of_several_accounts() {
    // Two accounts and a ledger CSV without a GL column: its lines name no account, so they pair
    // with entries of either, and the book side of the account that matched them agrees.
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, b, ledger) = (dir.path().join("a.xml"), dir.path().join("b.xml"), dir.path().join("ledger.csv"));
    std::fs::write(&a, deposits_statement("DE89370400440532013000", "A", 1..=1)).expect("written");
    std::fs::write(&b, deposits_statement("DE35370400440532013099", "B", 2..=3)).expect("written");
    let lines = "L1,2024-11-04,1.00,EUR,,,,\nL2,2024-11-04,2.00,EUR,,,,\nL3,2024-11-04,3.00,EUR,,,,\n";
    std::fs::write(&ledger, format!("{LEDGER_HEADER}{lines}")).expect("written");
    let json = dir.path().join("out.json");
    let args = ["--ledger", path(&ledger), "--json", path(&json), "--as-of", "2024-11-15"];
    let out = bankrec(&[&["reconcile", "--statements", path(&a), path(&b)], &args[..]].concat());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("note: 3 ledger line(s) name no GL account and there are 2 bank accounts"), "{stderr}");
    assert!(stderr.contains("matched 3 new"), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).expect("json written")).expect("json");
    assert_eq!(doc["unmatched_ledger"].as_array().map(Vec::len), Some(0), "{doc}");
    // Each account's books hold the lines matched to its entries: nothing is left "not in books".
    for (account, book) in [("DE89370400440532013000", "1.00"), ("DE35370400440532013099", "5.00")] {
        let line = stderr.lines().find(|l| l.trim_start().starts_with(account)).unwrap_or_else(|| panic!("{account}: {stderr}"));
        assert!(line.ends_with(&format!("book {book} -> adjusted {book} | difference 0.00")), "{line}");
    }
}
