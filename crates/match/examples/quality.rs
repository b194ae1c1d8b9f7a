//! Precision and recall of automatic matches, and the top-5 hit rate, per kind of noise, on a
//! labelled bankrec-synth scenario with the default rules.
//!
//! ```text
//! cargo run --release -p bankrec-match --example quality -- [ENTRIES] [SEED] [--no-accounts] [--one-to-one]
//! ```
//! Prints a Markdown table (the one in docs/matching.md). By default the engine is given the
//! scenario's two bank accounts (`Scenario::accounts`, GL codes set); `--no-accounts` runs without.
//! The scenario is the default noise mix; `--one-to-one` generates bank entries against ledger
//! entries only, with the kinds of noise that are no group (`ScenarioConfig::one_to_one`, the
//! shape of matching engine I's speed goal). The rules are the default ones either way.
//! The first line gives the run's wall and CPU time and its memory: the process then holds the
//! inputs only (the truth labels are generated again after the run).
//!
//! How records are judged (`bankrec_synth::Truth`): a unit of truth is a true pair (one bank entry,
//! one book record) or a true group (split, partial and batch payments, settlements, reversals,
//! internal transfers). With B the record's bank entries and K its ledger entries and open items,
//! a match record is **correct** when all of B belong to one unit and either
//! - the unit is a pair and B, K are exactly its bank entry and book record; or
//! - the unit is a group and B, K are exactly the group's members, or exactly the union of one or
//!   more of its parts (an instalment of a partial payment with its item; an internal transfer's
//!   leg with its own ledger line), and every open item allocation equals what the truth applies
//!   from B to that item (so a 40 % payment allocated as settling the item in full is wrong).
//!
//! Precision = correct records / auto-matched records, each record counted under the kind of its
//! first bank entry (bank-only entries: `no_counterpart`). Recall = units whose bank entries are
//! all in correct records / units. Top-5 hit rate = units each of whose bank entries is in a
//! correct record or has, among its first five proposal candidates, one naming exactly the unit's
//! book records (or those of a part holding that entry); a group without book records (a reversal,
//! a transfer the books lack) can only be hit by a correct record.

use std::collections::{BTreeSet, HashMap, HashSet};

use bankrec_match::{MatchInput, Matcher, RuleSet};
use bankrec_synth::{Noise, Scenario, ScenarioConfig, Truth, TruthUnit};

/// The allocator of the `bankrec` binary, so that the timing below is the command line's
/// (docs/performance.md gives the system allocator's too).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Default, Clone, Copy)]
struct Tally {
    units: usize,
    bank_entries: usize,
    records: usize,
    correct: usize,
    recalled: usize,
    top5: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let with_accounts = !args.iter().any(|a| a == "--no-accounts");
    let mut numbers = args.iter().filter(|a| !a.starts_with("--"));
    let entries: usize = numbers.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let seed: u64 = numbers.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let mut config = ScenarioConfig::new(seed, entries);
    if args.iter().any(|a| a == "--one-to-one") {
        config = config.one_to_one();
    }
    let mut scenario = Scenario::generate(&config);
    // The truth labels (78 MB at 1M) are no input of the run: dropped before it, so that its
    // memory figures are those of the inputs and the run, and generated again after it (the
    // generator is deterministic) to judge the outcome.
    scenario.pairs = Vec::new();
    scenario.groups = Vec::new();
    scenario.bank_only = Vec::new();
    scenario.book_only = Vec::new();
    let now = "2026-01-31T00:00:00Z".parse().expect("timestamp");
    let mut input = MatchInput::new(&scenario.bank_entries, &scenario.ledger_entries, &scenario.open_items);
    if with_accounts {
        input = input.with_accounts(scenario.accounts());
    }
    let rss_before = proc_status_mb("VmRSS:");
    let started = std::time::Instant::now();
    let cpu_before = thread_cpu_seconds();
    let outcome = Matcher::new(RuleSet::default()).run(&input, now).expect("generated ids are unique");
    let elapsed = started.elapsed();
    let cpu = thread_cpu_seconds()
        .zip(cpu_before)
        .map(|(a, b)| {
            let (user, sys) = (a.0 - b.0, a.1 - b.1);
            format!(", {:.2} s CPU ({user:.2} user, {sys:.2} system; {} minor page faults)", user + sys, a.2 - b.2)
        })
        .unwrap_or_default();
    let memory = match (rss_before, proc_status_mb("VmRSS:"), proc_status_mb("VmHWM:")) {
        (Some(before), Some(after), Some(peak)) => {
            format!("; memory: {before} MB before the run (inputs), {after} MB after (with the outcome), peak {peak} MB")
        }
        _ => String::new(),
    };

