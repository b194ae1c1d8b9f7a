//! Integration tests of bankrec-model through its public API: a month of daily statements for
//! one account, imported twice, with an intraday report superseded, and the JSON form of it all.

use bankrec_model::{
    AccountId, AccountMap, Balance, BalanceKind, BankAccount, BankEntry, Currency, Decimal, Direction, EntryStatus, ErrorCode, GlAccount,
    Statement, StatementArchive, StatementKind,
};
use time::macros::date;
use time::{Date, Duration};

fn iban() -> AccountId {
    AccountId::iban("NL91 ABNA 0417 1643 00").expect("valid IBAN")
}

fn balance(kind: BalanceKind, signed: Decimal, date: Date) -> Balance {
    let (direction, amount) = Direction::split(signed);
    Balance { kind, amount, direction, currency: Currency::EUR, date: Some(date), date_time: None }
}

/// Daily statements with two entries a day; each continues the previous one.
fn month() -> Vec<Statement> {
    let mut out = Vec::new();
    let mut running = Decimal::new(100_000, 2);
    for day in 0..30i64 {
        let date = date!(2024 - 04 - 01) + Duration::days(day);
        let mut s = Statement::new(format!("STMT-{day:03}"), StatementKind::Statement, iban(), Currency::EUR);
        s.electronic_sequence = Some(day as u64 + 1);
        s.from = Some(date);
        s.to = Some(date);
        let opening = running;
        for (i, cents) in [(0, 12_345i64), (1, -2_500)] {
            let (dir, amount) = Direction::split(Decimal::new(cents, 2));
            s.entries.push(BankEntry::new(iban(), amount, Currency::EUR, dir, Some(date)).with_acct_svcr_ref(format!("R{day}-{i}")));
            running += Decimal::new(cents, 2);
        }
        s.balances = vec![balance(BalanceKind::OpeningBooked, opening, date), balance(BalanceKind::ClosingBooked, running, date)];
        out.push(s);
    }
    out
}

fn accounts() -> AccountMap {
    let mut map = AccountMap::new();
    map.insert(BankAccount::new("main", iban(), Currency::EUR, GlAccount::new("1100", "Bank ABN"), "1190", date!(2024 - 04 - 01)))
        .expect("first mapping");
    map
}

#[test]
fn a_month_imports_cleanly_and_re_imports_as_duplicates() {
    let map = accounts();
    let mut archive = StatementArchive::new();
    for s in month() {
        let o = archive.import(s, Some(&map));
        assert!(o.statement_accepted);
        assert_eq!(o.accepted.len(), 2);
        assert!(o.findings.is_empty(), "{:?}", o.findings);
    }
    // Reverse order, second time: nothing new, every entry a duplicate.
    let mut again = month();
    again.reverse();
    for s in again {
        let o = archive.import(s, Some(&map));
        assert!(!o.statement_accepted);
        assert_eq!(o.duplicates.len(), 2);
        assert_eq!(o.findings[0].code, ErrorCode::DuplicateStatement);
    }
    assert_eq!(archive.entries().count(), 60);
    let total: Decimal = archive.entries().map(BankEntry::signed_amount).sum();
    assert_eq!(total, Decimal::new(30 * (12_345 - 2_500), 2));
}

#[test]
fn a_gap_in_the_month_is_a_balance_break() {
    let mut archive = StatementArchive::new();
    let mut statements = month();
    statements.remove(10);
    let codes: Vec<ErrorCode> = statements.into_iter().flat_map(|s| archive.import(s, None).findings).map(|f| f.code).collect();
    assert_eq!(codes, vec![ErrorCode::BalanceBreak]);
}

#[test]
fn intraday_entry_is_superseded_by_the_booked_one() {
    let mut archive = StatementArchive::new();
    let mut report = Statement::new("INTRADAY-1", StatementKind::Report, iban(), Currency::EUR);
    let (dir, amount) = Direction::split(Decimal::new(12_345, 2));
    report.entries.push(
        BankEntry::new(iban(), amount, Currency::EUR, dir, Some(date!(2024 - 04 - 01)))
            .with_acct_svcr_ref("R0-0")
            .with_status(EntryStatus::Pending),
    );
    archive.import(report, None);
    let first = month().remove(0);
    let o = archive.import(first, None);
    assert_eq!(o.superseded, vec!["R0-0".to_owned()]);
    assert_eq!(archive.entries().count(), 2);
}

#[test]
fn archive_state_survives_json() {
    let mut archive = StatementArchive::new();
    for s in month().into_iter().take(3) {
        archive.import(s, None);
    }
    let json = serde_json::to_string_pretty(&archive).expect("serialize");
    let back: StatementArchive = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(back, archive);
    assert!(json.contains("\"amount\": \"123.45\""), "amounts are decimal strings");
}
