//! Integration tests of bankrec-report: a small two-account scenario whose reconciliation is
//! worked out by hand, every export read back (Excel with calamine), and the reconciliation
//! identity property-tested on generated data.

use std::path::{Path, PathBuf};

use bankrec_model::{
    AccountId, AccountMap, AdjustmentKind, AdjustmentLine, AuditAction, AuditEvent, Balance, BalanceKind, BankAccount, BankEntry,
    Cancellation, Currency, Date, Decimal, Direction, ErrorCode, GlAccount, ImportError, LedgerEntry, MatchOrigin, MatchRecord, Party,
    Severity, Statement, StatementArchive, StatementKind, Timestamp,
};
use bankrec_report::{
    write_history, write_reports, write_reports_to, BalanceComparison, ErrorFilter, ExportFormat, ExportOptions, HistoryFilter,
    HistoryKind, HistoryRow, ImportErrorReport, ItemKind, MatchFilter, MatchRecordReport, ReconciliationOptions, ReconciliationStatement,
    Report, ReportInput, RunReportOptions, RunReports, TransactionHistory,
};
use calamine::{open_workbook, Data, Reader, Xlsx};
use proptest::prelude::*;
use time::macros::date;

const EVIL: &str = "=HYPERLINK(\"http://evil.example\",\"click\")";

fn d(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

fn ts(s: &str) -> Timestamp {
    s.parse().expect("ISO 8601 timestamp")
}

fn main_iban() -> AccountId {
    AccountId::iban("DE89370400440532013000").expect("valid IBAN")
}

fn yen_iban() -> AccountId {
    AccountId::iban("GB82WEST12345698765432").expect("valid IBAN")
}

fn balance(kind: BalanceKind, signed: Decimal, currency: Currency, date: Date) -> Balance {
    let (direction, amount) = Direction::split(signed);
    Balance { kind, amount, direction, currency, date: Some(date), date_time: None }
}

fn entry(account: &AccountId, id: &str, signed: Decimal, currency: Currency, date: Date) -> BankEntry {
    let (dir, amount) = Direction::split(signed);
    BankEntry::new(account.clone(), amount, currency, dir, Some(date)).with_id(id)
}

fn record(id: &str, bank: &[&str], ledger: &[&str]) -> MatchRecord {
    let mut r: MatchRecord = serde_json::from_value(serde_json::json!({
        "id": id, "account": "main", "currency": "EUR", "origin": {"rule": "reference"}, "score": 0.9,
        "created_at": "2024-02-01T09:00:00Z", "created_by": "engine",
        "bank_entries": bank, "ledger_entries": ledger, "reasons": ["amount equal"]
    }))
    .expect("record JSON");
    r.origin = MatchOrigin::Rule("reference".into());
    r
}

struct Scenario {
    accounts: AccountMap,
    archive: StatementArchive,
    ledger: Vec<LedgerEntry>,
    matches: Vec<MatchRecord>,
    audit: Vec<AuditEvent>,
    errors: Vec<ImportError>,
}

impl Scenario {
    fn input(&self) -> ReportInput<'_> {
        ReportInput::new(&self.accounts, &self.archive)
            .with_ledger(&self.ledger)
            .with_match_records(&self.matches)
            .with_audit_trail(&self.audit)
            .with_import_errors(&self.errors)
    }
}

