//! Every kind of noise generates consistent, labelled data; scenarios are deterministic; the
//! camt.053 written for a scenario reads back balanced with every entry; the truth judges match
//! records as documented.

use std::collections::{BTreeSet, HashMap};

use bankrec_camt::{read_statements, ReaderOptions};
use bankrec_model::{
    BankEntry, Currency, Decimal, Direction, LedgerEntry, MatchOrigin, MatchRecord, OpenItem, OpenItemAllocation, OpenItemKind, Timestamp,
};
use bankrec_synth::{BookRef, Noise, Scenario, ScenarioConfig, TrueGroup, Truth};
use proptest::prelude::*;

struct Index<'a> {
    bank: HashMap<&'a str, &'a BankEntry>,
    ledger: HashMap<&'a str, &'a LedgerEntry>,
    items: HashMap<&'a str, &'a OpenItem>,
}

fn index(s: &Scenario) -> Index<'_> {
    Index {
        bank: s.bank_entries.iter().map(|b| (b.id.as_str(), b)).collect(),
        ledger: s.ledger_entries.iter().map(|l| (l.id.as_str(), l)).collect(),
        items: s.open_items.iter().map(|i| (i.id.as_str(), i)).collect(),
    }
}

impl Index<'_> {
    fn bank_sum(&self, g: &TrueGroup) -> Decimal {
        g.bank.iter().map(|b| self.bank[b.as_str()].signed_amount()).sum()
    }
    /// Signed as the bank entries that settle them.
    fn book_sum(&self, g: &TrueGroup) -> Decimal {
        g.book
            .iter()
            .map(|r| match r {
                BookRef::Ledger(id) => self.ledger[id.as_str()].signed_amount(),
                BookRef::OpenItem(id) => self.items[id.as_str()].signed_open_amount(),
            })
            .sum()
    }
}

fn now() -> Timestamp {
    "2026-01-31T00:00:00Z".parse().expect("timestamp")
}

/// The match record that says exactly what the group says.
fn record_of(g: &TrueGroup) -> MatchRecord {
    let mut r = MatchRecord::new("M", Currency::EUR, MatchOrigin::Manual, now(), "test");
    r.bank_entries = g.bank.clone();
    let bank: Vec<&str> = g.bank.iter().map(String::as_str).collect();
    for b in &g.book {
        match b {
            BookRef::Ledger(id) => r.ledger_entries.push(id.clone()),
            BookRef::OpenItem(id) => r.open_items.push(OpenItemAllocation { id: id.clone(), amount: g.applied_to(id, &bank) }),
        }
    }
    r
}

fn only(noise: Noise, entries: usize) -> Scenario {
    Scenario::generate(&ScenarioConfig::new(11, entries).with_only(noise))
}

#[test]
fn with_only_works_for_every_kind() {
    for noise in Noise::ALL {
        let s = only(noise, 40);
        assert!(s.bank_entries.len() >= 40 && s.bank_entries.len() <= 46, "{noise:?}: {}", s.bank_entries.len());
        assert!(s.pairs.iter().all(|p| p.noise == noise) && s.groups.iter().all(|g| g.noise == noise), "{noise:?}");
        assert_eq!(noise.is_group(), !s.groups.is_empty(), "{noise:?}");
        let ids: BTreeSet<&str> = s.bank_entries.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids.len(), s.bank_entries.len(), "unique bank ids");
        let book: BTreeSet<&str> =
            s.ledger_entries.iter().map(|l| l.id.as_str()).chain(s.open_items.iter().map(|i| i.id.as_str())).collect();
        assert_eq!(book.len(), s.ledger_entries.len() + s.open_items.len(), "unique book ids");
        if noise == Noise::NoCounterpart {
            assert_eq!(s.bank_only.len(), s.bank_entries.len());
        }
    }
}

