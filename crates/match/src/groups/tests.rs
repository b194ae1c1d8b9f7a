//! Hand-made cases per group kind, and property tests: order independence, disjoint members,
//! allocations within the open amount.

use std::collections::HashMap;

use bankrec_model::{
    AccountId, AdjustmentKind, BankEntry, Currency, Date, Decimal, Direction, LedgerEntry, MatchRecord, Money, OpenItem, OpenItemKind,
    Party, Timestamp, TransactionDetail,
};
use proptest::prelude::*;
use time::macros::date;

use crate::prepare::{bank_view, item_view, ledger_view, AccountLookup};

use super::*;
use crate::manual::MatchBook;

fn now() -> Timestamp {
    "2024-05-02T12:00:00Z".parse().expect("timestamp")
}

fn d(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

fn account() -> AccountId {
    AccountId::iban("DE89370400440532013000").expect("valid IBAN")
}

fn bank(id: &str, cents: i64, day: Date, name: &str, text: &str) -> BankEntry {
    let (direction, amount) = Direction::split(d(cents));
    let mut e = BankEntry::new(account(), amount, Currency::EUR, direction, Some(day)).with_id(id);
    if !name.is_empty() {
        e.transaction.counterparty = Some(Party { name: Some(name.into()), ..Party::default() });
    }
    if !text.is_empty() {
        e.transaction.remittance.unstructured.push(text.into());
    }
    e
}

fn invoice(id: &str, number: &str, cents: i64, name: &str, due: Date) -> OpenItem {
    OpenItem::new(id, OpenItemKind::Receivable, number, d(cents), Currency::EUR).with_counterparty(name).with_due_date(due)
}

fn ledger(id: &str, cents: i64, day: Date) -> LedgerEntry {
    LedgerEntry::new(id, day, "1020", d(cents), Currency::EUR)
}

/// The group pass over the engine's views of the inputs, as the engine runs it.
fn groups_over(
    config: &GroupRules,
    bank: &[BankEntry],
    ledger: &[LedgerEntry],
    items: &[(&OpenItem, Decimal)],
    accounts: &AccountLookup<'_>,
    used: &dyn Fn(&str) -> bool,
) -> GroupOutcome {
    let mut names = Names::default();
    let bank_views: Vec<BankView<'_>> = bank.iter().map(|e| bank_view(e, accounts, &mut names)).collect();
    let ledger_views: Vec<BookView<'_>> = ledger.iter().map(|l| ledger_view(l, accounts, &mut names)).collect();
    let item_views: Vec<BookView<'_>> = items.iter().map(|&(i, remaining)| item_view(i, remaining, &mut names)).collect();
    let input = GroupInput {
        bank: bank_views.iter().collect(),
        ledger: ledger_views.iter().collect(),
        items: item_views.iter().zip(items).map(|(v, &(_, remaining))| (v, remaining)).collect(),
    };
    match_groups(config, &input, &mut names, now(), used)
}

fn run_with(config: &GroupRules, bank: &[BankEntry], ledger: &[LedgerEntry], items: &[OpenItem], existing: &[MatchRecord]) -> GroupOutcome {
    let remaining = remaining_open_amounts(items, existing);
    let items: Vec<(&OpenItem, Decimal)> = items.iter().map(|i| (i, remaining[i.id.as_str()])).collect();
    let used: HashSet<&str> = existing.iter().map(|r| r.id.as_str()).collect();
    groups_over(config, bank, ledger, &items, &AccountLookup::new(None), &|id| used.contains(id))
}

fn run(bank: &[BankEntry], ledger: &[LedgerEntry], items: &[OpenItem]) -> GroupOutcome {
    run_with(&GroupRules::exact(), bank, ledger, items, &[])
}

fn items_of(r: &MatchRecord) -> Vec<(&str, Decimal)> {
    r.open_items.iter().map(|a| (a.id.as_str(), a.amount)).collect()
}

#[test]
fn one_transfer_pays_two_of_three_quoted_invoices() {
    let items = [
        invoice("I1", "INV-1001", 50_000, "Acme Oy", date!(2024 - 04 - 01)),
        invoice("I2", "INV-1002", 70_000, "Acme Oy", date!(2024 - 04 - 10)),
        invoice("I3", "INV-1003", 30_000, "Acme Oy", date!(2024 - 04 - 20)),
    ];
    let b = [bank("B1", 120_000, date!(2024 - 04 - 25), "ACME", "Invoices INV-1001 and INV-1002")];
    let out = run(&b, &[], &items);
    assert_eq!(out.records.len(), 1, "{out:#?}");
    let r = &out.records[0];
    assert_eq!(r.origin_label(), SPLIT_PAYMENT);
    assert_eq!(r.bank_entries, ["B1"]);
    assert_eq!(items_of(r), [("I1", d(50_000)), ("I2", d(70_000))]);
    assert!(r.adjustments.is_empty());
    assert!(r.reasons[0].contains("INV1001 (I1 500.00)"), "{:?}", r.reasons);
    assert!(r.reasons.iter().any(|s| s.contains("the only combination")), "{:?}", r.reasons);
    assert!(r.id.starts_with("m-"));
    assert!(out.proposals.is_empty());
}

#[test]
fn subset_search_finds_the_one_combination_of_the_payer() {
    let items = [
        invoice("I1", "A-1", 10_000, "Globex GmbH", date!(2024 - 04 - 01)),
        invoice("I2", "A-2", 25_000, "Globex", date!(2024 - 04 - 02)),
        invoice("I3", "A-3", 40_000, "GLOBEX", date!(2024 - 04 - 03)),
        // Another payer's items never join, even when they would make the sum.
        invoice("X1", "X-1", 15_000, "Initech", date!(2024 - 04 - 03)),
        invoice("X2", "X-2", 50_000, "Initech", date!(2024 - 04 - 03)),
    ];
    let b = [bank("B1", 65_000, date!(2024 - 04 - 20), "Globex GmbH", "thanks")];
    let out = run(&b, &[], &items);
    assert_eq!(out.records.len(), 1, "{out:#?}");
    assert_eq!(items_of(&out.records[0]), [("I2", d(25_000)), ("I3", d(40_000))]);
    assert!(out.records[0].reasons[0].contains("3 open item(s) of the payer globex"), "{:?}", out.records[0].reasons);
}

#[test]
fn two_combinations_make_an_ambiguous_proposal() {
    let items: Vec<OpenItem> = [10_000, 20_000, 30_000, 40_000]
        .iter()
        .enumerate()
        .map(|(n, c)| invoice(&format!("I{n}"), "", *c, "Umbrella", date!(2024 - 04 - 01)))
        .collect();
    let b = [bank("B1", 50_000, date!(2024 - 04 - 05), "Umbrella Ltd", "")];
    let out = run(&b, &[], &items);
    assert!(out.records.is_empty(), "{out:#?}");
    assert_eq!(out.proposals.len(), 2);
    for (bank_id, c) in &out.proposals {
        assert_eq!(bank_id, "B1");
        assert!(c.ambiguous && c.rule == SPLIT_PAYMENT);
        assert!(c.reasons.iter().any(|r| r.contains("combination") && r.contains("of 2")), "{:?}", c.reasons);
    }
    let sets: Vec<&Vec<String>> = out.proposals.iter().map(|p| &p.1.open_items).collect();
    assert_eq!(sets, [&vec!["I0".to_owned(), "I3".to_owned()], &vec!["I1".to_owned(), "I2".to_owned()]]);
}

#[test]
fn partial_payment_then_the_rest_in_a_later_run() {
    let items = [invoice("I1", "INV-7001", 100_000, "Acme", date!(2024 - 04 - 01))];
    let first = [bank("B1", 40_000, date!(2024 - 04 - 05), "Acme", "INV-7001 first instalment")];
    let out = run(&first, &[], &items);
    assert_eq!(out.records.len(), 1, "{out:#?}");
    let r1 = out.records[0].clone();
    assert_eq!(r1.origin_label(), PARTIAL_PAYMENT);
    assert_eq!(items_of(&r1), [("I1", d(40_000))]);
    assert!(r1.reasons[0].contains("600.00 EUR stays open"), "{:?}", r1.reasons);
    let remaining = remaining_open_amounts(&items, std::slice::from_ref(&r1));
    assert_eq!(remaining["I1"], d(60_000));

    // Later run: the rest arrives.
    let second = [bank("B2", 60_000, date!(2024 - 04 - 20), "Acme", "INV-7001 rest")];
    let out2 = run_with(&GroupRules::exact(), &second, &[], &items, std::slice::from_ref(&r1));
    assert_eq!(out2.records.len(), 1, "{out2:#?}");
    let r2 = out2.records[0].clone();
    assert_eq!(items_of(&r2), [("I1", d(60_000))]);
    assert!(r2.reasons[0].contains("pays the rest of I1"), "{:?}", r2.reasons);
    assert_eq!(remaining_open_amounts(&items, &[r1.clone(), r2.clone()])["I1"], Decimal::ZERO);

    // The book holds both records of one item; a third allocation is refused.
    let mut book = MatchBook::from_parts(vec![r1, r2], Vec::new()).expect("partial records share the item");
    let third = [bank("B3", 100, date!(2024 - 04 - 21), "Acme", "")];
    let err = book
        .match_manually(&crate::ManualMatch::new().bank("B3").open_item("I1", None), &third, &[], &items, None, "anna", now())
        .expect_err("nothing remains");
    assert!(matches!(err, crate::MatchError::AlreadyMatched { .. }), "{err}");
}

#[test]
fn several_payments_quoting_one_invoice_settle_it_together() {
    let items = [invoice("I1", "INV-5005", 100_000, "Acme", date!(2024 - 04 - 01))];
    let b = [
        bank("B1", 30_000, date!(2024 - 04 - 02), "Acme Oy", "INV-5005"),
        bank("B2", 30_000, date!(2024 - 04 - 03), "ACME", "inv5005"),
        bank("B3", 40_000, date!(2024 - 04 - 04), "Acme", "INV-5005 last"),
    ];
    let out = run(&b, &[], &items);
    assert_eq!(out.records.len(), 1, "{out:#?}");
    let r = &out.records[0];
    assert_eq!(r.bank_entries, ["B1", "B2", "B3"]);
    assert_eq!(items_of(r), [("I1", d(100_000))]);
    assert!(r.reasons[0].contains("3 payments quoting INV5005"), "{:?}", r.reasons);
}

#[test]
fn overpayment_beyond_tolerance_is_only_proposed() {
    let items = [invoice("I1", "INV-6006", 100_000, "Acme", date!(2024 - 04 - 01))];
    let b = [bank("B1", 110_000, date!(2024 - 04 - 02), "Acme", "INV-6006")];
    let out = run_with(&GroupRules::default(), &b, &[], &items, &[]);
    assert!(out.records.is_empty());
    assert_eq!(out.proposals.len(), 1);
    assert!(out.proposals[0].1.reasons[0].contains("overpayment"), "{:?}", out.proposals[0].1.reasons);
}

#[test]
fn fee_deducted_and_overpayment_make_symmetric_adjustments() {
    let items = [
        invoice("I1", "INV-1001", 50_000, "Acme", date!(2024 - 04 - 01)),
        invoice("I2", "INV-1002", 70_000, "Acme", date!(2024 - 04 - 10)),
    ];
    for (paid, diff) in [(119_250, -750), (120_500, 500)] {
        let b = [bank("B1", paid, date!(2024 - 04 - 25), "Acme", "INV-1001 INV-1002")];
        let out = run_with(&GroupRules::default(), &b, &[], &items, &[]);
        assert_eq!(out.records.len(), 1, "{out:#?}");
        let r = &out.records[0];
        assert_eq!(items_of(r), [("I1", d(50_000)), ("I2", d(70_000))]);
        assert_eq!(r.adjustments.len(), 1);
        let adj = &r.adjustments[0];
        assert_eq!((adj.amount, adj.kind, adj.account.code.as_str()), (d(diff), AdjustmentKind::BankFee, "6820"));
        let word = if diff < 0 { "less" } else { "more" };
        assert!(r.reasons.iter().any(|s| s.contains(word) && s.contains("6820 Bank fees")), "{:?}", r.reasons);
        assert!(r.score < 1.0 && r.score > 0.5);
    }
    // Exact configuration: no match, no adjustment.
    let b = [bank("B1", 119_250, date!(2024 - 04 - 25), "Acme", "INV-1001 INV-1002")];
    assert!(run(&b, &[], &items).records.is_empty());
}

#[test]
fn debit_fee_on_a_supplier_settlement_group() {
    // Withdrawals: bank -1200.00 and book -1190.00 differ by -10.00 (bank paid more).
    let mut b1 = bank("B1", -60_000, date!(2024 - 04 - 02), "", "");
    let mut b2 = bank("B2", -60_000, date!(2024 - 04 - 02), "", "");
    b1.settlement_number = Some("PAY-9".into());
    b2.settlement_number = Some("pay 9".into());
    let l1 = ledger("L1", -59_500, date!(2024 - 04 - 01)).with_settlement_number("PAY9");
    let l2 = ledger("L2", -59_500, date!(2024 - 04 - 01)).with_settlement_number("PAY9");
    let out = run_with(&GroupRules::default(), &[b1, b2], &[l1, l2], &[], &[]);
    assert_eq!(out.records.len(), 1, "{out:#?}");
    assert_eq!(out.records[0].adjustments[0].amount, d(-1000));
    assert!(out.records[0].reasons.iter().any(|r| r.contains("10.00 EUR more")), "{:?}", out.records[0].reasons);
}

#[test]
fn settlement_group_of_three_entries_and_two_lines() {
    let mut entries = Vec::new();
    for (id, cents) in [("B1", 50_000), ("B2", 40_000), ("B3", 30_000)] {
        let mut e = bank(id, cents, date!(2024 - 04 - 02), "", "");
        e.settlement_number = Some("ST-0077".into());
        entries.push(e);
    }
    let lines = [
        ledger("L1", 70_000, date!(2024 - 04 - 01)).with_settlement_number("st 77"),
        ledger("L2", 50_000, date!(2024 - 04 - 01)).with_settlement_number("ST77"),
        ledger("L3", 50_000, date!(2024 - 04 - 01)).with_settlement_number("ST78"),
    ];
    let out = run(&entries, &lines, &[]);
    assert_eq!(out.records.len(), 1, "{out:#?}");
    let r = &out.records[0];
    assert_eq!(r.origin_label(), SETTLEMENT_GROUP);
    assert_eq!(r.bank_entries, ["B1", "B2", "B3"]);
    assert_eq!(r.ledger_entries, ["L1", "L2"]);
    assert!(r.reasons[0].contains("settlement number ST77: 3 bank entries sum to 1200.00 EUR, 2 ledger line(s) to 1200.00 EUR"));

    // Sums that differ beyond the tolerance: proposed to each bank entry.
    let out = run(&entries[..2], &lines, &[]);
    assert!(out.records.is_empty());
    assert_eq!(out.proposals.len(), 2);
    assert!(out.proposals[0].1.reasons.iter().any(|r| r.contains("together with bank entry B2")));
}

fn detail(cents: i64, name: &str, text: &str) -> TransactionDetail {
    let mut t = bankrec_model::Transaction::default();
    if !name.is_empty() {
        t.counterparty = Some(Party { name: Some(name.into()), ..Party::default() });
    }
    if !text.is_empty() {
        t.remittance.unstructured.push(text.into());
    }
    TransactionDetail { amount: Some(Money::new(d(cents), Currency::EUR)), direction: None, transaction: t }
}

#[test]
fn batch_of_four_details() {
    let mut e = bank("B1", 100_000, date!(2024 - 04 - 02), "", "");
    e.details = bankrec_model::thin_vec![
        detail(10_000, "Alpha", "INV-2001"),
        detail(20_000, "Beta", "invoice INV-2002"),
        detail(30_000, "Gamma AB", ""),
        detail(40_000, "Delta", "ORD-2004"),
    ];
    let items = [
        invoice("I1", "INV-2001", 10_000, "Alpha", date!(2024 - 04 - 01)),
        invoice("I2", "INV-2002", 20_000, "Beta", date!(2024 - 04 - 01)),
        // Same amount as detail 3 but another payer.
        invoice("I9", "INV-2009", 30_000, "Omega", date!(2024 - 04 - 01)),
    ];
    let lines = [
        ledger("L3", 30_000, date!(2024 - 04 - 01)).with_counterparty("Gamma"),
        ledger("L4", 40_000, date!(2024 - 04 - 01)).with_reference("ORD 2004"),
    ];
    let out = run(std::slice::from_ref(&e), &lines, &items);
    assert_eq!(out.records.len(), 1, "{out:#?}");
    let r = &out.records[0];
    assert_eq!(r.origin_label(), BATCH);
    assert_eq!(r.ledger_entries, ["L3", "L4"]);
    assert_eq!(items_of(r), [("I1", d(10_000)), ("I2", d(20_000))]);
    assert!(r.reasons[0].contains("detail 3 300.00 -> L3 by amount and name"), "{:?}", r.reasons);

    // A detail without its book record: only proposed, and says which.
    let out = run(std::slice::from_ref(&e), &lines[..1], &items);
    assert!(out.records.is_empty());
    assert!(out.proposals[0].1.reasons.iter().any(|r| r.contains("detail(s) 4 found no single")), "{out:#?}");
}

#[test]
fn two_entries_claiming_the_same_invoices_are_ambiguous() {
    let items = [
        invoice("I1", "INV-1001", 50_000, "Acme", date!(2024 - 04 - 01)),
        invoice("I2", "INV-1002", 70_000, "Acme", date!(2024 - 04 - 10)),
    ];
    let b = [
        bank("B1", 120_000, date!(2024 - 04 - 25), "Acme", "INV-1001 INV-1002"),
        bank("B2", 120_000, date!(2024 - 04 - 26), "Acme", "INV-1001 INV-1002 again"),
    ];
    let out = run(&b, &[], &items);
    assert!(out.records.is_empty(), "{out:#?}");
    assert_eq!(out.proposals.len(), 2);
    assert!(out.proposals.iter().all(|p| p.1.ambiguous));
}

#[test]
fn subset_search_over_200_items_is_bounded_and_says_so() {
    let items: Vec<OpenItem> = (0..200)
        .map(|n| {
            let due = date!(2024 - 01 - 01) + time::Duration::days(n);
            invoice(&format!("I{n:03}"), "", 10_000 + 137 * n, "Hooli", due)
        })
        .collect();
    // Paid on the due date of I199: the items closest in due date are the last ones.
    let target = (10_000 + 137 * 199) + (10_000 + 137 * 190);
    let b = [bank("B1", target, date!(2024 - 01 - 01) + time::Duration::days(199), "Hooli", "")];
    let config = GroupRules { step_budget: 2_000, ..GroupRules::exact() };
    let out = run_with(&config, &b, &[], &items, &[]);
    assert!(out.records.is_empty(), "a cut search never matches automatically");
    assert!(!out.proposals.is_empty(), "{out:#?}");
    let c = &out.proposals[0].1;
    assert!(c.reasons[0].contains("the 16 closest in due date"), "{:?}", c.reasons);
    assert!(c.reasons.iter().any(|r| r.contains("cut")), "{:?}", c.reasons);

    // No combination in reach: a note says the search was cut.
    let b = [bank("B2", 1, date!(2024 - 07 - 01), "Hooli", "")];
    let out = run_with(&config, &b, &[], &items, &[]);
    assert!(out.proposals.is_empty() && out.records.is_empty());
    // The two smallest of the 16 closest: the last pair the search (largest first) would reach.
    let b = [bank("B3", 2 * 10_000 + 137 * (184 + 185), date!(2024 - 01 - 01) + time::Duration::days(199), "Hooli", "")];
    let out = run_with(&GroupRules { step_budget: 50, ..GroupRules::exact() }, &b, &[], &items, &[]);
    assert!(out.notes.iter().any(|(id, n)| id == "B3" && n.contains("cut after 50 steps")), "{out:#?}");
}

#[test]
fn remaining_ignores_cancelled_records() {
    let items = [invoice("I1", "INV-1", 100_000, "Acme", date!(2024 - 04 - 01))];
    let mut r = MatchRecord::new("m1", Currency::EUR, bankrec_model::MatchOrigin::Manual, now(), "anna");
    r.open_items.push(OpenItemAllocation { id: "I1".into(), amount: d(30_000) });
    assert_eq!(remaining_open_amounts(&items, std::slice::from_ref(&r))["I1"], d(70_000));
    r.cancelled = Some(Box::new(bankrec_model::Cancellation { at: now(), by: "anna".into(), reason: None }));
    assert_eq!(remaining_open_amounts(&items, &[r])["I1"], d(100_000));
}

#[test]
fn config_switches_turn_kinds_off() {
    let items = [
        invoice("I1", "INV-1001", 50_000, "Acme", date!(2024 - 04 - 01)),
        invoice("I2", "INV-1002", 70_000, "Acme", date!(2024 - 04 - 10)),
    ];
    let b = [bank("B1", 120_000, date!(2024 - 04 - 25), "Acme", "INV-1001 INV-1002")];
    let off = GroupRules { split_payments: false, ..GroupRules::exact() };
    assert!(run_with(&off, &b, &[], &items, &[]).records.is_empty());
}

// ---- properties ------------------------------------------------------------------------------

/// A small deterministic generator (no dependency): xorshift.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const NAMES: [&str; 6] = ["Acme Oy", "Globex GmbH", "Initech AB", "Umbrella Ltd", "Hooli Inc", "Stark AS"];

/// A mixed scenario: split payments (with and without references), partial payments, settlement
/// groups, batches, and noise.
fn scenario(seed: u64) -> (Vec<BankEntry>, Vec<LedgerEntry>, Vec<OpenItem>) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut items = Vec::new();
    let mut bank_entries = Vec::new();
    let mut lines = Vec::new();
    let day0 = date!(2024 - 03 - 01);
    for n in 0..40 {
        let name = NAMES[rng.below(NAMES.len() as u64) as usize];
        let cents = 1_000 + 500 * rng.below(40) as i64;
        let due = day0 + time::Duration::days(rng.below(30) as i64);
        items.push(invoice(&format!("I{n:02}"), &format!("INV-{}", 3000 + n), cents, name, due));
    }
    for n in 0..25 {
        let kind = rng.below(5);
        let day = day0 + time::Duration::days(20 + rng.below(20) as i64);
        let id = format!("B{n:02}");
        match kind {
            0 | 1 => {
                // Pays 2 or 3 random items (maybe of different payers), quoting them or not.
                let k = 2 + rng.below(2) as usize;
                let picks: Vec<&OpenItem> = (0..k).map(|_| &items[rng.below(items.len() as u64) as usize]).collect();
                let sum: Decimal = picks.iter().map(|i| i.amount).sum();
                let text = if kind == 0 { picks.iter().map(|i| i.number.clone()).collect::<Vec<_>>().join(" ") } else { String::new() };
                let cents = i64::try_from((sum * Decimal::ONE_HUNDRED).trunc()).expect("small") - rng.below(2) as i64 * 300;
                bank_entries.push(bank(&id, cents, day, picks[0].counterparty.as_deref().unwrap_or(""), &text));
            }
            2 => {
                // Part of one item.
                let i = &items[rng.below(items.len() as u64) as usize];
                let cents = i64::try_from((i.amount * Decimal::new(50, 0)).trunc()).expect("small");
                bank_entries.push(bank(&id, cents.max(1), day, i.counterparty.as_deref().unwrap_or(""), &i.number));
            }
            3 => {
                let mut e = bank(&id, 1_000 * (1 + rng.below(5) as i64), day, "", "");
                let s = format!("S{}", rng.below(4));
                e.settlement_number = Some(s.clone());
                bank_entries.push(e);
                lines.push(ledger(&format!("L{n:02}"), 1_000 * (1 + rng.below(5) as i64), day).with_settlement_number(s));
            }
            _ => {
                let mut e = bank(&id, 0, day, "", "");
                let mut total = Decimal::ZERO;
                for _ in 0..2 + rng.below(3) {
                    let i = &items[rng.below(items.len() as u64) as usize];
                    e.details.push(detail(i64::try_from((i.amount * Decimal::ONE_HUNDRED).trunc()).expect("small"), "", &i.number));
                    total += i.amount;
                }
                e.amount = total;
                bank_entries.push(e);
            }
        }
    }
    (bank_entries, lines, items)
}

fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut rng = Rng(seed | 1);
    for i in (1..v.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        v.swap(i, j);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn group_invariants(seed in 0u64..100_000, order in 1u64..1_000) {
        let (b, l, i) = scenario(seed);
        let config = GroupRules::default();
        let out = run_with(&config, &b, &l, &i, &[]);
        // Order independence.
        let (mut b2, mut l2, mut i2) = (b.clone(), l.clone(), i.clone());
        shuffle(&mut b2, order);
        shuffle(&mut l2, order + 1);
        shuffle(&mut i2, order + 2);
        // (Taken positions refer to the shuffled input; what was taken is compared by id.)
        let again = run_with(&config, &b2, &l2, &i2, &[]);
        prop_assert_eq!((&again.records, &again.proposals, &again.notes), (&out.records, &out.proposals, &out.notes));
        let taken_ids = |o: &GroupOutcome, b: &[BankEntry]| {
            let mut ids: Vec<String> = o.taken_bank.iter().map(|&k| b[k].id.clone()).collect();
            ids.sort();
            ids
        };
        prop_assert_eq!(taken_ids(&again, &b2), taken_ids(&out, &b));
        // Disjoint bank entries and ledger lines; allocations within the open amount.
        let mut seen: HashSet<(&str, &str)> = HashSet::default();
        let mut allocated: HashMap<&str, Decimal> = HashMap::default();
        let by_id: HashMap<&str, &OpenItem> = i.iter().map(|x| (x.id.as_str(), x)).collect();
        let bank_by_id: HashMap<&str, &BankEntry> = b.iter().map(|x| (x.id.as_str(), x)).collect();
        let line_by_id: HashMap<&str, &LedgerEntry> = l.iter().map(|x| (x.id.as_str(), x)).collect();
        let mut ids: HashSet<&str> = HashSet::default();
        for r in &out.records {
            prop_assert!(ids.insert(r.id.as_str()), "record id {} twice", r.id);
            for x in &r.bank_entries { prop_assert!(seen.insert(("B", x.as_str())), "bank entry {} in two records", x); }
            for x in &r.ledger_entries { prop_assert!(seen.insert(("L", x.as_str())), "ledger line {} in two records", x); }
            for a in &r.open_items {
                prop_assert!(a.amount > Decimal::ZERO);
                *allocated.entry(a.id.as_str()).or_default() += a.amount;
            }
            // The sides agree: bank minus book equals the adjustments.
            let bank_sum: Decimal = r.bank_entries.iter().map(|x| bank_by_id[x.as_str()].signed_amount()).sum();
            let book_sum: Decimal = r.ledger_entries.iter().map(|x| line_by_id[x.as_str()].signed_amount())
                .chain(r.open_items.iter().map(|a| by_id[a.id.as_str()].settling_direction().signed(a.amount))).sum();
            let adjusted: Decimal = r.adjustments.iter().map(|a| a.amount).sum();
            prop_assert_eq!(bank_sum - book_sum, adjusted, "record {} does not balance", r.id);
        }
        for (id, sum) in allocated {
            prop_assert!(sum <= by_id[id].open_amount, "item {} over-allocated", id);
        }
        // A second run over what remains never re-allocates beyond the open amounts.
        let open_bank: Vec<BankEntry> = b.iter().filter(|e| !seen.contains(&("B", e.id.as_str()))).cloned().collect();
        let open_lines: Vec<LedgerEntry> = l.iter().filter(|e| !seen.contains(&("L", e.id.as_str()))).cloned().collect();
        let rest = run_with(&config, &open_bank, &open_lines, &i, &out.records);
        let all: Vec<MatchRecord> = out.records.iter().chain(&rest.records).cloned().collect();
        for (id, left) in remaining_open_amounts(&i, &all) {
            prop_assert!(left >= Decimal::ZERO, "{}", id);
        }
        let mut total: HashMap<&str, Decimal> = HashMap::default();
        for a in all.iter().flat_map(|r| &r.open_items) { *total.entry(a.id.as_str()).or_default() += a.amount; }
        for (id, sum) in total { prop_assert!(sum <= by_id[id].open_amount, "item {} over-allocated over two runs", id); }
    }
}

