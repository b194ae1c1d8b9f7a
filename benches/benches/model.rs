//! Micro benches of the model: exact sums and statement import with duplicate detection.
#![allow(missing_docs)]

use bankrec_benches as _; // the allocator of the `bankrec` binary
use std::hint::black_box;

use bankrec::Decimal;
use bankrec::{AccountId, BankEntry, Currency, Direction, Money, Statement, StatementArchive, StatementKind};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn entries(n: usize) -> Vec<BankEntry> {
    let iban = AccountId::iban("DE89370400440532013000").expect("valid");
    (0..n)
        .map(|i| {
            let dir = if i % 3 == 0 { Direction::Debit } else { Direction::Credit };
            BankEntry::new(iban.clone(), Decimal::new((i as i64 * 7919) % 1_000_000 + 1, 2), Currency::EUR, dir, None)
                .with_acct_svcr_ref(format!("REF{i}"))
        })
        .collect()
}

fn money_sum(c: &mut Criterion) {
    let amounts: Vec<Money> = (0..100_000).map(|i| Money::new(Decimal::new(i * 37 % 99_999, 2), Currency::EUR)).collect();
    let mut g = c.benchmark_group("money");
    g.throughput(Throughput::Elements(amounts.len() as u64));
    g.bench_function("sum_100k", |b| b.iter(|| Money::sum(Currency::EUR, black_box(&amounts)).expect("same currency")));
    g.finish();
}

fn archive_import(c: &mut Criterion) {
    let mut g = c.benchmark_group("archive_import");
    for n in [1_000usize, 100_000] {
        let iban = AccountId::iban("DE89370400440532013000").expect("valid");
        let mut s = Statement::new("S1", StatementKind::Statement, iban, Currency::EUR);
        s.entries = entries(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &s, |b, s| {
            b.iter(|| {
                let mut archive = StatementArchive::new();
                archive.import(s.clone(), None)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, money_sum, archive_import);
criterion_main!(benches);