/// Account `main` (EUR, GL 1200, opening 1000.00) and `yen` (JPY, GL 1210, opening 0).
/// Worked by hand: bank 1,406.84 + 300.00 in transit - 150.00 outstanding = 1,556.84;
/// book 1,550.00 + 12.34 unidentified deposit - 5.00 fee - 0.50 fee netted in a match = 1,556.84.
fn scenario() -> Scenario {
    let mut accounts = AccountMap::new();
    accounts
        .insert(
            BankAccount::new("main", main_iban(), Currency::EUR, GlAccount::new("1200", "Bank EUR"), "1290", date!(2024 - 01 - 01))
                .with_bank_name("Commerzbank")
                .with_opening_book_balance(d(100_000)),
        )
        .expect("main");
    accounts
        .insert(
            BankAccount::new("yen", yen_iban(), Currency::JPY, GlAccount::new("1210", "Bank JPY"), "1291", date!(2024 - 01 - 01))
                .with_bank_name("West Bank"),
        )
        .expect("yen");

    let iban = main_iban();
    let mut s = Statement::new("2024-01", StatementKind::Statement, iban.clone(), Currency::EUR);
    s.from = Some(date!(2024 - 01 - 01));
    s.to = Some(date!(2024 - 01 - 31));
    s.balances.push(balance(BalanceKind::OpeningBooked, d(100_000), Currency::EUR, date!(2023 - 12 - 31)));
    s.balances.push(balance(BalanceKind::ClosingBooked, d(140_684), Currency::EUR, date!(2024 - 01 - 31)));
    let mut b1 = entry(&iban, "B1", d(50_000), Currency::EUR, date!(2024 - 01 - 10));
    b1.transaction.refs.set(bankrec_model::TransactionRefKind::EndToEndId, "E2E-1");
    b1.transaction.counterparty = Some(Party { name: Some("Customer One".into()), ..Party::default() });
    let b2 = entry(&iban, "B2", d(-20_000), Currency::EUR, date!(2024 - 01 - 12));
    let mut b3 = entry(&iban, "B3", d(-500), Currency::EUR, date!(2024 - 01 - 31));
    b3.transaction.remittance.unstructured.push("ACCOUNT FEE JANUARY".into());
    let b4 = entry(&iban, "B4", d(9_950), Currency::EUR, date!(2024 - 01 - 20));
    let mut b5 = entry(&iban, "B5", d(1_234), Currency::EUR, date!(2024 - 01 - 25));
    b5.transaction.counterparty = Some(Party { name: Some(EVIL.into()), ..Party::default() });
    b5.transaction.remittance.unstructured.push("+SUM(A1:A9)".into());
    s.entries = vec![b1, b2, b3, b4, b5];
    let mut archive = StatementArchive::new();
    let outcome = archive.import(s, None);
    assert_eq!(outcome.accepted.len(), 5);

    let yen = yen_iban();
    let mut y = Statement::new("Y-2024-01", StatementKind::Statement, yen.clone(), Currency::JPY);
    y.balances.push(balance(BalanceKind::OpeningBooked, Decimal::ZERO, Currency::JPY, date!(2023 - 12 - 31)));
    y.balances.push(balance(BalanceKind::ClosingBooked, Decimal::new(1_500, 0), Currency::JPY, date!(2024 - 01 - 31)));
    y.entries.push(entry(&yen, "Y1", Decimal::new(1_500, 0), Currency::JPY, date!(2024 - 01 - 15)));
    archive.import(y, None);

    let mut l1 = LedgerEntry::new("L1", date!(2024 - 01 - 09), "1200", d(50_000), Currency::EUR).with_reference("INV-1");
    l1.slip_number = Some("S-001".into());
    let mut l2 = LedgerEntry::new("L2", date!(2024 - 01 - 11), "1200", d(-20_000), Currency::EUR);
    l2.slip_number = Some("S-002".into());
    let ledger = vec![
        l1,
        l2,
        LedgerEntry::new("L3", date!(2024 - 01 - 30), "1200", d(30_000), Currency::EUR).with_reference("INV-3").with_counterparty("ACME"),
        LedgerEntry::new("L4", date!(2024 - 01 - 18), "1200", d(10_000), Currency::EUR),
        LedgerEntry::new("L5", date!(2024 - 01 - 29), "1200", d(-15_000), Currency::EUR)
            .with_reference("CHQ-77")
            .with_counterparty("Supplier"),
        LedgerEntry::new("L6", date!(2024 - 01 - 15), "4000", d(-99_900), Currency::EUR),
        LedgerEntry::new("L7", date!(2023 - 12 - 20), "1200", d(5_000), Currency::EUR),
        LedgerEntry::new("L8", date!(2024 - 02 - 02), "1200", d(7_000), Currency::EUR),
    ];
    let mut m4 = record("M4", &["B4"], &["L4"]);
    m4.adjustments.push(AdjustmentLine {
        account: GlAccount::new("6820", "Bank fees"),
        amount: d(-50),
        currency: Currency::EUR,
        kind: AdjustmentKind::BankFee,
        description: None,
    });
    let mut m9 = record("M9", &["B5"], &["L3"]);
    m9.cancelled =
        Some(Box::new(Cancellation { at: ts("2024-02-01T10:00:00Z"), by: "alice".into(), reason: Some("wrong customer".into()) }));
    m9.origin = MatchOrigin::Manual;
    let matches = vec![record("M1", &["B1"], &["L1"]), record("M2", &["B2"], &["L2"]), m4, m9];
    let audit = matches
        .iter()
        .map(AuditEvent::matched)
        .chain([AuditEvent::new(ts("2024-02-01T10:00:00Z"), "alice", AuditAction::Unmatched).with_record("M9")])
        .collect();
    let errors = vec![
        ImportError::new(ErrorCode::InvalidAmount, Severity::Error, "amount is not a number")
            .with_file("jan.xml")
            .with_line(42)
            .with_raw("=1+1")
            .with_account(main_iban().as_str())
            .with_date(date!(2024 - 01 - 15)),
        ImportError::new(ErrorCode::StatementUnbalanced, Severity::Warning, "does not balance").with_file("feb.xml"),
        ImportError::new(ErrorCode::EntrySuperseded, Severity::Info, "booked replaces pending").with_file("feb.xml").with_line(7),
    ];
    Scenario { accounts, archive, ledger, matches, audit, errors }
}

fn as_of() -> Date {
    date!(2024 - 01 - 31)
}

fn options() -> ExportOptions {
    ExportOptions::new(ts("2024-02-01T18:04:09+01:00"))
}

fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bankrec-report").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn excel_serial(date: Date) -> f64 {
    (date - date!(1899 - 12 - 30)).whole_days() as f64
}

/// An exported sheet read back: cell values plus the position of the header row.
struct Sheet {
    cells: calamine::Range<Data>,
    styles: calamine::StyleRange,
    header_row: u32,
    headers: Vec<String>,
}

impl Sheet {
    fn open(path: &Path, sheet: &str) -> Sheet {
        let mut wb: Xlsx<_> = open_workbook(path).expect("xlsx opens");
        let cells = wb.worksheet_range(sheet).expect("sheet exists");
        let styles = wb.worksheet_style(sheet).expect("styles");
        // The title block ends with an empty row; the header follows it.
        let blank = (1..40).find(|r| cells.get_value((*r, 0)).is_none_or(|v| v.to_string().is_empty())).expect("blank row");
        let header_row = blank + 1;
        let headers = (0..cells.width() as u32).map_while(|c| cells.get_value((header_row, c)).map(|v| v.to_string())).collect();
        Sheet { cells, styles, header_row, headers }
    }