    drop(scenario);
    let scenario = Scenario::generate(&config);
    let truth = Truth::new(&scenario);
    let mut tallies: HashMap<Noise, Tally> = HashMap::new();
    // Bank entries of each unit that sit in a correct record.
    let mut covered: HashMap<TruthUnit, BTreeSet<&str>> = HashMap::new();
    let mut matched_books: HashSet<&str> = HashSet::new();
    for r in &outcome.matches {
        let verdict = truth.judge(r);
        let t = tallies.entry(verdict.noise).or_default();
        t.records += 1;
        matched_books.extend(r.ledger_entries.iter().map(String::as_str).chain(r.open_items.iter().map(|a| a.id.as_str())));
        if let (true, Some(unit)) = (verdict.correct, verdict.unit) {
            t.correct += 1;
            covered.entry(unit).or_default().extend(r.bank_entries.iter().map(String::as_str));
        }
    }
    // Bank entries with a right candidate among their first five.
    let proposal_hits: HashSet<&str> = outcome
        .proposals
        .iter()
        .filter(|p| p.candidates.iter().take(5).any(|c| truth.is_hit(&p.bank_entry, &c.ledger_entries, &c.open_items)))
        .map(|p| p.bank_entry.as_str())
        .collect();
    for unit in truth.units() {
        let bank = truth.bank_ids(unit);
        let t = tallies.entry(truth.noise(unit)).or_default();
        t.units += 1;
        t.bank_entries += bank.len();
        let done = covered.get(&unit);
        let in_correct = |b: &&str| done.is_some_and(|d| d.contains(b));
        if bank.iter().all(in_correct) {
            t.recalled += 1;
        }
        if bank.iter().all(|b| in_correct(b) || proposal_hits.contains(b)) {
            t.top5 += 1;
        }
    }
    let no_cp = tallies.entry(Noise::NoCounterpart).or_default();
    no_cp.units = scenario.bank_only.len();
    no_cp.bank_entries = scenario.bank_only.len();
    let book_only_matched = scenario.book_only.iter().filter(|b| matched_books.contains(b.id())).count();

    println!(
        "{} bank entries, {} ledger entries, {} open items (seed {seed}); {} pairs, {} groups; account map {}; \
         matched in {:.2?} wall{cpu} (this build){memory}\n",
        scenario.bank_entries.len(),
        scenario.ledger_entries.len(),
        scenario.open_items.len(),
        scenario.pairs.len(),
        scenario.groups.len(),
        if with_accounts { "given" } else { "not given" },
        elapsed
    );
    println!("| noise | pairs/groups | bank entries | auto-matched records | correct | precision | recall | top-5 hit rate |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut total = Tally::default();
    let pct = |a: usize, b: usize| if b == 0 { "-".to_owned() } else { format!("{:.2} %", 100.0 * a as f64 / b as f64) };
    for noise in Noise::ALL {
        let t = tallies.get(&noise).copied().unwrap_or_default();
        if noise == Noise::NoCounterpart {
            println!(
                "| {} (bank-only) | {} | {} | {} | {} | {} | - | - |",
                noise.label(),
                t.units,
                t.bank_entries,
                t.records,
                t.correct,
                pct(t.correct, t.records)
            );
            total.records += t.records;
            total.bank_entries += t.bank_entries;
            continue;
        }
        let kind = if noise.is_group() { format!("{} (groups)", noise.label()) } else { noise.label().to_owned() };
        println!(
            "| {kind} | {} | {} | {} | {} | {} | {} | {} |",
            t.units,
            t.bank_entries,
            t.records,
            t.correct,
            pct(t.correct, t.records),
            pct(t.recalled, t.units),
            pct(t.top5, t.units)
        );
        total.units += t.units;
        total.bank_entries += t.bank_entries;
        total.records += t.records;
        total.correct += t.correct;
        total.recalled += t.recalled;
        total.top5 += t.top5;
    }
    println!(
        "| **all** | {} | {} | {} | {} | {} | {} | {} |",
        total.units,
        total.bank_entries,
        total.records,
        total.correct,
        pct(total.correct, total.records),
        pct(total.recalled, total.units),
        pct(total.top5, total.units)
    );
    println!("\nbook-only records wrongly matched: {book_only_matched} of {}", scenario.book_only.len());
    println!(
        "\ncorrect: the record's members equal a true pair or group, or a union of a group's parts (partial-payment \
         instalment + item, transfer leg + own ledger line), with open item allocations equal to the true applied amounts; \
         recall: units all of whose bank entries are in correct records; top-5: every bank entry of the unit is in a correct \
         record or has a top-5 candidate naming exactly the unit's (or its part's) book records."
    );
}

/// CPU time of this thread (user + system) from /proc on Linux, so that a busy machine does not
/// inflate the figure; `None` elsewhere.
/// The thread's CPU time so far: (user seconds, system seconds, minor page faults). System time
/// is mostly the first touch of fresh memory, whose cost on a virtual machine varies from hour to
/// hour; user time is the engine's own work.
fn thread_cpu_seconds() -> Option<(f64, f64, u64)> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name (which is in parentheses): minflt is the 8th, utime and stime
    // the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    Some((field(11)? / 100.0, field(12)? / 100.0, fields.get(7)?.parse().ok()?))
}

/// A memory figure from /proc/self/status in MB (`VmRSS:` now, `VmHWM:` peak); `None` elsewhere.
fn proc_status_mb(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line[key.len()..].trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb / 1024)
}