#[test]
fn split_payments_pay_several_receivables_of_one_customer() {
    let s = only(Noise::SplitPayment, 200);
    let ix = index(&s);
    let (mut quoted, mut silent) = (0, 0);
    for g in &s.groups {
        assert_eq!(g.bank.len(), 1);
        assert!((2..=4).contains(&g.book.len()));
        let bank = ix.bank[g.bank[0].as_str()];
        assert_eq!(bank.direction, Direction::Credit);
        let items: Vec<&OpenItem> = g.book.iter().map(|b| ix.items[b.id()]).collect();
        assert!(items.iter().all(|i| i.kind == OpenItemKind::Receivable && i.counterparty == items[0].counterparty));
        assert_eq!(ix.bank_sum(g), ix.book_sum(g));
        assert_eq!(g.applied.iter().map(|a| a.amount).sum::<Decimal>(), bank.amount);
        let r = &bank.transaction.remittance;
        let refs_quoted = items.iter().all(|i| {
            let reference = i.payment_reference.as_deref().expect("reference");
            r.documents.iter().any(|d| d.number == reference)
                || r.unstructured.iter().any(|l| l.replace(' ', "").contains(&reference.replace(' ', "")) || l.contains(reference))
        });
        if refs_quoted {
            quoted += 1;
        } else if r.documents.is_empty() && r.creditor_refs.is_empty() {
            silent += 1;
        }
    }
    assert!(quoted > 50 && silent > 50, "quoted {quoted}, silent {silent}");
}

#[test]
fn partial_payments_apply_what_was_paid() {
    let s = only(Noise::PartialPayment, 300);
    let ix = index(&s);
    let (mut instalments, mut partly) = (0, 0);
    for g in &s.groups {
        assert_eq!(g.book.len(), 1);
        let item = ix.items[g.book[0].id()];
        let paid: Decimal = g.bank.iter().map(|b| ix.bank[b.as_str()].amount).sum();
        assert_eq!(g.applied.iter().map(|a| a.amount).sum::<Decimal>(), paid);
        for b in &g.bank {
            let e = ix.bank[b.as_str()];
            assert_eq!(e.direction, item.settling_direction());
            assert_eq!(e.counterparty().and_then(|p| p.name.as_deref()), item.counterparty.as_deref());
            assert_eq!(g.applied_to(&item.id, &[b.as_str()]), e.amount);
        }
        if g.bank.len() > 1 {
            instalments += 1;
            assert!(g.bank.len() <= 3);
            assert_eq!(paid, item.amount, "instalments settle the item");
            assert_eq!(g.parts.len(), g.bank.len());
        } else {
            partly += 1;
            let share = paid / item.amount;
            assert!(share >= Decimal::new(29, 2) && share <= Decimal::new(71, 2), "{paid} of {}", item.amount);
            assert!(g.parts.is_empty());
        }
    }
    assert!(instalments > 20 && partly > 20);
}

#[test]
fn batches_sum_their_details_and_settlements_their_members() {
    let s = only(Noise::BatchPayment, 300);
    let ix = index(&s);
    let (mut batches, mut settlements) = (0, 0);
    for g in &s.groups {
        assert_eq!(ix.bank_sum(g), ix.book_sum(g), "{g:?}");
        match &g.settlement_number {
            None => {
                batches += 1;
                assert_eq!(g.bank.len(), 1);
                let e = ix.bank[g.bank[0].as_str()];
                let batch = e.batch.as_ref().expect("batch information");
                assert_eq!(e.details.len(), g.book.len());
                assert_eq!(batch.number_of_transactions, Some(e.details.len() as u64));
                assert_eq!(batch.total_amount, Some(e.amount));
                let details: Decimal = e.details.iter().map(|d| d.amount.expect("detail amount").amount()).sum();
                assert_eq!(details, e.amount);
                assert!(e.details.iter().all(|d| d.transaction.refs.end_to_end_id().is_some() && d.transaction.counterparty.is_some()));
            }
            Some(number) => {
                settlements += 1;
                assert!(g.bank.len() >= 2 && g.book.len() >= 2);
                assert!(g.bank.iter().all(|b| ix.bank[b.as_str()].settlement_number.as_ref() == Some(number)));
                assert!(g.book.iter().all(|b| ix.ledger[b.id()].settlement_number.as_ref() == Some(number)));
            }
        }
    }
    assert!(batches > 20 && settlements > 10, "{batches} batches, {settlements} settlements");
}

#[test]
fn reversals_net_to_zero_with_the_same_references() {
    let s = only(Noise::Reversal, 100);
    let ix = index(&s);
    for g in &s.groups {
        assert!(g.book.is_empty());
        let (a, b) = (ix.bank[g.bank[0].as_str()], ix.bank[g.bank[1].as_str()]);
        assert!(!a.reversal && b.reversal);
        assert_eq!(a.amount, b.amount);
        assert_eq!(a.direction.opposite(), b.direction);
        assert_eq!(a.signed_amount() + b.signed_amount(), Decimal::ZERO);
        assert_eq!(a.transaction.refs.end_to_end_id(), b.transaction.refs.end_to_end_id());
        assert_eq!(a.transaction.remittance, b.transaction.remittance);
        let days = (b.booking_date.expect("date") - a.booking_date.expect("date")).whole_days();
        assert!((1..=7).contains(&days));
        assert!(b.transaction.return_reason.is_some());
    }
}

