//! Macro bench of the report exports: a transaction history of 100k and 1M rows streamed to an
//! Excel workbook (constant-memory worksheets), rows generated on the fly, never committed.
//!
//! One timed write instead of criterion, for `/usr/bin/time -v` (peak memory) and callgrind:
//! `BANKREC_ROWS=1000000 [BANKREC_ZIP_LEVEL=1] target/release/deps/report-<hash> --bench`.
#![allow(missing_docs)]

use bankrec_benches as _; // the allocator of the `bankrec` binary
use std::fs::File;
use std::hint::black_box;
use std::time::Duration;

use bankrec::report::{write_history, ExportOptions, HistoryKind, HistoryRow};
use bankrec::{AccountId, BankAccount, BankEntry, Currency, Decimal, Direction, GlAccount, Party};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use time::macros::date;

// A few realistic rows, varied per index: amount, date, ids and match state.
fn templates() -> Vec<HistoryRow> {
    let iban = AccountId::iban("DE89370400440532013000").expect("valid");
    let account = BankAccount::new("main", iban.clone(), Currency::EUR, GlAccount::new("1200", "Bank EUR"), "1290", date!(2024 - 01 - 01))
        .with_bank_name("Commerzbank");
    (0..64)
        .map(|i| {
            let dir = if i % 3 == 0 { Direction::Debit } else { Direction::Credit };
            let mut e = BankEntry::new(iban.clone(), Decimal::new(1234, 2), Currency::EUR, dir, Some(date!(2024 - 01 - 01)));
            e.transaction.counterparty = Some(Party { name: Some(format!("Customer {i} GmbH")), ..Party::default() });
            e.transaction.refs.set(bankrec::TransactionRefKind::EndToEndId, format!("E2E-2024-{i:05}"));
            e.transaction.remittance.unstructured.push(format!("Invoice RE-{i:06} thank you"));
            e.acct_svcr_ref = Some(format!("BANKREF{i:08}"));
            let mut row = HistoryRow::from_entry(&e).with_account(&account);
            row.statement = Some("2024-001".into());
            if i % 2 == 0 {
                row.match_records = vec![format!("M{i}")];
                row.slip_numbers = vec![format!("S-{i:05}")];
            }
            row
        })
        .collect()
}

fn rows(n: usize, templates: &[HistoryRow]) -> impl Iterator<Item = HistoryRow> + '_ {
    (0..n).map(move |i| {
        let mut r = templates[i % templates.len()].clone();
        r.entry_id = format!("E{i:07}");
        r.amount = Decimal::new((i as i64 * 7919) % 10_000_000 + 1, 2);
        r.booking_date = Some(date!(2024 - 01 - 01) + time::Duration::days((i % 365) as i64));
        r.value_date = r.booking_date;
        r
    })
}

/// One write of `rows` rows at the deflate level given (or the default): time and file size.
fn one_write(rows_wanted: usize, templates: &[HistoryRow]) {
    let level: u8 =
        std::env::var("BANKREC_ZIP_LEVEL").ok().and_then(|v| v.parse().ok()).unwrap_or(bankrec::report::DEFAULT_XLSX_COMPRESSION);
    let options = ExportOptions::new("2024-12-31T18:00:00Z".parse().expect("ISO 8601")).with_xlsx_compression_level(level);
    let path = std::env::temp_dir().join(format!("bankrec-report-{}.xlsx", std::process::id()));
    let started = std::time::Instant::now();
    write_history(HistoryKind::All, rows(rows_wanted, templates), File::create(&path).expect("create"), &options).expect("written");
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!("{rows_wanted} rows in {:.2?}, {size} bytes (deflate level {level})", started.elapsed());
    let _ = std::fs::remove_file(&path);
}

fn history_xlsx(c: &mut Criterion) {
    let templates = templates();
    if let Some(n) = std::env::var("BANKREC_ROWS").ok().and_then(|v| v.parse().ok()) {
        return one_write(n, &templates);
    }
    let options = ExportOptions::new("2024-12-31T18:00:00Z".parse().expect("ISO 8601"));
    let dir = std::env::temp_dir().join(format!("bankrec-bench-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("history.xlsx");
    let mut g = c.benchmark_group("report_history_xlsx");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    for n in [100_000usize, 1_000_000] {
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| {
                let file = File::create(&path).expect("create");
                write_history(HistoryKind::All, rows(n, &templates), black_box(file), &options).expect("written");
            })
        });
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, history_xlsx);
criterion_main!(benches);
