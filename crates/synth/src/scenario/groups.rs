//! The kinds of noise recorded as true groups: split, partial and batch payments, card and PSP
//! settlements, reversals and internal transfers. Each draws only from the generator's seeded
//! random numbers, so a scenario stays deterministic.

use bankrec_model::{
    thin_vec, AccountId, BankEntry, BankTxCode, Batch, CreditorReference, Date, Decimal, Direction, LedgerEntry, Money, OpenItem,
    OpenItemKind, Party, PaymentMethod, ReferredDocument, Remittance, Transaction, TransactionDetail, TransactionRefKind, TransactionRefs,
};
use time::Duration;

use super::{cents, company, name_variant, pick, structured_reference, Applied, BookRef, Gen, Noise, TrueGroup, TruePart, TEXTS};

const PSPS: &[&str] = &["Adyen N.V.", "Stripe Payments Europe Ltd", "Worldline SA", "Nexi Payments SpA", "PayPal Europe Sarl", "SumUp Ltd"];
/// ISO 20022 return reasons of a credit transfer: wrong account number, account closed, blocked,
/// creditor address missing, not specified by the agent.
const TRANSFER_RETURNS: &[&str] = &["AC01", "AC04", "AC06", "BE04", "MS03"];
/// Of a direct debit: insufficient funds, no mandate, refund requested, refused by the debtor, closed.
const DIRECT_DEBIT_RETURNS: &[&str] = &["AM04", "MD01", "MD06", "MS02", "AC04"];
const TRANSFER_TEXTS: &[&str] = &["Umbuchung", "Transfer to savings", "Own account transfer", "Uebertrag Tagesgeld", "Liquidity transfer"];

/// Splits `total` cents into `n` positive parts: equal instalments (the last takes the rest), or
/// random ones of which none is below a sixth of an even share.
fn partition(rng: &mut fastrand::Rng, total: i64, n: usize) -> Vec<i64> {
    let n = n.max(1);
    if total < n as i64 * 100 {
        return vec![total];
    }
    let weights: Vec<f64> = if rng.bool() { vec![1.0; n] } else { (0..n).map(|_| 0.5 + rng.f64() * 2.5).collect() };
    let sum: f64 = weights.iter().sum();
    let mut parts: Vec<i64> = weights.iter().map(|w| ((total as f64) * w / sum).floor() as i64).collect();
    let rest = total - parts[..n - 1].iter().sum::<i64>();
    parts[n - 1] = rest;
    parts
}

fn code(domain: &str, family: &str, sub_family: &str) -> Box<BankTxCode> {
    Box::new(BankTxCode {
        domain: Some(domain.into()),
        family: Some(family.into()),
        sub_family: Some(sub_family.into()),
        ..BankTxCode::default()
    })
}

fn party(name: &str) -> Option<Party> {
    Some(Party { name: Some(name.to_owned()), ..Party::default() })
}