#[test]
fn transfer_legs_are_on_the_two_accounts_and_name_each_other() {
    let config = ScenarioConfig::new(11, 200).with_only(Noise::InternalTransfer);
    let s = Scenario::generate(&config);
    let ix = index(&s);
    let accounts = s.accounts();
    let (mut with_books, mut without) = (0, 0);
    for g in &s.groups {
        let (out, incoming) = (ix.bank[g.bank[0].as_str()], ix.bank[g.bank[1].as_str()]);
        assert_eq!((out.direction, incoming.direction), (Direction::Debit, Direction::Credit));
        assert_eq!(out.amount, incoming.amount);
        assert_ne!(out.account, incoming.account);
        assert!([&config.account, &config.second_account].contains(&&out.account));
        assert!([&config.account, &config.second_account].contains(&&incoming.account));
        assert_eq!(out.counterparty().and_then(|p| p.account.as_ref()), Some(&incoming.account));
        assert_eq!(incoming.counterparty().and_then(|p| p.account.as_ref()), Some(&out.account));
        if g.book.is_empty() {
            without += 1;
        } else {
            with_books += 1;
            assert_eq!(ix.book_sum(g), Decimal::ZERO);
            for part in &g.parts {
                let leg = ix.bank[part.bank[0].as_str()];
                let line = ix.ledger[part.book[0].id()];
                let gl = &accounts.by_identifier(&leg.account).expect("known account").gl_account.code;
                assert_eq!(&line.gl_account, gl);
                assert_eq!(line.signed_amount(), leg.signed_amount());
            }
        }
    }
    assert!(with_books > 10 && without > 10);
}

#[test]
fn scenarios_are_deterministic() {
    for noise in Noise::ALL {
        let config = ScenarioConfig::new(5, 120).with_only(noise);
        assert_eq!(Scenario::generate(&config), Scenario::generate(&config), "{noise:?}");
    }
    assert_eq!(Scenario::generate(&ScenarioConfig::new(8, 500)), Scenario::generate(&ScenarioConfig::new(8, 500)));
    assert_ne!(Scenario::generate(&ScenarioConfig::new(8, 500)), Scenario::generate(&ScenarioConfig::new(9, 500)));
}

#[test]
fn the_truth_judges_records_as_documented() {
    let s = Scenario::generate(&ScenarioConfig::new(21, 1_500));
    let truth = Truth::new(&s);
    for g in &s.groups {
        let whole = record_of(g);
        assert!(truth.judge(&whole).correct, "{g:?}");
        // An allocation that is not what was paid is wrong.
        if let Some(a) = whole.open_items.first() {
            let mut wrong = whole.clone();
            wrong.open_items[0].amount = a.amount + Decimal::ONE;
            assert!(!truth.judge(&wrong).correct);
        }
        // Dropping a member is wrong unless the rest is a union of parts.
        if g.bank.len() > 1 {
            let mut fewer = whole.clone();
            fewer.bank_entries.pop();
            let expect = !g.parts.is_empty() && g.noise == Noise::PartialPayment;
            if let Some(a) = fewer.open_items.first_mut() {
                let bank: Vec<&str> = fewer.bank_entries.iter().map(String::as_str).collect();
                a.amount = g.applied_to(&a.id, &bank);
            }
            assert_eq!(truth.judge(&fewer).correct, expect, "{g:?}");
        }
        for part in &g.parts {
            let mut r = MatchRecord::new("P", Currency::EUR, MatchOrigin::Manual, now(), "test");
            r.bank_entries = part.bank.clone();
            for b in &part.book {
                match b {
                    BookRef::Ledger(id) => r.ledger_entries.push(id.clone()),
                    BookRef::OpenItem(id) => {
                        let bank: Vec<&str> = part.bank.iter().map(String::as_str).collect();
                        r.open_items.push(OpenItemAllocation { id: id.clone(), amount: g.applied_to(id, &bank) });
                    }
                }
            }
            assert!(truth.judge(&r).correct, "{part:?}");
            let ledger: Vec<String> = r.ledger_entries.clone();
            let items: Vec<String> = r.open_items.iter().map(|a| a.id.clone()).collect();
            assert!(truth.is_hit(&part.bank[0], &ledger, &items));
        }
    }
    // Bank-only entries are never right; a pair's record with an extra bank entry is wrong.
    let mut r = MatchRecord::new("X", Currency::EUR, MatchOrigin::Manual, now(), "test");
    r.bank_entries.push(s.bank_only[0].clone());
    assert_eq!(truth.judge(&r).noise, Noise::NoCounterpart);
    assert!(!truth.judge(&r).correct);
    let p = &s.pairs[0];
    let mut r = MatchRecord::new("Y", Currency::EUR, MatchOrigin::Manual, now(), "test");
    r.bank_entries = vec![p.bank.clone(), s.pairs[1].bank.clone()];
    r.ledger_entries.push(p.book.id().to_owned());
    assert!(!truth.judge(&r).correct);
}