#[test]
fn account_map_keeps_other_accounts_books_out() {
    let mut map = bankrec_model::AccountMap::new();
    let acc = bankrec_model::BankAccount::new(
        "main",
        account(),
        Currency::EUR,
        bankrec_model::GlAccount::new("1020", "Bank"),
        "1999",
        date!(2024 - 01 - 01),
    );
    map.insert(acc).expect("account");
    let mut entries = Vec::new();
    for (id, cents) in [("B1", 50_000), ("B2", 70_000)] {
        let mut e = bank(id, cents, date!(2024 - 04 - 02), "", "");
        e.settlement_number = Some("ST1".into());
        entries.push(e);
    }
    let mut other = ledger("L2", 70_000, date!(2024 - 04 - 01)).with_settlement_number("ST1");
    other.gl_account = "1021".into();
    let lines = [ledger("L1", 50_000, date!(2024 - 04 - 01)).with_settlement_number("ST1"), other];
    let mut items =
        [invoice("I1", "A-1", 10_000, "Globex", date!(2024 - 04 - 01)), invoice("I2", "A-2", 20_000, "Globex", date!(2024 - 04 - 01))];
    items[1].bank_account = Some("savings".into());
    let payer = bank("B3", 30_000, date!(2024 - 04 - 02), "Globex", "");
    entries.push(payer);
    let open: Vec<(&OpenItem, Decimal)> = items.iter().map(|i| (i, i.open_amount)).collect();
    let out = groups_over(&GroupRules::exact(), &entries, &lines, &open, &AccountLookup::new(Some(&map)), &|_| false);
    assert!(out.records.is_empty(), "L2 is on another GL account, I2 expected on another bank account: {out:#?}");
    // Without the map, both groups match.
    let out = groups_over(&GroupRules::exact(), &entries, &lines, &open, &AccountLookup::new(None), &|_| false);
    assert_eq!(out.records.len(), 2, "{out:#?}");
    assert_eq!(out.records[0].account.as_deref(), Some("DE89370400440532013000"));
}