    fn col(&self, header: &str) -> u32 {
        self.headers.iter().position(|h| h == header).unwrap_or_else(|| panic!("column {header} in {:?}", self.headers)) as u32
    }

    /// Value in data row `i` (0-based) under `header`.
    fn at(&self, i: u32, header: &str) -> &Data {
        self.cells.get_value((self.header_row + 1 + i, self.col(header))).unwrap_or(&Data::Empty)
    }

    fn row_of(&self, header: &str, text: &str) -> u32 {
        let c = self.col(header);
        (0..self.cells.height() as u32)
            .find(|r| self.cells.get_value((*r, c)).is_some_and(|v| *v == text))
            .unwrap_or_else(|| panic!("{text} under {header}"))
    }

    fn num_format(&self, row: u32, header: &str) -> String {
        self.styles.get((row, self.col(header))).and_then(|s| s.number_format.as_ref()).map(|f| f.format_code.clone()).unwrap_or_default()
    }

    fn title_value(&self, label: &str) -> &Data {
        let r = (0..self.header_row).find(|r| self.cells.get_value((*r, 0)).is_some_and(|v| *v == label)).expect(label);
        self.cells.get_value((r, 1)).expect("title value")
    }
}

fn bold(styles: &calamine::StyleRange, r: u32, c: u32) -> bool {
    styles.get((r, c)).and_then(|s| s.font.as_ref()).is_some_and(|f| f.is_bold())
}

fn float(v: &Data) -> f64 {
    match v {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("expected a number, got {other:?}"),
    }
}

fn date_serial(v: &Data) -> f64 {
    match v {
        Data::DateTime(dt) => dt.as_f64(),
        other => panic!("expected a date, got {other:?}"),
    }
}

#[test]
fn reconciliation_matches_the_hand_worked_statement() {
    let s = scenario();
    let rec = ReconciliationStatement::build(&s.input(), as_of(), &ReconciliationOptions::default()).expect("built");
    let main = rec.account("main").expect("main");
    assert_eq!(main.bank_balance, Some(d(140_684)));
    assert_eq!(main.deposits_in_transit, d(30_000));
    assert_eq!(main.outstanding_payments, d(15_000));
    assert_eq!(main.adjusted_bank_balance, Some(d(155_684)));
    assert_eq!(main.book_balance, d(155_000), "opening 1000 + L1..L5; L6 other GL, L7 before start, L8 after as-of");
    assert_eq!(main.bank_credits_not_in_books, d(1_234));
    assert_eq!(main.bank_debits_not_in_books, d(500));
    assert_eq!(main.matched_differences, d(-50));
    assert_eq!(main.adjusted_book_balance, d(155_684));
    assert_eq!(main.difference, Some(Decimal::ZERO));
    assert!(rec.is_reconciled());
    let kinds: Vec<(ItemKind, &str, Option<i64>)> = main.items.iter().map(|i| (i.kind, i.source_id.as_str(), i.age_days)).collect();
    assert_eq!(
        kinds,
        vec![
            (ItemKind::DepositInTransit, "L3", Some(1)),
            (ItemKind::OutstandingPayment, "L5", Some(2)),
            (ItemKind::BankCreditNotInBooks, "B5", Some(6)),
            (ItemKind::BankDebitNotInBooks, "B3", Some(0)),
            (ItemKind::MatchedDifference, "M4", Some(11)),
        ]
    );
    let l3 = &main.items[0];
    assert_eq!((l3.reference.as_deref(), l3.counterparty.as_deref(), l3.amount), (Some("INV-3"), Some("ACME"), d(30_000)));
    let b5 = &main.items[2];
    assert_eq!(b5.match_record, None, "the cancelled match M9 does not count");
    let yen = rec.account("yen").expect("yen");
    assert_eq!(yen.bank_credits_not_in_books, Decimal::new(1_500, 0));
    assert!(yen.is_reconciled());
    assert_eq!(rec.totals.len(), 2);
}

