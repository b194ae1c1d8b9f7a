//! Precision and recall of automatic matches, and the top-5 hit rate, per kind of noise, on a
//! labelled bankrec-synth scenario with the default rules.
//!
//! ```text
//! cargo run --release -p bankrec-match --example quality -- [ENTRIES] [SEED]
//! ```
//! Prints a Markdown table (the one in docs/matching.md).

use std::collections::HashMap;

use bankrec_match::{MatchInput, Matcher, RuleSet};
use bankrec_synth::{Noise, Scenario, ScenarioConfig};

#[derive(Default, Clone, Copy)]
struct Tally {
    pairs: usize,
    matched: usize,
    correct: usize,
    top5: usize,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let entries: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let scenario = Scenario::generate(&ScenarioConfig::new(seed, entries));
    let now = "2026-01-31T00:00:00Z".parse().expect("timestamp");
    let input = MatchInput::new(&scenario.bank_entries, &scenario.ledger_entries, &scenario.open_items);
    let rss_before = proc_status_mb("VmRSS:");
    let started = std::time::Instant::now();
    let cpu_before = thread_cpu_seconds();
    let outcome = Matcher::new(RuleSet::default()).run(&input, now).expect("generated ids are unique");
    let elapsed = started.elapsed();
    let cpu = thread_cpu_seconds().zip(cpu_before).map(|(a, b)| format!(", {:.2} s CPU", a - b)).unwrap_or_default();
    let memory = match (rss_before, proc_status_mb("VmRSS:"), proc_status_mb("VmHWM:")) {
        (Some(before), Some(after), Some(peak)) => {
            format!("; memory: {before} MB before the run (inputs), {after} MB after (with the outcome), peak {peak} MB")
        }
        _ => String::new(),
    };

    let mut matched: HashMap<&str, &str> = HashMap::new();
    for r in &outcome.matches {
        let book = r.ledger_entries.first().map(String::as_str).or_else(|| r.open_items.first().map(|a| a.id.as_str()));
        if let (Some(bank), Some(book)) = (r.bank_entries.first(), book) {
            matched.insert(bank.as_str(), book);
        }
    }
    let proposals: HashMap<&str, Vec<&str>> = outcome
        .proposals
        .iter()
        .map(|p| {
            let ids = p.candidates.iter().take(5).flat_map(|c| c.ledger_entries.iter().chain(&c.open_items)).map(String::as_str).collect();
            (p.bank_entry.as_str(), ids)
        })
        .collect();

    let mut tallies: HashMap<Noise, Tally> = HashMap::new();
    for p in &scenario.pairs {
        let t = tallies.entry(p.noise).or_default();
        t.pairs += 1;
        match matched.get(p.bank.as_str()) {
            Some(book) => {
                t.matched += 1;
                if *book == p.book.id() {
                    t.correct += 1;
                    t.top5 += 1;
                }
            }
            None => {
                if proposals.get(p.bank.as_str()).is_some_and(|ids| ids.contains(&p.book.id())) {
                    t.top5 += 1;
                }
            }
        }
    }
    // Entries without counterpart: any automatic match is wrong.
    let no_cp = tallies.entry(Noise::NoCounterpart).or_default();
    no_cp.pairs = scenario.bank_only.len();
    no_cp.matched = scenario.bank_only.iter().filter(|b| matched.contains_key(b.as_str())).count();
    let matched_books: std::collections::HashSet<&str> = matched.values().copied().collect();
    let book_only_matched = scenario.book_only.iter().filter(|b| matched_books.contains(b.id())).count();

    println!(
        "{} bank entries, {} ledger entries, {} open items (seed {seed}); matched in {:.2?} wall{cpu} (this build){memory}\n",
        scenario.bank_entries.len(),
        scenario.ledger_entries.len(),
        scenario.open_items.len(),
        elapsed
    );
    println!("| noise | pairs | auto-matched | correct | precision | recall | top-5 hit rate |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut total = Tally::default();
    let pct = |a: usize, b: usize| if b == 0 { "-".to_owned() } else { format!("{:.2} %", 100.0 * a as f64 / b as f64) };
    for noise in Noise::ALL {
        let t = tallies.get(&noise).copied().unwrap_or_default();
        if noise == Noise::NoCounterpart {
            println!("| {} (bank-only) | {} | {} | - | {} | - | - |", noise.label(), t.pairs, t.matched, pct(0, t.matched));
            total.matched += t.matched;
            continue;
        }
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            noise.label(),
            t.pairs,
            t.matched,
            t.correct,
            pct(t.correct, t.matched),
            pct(t.correct, t.pairs),
            pct(t.top5, t.pairs)
        );
        total.pairs += t.pairs;
        total.matched += t.matched;
        total.correct += t.correct;
        total.top5 += t.top5;
    }
    println!(
        "| **all** | {} | {} | {} | {} | {} | {} |",
        total.pairs,
        total.matched,
        total.correct,
        pct(total.correct, total.matched),
        pct(total.correct, total.pairs),
        pct(total.top5, total.pairs)
    );
    println!("\nbook-only records wrongly matched: {book_only_matched} of {}", scenario.book_only.len());
}

/// CPU time of this thread (user + system) from /proc on Linux, so that a busy machine does not
/// inflate the figure; `None` elsewhere.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name (which is in parentheses): utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// A memory figure from /proc/self/status in MB (`VmRSS:` now, `VmHWM:` peak); `None` elsewhere.
fn proc_status_mb(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line[key.len()..].trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb / 1024)
}