#[test]
fn several_payments_within_tolerance_carry_the_difference() {
    let items = [invoice("I1", "INV-5005", 100_000, "Acme", date!(2024 - 04 - 01))];
    let b = [bank("B1", 50_000, date!(2024 - 04 - 02), "Acme", "INV-5005"), bank("B2", 49_000, date!(2024 - 04 - 03), "Acme", "INV-5005")];
    let out = run_with(&GroupRules::default(), &b, &[], &items, &[]);
    assert_eq!(out.records.len(), 1, "{out:#?}");
    assert_eq!(items_of(&out.records[0]), [("I1", d(100_000))]);
    assert_eq!(out.records[0].adjustments[0].amount, d(-1000));
}

#[test]
fn manual_partial_payments_respect_what_remains() {
    let items = [invoice("I1", "INV-1", 100_000, "Acme", date!(2024 - 04 - 01))];
    let entries = [
        bank("B1", 40_000, date!(2024 - 04 - 02), "Acme", ""),
        bank("B2", 60_000, date!(2024 - 04 - 03), "Acme", ""),
        bank("B3", 100, date!(2024 - 04 - 04), "Acme", ""),
    ];
    let mut book = MatchBook::new();
    let m = |b: &str, a: Option<Decimal>| crate::ManualMatch::new().bank(b).open_item("I1", a);
    book.match_manually(&m("B1", Some(d(40_000))), &entries, &[], &items, None, "anna", now()).expect("first part");
    assert_eq!(book.remaining_open_amount(&items[0]), d(60_000));
    let err = book.match_manually(&m("B2", Some(d(70_000))), &entries, &[], &items, None, "anna", now()).expect_err("beyond the rest");
    assert!(matches!(err, crate::MatchError::AllocationOutOfRange { open, .. } if open == d(60_000)), "{err}");
    book.match_manually(&m("B2", None), &entries, &[], &items, None, "anna", now()).expect("the rest");
    assert_eq!(book.active_records_of_open_item("I1").count(), 2);
    book.check_allocations(&items).expect("within the open amount");
    let err = book.match_manually(&m("B3", None), &entries, &[], &items, None, "anna", now()).expect_err("settled");
    assert!(matches!(err, crate::MatchError::AlreadyMatched { .. }), "{err}");
    // Unmatching a part reopens it.
    let first = book.active_records_of_open_item("I1").next().map(|r| r.id.clone()).expect("record");
    book.unmatch(&first, "anna", now(), None).expect("active");
    assert_eq!(book.remaining_open_amount(&items[0]), d(40_000));
}

