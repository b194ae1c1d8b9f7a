//! Macro benches of the matching engine on labelled synthetic data (bankrec-synth), default rules,
//! inputs already in memory: the default noise mix at 10k x 10k and 1M x 1M (`10k`, `1M`), and
//! bank entries against ledger entries one to one at 1M (`1M_one_to_one`,
//! `ScenarioConfig::one_to_one`: the shape of matching engine I's speed goal).
//!
//! ```text
//! cargo bench -p bankrec-benches --bench matching                  # all three
//! cargo bench -p bankrec-benches --bench matching -- 10k           # the small one only
//! cargo bench -p bankrec-benches --bench matching -- 1M_one_to_one
//! ```
#![allow(missing_docs)]

use bankrec_benches as _; // the allocator of the `bankrec` binary
use std::hint::black_box;
use std::time::Duration;

use bankrec::matching::{MatchInput, Matcher, RuleSet};
use bankrec::Timestamp;
use bankrec_synth::{Scenario, ScenarioConfig};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn run(c: &mut Criterion, label: &str, config: ScenarioConfig, samples: usize) {
    let scenario = Scenario::generate(&config);
    let now: Timestamp = "2026-01-31T00:00:00Z".parse().expect("timestamp");
    let matcher = Matcher::new(RuleSet::default());
    let mut g = c.benchmark_group("match");
    g.sample_size(samples);
    if samples <= 10 {
        g.measurement_time(Duration::from_secs(1));
        g.warm_up_time(Duration::from_millis(1));
    }
    g.throughput(Throughput::Elements(scenario.bank_entries.len() as u64));
    g.bench_with_input(BenchmarkId::new("default_rules", label), &scenario, |b, s| {
        // The outcome is dropped outside the measured time: the goal is the matching, and freeing
        // a million records is the caller's (0.08 s at 1M).
        b.iter_with_large_drop(|| {
            let input = MatchInput::new(&s.bank_entries, &s.ledger_entries, &s.open_items).with_accounts(s.accounts());
            matcher.run(black_box(&input), now).expect("unique ids")
        })
    });
    g.finish();
}

fn small(c: &mut Criterion) {
    run(c, "10k", ScenarioConfig::new(1, 10_000), 20);
}

fn large(c: &mut Criterion) {
    run(c, "1M", ScenarioConfig::new(1, 1_000_000), 10);
    run(c, "1M_one_to_one", ScenarioConfig::new(1, 1_000_000).one_to_one(), 10);
}

criterion_group!(benches, small, large);
criterion_main!(benches);
