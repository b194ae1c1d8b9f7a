//! Macro bench of the camt reader on generated camt.053 files (bankrec-synth), side by side with
//! a bare quick-xml event scan of the same bytes: the scan is the ceiling a streaming reader can
//! reach, the goal is at least half its throughput.
//!
//! `cargo bench -p bankrec-benches --bench camt` runs the 10k-entry case (about 19 MB, in
//! memory). The 1M-entry case (about 1.9 GB, streamed from a temporary file) runs when
//! `BANKREC_BENCH_1M=1` is set. `BANKREC_CAMT_GENERATE=<file>` (with `BANKREC_CAMT_ENTRIES`,
//! default 1,000,000) only writes a file; `BANKREC_CAMT_STREAM=<file>` streams one once in
//! `BANKREC_CAMT_MODE` `summary` (default), `events` or `scan`, for measuring time and peak memory
//! with `/usr/bin/time -v` (see docs/performance.md).
#![allow(missing_docs)]

use bankrec_benches as _; // the allocator of the `bankrec` binary
use std::fs::File;
use std::hint::black_box;
use std::io::{BufRead, BufReader, BufWriter};
use std::path::Path;
use std::time::Instant;

use bankrec::camt::{read_statements, CamtEvent, ReaderOptions, StatementReader};
use bankrec_synth::{camt053_bytes, write_camt053, Camt053Config};
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};

/// Every event of the document, nothing kept: what a streaming reader costs at least.
fn bare_scan<R: BufRead>(input: R) -> u64 {
    let mut reader = quick_xml::Reader::from_reader(input);
    let mut buf = Vec::with_capacity(4096);
    let mut events = 0u64;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => events += 1,
            Err(e) => panic!("generated XML is well-formed: {e}"),
        }
        buf.clear();
    }
    events
}

/// The streaming reader: every entry mapped to a `BankEntry`, then dropped.
fn stream_entries<R: BufRead>(input: R) -> u64 {
    let mut entries = 0u64;
    for event in StatementReader::new(input, &ReaderOptions::default()) {
        if let CamtEvent::Entry(e) = event.expect("generated camt is valid") {
            black_box(&e);
            entries += 1;
        }
    }
    entries
}

fn generate(path: &Path, entries: u64) {
    let file = BufWriter::new(File::create(path).expect("create temporary camt file"));
    write_camt053(file, &Camt053Config::new(entries)).expect("write camt file");
}

fn open(path: &Path) -> BufReader<File> {
    BufReader::with_capacity(64 * 1024, File::open(path).expect("open camt file"))
}

fn camt053_read(c: &mut Criterion) {
    let mut g = c.benchmark_group("camt053_read");
    let bytes = camt053_bytes(&Camt053Config::new(10_000));
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_with_input(BenchmarkId::new("quick_xml_bare_scan", "10k"), &bytes, |b, bytes| b.iter(|| bare_scan(bytes.as_slice())));
    g.bench_with_input(BenchmarkId::new("bankrec_camt_stream", "10k"), &bytes, |b, bytes| b.iter(|| stream_entries(bytes.as_slice())));
    g.bench_with_input(BenchmarkId::new("bankrec_camt_read_statements", "10k"), &bytes, |b, bytes| {
        b.iter(|| read_statements(bytes.as_slice(), &ReaderOptions::default()).expect("valid"))
    });

    if std::env::var_os("BANKREC_BENCH_1M").is_some() {
        let path = std::env::temp_dir().join(format!("bankrec-camt-1m-{}.xml", std::process::id()));
        generate(&path, 1_000_000);
        let len = std::fs::metadata(&path).expect("metadata").len();
        g.sampling_mode(SamplingMode::Flat);
        g.sample_size(10);
        g.throughput(Throughput::Bytes(len));
        g.bench_with_input(BenchmarkId::new("quick_xml_bare_scan", "1M"), &path, |b, p| b.iter(|| bare_scan(open(p))));
        g.bench_with_input(BenchmarkId::new("bankrec_camt_stream", "1M"), &path, |b, p| b.iter(|| stream_entries(open(p))));
        let _ = std::fs::remove_file(&path);
    }
    g.finish();
}

/// Streams one file in one mode and prints what it found, for `/usr/bin/time -v`.
fn stream_once(path: &Path, mode: &str) {
    let len = std::fs::metadata(path).expect("metadata").len();
    let started = Instant::now();
    match mode {
        "scan" => {
            let events = bare_scan(open(path));
            println!("bare quick-xml scan: {events} events");
        }
        "events" => {
            let entries = stream_entries(open(path));
            println!("bankrec-camt event stream: {entries} entries");
        }
        _ => {
            let mut reader = StatementReader::new(open(path), &ReaderOptions::default());
            while let Some(summary) = reader.next_summary() {
                let s = summary.expect("valid camt");
                println!(
                    "statement {} {} {}: {} entries, credits {}, debits {}, balances agree: {:?}, findings {}",
                    s.statement.id,
                    s.statement.account,
                    s.statement.currency,
                    s.entry_count,
                    s.booked_credit,
                    s.booked_debit,
                    s.balances_agree(),
                    s.findings.len()
                );
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!("{mode}: {len} bytes in {secs:.2} s = {:.0} MB/s (wall clock)", len as f64 / secs / 1e6);
}

fn main() {
    if let Some(path) = std::env::var_os("BANKREC_CAMT_GENERATE") {
        let entries = std::env::var("BANKREC_CAMT_ENTRIES").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
        let started = Instant::now();
        generate(Path::new(&path), entries);
        println!("generated {entries} entries in {:.1?}", started.elapsed());
        return;
    }
    if let Some(path) = std::env::var_os("BANKREC_CAMT_STREAM") {
        let mode = std::env::var("BANKREC_CAMT_MODE").unwrap_or_else(|_| "summary".into());
        stream_once(Path::new(&path), &mode);
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    camt053_read(&mut c);
    c.final_summary();
}