#[test]
fn ledger_lines_without_a_gl_account_count_on_the_account_that_matched_them() {
    // The books of the scenario with no GL column: every line of GL 1200 names no account.
    let reports = |s: &Scenario| {
        let input = s.input();
        let statement = ReconciliationStatement::build(&input, as_of(), &ReconciliationOptions::default()).expect("statement");
        (statement, BalanceComparison::build(&input, as_of()).expect("balances"))
    };
    let untie = |s: &mut Scenario| {
        for l in s.ledger.iter_mut().filter(|l| l.gl_account == "1200") {
            l.gl_account = String::new();
        }
    };
    // `main` is the only EUR account: matched lines count there by their records, the others
    // by their currency; the revenue line (GL 4000) stays out. Nothing changes.
    let tied = scenario();
    let mut untied = scenario();
    untie(&mut untied);
    assert_eq!(reports(&untied), reports(&tied));

    // A second EUR account: a line without a GL account that no record matched could be either
    // account's, so it is on neither's books; matched lines stay on `main`.
    let savings = BankAccount::new(
        "savings",
        AccountId::iban("DE89370400440532013000").expect("valid IBAN"),
        Currency::EUR,
        GlAccount::new("1220", "Savings"),
        "1292",
        date!(2024 - 01 - 01),
    );
    untied.accounts.insert(savings).expect("distinct GL account");
    let (statement, balances) = reports(&untied);
    let main = statement.accounts.iter().find(|a| a.account == "main").expect("main");
    let in_books: Vec<&str> = main.items.iter().filter(|i| i.source_id.starts_with('L')).map(|i| i.source_id.as_str()).collect();
    assert!(in_books.is_empty(), "unmatched lines L3 and L5 are on no account's books: {in_books:?}");
    let (tied_statement, _) = reports(&tied);
    let tied_main = tied_statement.accounts.iter().find(|a| a.account == "main").expect("main");
    // L1 + L2 + L4 (matched) instead of all of GL 1200 in the window (L3 and L5 too).
    assert_eq!(main.book_balance, tied_main.book_balance - d(30_000) + d(15_000));
    let main_row = balances.rows.iter().find(|r| r.account == "main").expect("main row");
    // The balance comparison: the opening balance and the matched L1, L2 and L4.
    assert_eq!(main_row.book_balance, d(100_000) + d(50_000) - d(20_000) + d(10_000));
    let savings_row = balances.rows.iter().find(|r| r.account == "savings").expect("savings row");
    assert_eq!(savings_row.book_balance, Decimal::ZERO);
}

#[test]
fn a_difference_is_shown_and_called_out() {
    let s = scenario();
    let options = ReconciliationOptions::default().with_account("main").with_bank_balance("main", d(140_000));
    let rec = ReconciliationStatement::build(&s.input(), as_of(), &options).expect("built");
    let main = &rec.accounts[0];
    assert_eq!(main.difference, Some(d(-684)));
    assert_eq!(main.status(), "DIFFERENCE");
    let dir = out_dir("difference");
    let paths = rec.export(&dir, ExportFormat::Xlsx, &options_fixed()).expect("exported");
    let sheet = Sheet::open(&paths[0], "Reconciliation");
    assert_eq!(sheet.title_value("Result").to_string(), "NOT RECONCILED: main");
    assert_eq!(float(sheet.at(0, "Difference")), -6.84);
    assert_eq!(sheet.at(0, "Status").to_string(), "DIFFERENCE");
}

fn options_fixed() -> ExportOptions {
    options()
}

#[test]
fn unknown_account_and_bad_filters_are_refused() {
    let s = scenario();
    let bad = ReconciliationOptions::default().with_account("nope");
    assert!(matches!(ReconciliationStatement::build(&s.input(), as_of(), &bad), Err(bankrec_report::ReportError::UnknownAccount { .. })));
    let f = HistoryFilter::default().with_amount_range(Some(d(500)), Some(d(100)));
    assert!(TransactionHistory::build(&s.input(), HistoryKind::All, &f).is_err());
    assert!(ReconciliationStatement::build(&s.input(), date!(2023 - 06 - 30), &ReconciliationOptions::default()).is_err());
}

#[test]
fn reconciliation_workbook_reads_back_with_types_formats_and_totals() {
    let s = scenario();
    let rec = ReconciliationStatement::build(&s.input(), as_of(), &ReconciliationOptions::default()).expect("built");
    let dir = out_dir("reconciliation");
    let paths = rec.export(&dir, ExportFormat::Xlsx, &options()).expect("exported");
    assert_eq!(paths, vec![dir.join("BankReconciliationStatement_20240201_180409.xlsx")]);
    let sheet = Sheet::open(&paths[0], "Reconciliation");
    assert_eq!(sheet.cells.get_value((0, 0)).map(|v| v.to_string()), Some("Bank reconciliation statement".into()));
    assert_eq!(date_serial(sheet.title_value("As of")), excel_serial(as_of()));
    assert!(matches!(sheet.title_value("Generated at"), Data::DateTime(_)));
    // Row 0: main (EUR), row 1: yen (JPY).
    assert_eq!(sheet.at(0, "Account").to_string(), "main");
    assert_eq!(float(sheet.at(0, "Bank closing balance")), 1406.84);
    assert_eq!(float(sheet.at(0, "Adjusted bank balance")), 1556.84);
    assert_eq!(float(sheet.at(0, "Adjusted book balance")), 1556.84);
    assert_eq!(float(sheet.at(0, "Difference")), 0.0);
    assert_eq!(date_serial(sheet.at(0, "Bank balance date")), excel_serial(as_of()));
    assert_eq!(sheet.at(0, "Status").to_string(), "reconciled");
    let first = sheet.header_row + 1;
    assert_eq!(sheet.num_format(first, "Bank closing balance"), "#,##0.00");
    assert_eq!(sheet.num_format(first + 1, "Bank closing balance"), "#,##0", "JPY has no minor units");
    assert_eq!(sheet.num_format(first, "Bank balance date"), "yyyy-mm-dd");
    assert!(bold(&sheet.styles, sheet.header_row, 0), "styled header");
    // Totals per currency below the data.
    let eur = sheet.row_of("Account", "Total EUR (1 rows)");
    assert_eq!(float(sheet.cells.get_value((eur, sheet.col("Adjusted book balance"))).expect("total")), 1556.84);
    let jpy = sheet.row_of("Account", "Total JPY (1 rows)");
    assert_eq!(float(sheet.cells.get_value((jpy, sheet.col("Bank closing balance"))).expect("total")), 1500.0);

    let items = Sheet::open(&paths[0], "Outstanding items");
    assert_eq!(items.at(0, "Section").to_string(), "Deposit in transit");
    assert_eq!(float(items.at(0, "Amount")), 300.0);
    assert_eq!(float(items.at(0, "Age (days)")), 1.0);
    assert_eq!(date_serial(items.at(0, "Date")), excel_serial(date!(2024 - 01 - 30)));
    let evil = items.row_of("Section", "Bank credit not in books");
    match items.cells.get_value((evil, items.col("Counterparty"))) {
        Some(Data::String(s)) => assert_eq!(s, EVIL, "formula-like text stays a string"),
        other => panic!("expected text, got {other:?}"),
    }
    let total = items.row_of("Account", "Total EUR (5 rows)");
    assert_eq!(float(items.cells.get_value((total, items.col("Amount"))).expect("total")), 300.0 - 150.0 + 12.34 - 5.0 - 0.5);
}

