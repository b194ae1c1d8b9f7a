//! CSV import by template on a generated 1M-row statement (about 100 MB), on one core:
//! the streaming reader, the read-it-all statement import (ids assigned, balance checked), and
//! the bare csv parse of the same bytes as a side-by-side reference.
//!
//! Before the timed groups it streams 1M rows from a generator (nothing held in memory) and
//! prints the peak resident memory, so "memory flat while streaming" is measured, not claimed.
//!
//! `cargo bench -p bankrec-benches --bench tabular`

use bankrec_benches as _; // the allocator of the `bankrec` binary
use std::hint::black_box;
use std::io::Read;

use bankrec::tabular::{read_statement, BankEntryReader, ReadOptions, RowEvent, Template};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const ROWS: u64 = 1_000_000;
const HEADER: &str = "Booking Date;Details;Credit;Debit;CCY;Running Balance;IBAN;Ref\n";

/// One row of a realistic bank CSV (German number format, running balance, bank reference).
fn row(i: u64, balance: &mut i64, out: &mut Vec<u8>) {
    use std::io::Write;
    let cents = ((i * 7919) % 250_000) as i64 + 1;
    let credit = i.is_multiple_of(3);
    *balance += if credit { cents } else { -cents };
    let amount = format!("{},{:02}", cents / 100, cents % 100);
    let (c, d) = if credit { (amount.as_str(), "") } else { ("", amount.as_str()) };
    let bal = format!("{}{},{:02}", if *balance < 0 { "-" } else { "" }, balance.abs() / 100, balance.abs() % 100);
    let day = 1 + i % 28;
    writeln!(
        out,
        "2026-03-{day:02};Payment {i} invoice INV-{:06} customer {};{c};{d};EUR;{bal};DE4455667788;REF-{i:08}",
        i % 999_983,
        i % 5003
    )
    .expect("writing to a Vec cannot fail");
}

fn generate(rows: u64) -> Vec<u8> {
    let mut out = HEADER.as_bytes().to_vec();
    let mut balance = 0i64;
    for i in 0..rows {
        row(i, &mut balance, &mut out);
    }
    out
}

/// Produces the same CSV on demand, so streaming can be measured without the file in memory.
struct Generator {
    next: u64,
    rows: u64,
    balance: i64,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for Generator {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            if self.next == 0 {
                self.buf.extend_from_slice(HEADER.as_bytes());
            }
            while self.buf.len() < 64 * 1024 && self.next < self.rows {
                row(self.next, &mut self.balance, &mut self.buf);
                self.next += 1;
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Reads shared bytes without copying them (the reader takes an owned `Read + 'static`).
struct Shared {
    data: std::sync::Arc<[u8]>,
    pos: usize,
}

impl Read for Shared {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = out.len().min(self.data.len() - self.pos);
        out[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Peak resident set size in KiB (Linux), for the memory figure.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn template() -> Template {
    Template::builtin("de-split-amounts").expect("built-in template")
}

fn report_streaming_memory() {
    let before = peak_rss_kib();
    let reader =
        BankEntryReader::from_csv(Generator { next: 0, rows: ROWS, balance: 0, buf: Vec::new(), pos: 0 }, &template(), &ReadOptions::new())
            .expect("header fits");
    let mut records = 0u64;
    for event in reader {
        if let RowEvent::Record { record, .. } = event.expect("no fatal error") {
            black_box(&record);
            records += 1;
        }
    }
    assert_eq!(records, ROWS);
    if let (Some(b), Some(a)) = (before, peak_rss_kib()) {
        println!(
            "tabular/streaming_memory: {ROWS} rows streamed from a generator; peak RSS {b} KiB before, {a} KiB after (+{} KiB)",
            a.saturating_sub(b)
        );
    }
}

fn bench(c: &mut Criterion) {
    report_streaming_memory();
    let data: std::sync::Arc<[u8]> = generate(ROWS).into();
    let template = template();
    let mut group = c.benchmark_group("tabular_1m_rows");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(data.len() as u64));

    group.bench_function("bare_csv_parse_reference", |b| {
        b.iter(|| {
            let mut rdr = csv::ReaderBuilder::new().delimiter(b';').from_reader(&data[..]);
            let mut rec = csv::StringRecord::new();
            let mut fields = 0usize;
            while rdr.read_record(&mut rec).expect("valid csv") {
                fields += rec.len();
            }
            black_box(fields)
        })
    });

    group.bench_function("stream_bank_entries", |b| {
        b.iter(|| {
            let reader =
                BankEntryReader::from_csv(Shared { data: data.clone(), pos: 0 }, &template, &ReadOptions::new()).expect("header fits");
            let mut n = 0u64;
            for event in reader {
                if let RowEvent::Record { record, .. } = event.expect("no fatal error") {
                    black_box(&record);
                    n += 1;
                }
            }
            assert_eq!(n, ROWS);
        })
    });

    group.bench_function("read_statement_with_ids_and_balance_check", |b| {
        b.iter(|| {
            let import = read_statement(Shared { data: data.clone(), pos: 0 }, &template, &ReadOptions::new()).expect("readable");
            assert_eq!(import.statements[0].entries.len() as u64, ROWS);
            black_box(import)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