impl Gen<'_> {
    /// One draw of a group kind.
    pub(super) fn group(&mut self, noise: Noise) {
        match noise {
            Noise::SplitPayment => self.split_payment(),
            Noise::PartialPayment => self.partial_payment(),
            Noise::BatchPayment if self.rng.f64() < 0.6 => self.batch_entry(),
            Noise::BatchPayment => self.settlement(),
            Noise::Reversal => self.reversal(),
            Noise::InternalTransfer => self.internal_transfer(),
            other => self.pairs(other),
        }
    }

    fn next_seq(&mut self) -> usize {
        self.seq += 1;
        self.seq
    }

    /// A booked entry with a fresh id (also its bank reference), value date = booking date.
    fn bank(&mut self, account: &AccountId, amount: Decimal, direction: Direction, date: Date) -> BankEntry {
        let id = format!("B{:07}", self.next_seq());
        BankEntry::new(account.clone(), amount, self.config.currency, direction, Some(date)).with_id(id.clone()).with_acct_svcr_ref(id)
    }

    fn push_bank_entry(&mut self, e: BankEntry) -> String {
        let id = e.id.clone();
        self.s.bank_entries.push(e);
        self.produced += 1;
        id
    }

    /// An open item with a fresh id and a valid payment reference (value, printed form).
    fn item(&mut self, kind: OpenItemKind, cents: i64, name: &str, due: Date) -> (OpenItem, (String, String)) {
        let seq = self.next_seq();
        let reference = structured_reference(&mut self.rng, seq);
        let mut item = OpenItem::new(format!("I{seq:07}"), kind, seq.to_string(), Decimal::new(cents, 2), self.config.currency)
            .with_counterparty(name)
            .with_due_date(due)
            .with_payment_method(PaymentMethod::BankTransfer)
            .with_payment_reference(reference.0.clone());
        item.issue_date = Some(due - Duration::days(30));
        (item, reference)
    }

    fn ledger(&mut self, gl: &str, signed: Decimal, date: Date, name: &str) -> LedgerEntry {
        let id = format!("L{:07}", self.next_seq());
        LedgerEntry::new(id, date, gl.to_owned(), signed, self.config.currency).with_counterparty(name)
    }

    /// One deposit paying 2 to 4 receivables of one customer.
    fn split_payment(&mut self) {
        let name = company(&mut self.rng);
        let k = 2 + self.rng.usize(..3);
        let base = self.day();
        let mut items = Vec::with_capacity(k);
        let mut refs = Vec::with_capacity(k);
        let mut total = Decimal::ZERO;
        let mut last = base;
        for _ in 0..k {
            let due = base + Duration::days(self.rng.i64(-10..=10));
            let c = cents(&mut self.rng, 20.0);
            let (item, r) = self.item(OpenItemKind::Receivable, c, &name, due);
            total += item.amount;
            last = last.max(due);
            items.push(item);
            refs.push(r);
        }
        let date = last + Duration::days(self.rng.i64(0..=5));
        let account = self.config.account.clone();
        let mut e = self.bank(&account, total, Direction::Credit, date);
        let bank_name = if self.rng.f64() < 0.15 { name_variant(&mut self.rng, &name) } else { name.clone() };
        e.transaction.counterparty = party(&bank_name);
        let remittance = &mut e.transaction.remittance;
        match self.rng.u8(..10) {
            0..=3 => {
                // Free text, two references a line: a line holds at most 140 characters.
                let head = pick(&mut self.rng, &["Invoices", "Rechnungen", "Fakturor", "Laskut", "RE"]);
                for (i, chunk) in refs.chunks(2).enumerate() {
                    let printed: Vec<&str> = chunk.iter().map(|r| r.1.as_str()).collect();
                    let line = if i == 0 { format!("{head} {}", printed.join(", ")) } else { printed.join(", ") };
                    remittance.unstructured.push(line);
                }
            }
            4 | 5 => {
                for (item, r) in items.iter().zip(&refs) {
                    remittance.documents.push(ReferredDocument {
                        number: r.0.clone(),
                        kind: Some("CINV".into()),
                        date: item.issue_date,
                        amount: Some(Money::new(item.amount, self.config.currency)),
                    });
                }
            }
            // No reference at all: only the amounts sum.
            _ => remittance.unstructured.push(
                pick(&mut self.rng, &["Payment", "Sammelzahlung Kd-Nr 4711", "Zahlung offene Posten", "Betalning", "Maksu"]).to_owned(),
            ),
        }
        let bank = self.push_bank_entry(e);
        let applied = items.iter().map(|i| Applied { bank: bank.clone(), item: i.id.clone(), amount: i.amount }).collect();
        let book = items.iter().map(|i| BookRef::OpenItem(i.id.clone())).collect();
        self.s.open_items.extend(items);
        self.s.groups.push(TrueGroup {
            noise: Noise::SplitPayment,
            bank: vec![bank],
            book,
            applied,
            parts: Vec::new(),
            settlement_number: None,
        });
    }

    /// One open item paid in 2 or 3 instalments, or paid 30 to 70 % with the rest left open.
    fn partial_payment(&mut self) {
        let name = company(&mut self.rng);
        let (kind, direction) =
            if self.rng.f64() < 0.8 { (OpenItemKind::Receivable, Direction::Credit) } else { (OpenItemKind::Payable, Direction::Debit) };
        let total = cents(&mut self.rng, 300.0);
        let due = self.day();
        let (item, r) = self.item(kind, total, &name, due);
        let item_id = item.id.clone();
        self.s.open_items.push(item);
        let instalments = if self.rng.bool() {
            let n = 2 + self.rng.usize(..2);
            partition(&mut self.rng, total, n)
        } else {
            let share = self.rng.i64(30..=70);
            vec![(total * share / 100).max(1)]
        };
        let n = instalments.len();
        let mut date = due + Duration::days(self.rng.i64(-5..=5));
        let mut bank = Vec::with_capacity(n);
        let mut applied = Vec::with_capacity(n);
        let account = self.config.account.clone();
        for (i, c) in instalments.iter().enumerate() {
            let mut e = self.bank(&account, Decimal::new(*c, 2), direction, date);
            e.transaction.counterparty = party(&name);
            if r.0.starts_with("RF") && self.rng.f64() < 0.3 {
                e.transaction.remittance.creditor_refs.push(CreditorReference {
                    reference: r.0.clone(),
                    kind: Some("SCOR".into()),
                    issuer: None,
                });
            } else {
                let text = match (n, self.rng.u8(..3)) {
                    (1, 0) => format!("Teilzahlung {}", r.1),
                    (1, 1) => format!("Partial payment {}", r.1),
                    (1, _) => format!("{} a conto", r.1),
                    (_, 0) => format!("Rate {}/{n} {}", i + 1, r.1),
                    (_, 1) => format!("Instalment {} of {n}, {}", i + 1, r.1),
                    _ => format!("Teilzahlung {}", r.1),
                };
                e.transaction.remittance.unstructured.push(text);
            }
            let id = self.push_bank_entry(e);
            applied.push(Applied { bank: id.clone(), item: item_id.clone(), amount: Decimal::new(*c, 2) });
            bank.push(id);
            date += Duration::days(self.rng.i64(14..=35));
        }
        let book = vec![BookRef::OpenItem(item_id)];
        let parts = if n > 1 { bank.iter().map(|b| TruePart { bank: vec![b.clone()], book: book.clone() }).collect() } else { Vec::new() };
        self.s.groups.push(TrueGroup { noise: Noise::PartialPayment, bank, book, applied, parts, settlement_number: None });
    }

    /// A camt batch: a payment run (debit) or a direct debit collection (credit) booked as one
    /// entry whose transaction details pay 2 to 6 ledger lines or open items.
    fn batch_entry(&mut self) {
        let outgoing = self.rng.f64() < 0.7;
        let direction = if outgoing { Direction::Debit } else { Direction::Credit };
        let k = 2 + self.rng.usize(..5);
        let date = self.day();
        let pmt = format!("{}-{:07}", if outgoing { "PAYRUN" } else { "DDCOLL" }, self.next_seq());
        let currency = self.config.currency;
        let gl = self.config.gl_account.clone();
        let (mut details, mut book, mut applied) = (Vec::with_capacity(k), Vec::with_capacity(k), Vec::new());
        let mut total = Decimal::ZERO;
        for j in 0..k {
            let name = company(&mut self.rng);
            let c = cents(&mut self.rng, 20.0);
            let amount = Decimal::new(c, 2);
            total += amount;
            let book_date = date - Duration::days(self.rng.i64(0..=3));
            let printed = if self.rng.bool() {
                let kind = if outgoing { OpenItemKind::Payable } else { OpenItemKind::Receivable };
                let (item, r) = self.item(kind, c, &name, book_date);
                applied.push((item.id.clone(), amount));
                book.push(BookRef::OpenItem(item.id.clone()));
                self.s.open_items.push(item);
                r.1
            } else {
                let seq = self.seq + 1;
                let r = structured_reference(&mut self.rng, seq);
                let l = self
                    .ledger(&gl, direction.signed(amount), book_date, &name)
                    .with_reference(r.0.clone())
                    .with_description(if outgoing { "Supplier invoice" } else { "Customer direct debit" });
                book.push(BookRef::Ledger(l.id.clone()));
                self.s.ledger_entries.push(l);
                r.1
            };
            let template = pick(&mut self.rng, TEXTS);
            details.push(TransactionDetail {
                amount: Some(Money::new(amount, currency)),
                direction: Some(direction),
                transaction: Transaction {
                    refs: TransactionRefs::new()
                        .with(TransactionRefKind::EndToEndId, format!("{pmt}-{}", j + 1))
                        .with(TransactionRefKind::PaymentInfoId, pmt.clone()),
                    counterparty: party(&name),
                    remittance: Remittance { unstructured: thin_vec![template.replace("{}", &printed)], ..Remittance::default() },
                    ..Transaction::default()
                },
            });
        }
        let account = self.config.account.clone();
        let mut e = self.bank(&account, total, direction, date);
        e.details = details.into();
        e.batch = Some(Box::new(Batch {
            number_of_transactions: Some(k as u64),
            total_amount: Some(total),
            direction: Some(direction),
            payment_info_id: Some(pmt.clone()),
            message_id: None,
        }));
        e.transaction.refs.set(TransactionRefKind::PaymentInfoId, pmt);
        e.transaction.bank_tx_code = Some(if outgoing { code("PMNT", "ICDT", "ESCT") } else { code("PMNT", "RDDT", "ESDD") });
        e.additional_info = Some(if outgoing { "SEPA Sammel-Ueberweisung" } else { "SEPA Lastschrift Sammler" }.to_owned());
        let bank = self.push_bank_entry(e);
        let applied = applied.into_iter().map(|(item, amount)| Applied { bank: bank.clone(), item, amount }).collect();
        self.s.groups.push(TrueGroup {
            noise: Noise::BatchPayment,
            bank: vec![bank],
            book,
            applied,
            parts: Vec::new(),
            settlement_number: None,
        });
    }

    /// Card acquirer or PSP payouts: 2 or 3 deposits and 2 to 6 daily sales lines sharing one
    /// settlement number; the payouts sum to the sales.
    fn settlement(&mut self) {
        let psp = pick(&mut self.rng, PSPS);
        let settlement = format!("ST{:04}{:07}", self.rng.u32(1000..10_000), self.next_seq());
        let n = 2 + self.rng.usize(..5);
        let m = 2 + self.rng.usize(..2);
        let base = self.day();
        let gl = self.config.gl_account.clone();
        let mut book = Vec::with_capacity(n);
        let mut total = 0i64;
        for i in 0..n {
            let c = cents(&mut self.rng, 30.0);
            total += c;
            let date = base + Duration::days(i as i64);
            let l = self
                .ledger(&gl, Decimal::new(c, 2), date, psp)
                .with_settlement_number(settlement.clone())
                .with_description(format!("Card sales {date}"));
            book.push(BookRef::Ledger(l.id.clone()));
            self.s.ledger_entries.push(l);
        }
        let payouts = partition(&mut self.rng, total, m);
        let count = payouts.len();
        let mut date = base + Duration::days(n as i64 + 1);
        let account = self.config.account.clone();
        let mut bank = Vec::with_capacity(count);
        for (j, c) in payouts.into_iter().enumerate() {
            let mut e = self.bank(&account, Decimal::new(c, 2), Direction::Credit, date);
            e.transaction.counterparty = party(psp);
            e.settlement_number = Some(settlement.clone());
            e.transaction.remittance.unstructured.push(format!("Payout {settlement} {}/{count}", j + 1));
            bank.push(self.push_bank_entry(e));
            date += Duration::days(self.rng.i64(1..=3));
        }
        self.s.groups.push(TrueGroup {
            noise: Noise::BatchPayment,
            bank,
            book,
            applied: Vec::new(),
            parts: Vec::new(),
            settlement_number: Some(settlement),
        });
    }

    /// A transfer or direct debit and its reversal 1 to 7 days later; no book counterpart.
    fn reversal(&mut self) {
        let outgoing = self.rng.bool();
        let direction = if outgoing { Direction::Debit } else { Direction::Credit };
        let name = company(&mut self.rng);
        let amount = Decimal::new(cents(&mut self.rng, 10.0), 2);
        let date = self.day();
        let seq = self.seq + 1;
        let r = structured_reference(&mut self.rng, seq);
        let account = self.config.account.clone();
        let mut original = self.bank(&account, amount, direction, date);
        original.transaction.counterparty = party(&name);
        original.transaction.refs.set(TransactionRefKind::EndToEndId, format!("E2E{seq:09}"));
        original.transaction.remittance.unstructured.push(pick(&mut self.rng, TEXTS).replace("{}", &r.1));
        if outgoing {
            original.transaction.bank_tx_code = Some(code("PMNT", "ICDT", "ESCT"));
        } else {
            original.transaction.refs.set(TransactionRefKind::MandateId, format!("MNDT-{seq}"));
            original.transaction.bank_tx_code = Some(code("PMNT", "RDDT", "ESDD"));
        }
        let later = date + Duration::days(self.rng.i64(1..=7));
        let mut reversal = self.bank(&account, amount, direction.opposite(), later);
        reversal.reversal = true;
        reversal.transaction = original.transaction.clone();
        reversal.transaction.return_reason =
            Some(pick(&mut self.rng, if outgoing { TRANSFER_RETURNS } else { DIRECT_DEBIT_RETURNS }).to_owned());
        reversal.transaction.bank_tx_code = Some(if outgoing { code("PMNT", "ICDT", "RRTN") } else { code("PMNT", "RDDT", "UPDD") });
        reversal.additional_info = Some(if outgoing { "Retoure" } else { "Ruecklastschrift" }.to_owned());
        let bank = vec![self.push_bank_entry(original), self.push_bank_entry(reversal)];
        self.s.groups.push(TrueGroup {
            noise: Noise::Reversal,
            bank,
            book: Vec::new(),
            applied: Vec::new(),
            parts: Vec::new(),
            settlement_number: None,
        });
    }

    /// A withdrawal on one of the two accounts and the deposit on the other, the same or the next
    /// day; each leg names the other account. Ledger lines on both GL accounts in 6 of 10 cases.
    fn internal_transfer(&mut self) {
        let c = &self.config;
        let (main, main_gl, second, second_gl, owner) =
            (c.account.clone(), c.gl_account.clone(), c.second_account.clone(), c.second_gl_account.clone(), c.owner.clone());
        let ((from, from_gl), (to, to_gl)) =
            if self.rng.f64() < 0.6 { ((main, main_gl), (second, second_gl)) } else { ((second, second_gl), (main, main_gl)) };
        let amount =
            if self.rng.bool() { Decimal::new(self.rng.i64(1..=50) * 100_000, 2) } else { Decimal::new(cents(&mut self.rng, 500.0), 2) };
        let date = self.day();
        let arrival = date + Duration::days(if self.rng.f64() < 0.7 { 0 } else { 1 });
        let text = pick(&mut self.rng, TRANSFER_TEXTS);
        let e2e = format!("TRF{:09}", self.seq + 1);
        let leg = |e: &mut BankEntry, other: &AccountId, family: &str| {
            e.transaction.counterparty = Some(Party { name: Some(owner.clone()), account: Some(other.clone()), ..Party::default() });
            e.transaction.refs.set(TransactionRefKind::EndToEndId, e2e.clone());
            e.transaction.remittance.unstructured.push(text.to_owned());
            e.transaction.bank_tx_code = Some(code("PMNT", family, "BOOK"));
        };
        let mut out = self.bank(&from, amount, Direction::Debit, date);
        leg(&mut out, &to, "ICDT");
        let mut incoming = self.bank(&to, amount, Direction::Credit, arrival);
        leg(&mut incoming, &from, "RCDT");
        let bank = vec![self.push_bank_entry(out), self.push_bank_entry(incoming)];
        let (book, parts) = if self.rng.f64() < 0.6 {
            let l_out =
                self.ledger(&from_gl, -amount, date, &owner).with_reference(e2e.clone()).with_description(format!("Transfer to {to_gl}"));
            let l_in =
                self.ledger(&to_gl, amount, date, &owner).with_reference(e2e.clone()).with_description(format!("Transfer from {from_gl}"));
            let (r_out, r_in) = (BookRef::Ledger(l_out.id.clone()), BookRef::Ledger(l_in.id.clone()));
            self.s.ledger_entries.push(l_out);
            self.s.ledger_entries.push(l_in);
            let parts = vec![
                TruePart { bank: vec![bank[0].clone()], book: vec![r_out.clone()] },
                TruePart { bank: vec![bank[1].clone()], book: vec![r_in.clone()] },
            ];
            (vec![r_out, r_in], parts)
        } else {
            (Vec::new(), Vec::new())
        };
        self.s.groups.push(TrueGroup { noise: Noise::InternalTransfer, bank, book, applied: Vec::new(), parts, settlement_number: None });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_sum_to_the_total_and_are_positive() {
        let mut rng = fastrand::Rng::with_seed(4);
        for total in [1i64, 99, 250, 10_000, 1_234_567] {
            for n in 1..=4 {
                let parts = partition(&mut rng, total, n);
                assert_eq!(parts.iter().sum::<i64>(), total);
                assert!(parts.iter().all(|p| *p > 0), "{parts:?}");
                assert!(parts.len() == n || parts == vec![total]);
            }
        }
    }
}