#[test]
fn one_quoted_invoice_and_unquoted_others_of_the_payer() {
    let items = [
        invoice("I1", "INV-1001", 50_000, "Acme", date!(2024 - 04 - 01)),
        invoice("I2", "INV-1002", 70_000, "Acme", date!(2024 - 04 - 10)),
        invoice("I3", "INV-1003", 30_000, "Acme", date!(2024 - 04 - 20)),
        invoice("X1", "INV-1004", 70_000, "Initech", date!(2024 - 04 - 10)),
    ];
    let b = [bank("B1", 120_000, date!(2024 - 04 - 25), "Acme", "INV-1001 and others")];
    let out = run(&b, &[], &items);
    assert_eq!(out.records.len(), 1, "{out:#?}");
    let r = &out.records[0];
    assert_eq!(r.origin_label(), SPLIT_PAYMENT);
    assert_eq!(items_of(r), [("I1", d(50_000)), ("I2", d(70_000))]);
    assert!(r.reasons[0].contains("quotes only INV1001 (I1 500.00), 700.00 more"), "{:?}", r.reasons);
    // Nothing of the payer makes up the rest: the overpayment is proposed.
    let b = [bank("B1", 125_000, date!(2024 - 04 - 25), "Acme", "INV-1001")];
    let out = run(&b, &[], &items);
    assert!(out.records.is_empty());
    assert!(out.proposals[0].1.reasons[0].contains("overpayment"), "{out:#?}");
}