#[test]
fn camt_of_every_kind_reads_back_balanced() {
    let s = Scenario::generate(&ScenarioConfig::new(3, 700));
    for noise in Noise::ALL.iter().filter(|n| n.is_group()) {
        assert!(s.groups.iter().any(|g| g.noise == *noise), "{noise:?} present");
    }
    let mut xml = Vec::new();
    s.write_camt053(&mut xml).expect("in memory");
    let file = read_statements(xml.as_slice(), &ReaderOptions::default()).expect("the written camt.053 reads");
    assert!(!file.has_errors(), "{:?}", file.findings);
    assert_eq!(file.statements.len(), 2, "one statement per account");
    let mut read: HashMap<String, BankEntry> = HashMap::new();
    for st in &file.statements {
        assert_eq!(st.balances_agree(), Some(true), "statement {} balances", st.id);
        for e in &st.entries {
            assert_eq!(e.account, st.account);
            read.insert(e.id.clone(), e.clone());
        }
    }
    assert_eq!(read.len(), s.bank_entries.len());
    for e in &s.bank_entries {
        let r = &read[&e.id];
        assert_eq!((r.amount, r.direction, r.reversal, r.booking_date), (e.amount, e.direction, e.reversal, e.booking_date), "{}", e.id);
        assert_eq!(r.account, e.account);
        assert_eq!(r.details.len(), e.details.len(), "{}", e.id);
        for (a, b) in r.details.iter().zip(&e.details) {
            assert_eq!(a.amount, b.amount);
            assert_eq!(a.transaction.refs.end_to_end_id(), b.transaction.refs.end_to_end_id());
        }
        assert_eq!(r.end_to_end_ids(), e.end_to_end_ids());
        assert_eq!(r.counterparty().and_then(|p| p.account.clone()), e.counterparty().and_then(|p| p.account.clone()), "{}", e.id);
        assert_eq!(r.transaction.remittance.unstructured, e.transaction.remittance.unstructured, "{}", e.id);
    }
}

#[test]
fn ledger_csv_carries_settlement_numbers() {
    let s = only(Noise::BatchPayment, 200);
    let mut out = Vec::new();
    s.write_ledger_csv(&mut out).expect("in memory");
    let text = String::from_utf8(out).expect("utf-8");
    assert_eq!(text.lines().count(), s.ledger_entries.len() + 1);
    for l in s.ledger_entries.iter().filter(|l| l.settlement_number.is_some()) {
        let line = text.lines().find(|x| x.starts_with(&format!("{},", l.id))).expect("line");
        assert!(line.ends_with(l.settlement_number.as_deref().expect("number")));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Whatever the seed and size: ids are unique, every group's sums agree with its truth, and
    /// the record that says what the truth says is judged right.
    #[test]
    fn groups_agree_with_their_truth(seed in 0u64..100_000, n in 10usize..400) {
        let s = Scenario::generate(&ScenarioConfig::new(seed, n));
        let ix = index(&s);
        prop_assert_eq!(ix.bank.len(), s.bank_entries.len());
        prop_assert_eq!(ix.ledger.len() + ix.items.len(), s.ledger_entries.len() + s.open_items.len());
        prop_assert!(s.bank_entries.len() >= n);
        let truth = Truth::new(&s);
        for g in &s.groups {
            let paid: Decimal = g.bank.iter().map(|b| ix.bank[b.as_str()].amount).sum();
            match g.noise {
                Noise::Reversal | Noise::InternalTransfer => {
                    prop_assert_eq!(ix.bank_sum(g), Decimal::ZERO);
                    prop_assert_eq!(ix.book_sum(g), Decimal::ZERO);
                }
                Noise::PartialPayment => prop_assert_eq!(g.applied.iter().map(|a| a.amount).sum::<Decimal>(), paid),
                _ => prop_assert_eq!(ix.bank_sum(g), ix.book_sum(g)),
            }
            prop_assert!(truth.judge(&record_of(g)).correct);
        }
    }
}