#[test]
fn histories_filter_and_read_back() {
    let s = scenario();
    let input = s.input();
    let all = TransactionHistory::build(&input, HistoryKind::All, &HistoryFilter::default()).expect("all");
    assert_eq!(all.rows.len(), 6);
    let deposits = TransactionHistory::build(&input, HistoryKind::Deposits, &HistoryFilter::default()).expect("deposits");
    assert_eq!(deposits.rows.iter().map(|r| r.entry_id.as_str()).collect::<Vec<_>>(), vec!["B1", "Y1", "B4", "B5"]);
    let b1 = &deposits.rows[0];
    assert_eq!((b1.match_records.clone(), b1.slip_numbers.clone()), (vec!["M1".to_owned()], vec!["S-001".to_owned()]));
    assert_eq!(b1.statement.as_deref(), Some("2024-01"));
    let cases: Vec<(HistoryFilter, Vec<&str>)> = vec![
        (HistoryFilter::default().with_matched(false), vec!["Y1", "B5", "B3"]),
        (HistoryFilter::default().with_slip(true), vec!["B1", "B2"]),
        (HistoryFilter::default().with_slip(false).with_matched(true), vec!["B4"]),
        (HistoryFilter::default().with_direction(Direction::Debit), vec!["B2", "B3"]),
        (HistoryFilter::default().with_account("yen"), vec!["Y1"]),
        (
            HistoryFilter::default().with_account(main_iban().as_str()).with_dates(date!(2024 - 01 - 12), date!(2024 - 01 - 25)),
            vec!["B2", "B4", "B5"],
        ),
        (HistoryFilter::default().with_bank("west"), vec!["Y1"]),
        (HistoryFilter::default().with_amount_range(Some(d(1_234)), Some(d(20_000))), vec!["B2", "B4", "B5"]),
        (HistoryFilter::default().with_text("hyperlink"), vec!["B5"]),
        (HistoryFilter::default().with_text("account fee"), vec!["B3"]),
    ];
    for (filter, expected) in cases {
        let h = TransactionHistory::build(&input, HistoryKind::All, &filter).expect("valid filter");
        assert_eq!(h.rows.iter().map(|r| r.entry_id.as_str()).collect::<Vec<_>>(), expected, "{filter:?}");
    }

    let dir = out_dir("history");
    let path = all.export(&dir, ExportFormat::Xlsx, &options()).expect("exported").remove(0);
    assert!(path.ends_with("IntegratedAccountTransactionHistory_20240201_180409.xlsx"));
    let sheet = Sheet::open(&path, "History");
    assert_eq!(sheet.at(0, "Entry id").to_string(), "B1");
    assert_eq!(float(sheet.at(0, "Deposit")), 500.0);
    assert_eq!(sheet.at(0, "Withdrawal"), &Data::Empty);
    assert_eq!(float(sheet.at(1, "Net amount")), -200.0);
    assert_eq!(sheet.at(0, "Matched"), &Data::Bool(true));
    assert_eq!(sheet.at(0, "Slip numbers").to_string(), "S-001");
    assert_eq!(date_serial(sheet.at(0, "Booking date")), excel_serial(date!(2024 - 01 - 10)));
    let y1 = sheet.row_of("Entry id", "Y1");
    assert_eq!(sheet.num_format(y1, "Deposit"), "#,##0");
    let eur = sheet.row_of("Account", "Total EUR (5 rows)");
    assert_eq!(float(sheet.cells.get_value((eur, sheet.col("Deposit"))).expect("total")), 611.84);
    assert_eq!(float(sheet.cells.get_value((eur, sheet.col("Withdrawal"))).expect("total")), 205.0);
    assert_eq!(float(sheet.cells.get_value((eur, sheet.col("Net amount"))).expect("total")), 406.84);
    let b5 = sheet.row_of("Entry id", "B5");
    assert_eq!(sheet.cells.get_value((b5, sheet.col("Counterparty"))), Some(&Data::String(EVIL.into())));
    assert_eq!(sheet.cells.get_value((b5, sheet.col("Remittance information"))), Some(&Data::String("+SUM(A1:A9)".into())));
}

