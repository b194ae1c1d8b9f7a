#![allow(missing_docs, clippy::unwrap_used)]
use bankrec_match::{MatchInput, Matcher, RuleSet};
use bankrec_synth::{Scenario, ScenarioConfig};
fn main() {
    let n: usize = std::env::args().nth(1).unwrap().parse().unwrap();
    let out = std::env::args().nth(2).unwrap();
    let s = Scenario::generate(&ScenarioConfig::new(1, n));
    let now = "2026-01-31T00:00:00Z".parse().unwrap();
    let input = MatchInput::new(&s.bank_entries, &s.ledger_entries, &s.open_items).with_accounts(s.accounts()).with_threads(1);
    let o = Matcher::new(RuleSet::default()).run(&input, now).unwrap();
    std::fs::write(out, serde_json::to_string(&o).unwrap()).unwrap();
}
