//! Macro benches of the matching engine on labelled synthetic data (bankrec-synth), default rules,
//! inputs already in memory: the default noise mix at 10k x 10k and 1M x 1M (`10k`, `1M`), and
//! bank entries against ledger entries one to one at 1M (`1M_one_to_one`,
//! `ScenarioConfig::one_to_one`: the shape of matching engine I's speed goal). The default posting
//! rules on 10k entries left without counterpart, with ASCII and with accented text (`posting`).
//!
//! ```text
//! cargo bench -p bankrec-benches --bench matching                  # all of them
//! cargo bench -p bankrec-benches --bench matching -- 10k           # the small ones only
//! cargo bench -p bankrec-benches --bench matching -- 1M_one_to_one
//! cargo bench -p bankrec-benches --bench matching -- posting
//! ```
#![allow(missing_docs)]

use bankrec_benches as _; // the allocator of the `bankrec` binary
use std::hint::black_box;
use std::time::Duration;

use bankrec::matching::{MatchInput, Matcher, PostingRules, RuleSet};
use bankrec::{AccountId, BankEntry, Currency, Decimal, Direction, Party, Timestamp};
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

/// Entries no rule of the books matched, as posting rules see them: a payer's name and a line of
/// remittance text each, one in twenty a bank fee. `accented`: the names and texts of German,
/// French and Nordic payers as written (a non-ASCII letter in most fields), else transliterated.
fn unmatched_entries(n: usize, accented: bool) -> Vec<BankEntry> {
    const NAMES: [(&str, &str); 6] = [
        ("Müller Bäckerei GmbH", "Mueller Baeckerei GmbH"),
        ("Société Générale de Négoce SA", "Societe Generale de Negoce SA"),
        ("Bjørn Åsheim AS", "Bjorn Asheim AS"),
        ("Groß & Söhne KG", "Gross & Soehne KG"),
        ("Café Lumière SARL", "Cafe Lumiere SARL"),
        ("Järvinen Oy", "Jarvinen Oy"),
    ];
    const TEXTS: [(&str, &str); 4] = [
        ("Rechnung {} Lieferung Möbel", "Rechnung {} Lieferung Moebel"),
        ("Facture {} réglée, merci", "Facture {} reglee, merci"),
        ("Återbetalning order {}", "Aterbetalning order {}"),
        ("Kontoführung {}", "Kontofuehrung {}"),
    ];
    let account = AccountId::iban("DE89370400440532013000").expect("valid IBAN");
    let date = time::macros::date!(2026 - 01 - 15);
    (0..n)
        .map(|i| {
            let pick = |pair: (&'static str, &'static str)| if accented { pair.0 } else { pair.1 };
            // One in twenty is a bank's account fee (the last text); the rest are payments.
            let text = if i % 20 == 0 { TEXTS[3] } else { TEXTS[i % 3] };
            let direction = if i % 2 == 0 { Direction::Debit } else { Direction::Credit };
            let mut e = BankEntry::new(account.clone(), Decimal::new(1000 + i as i64, 2), Currency::EUR, direction, Some(date))
                .with_id(format!("B{i:07}"));
            e.transaction.counterparty = Some(Party { name: Some(pick(NAMES[i % NAMES.len()]).to_owned()), ..Party::default() });
            e.transaction.remittance.unstructured.push(pick(text).replace("{}", &format!("{}", 40_000 + i)));
            e
        })
        .collect()
}

fn posting(c: &mut Criterion) {
    let rules = PostingRules::default();
    let mut g = c.benchmark_group("posting");
    for (label, accented) in [("10k_ascii", false), ("10k_accented", true)] {
        let entries = unmatched_entries(10_000, accented);
        let refs: Vec<&BankEntry> = entries.iter().collect();
        g.throughput(Throughput::Elements(refs.len() as u64));
        g.bench_with_input(BenchmarkId::new("default_rules", label), &refs, |b, refs| {
            b.iter(|| rules.propose(black_box(refs), None).expect("unique ids"))
        });
    }
    g.finish();
}

criterion_group!(benches, small, large, posting);
criterion_main!(benches);
