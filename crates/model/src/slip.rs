//! Slip proposals: turning bank entries that have no counterpart in the books into balanced
//! slips (vouchers), with an account title chosen by a person or a posting rule.
//!
//! A deposit with no title goes to the account's suspense account ("Suspense receipt"). Titles can
//! be set on many entries at once; entries whose slip has already been created are refused.
//! A proposal can be deleted, or replaced by a link to an existing ledger entry.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::account::{BankAccount, GlAccount};
use crate::error::ModelError;
use crate::ledger::LedgerEntry;
use crate::money::{Currency, Direction};
use crate::statement::BankEntry;

/// Debit or credit in double-entry terms (not the bank's view).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Debit side.
    Debit,
    /// Credit side.
    Credit,
}

/// One line of a slip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlipLine {
    /// The GL account.
    pub account: GlAccount,
    /// Debit or credit.
    pub side: Side,
    /// Unsigned amount.
    pub amount: Decimal,
}

/// The state of a slip proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlipStatus {
    /// Proposed; title can still change.
    Proposed,
    /// Created in the books under this slip number; fixed.
    Created {
        /// The slip number.
        slip_number: String,
    },
    /// Not needed: the bank entry is booked by an existing ledger entry.
    Mapped {
        /// The ledger entry id.
        ledger_entry: String,
    },
}

/// A balanced slip proposed for one bank entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposedSlip {
    /// The bank entry it books.
    pub bank_entry: String,
    /// The bank account id.
    pub bank_account: String,
    /// Booking date.
    pub date: Date,
    /// Currency.
    pub currency: Currency,
    /// The contra account (the "account title"); the suspense account for untitled deposits.
    pub title: GlAccount,
    /// True when the title is the suspense account because none was chosen.
    pub suspense: bool,
    /// The lines: bank GL account against the title, debits equal credits.
    pub lines: Vec<SlipLine>,
    /// Description carried into the ledger.
    #[serde(default)]
    pub description: Option<String>,
    /// Proposed, created or mapped.
    pub status: SlipStatus,
}

impl ProposedSlip {
    /// Sum of debit lines minus sum of credit lines; zero for a balanced slip.
    pub fn imbalance(&self) -> Decimal {
        self.lines.iter().map(|l| if l.side == Side::Debit { l.amount } else { -l.amount }).sum()
    }

    fn retitle(&mut self, bank_gl: &GlAccount, title: GlAccount, suspense: bool, amount: Decimal, direction: Direction) {
        self.lines = slip_lines(bank_gl, &title, amount, direction);
        self.title = title;
        self.suspense = suspense;
    }
}

fn slip_lines(bank_gl: &GlAccount, title: &GlAccount, amount: Decimal, direction: Direction) -> Vec<SlipLine> {
    // A deposit debits the bank and credits the title; a withdrawal the other way round.
    let (bank_side, title_side) = match direction {
        Direction::Credit => (Side::Debit, Side::Credit),
        Direction::Debit => (Side::Credit, Side::Debit),
    };
    vec![SlipLine { account: bank_gl.clone(), side: bank_side, amount }, SlipLine { account: title.clone(), side: title_side, amount }]
}

/// Proposes a balanced slip for a bank entry: the bank's GL account against `title`. A deposit
/// without a title goes to the suspense account; a withdrawal needs a title.
pub fn propose_slip(entry: &BankEntry, account: &BankAccount, title: Option<GlAccount>) -> Result<ProposedSlip, ModelError> {
    let refuse = |reason: &str| ModelError::Slip { entry: entry.id.clone(), reason: reason.to_owned() };
    if entry.id.is_empty() {
        return Err(refuse("entry has no id; assign ids first (assign_entry_ids)"));
    }
    if entry.currency != account.currency {
        return Err(refuse("entry currency differs from the bank account's"));
    }
    let date = entry.date().ok_or_else(|| refuse("entry has no booking or value date"))?;
    let (title, suspense) = match (title, entry.direction) {
        (Some(t), _) => (t, false),
        (None, Direction::Credit) => (account.suspense_account.clone(), true),
        (None, Direction::Debit) => return Err(refuse("a withdrawal needs an account title")),
    };
    let description =
        entry.transaction.remittance.unstructured.first().cloned().or_else(|| entry.counterparty().and_then(|p| p.name.clone()));
    Ok(ProposedSlip {
        bank_entry: entry.id.clone(),
        bank_account: account.id.clone(),
        date,
        currency: entry.currency,
        lines: slip_lines(&account.gl_account, &title, entry.amount, entry.direction),
        title,
        suspense,
        description,
        status: SlipStatus::Proposed,
    })
}

/// Why one entry was left out of a bulk title change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TitleRefusal {
    /// The bank entry id.
    pub bank_entry: String,
    /// Why.
    pub reason: String,
}

