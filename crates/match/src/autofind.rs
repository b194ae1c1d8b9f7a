//! Auto-find: for one selected entry, the open records on the other side that meet any of a set
//! of conditions, for a person to pick from.

use std::collections::HashSet;

use bankrec_model::{BankEntry, Decimal, LedgerEntry, OpenItem};
use serde::{Deserialize, Serialize};

use crate::engine::MatchInput;
use crate::error::EntrySide;
use crate::prepare::{bank_view, item_view, ledger_view, AccountLookup, BankView, BookView, Names};
use crate::rules::DateField;
use crate::score::bank_date;

/// One auto-find condition. JSON/TOML: `{"condition": "amount_within", "absolute": "5.00"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "condition")]
#[non_exhaustive]
pub enum FindCondition {
    /// Same signed amount and currency.
    AmountEqual,
    /// Same currency and direction, amounts at most this far apart.
    AmountWithin {
        /// Largest difference.
        absolute: Decimal,
    },
    /// Dates at most this many days apart.
    DateWithin {
        /// Days.
        days: u32,
    },
    /// A reference of one side equals one of the other (after normalisation).
    ReferenceFound,
    /// Counterparty names at least this similar (0 to 1).
    NameSimilar {
        /// Threshold.
        threshold: f64,
    },
    /// Settlement numbers equal.
    SettlementEqual,
}

impl FindCondition {
    fn label(&self) -> String {
        match self {
            FindCondition::AmountEqual => "amount equal".into(),
            FindCondition::AmountWithin { absolute } => format!("amount within {absolute}"),
            FindCondition::DateWithin { days } => format!("date within {days} day(s)"),
            FindCondition::ReferenceFound => "reference found".into(),
            FindCondition::NameSimilar { threshold } => format!("name similarity at least {threshold}"),
            FindCondition::SettlementEqual => "settlement number equal".into(),
        }
    }
}

/// The entry a person selected.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Selected<'a> {
    /// A bank entry: search ledger entries and open items.
    Bank(&'a BankEntry),
    /// A ledger entry: search bank entries.
    Ledger(&'a LedgerEntry),
    /// An open item: search bank entries.
    OpenItem(&'a OpenItem),
}

/// A record found by auto-find.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Found {
    /// Which side it is on.
    pub side: EntrySide,
    /// Its id.
    pub id: String,
    /// The conditions it meets.
    pub conditions: Vec<String>,
}

fn meets(cond: &FindCondition, b: &BankView<'_>, c: &BookView<'_>, names: &Names) -> bool {
    let same_currency = b.currency == c.currency;
    match cond {
        FindCondition::AmountEqual => same_currency && b.signed == c.signed,
        FindCondition::AmountWithin { absolute } => {
            same_currency && b.signed.is_sign_negative() == c.signed.is_sign_negative() && (b.signed - c.signed).abs() <= *absolute
        }
        FindCondition::DateWithin { days } => {
            matches!((bank_date(b, DateField::Booking), c.date()), (Some(x), Some(y)) if (x - y).unsigned_abs() <= *days)
        }
        FindCondition::ReferenceFound => c.refs.iter().any(|r| b.refs.iter().any(|x| x.value == r.value)),
        FindCondition::NameSimilar { threshold } => {
            !b.name_id.is_empty() && !c.name_id.is_empty() && names.similarity(b.name_id, c.name_id) >= *threshold
        }
        FindCondition::SettlementEqual => b.settlement.is_some() && b.settlement == c.settlement,
    }
}

/// Lists the open records on the other side of `selected` that meet ANY of `conditions`, most
/// conditions met first, then by side and id. Records in active existing matches are skipped.
///
/// ```
/// use bankrec_match::{auto_find, FindCondition, MatchInput, Selected};
/// use bankrec_model::{AccountId, BankEntry, Currency, Decimal, Direction, LedgerEntry};
/// use time::macros::date;
///
/// let account = AccountId::iban("DE89370400440532013000").expect("valid");
/// let bank = BankEntry::new(account, Decimal::new(5000, 2), Currency::EUR, Direction::Debit, Some(date!(2024-03-04))).with_id("B1");
/// let ledger = [
///     LedgerEntry::new("L1", date!(2024-03-20), "1200", Decimal::new(-5000, 2), Currency::EUR),
///     LedgerEntry::new("L2", date!(2024-03-05), "1200", Decimal::new(-7000, 2), Currency::EUR),
///     LedgerEntry::new("L3", date!(2024-05-05), "1200", Decimal::new(-9000, 2), Currency::EUR),
/// ];
/// let conditions = [FindCondition::AmountEqual, FindCondition::DateWithin { days: 3 }];
/// let found = auto_find(Selected::Bank(&bank), &MatchInput::new(&[], &ledger, &[]), &conditions);
/// let ids: Vec<&str> = found.iter().map(|f| f.id.as_str()).collect();
/// assert_eq!(ids, ["L1", "L2"]);
/// ```
pub fn auto_find(selected: Selected<'_>, input: &MatchInput<'_>, conditions: &[FindCondition]) -> Vec<Found> {
    let mut taken: HashSet<(EntrySide, &str)> = HashSet::new();
    for r in input.existing.iter().filter(|r| r.is_active()) {
        taken.extend(r.bank_entries.iter().map(|id| (EntrySide::Bank, id.as_str())));
        taken.extend(r.ledger_entries.iter().map(|id| (EntrySide::Ledger, id.as_str())));
        taken.extend(r.open_items.iter().map(|a| (EntrySide::OpenItem, a.id.as_str())));
    }
    let check = |b: &BankView<'_>, c: &BookView<'_>, names: &Names| -> Vec<String> {
        conditions.iter().filter(|cond| meets(cond, b, c, names)).map(FindCondition::label).collect()
    };
    let mut found: Vec<Found> = Vec::new();
    let mut names = Names::default();
    let lookup = AccountLookup::new(input.accounts);
    match selected {
        Selected::Bank(entry) => {
            let b = bank_view(entry, &lookup, &mut names);
            for l in input.ledger_entries.iter().filter(|l| !taken.contains(&(EntrySide::Ledger, l.id.as_str()))) {
                let c = ledger_view(l, &lookup, &mut names);
                let met = check(&b, &c, &names);
                if !met.is_empty() {
                    found.push(Found { side: EntrySide::Ledger, id: l.id.clone(), conditions: met });
                }
            }
            for i in input.open_items.iter().filter(|i| !i.is_settled() && !taken.contains(&(EntrySide::OpenItem, i.id.as_str()))) {
                let c = item_view(i, i.open_amount, &mut names);
                let met = check(&b, &c, &names);
                if !met.is_empty() {
                    found.push(Found { side: EntrySide::OpenItem, id: i.id.clone(), conditions: met });
                }
            }
        }
        Selected::Ledger(_) | Selected::OpenItem(_) => {
            let c = match selected {
                Selected::Ledger(l) => ledger_view(l, &lookup, &mut names),
                Selected::OpenItem(i) => item_view(i, i.open_amount, &mut names),
                Selected::Bank(_) => return found,
            };
            for e in input.bank_entries.iter().filter(|e| !taken.contains(&(EntrySide::Bank, e.id.as_str()))) {
                let b = bank_view(e, &lookup, &mut names);
                let met = check(&b, &c, &names);
                if !met.is_empty() {
                    found.push(Found { side: EntrySide::Bank, id: e.id.clone(), conditions: met });
                }
            }
        }
    }
    found.sort_by(|a, b| b.conditions.len().cmp(&a.conditions.len()).then(a.side.cmp(&b.side)).then(a.id.cmp(&b.id)));
    found
}