#[test]
fn other_reports_read_back() {
    let s = scenario();
    let input = s.input();
    let dir = out_dir("others");
    let balances = BalanceComparison::build(&input, as_of()).expect("balances");
    let path = balances.export(&dir, ExportFormat::Xlsx, &options()).expect("exported").remove(0);
    let sheet = Sheet::open(&path, "Balances");
    assert_eq!(float(sheet.at(0, "Bank balance")), 1406.84);
    assert_eq!(float(sheet.at(0, "Book balance")), 1550.0);
    assert_eq!(float(sheet.at(0, "Difference")), -143.16);
    assert_eq!(sheet.at(0, "Status").to_string(), "differs");

    let errors = ImportErrorReport::build(&input, &ErrorFilter::default().with_min_severity(Severity::Warning)).expect("errors");
    assert_eq!(errors.rows.len(), 2);
    let path = errors.export(&dir, ExportFormat::Xlsx, &options()).expect("exported").remove(0);
    assert!(path.ends_with("IntegrationErrorStatus_20240201_180409.xlsx"));
    let sheet = Sheet::open(&path, "Import errors");
    let row = sheet.row_of("Code", "invalid_amount");
    assert_eq!(sheet.cells.get_value((row, sheet.col("Raw value"))), Some(&Data::String("=1+1".into())));
    assert_eq!(float(sheet.cells.get_value((row, sheet.col("Line"))).expect("line")), 42.0);
    let only_code = ImportErrorReport::build(&input, &ErrorFilter::default().with_code(ErrorCode::EntrySuperseded)).expect("errors");
    assert_eq!(only_code.rows.len(), 1);

    let records = MatchRecordReport::build(&input, &MatchFilter::default()).expect("records");
    assert_eq!(records.rows.len(), 4);
    let m4 = records.rows.iter().find(|r| r.record.id == "M4").expect("M4");
    assert_eq!((m4.bank_amount, m4.book_amount, m4.adjustment_amount), (d(9_950), d(10_000), d(-50)));
    assert_eq!(MatchRecordReport::build(&input, &MatchFilter::default().with_active(false)).expect("cancelled").rows.len(), 1);
    assert_eq!(MatchRecordReport::build(&input, &MatchFilter::default().with_origin("manual")).expect("manual").rows.len(), 1);
    assert!(MatchRecordReport::build(&input, &MatchFilter::default().with_min_score(2.0)).is_err());
    let path = records.export(&dir, ExportFormat::Xlsx, &options()).expect("exported").remove(0);
    let sheet = Sheet::open(&path, "Match records");
    let row = sheet.row_of("Match record", "M9");
    assert_eq!(sheet.cells.get_value((row, sheet.col("Status"))).map(|v| v.to_string()), Some("cancelled".into()));
    assert!(matches!(sheet.cells.get_value((row, sheet.col("Created at"))), Some(Data::DateTime(_))));
    assert_eq!(sheet.num_format(row, "Created at"), "yyyy-mm-dd hh:mm:ss");
    let audit = Sheet::open(&path, "Audit trail");
    assert_eq!(audit.at(4, "Action").to_string(), "unmatched");
}

#[test]
fn a_run_gives_the_histories_each_kind_builds_on_its_own() {
    let s = scenario();
    let input = s.input();
    let filters = [
        HistoryFilter::default(),
        HistoryFilter::default().with_matched(false),
        HistoryFilter::default().with_account(main_iban().as_str()).with_dates(date!(2024 - 01 - 12), date!(2024 - 01 - 25)),
        HistoryFilter::default().with_direction(Direction::Debit),
    ];
    for filter in filters {
        let mut options = RunReportOptions::new(as_of(), ts("2024-02-01T18:04:09+01:00"));
        options.history = filter.clone();
        let run = RunReports::build(&input, &options).expect("reports");
        let built = |kind| TransactionHistory::build(&input, kind, &filter).expect("history");
        assert_eq!(run.deposits, built(HistoryKind::Deposits), "{filter:?}");
        assert_eq!(run.withdrawals, built(HistoryKind::Withdrawals), "{filter:?}");
        assert_eq!(run.transactions, built(HistoryKind::All), "{filter:?}");
    }
    let run = RunReports::build(&input, &RunReportOptions::new(as_of(), ts("2024-02-01T18:04:09+01:00"))).expect("reports");
    assert!(!run.deposits.rows.is_empty() && !run.withdrawals.rows.is_empty());
}

#[test]
fn reports_written_one_at_a_time_are_the_reports_built_together() {
    let s = scenario();
    let input = s.input();
    let run = RunReportOptions::new(as_of(), ts("2024-02-01T18:04:09+01:00"));
    let (xlsx, csv) = (out_dir("streamed-xlsx"), out_dir("streamed-csv"));
    let streamed = write_reports_to(&input, &run, &[(&xlsx, ExportFormat::Xlsx), (&csv, ExportFormat::Csv)]).expect("written");
    let all = RunReports::build(&input, &run).expect("built");
    let (xlsx2, csv2) = (out_dir("together-xlsx"), out_dir("together-csv"));
    let mut together = all.export(&xlsx2, ExportFormat::Xlsx, &run.export).expect("xlsx");
    together.extend(all.export(&csv2, ExportFormat::Csv, &run.export).expect("csv"));
    assert_eq!(streamed.len(), together.len());
    for (a, b) in streamed.iter().zip(&together) {
        assert_eq!(a.file_name(), b.file_name());
        assert_eq!(std::fs::read(a).expect("read"), std::fs::read(b).expect("read"), "{}", a.display());
    }
}