/// The slips proposed so far, by bank entry id.
///
/// ```
/// use bankrec_model::{AccountId, BankAccount, BankEntry, Currency, Direction, GlAccount, SlipBook};
/// use rust_decimal::Decimal;
/// use time::macros::date;
/// let iban = AccountId::iban("DE89370400440532013000").expect("valid");
/// let account = BankAccount::new("main", iban.clone(), Currency::EUR, GlAccount::new("1200", "Bank"), "1290", date!(2024-01-01));
/// let deposit = BankEntry::new(iban, Decimal::new(5000, 2), Currency::EUR, Direction::Credit, Some(date!(2024-02-01))).with_id("B1");
/// let mut book = SlipBook::new();
/// let slip = book.propose(&deposit, &account, None).expect("deposits may go to suspense");
/// assert!(slip.suspense);
/// assert_eq!(slip.title.title, "Suspense receipt");
/// assert_eq!(slip.imbalance(), Decimal::ZERO);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlipBook {
    slips: BTreeMap<String, ProposedSlip>,
    // Bank GL account, amount and direction per slip, to rebuild lines when re-titled.
    basis: BTreeMap<String, (GlAccount, Decimal, Direction)>,
}

impl SlipBook {
    /// An empty book.
    pub fn new() -> SlipBook {
        SlipBook::default()
    }

    /// Proposes (or re-proposes, while not created) a slip for an entry.
    pub fn propose(&mut self, entry: &BankEntry, account: &BankAccount, title: Option<GlAccount>) -> Result<&ProposedSlip, ModelError> {
        if let Some(existing) = self.slips.get(&entry.id) {
            if existing.status != SlipStatus::Proposed {
                return Err(ModelError::Slip { entry: entry.id.clone(), reason: "its slip has been created or mapped already".into() });
            }
        }
        let slip = propose_slip(entry, account, title)?;
        self.basis.insert(entry.id.clone(), (account.gl_account.clone(), entry.amount, entry.direction));
        self.slips.insert(entry.id.clone(), slip);
        Ok(&self.slips[&entry.id])
    }

    /// Sets one account title on many entries at once, overwriting titles already set. Entries
    /// whose slip has been created (or mapped), or that have no proposal, are refused and listed.
    /// Returns how many slips were changed and the refusals.
    pub fn set_title(&mut self, entries: &[&str], title: &GlAccount) -> (usize, Vec<TitleRefusal>) {
        let mut changed = 0;
        let mut refused = Vec::new();
        for id in entries {
            let refuse = |reason: &str| TitleRefusal { bank_entry: (*id).to_owned(), reason: reason.to_owned() };
            match (self.slips.get_mut(*id), self.basis.get(*id)) {
                (Some(slip), Some((bank_gl, amount, direction))) if slip.status == SlipStatus::Proposed => {
                    slip.retitle(bank_gl, title.clone(), false, *amount, *direction);
                    changed += 1;
                }
                (Some(_), _) => refused.push(refuse("slip already created or mapped")),
                (None, _) => refused.push(refuse("no proposed slip")),
            }
        }
        (changed, refused)
    }

    /// Creates the slip in the books: fixes it under `slip_number` and returns the ledger line on
    /// the bank's GL account (marked as coming from a proposed slip) for the caller's ledger.
    pub fn create(&mut self, bank_entry: &str, slip_number: &str) -> Result<LedgerEntry, ModelError> {
        let refuse = |reason: &str| ModelError::Slip { entry: bank_entry.to_owned(), reason: reason.to_owned() };
        let slip = self.slips.get_mut(bank_entry).ok_or_else(|| refuse("no proposed slip"))?;
        if slip.status != SlipStatus::Proposed {
            return Err(refuse("slip already created or mapped"));
        }
        let (bank_gl, amount, direction) = self.basis.get(bank_entry).ok_or_else(|| refuse("no proposed slip"))?;
        slip.status = SlipStatus::Created { slip_number: slip_number.to_owned() };
        let mut line = LedgerEntry::new(
            format!("slip-{slip_number}-{bank_entry}"),
            slip.date,
            bank_gl.code.clone(),
            direction.signed(*amount),
            slip.currency,
        );
        line.slip_number = Some(slip_number.to_owned());
        line.account_title = Some(slip.title.title.clone());
        line.description = slip.description.clone();
        line.from_proposed_slip = true;
        Ok(line)
    }