#[test]
fn payments_from_different_payers_for_one_invoice_are_only_proposed() {
    let items = [invoice("I1", "INV-5005", 100_000, "Acme", date!(2024 - 04 - 01))];
    let mut other = bank("B2", 50_000, date!(2024 - 04 - 03), "Acme", "INV-5005");
    other.account = AccountId::iban("FI21 1234 5600 0007 85").expect("valid IBAN");
    let b = [bank("B1", 50_000, date!(2024 - 04 - 02), "Acme", "INV-5005"), other];
    let out = run(&b, &[], &items);
    assert!(out.records.is_empty(), "{out:#?}");
    assert!(out.proposals.iter().all(|p| p.1.ambiguous && p.1.reasons[0].contains("different payers or accounts")));
    let b =
        [bank("B1", 50_000, date!(2024 - 04 - 02), "Acme", "INV-5005"), bank("B2", 50_000, date!(2024 - 04 - 03), "Globex", "INV-5005")];
    assert!(run(&b, &[], &items).records.is_empty());
}

/// A reference is a partial payment's only evidence, and a mistyped one can name another
/// customer's item (at 1M, most wrong partial payments quoted a digit group of a broken QR or RF
/// reference equal to another item's number). A payer whose name differs from the item's is only
/// proposed; a payer without a name, or an item without one, is no objection.
#[test]
fn a_partial_payment_from_another_payer_is_only_proposed() {
    let items = [invoice("I1", "18492", 6_198, "Partners Svensson", date!(2024 - 04 - 01))];
    let b = [bank("B1", 1_756, date!(2024 - 04 - 05), "Sofie Weiss", "Payment 20 00000 00000 00000 05005 18492 thank you")];
    let out = run(&b, &[], &items);
    assert!(out.records.is_empty(), "{out:#?}");
    assert_eq!(out.proposals.len(), 1, "{out:#?}");
    let why = &out.proposals[0].1.reasons[0];
    assert!(
        why.contains("the payer sofie weiss is not the item's partners svensson") && why.contains("not matched automatically"),
        "{why}"
    );

    // The same payment from the item's payer, or without a payer name, pays part of it.
    for name in ["Partners Svensson AB", ""] {
        let b = [bank("B1", 1_756, date!(2024 - 04 - 05), name, "Payment 20 00000 00000 00000 05005 18492 thank you")];
        let out = run(&b, &[], &items);
        assert_eq!(out.records.len(), 1, "{name:?}: {out:#?}");
        assert!(out.records[0].reasons[0].contains("pays 17.56 EUR of the 61.98 EUR open on I1"), "{:?}", out.records[0].reasons);
    }
}