#[test]
fn every_report_of_a_run_is_written_in_each_format_with_the_same_columns() {
    let s = scenario();
    let input = s.input();
    let run = RunReportOptions::new(as_of(), ts("2024-02-01T18:04:09+01:00"));
    let stems = [
        "BankReconciliationStatement",
        "AccountBalanceComparison",
        "DepositIntegrationHistory",
        "WithdrawalIntegrationHistory",
        "IntegratedAccountTransactionHistory",
        "IntegrationErrorStatus",
        "MatchRecords",
    ];
    let xlsx = write_reports(&input, &run, &out_dir("run-xlsx"), ExportFormat::Xlsx).expect("xlsx");
    let names: Vec<String> = xlsx.iter().map(|p| p.file_name().expect("name").to_string_lossy().into_owned()).collect();
    assert_eq!(names, stems.iter().map(|s| format!("{s}_20240201_180409.xlsx")).collect::<Vec<_>>());
    let csv = write_reports(&input, &run, &out_dir("run-csv"), ExportFormat::Csv).expect("csv");
    assert_eq!(csv.len(), 9, "reconciliation items and the audit trail are files of their own");
    let json = write_reports(&input, &run, &out_dir("run-json"), ExportFormat::Json).expect("json");
    assert_eq!(json.len(), 7);

    // For each report: CSV header = JSON columns, and the workbook's header count matches.
    let mut csv_iter = csv.iter();
    for (x, j) in xlsx.iter().zip(&json) {
        let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(j).expect("json read")).expect("valid JSON");
        let wb: Xlsx<_> = open_workbook(x).expect("xlsx");
        let sheets = wb.sheet_names();
        let tables = doc["tables"].as_array().expect("tables");
        assert_eq!(tables.len(), sheets.len());
        for (t, sheet_name) in tables.iter().zip(&sheets) {
            let columns: Vec<String> = t["columns"].as_array().expect("cols").iter().map(|c| c.as_str().expect("str").to_owned()).collect();
            let c = csv_iter.next().expect("a csv per table");
            let mut reader = csv::Reader::from_path(c).expect("csv");
            let header: Vec<String> = reader.headers().expect("header").iter().map(str::to_owned).collect();
            assert_eq!(header, columns, "{}", c.display());
            let rows = reader.records().count();
            assert_eq!(rows, t["rows"].as_array().expect("rows").len(), "{}", c.display());
            let sheet = Sheet::open(x, sheet_name);
            assert_eq!(sheet.headers.len(), columns.len(), "{sheet_name}");
        }
    }
}

#[test]
fn csv_guards_formulas_and_json_keeps_exact_amounts() {
    let s = scenario();
    let input = s.input();
    let h = TransactionHistory::build(&input, HistoryKind::Deposits, &HistoryFilter::default().with_text("hyperlink")).expect("history");
    let mut guarded = Vec::new();
    h.write_csv(&mut guarded, &options()).expect("csv");
    let text = String::from_utf8(guarded).expect("utf-8");
    assert!(text.contains("\"'=HYPERLINK("), "{text}");
    assert!(text.contains("'+SUM(A1:A9)"), "{text}");
    assert!(text.contains(",12.34,"), "amounts are never prefixed: {text}");
    let mut raw = Vec::new();
    h.write_csv(&mut raw, &options().with_csv_formula_guard(false)).expect("csv");
    assert!(String::from_utf8(raw).expect("utf-8").contains("\"=HYPERLINK("));

    let mut json = Vec::new();
    h.write_json(&mut json, &options()).expect("json");
    let doc: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
    assert_eq!(doc["report"], "DepositIntegrationHistory");
    assert_eq!(doc["generated_at"], "2024-02-01T18:04:09+01:00");
    let row = &doc["tables"][0]["rows"][0];
    assert_eq!(row["amount"], "12.34");
    assert_eq!(row["counterparty"], EVIL);
    assert_eq!(row["booking_date"], "2024-01-25");
    assert_eq!(row["matched"], false);
    assert_eq!(doc["tables"][0]["totals"][0]["sums"]["amount"], "12.34");
}

#[test]
fn streamed_history_writes_rows_without_holding_them() {
    let iban = main_iban();
    let rows = (0..2_000).map(|i| {
        let e = entry(&iban, &format!("E{i}"), Decimal::new(i64::from(i % 7 == 0) * -2 * i + i, 2), Currency::EUR, date!(2024 - 03 - 01));
        HistoryRow::from_entry(&e)
    });
    let mut buf = std::io::Cursor::new(Vec::new());
    write_history(HistoryKind::All, rows, &mut buf, &options()).expect("written");
    let dir = out_dir("streamed");
    let path = dir.join("streamed.xlsx");
    std::fs::write(&path, buf.into_inner()).expect("write");
    let sheet = Sheet::open(&path, "History");
    assert_eq!(sheet.at(1999, "Entry id").to_string(), "E1999");
    let expected: i64 = (0..2_000i64).map(|i| if i % 7 == 0 { -i } else { i }).sum();
    let total = sheet.row_of("Account", "Total EUR (2000 rows)");
    let got = float(sheet.cells.get_value((total, sheet.col("Net amount"))).expect("total"));
    assert!((got - expected as f64 / 100.0).abs() < 1e-9, "{got} vs {expected}");
}

// ---- the reconciliation identity on generated data ----