    /// Deletes a proposed slip. A created slip cannot be deleted here (reverse it in the books).
    pub fn delete(&mut self, bank_entry: &str) -> Result<ProposedSlip, ModelError> {
        match self.slips.get(bank_entry).map(|s| &s.status) {
            Some(SlipStatus::Created { .. }) => {
                Err(ModelError::Slip { entry: bank_entry.to_owned(), reason: "slip already created; reverse it in the books".into() })
            }
            Some(_) => {
                self.basis.remove(bank_entry);
                self.slips.remove(bank_entry).ok_or_else(|| ModelError::Slip { entry: bank_entry.into(), reason: "no slip".into() })
            }
            None => Err(ModelError::Slip { entry: bank_entry.to_owned(), reason: "no proposed slip".into() }),
        }
    }

    /// Books the entry by an existing ledger entry instead of a new slip.
    pub fn map_ledger_entry(&mut self, bank_entry: &str, ledger_entry: &str) -> Result<(), ModelError> {
        let slip = self
            .slips
            .get_mut(bank_entry)
            .ok_or_else(|| ModelError::Slip { entry: bank_entry.to_owned(), reason: "no proposed slip".into() })?;
        if matches!(slip.status, SlipStatus::Created { .. }) {
            return Err(ModelError::Slip { entry: bank_entry.to_owned(), reason: "slip already created".into() });
        }
        slip.status = SlipStatus::Mapped { ledger_entry: ledger_entry.to_owned() };
        Ok(())
    }

    /// The slip for a bank entry.
    pub fn get(&self, bank_entry: &str) -> Option<&ProposedSlip> {
        self.slips.get(bank_entry)
    }

    /// All slips, by bank entry id.
    pub fn iter(&self) -> impl Iterator<Item = &ProposedSlip> {
        self.slips.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::AccountId;
    use time::macros::date;

    fn account() -> BankAccount {
        BankAccount::new(
            "main",
            AccountId::iban("DE89370400440532013000").expect("valid"),
            Currency::EUR,
            GlAccount::new("1200", "Bank"),
            "1290",
            date!(2024 - 01 - 01),
        )
    }

    fn entry(id: &str, cents: i64) -> BankEntry {
        let (dir, amt) = Direction::split(Decimal::new(cents, 2));
        BankEntry::new(account().identifier, amt, Currency::EUR, dir, Some(date!(2024 - 02 - 01))).with_id(id)
    }

    #[test]
    fn withdrawal_needs_title_and_balances() {
        assert!(propose_slip(&entry("W", -1000), &account(), None).is_err());
        assert!(propose_slip(&entry("", 1000), &account(), None).is_err());
        let fees = GlAccount::new("6820", "Bank fees");
        let slip = propose_slip(&entry("W", -1000), &account(), Some(fees.clone())).expect("titled");
        assert_eq!(slip.imbalance(), Decimal::ZERO);
        assert_eq!(slip.lines[0], SlipLine { account: account().gl_account, side: Side::Credit, amount: Decimal::new(1000, 2) });
        assert_eq!(slip.lines[1].account, fees);
        let mut usd = entry("U", 100);
        usd.currency = Currency::USD;
        assert!(propose_slip(&usd, &account(), None).is_err());
    }

    #[test]
    fn bulk_title_overwrites_but_spares_created_slips() {
        let mut book = SlipBook::new();
        for (id, c) in [("A", 100), ("B", 200), ("C", 300)] {
            book.propose(&entry(id, c), &account(), None).expect("deposit");
        }
        let line = book.create("C", "V-1").expect("create");
        assert!(line.from_proposed_slip);
        assert_eq!(line.signed_amount(), Decimal::new(300, 2));
        assert_eq!(line.slip_number.as_deref(), Some("V-1"));
        let sales = GlAccount::new("4000", "Sales");
        let (changed, refused) = book.set_title(&["A", "B", "C", "Z"], &sales);
        assert_eq!(changed, 2);
        assert_eq!(refused.iter().map(|r| r.bank_entry.as_str()).collect::<Vec<_>>(), vec!["C", "Z"]);
        assert_eq!(book.get("A").map(|s| &s.title), Some(&sales));
        assert!(book.get("A").is_some_and(|s| !s.suspense && s.imbalance().is_zero()));
        assert!(book.propose(&entry("C", 300), &account(), None).is_err());
        assert!(book.delete("C").is_err());
        assert!(book.create("C", "V-2").is_err());
    }

    #[test]
    fn delete_and_map() {
        let mut book = SlipBook::new();
        book.propose(&entry("A", 100), &account(), None).expect("ok");
        book.propose(&entry("B", 100), &account(), None).expect("ok");
        assert!(book.delete("A").is_ok());
        assert!(book.get("A").is_none());
        book.map_ledger_entry("B", "L-77").expect("map");
        assert_eq!(book.get("B").map(|s| &s.status), Some(&SlipStatus::Mapped { ledger_entry: "L-77".into() }));
        assert!(book.create("B", "V").is_err());
        let json = serde_json::to_string(&book).expect("ser");
        assert_eq!(serde_json::from_str::<SlipBook>(&json).expect("de"), book);
    }
}