/// Without a reference, the only exact sum is evidence only when a coincidence is unlikely: with
/// 14 open items of the payer below the payment, some 4 of them sum to a payment of 69.42 by
/// chance about 0.14 times (1 001 combinations of 4 for 6 942 amounts in cents), so the one found
/// is proposed. The same combination among its 4 items alone (one combination) is matched.
#[test]
fn an_exact_sum_likely_by_chance_is_only_proposed() {
    assert!((chance_combinations(14, 5, 6_942) - 2_002.0 / 6_942.0).abs() < 1e-12);
    assert!(chance_combinations(5, 2, 65_000) < MAX_CHANCE_COMBINATIONS);
    let day = date!(2024 - 04 - 01);
    // 5.53 + 5.06 + 37.02 + 21.81 = 69.42; each of the others is close to the payment, so that
    // none joins another item under it.
    let mut cents = vec![553, 506, 3_702, 2_181];
    cents.extend([6_941, 6_937, 6_931, 6_929, 6_923, 6_919, 6_917, 6_913, 6_911, 6_907]);
    let items: Vec<OpenItem> =
        cents.iter().enumerate().map(|(i, &c)| invoice(&format!("I{i:02}"), &format!("N-{i}"), c, "Nieminen Software", day)).collect();
    let b = [bank("B1", 6_942, date!(2024 - 04 - 10), "Nieminen Software Oy", "9812033004")];
    let out = run(&b, &[], &items);
    assert!(out.records.is_empty(), "{out:#?}");
    assert_eq!(out.proposals.len(), 1, "{out:#?}");
    let why = out.proposals[0].1.reasons.join("; ");
    assert!(
        why.contains("4 of 14 open items sum to a payment of this size by chance about 0.14 times: not matched automatically"),
        "{why}"
    );

    let out = run(&b, &[], &items[..4]);
    assert_eq!(out.records.len(), 1, "{out:#?}");
    assert!(out.records[0].reasons.iter().any(|r| r.starts_with("the only combination")), "{:?}", out.records[0].reasons);
}