#[derive(Debug, Clone)]
struct Gen {
    /// (cents, day offset, on the bank side, on the book side, matched)
    items: Vec<(i64, i64, bool, bool, bool)>,
    opening: i64,
    /// Extra bank-only entries after the cutoff and ledger entries after as-of (must be ignored).
    late: Vec<i64>,
}

fn gen() -> impl Strategy<Value = Gen> {
    (
        proptest::collection::vec((-1_000_000i64..1_000_000, 0i64..60, any::<bool>(), any::<bool>(), any::<bool>()), 0..40),
        -10_000_000i64..10_000_000,
        proptest::collection::vec(-100_000i64..100_000, 0..5),
    )
        .prop_map(|(items, opening, late)| Gen { items, opening, late })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Opening balances agree and the statement balances: every difference between bank and
    /// book is an outstanding item, so the adjusted balances agree exactly, and every item is
    /// accounted for once.
    #[test]
    fn adjusted_bank_equals_adjusted_book(g in gen()) {
        let start = date!(2024 - 01 - 01);
        let as_of = date!(2024 - 03 - 01);
        let iban = main_iban();
        let mut accounts = AccountMap::new();
        accounts
            .insert(
                BankAccount::new("main", iban.clone(), Currency::EUR, GlAccount::new("1200", "Bank"), "1290", start)
                    .with_opening_book_balance(d(g.opening)),
            )
            .expect("account");
        let mut s = Statement::new("S", StatementKind::Statement, iban.clone(), Currency::EUR);
        let mut ledger = Vec::new();
        let mut matches = Vec::new();
        let mut closing = g.opening;
        for (i, (cents, day, bank, book, matched)) in g.items.iter().enumerate() {
            let date = start + time::Duration::days(*day);
            // Both sides of a matched pair may carry a small fee difference.
            let fee = if *matched && *bank && *book { (i as i64 % 3) * 25 } else { 0 };
            if *bank || !*book {
                s.entries.push(entry(&iban, &format!("B{i}"), d(*cents - fee), Currency::EUR, date));
                closing += *cents - fee;
            }
            if *book {
                ledger.push(LedgerEntry::new(format!("L{i}"), date, "1200", d(*cents), Currency::EUR));
            }
            if *matched && *bank && *book {
                matches.push(record(&format!("M{i:03}"), &[&format!("B{i}")], &[&format!("L{i}")]));
            }
        }
        for (i, cents) in g.late.iter().enumerate() {
            ledger.push(LedgerEntry::new(format!("LATE{i}"), as_of + time::Duration::days(1), "1200", d(*cents), Currency::EUR));
        }
        s.balances.push(balance(BalanceKind::ClosingBooked, d(closing), Currency::EUR, as_of));
        let mut archive = StatementArchive::new();
        archive.import(s, None);
        let input = ReportInput::new(&accounts, &archive).with_ledger(&ledger).with_match_records(&matches);
        let rec = ReconciliationStatement::build(&input, as_of, &ReconciliationOptions::default()).expect("built");
        let a = &rec.accounts[0];
        prop_assert_eq!(a.difference, Some(Decimal::ZERO));
        prop_assert_eq!(a.adjusted_bank_balance, Some(a.adjusted_book_balance));
        // Each unmatched entry is exactly one item; matched pairs only when they differ.
        let unmatched = g.items.iter().filter(|(_, _, bank, book, m)| !(*m && *bank && *book)).map(|(_, _, bank, book, _)| usize::from(*bank || !*book) + usize::from(*book)).sum::<usize>();
        let diffs = a.items.iter().filter(|i| i.kind == ItemKind::MatchedDifference).count();
        prop_assert_eq!(a.items.len(), unmatched + diffs);
        // Same output whatever the input order.
        let mut reversed_ledger = ledger.clone();
        reversed_ledger.reverse();
        let mut reversed_matches = matches.clone();
        reversed_matches.reverse();
        let input2 = ReportInput::new(&accounts, &archive).with_ledger(&reversed_ledger).with_match_records(&reversed_matches);
        let rec2 = ReconciliationStatement::build(&input2, as_of, &ReconciliationOptions::default()).expect("built");
        prop_assert_eq!(rec, rec2);
    }
}

#[test]
fn the_same_inputs_give_the_same_workbook_bytes() {
    let s = scenario();
    let rec = ReconciliationStatement::build(&s.input(), as_of(), &ReconciliationOptions::default()).expect("built");
    let write = || {
        let mut buf = std::io::Cursor::new(Vec::new());
        rec.write_xlsx(&mut buf, &options()).expect("written");
        buf.into_inner()
    };
    let first = write();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert!(first == write(), "workbook bytes differ between two writes of the same report");
}

#[test]
fn header_is_frozen_and_filtered_in_the_sheet_xml() {
    let s = scenario();
    let rec = ReconciliationStatement::build(&s.input(), as_of(), &ReconciliationOptions::default()).expect("built");
    let mut buf = std::io::Cursor::new(Vec::new());
    rec.write_xlsx(&mut buf, &options()).expect("written");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(buf.into_inner())).expect("an xlsx is a zip");
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("xl/worksheets/sheet1.xml").expect("first sheet"), &mut xml).expect("utf-8");
    assert!(xml.contains(r#"state="frozen""#), "frozen pane missing: {}", &xml[..xml.len().min(600)]);
    assert!(xml.contains("<autoFilter ref="), "autofilter missing");
    assert!(xml.contains("<cols>"), "fitted column widths missing");
}
