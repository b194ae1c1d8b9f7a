//! Bank entries that clear each other, with no book side: a reversal and the entry it reverses,
//! and the two legs of a transfer between the user's own accounts.
//!
//! Both are found the same way: for every entry on one side (the reversal, the withdrawal) the
//! entries on the other side with the same currency and amount in a date window are looked up in a
//! hash index (never all pairs), each candidate is classed as *confirmed* (a shared reference, or
//! a leg naming the other account) or *unconfirmed*, and a pair is matched only when it is the one
//! candidate of both of its entries. Anything else becomes a proposal. Input order never matters:
//! entries are taken in id order and every decision is made on sets, not on who came first.
//!
//! The rules and the order in which the engine applies them are described in `docs/matching.md`.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::cell::OnceCell;

use bankrec_model::{
    AccountId, AccountMap, BankAccount, BankEntry, Currency, EntryStatus, MatchOrigin, MatchRecord, Timestamp, TransactionRefKind,
};
use serde::{Deserialize, Serialize};

use crate::engine::{record_id, ENGINE_ACTOR};
use crate::error::MatchError;
use crate::name::normalize_name;
use crate::prepare::minor_units;
use crate::reference::{normalize_reference, MIN_REFERENCE_LEN};

/// The rule name recorded on reversal pairs.
pub(crate) const REVERSAL_RULE: &str = "reversal";
/// The rule name recorded on transfer pairs.
pub(crate) const TRANSFER_RULE: &str = "transfer";

/// Most candidates looked at for one entry: more equal amounts than this in one window cannot be
/// told apart anyway, and the bound keeps a run linear.
const MAX_CANDIDATES: usize = 64;
/// Most candidates listed in a proposal.
const MAX_PROPOSED: usize = 5;
/// Rounds of "one candidate on both sides": a pair taken in one round can leave another entry
/// with a single candidate in the next.
const ROUNDS: usize = 3;

/// How reversals are paired with the entries they reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct ReversalRules {
    /// Pair reversals (default true).
    pub enabled: bool,
    /// Days the reversal may be booked after the entry it reverses (default 60; never before it).
    pub window_days: u32,
}

impl Default for ReversalRules {
    fn default() -> Self {
        ReversalRules { enabled: true, window_days: 60 }
    }
}

/// How the legs of a transfer between the user's own accounts are paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct TransferRules {
    /// Pair transfers (default true; needs the account map).
    pub enabled: bool,
    /// Days the deposit may be booked after the withdrawal (default 5).
    pub window_days: u32,
    /// Days the deposit may be booked before the withdrawal, for banks with different cut-off
    /// times (default 0).
    pub early_days: u32,
    /// Pair only legs confirmed by a counterparty account or a shared reference; unconfirmed
    /// pairs are then always proposals (default false).
    pub require_confirmation: bool,
}

impl Default for TransferRules {
    fn default() -> Self {
        TransferRules { enabled: true, window_days: 5, early_days: 0, require_confirmation: false }
    }
}

/// Rules for bank entries that clear each other without a book side: reversals and transfers
/// between own accounts. The default works without configuration. In a rule file:
///
/// ```toml
/// [pairs.reversals]
/// enabled = true
/// window_days = 60
///
/// [pairs.transfers]
/// enabled = true
/// window_days = 5
/// early_days = 0
/// require_confirmation = false
/// ```
///
/// ```
/// use bankrec_match::PairRules;
/// let rules: PairRules = toml::from_str("[transfers]\nwindow_days = 3\n").expect("valid");
/// assert_eq!(rules.transfers.window_days, 3);
/// assert_eq!(rules.reversals.window_days, 60);
/// rules.validate().expect("within limits");
/// assert!(toml::from_str::<PairRules>("[transfers]\nwindow = 3\n").is_err());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct PairRules {
    /// Reversals.
    pub reversals: ReversalRules,
    /// Transfers between own accounts.
    pub transfers: TransferRules,
}

impl PairRules {
    /// Checks the windows: a reversal at most 3660 days after its original, a transfer's deposit
    /// at most 60 days after (or before) its withdrawal.
    pub fn validate(&self) -> Result<(), MatchError> {
        let bad = |rule: &str, field: &'static str, value: u32, expected: &'static str| {
            Err(MatchError::InvalidRule { rule: rule.to_owned(), field, value: value.to_string(), expected })
        };
        if self.reversals.window_days > 3660 {
            return bad("pairs.reversals", "window_days", self.reversals.window_days, "at most 3660 days");
        }
        if self.transfers.window_days > 60 {
            return bad("pairs.transfers", "window_days", self.transfers.window_days, "at most 60 days");
        }
        if self.transfers.early_days > 60 {
            return bad("pairs.transfers", "early_days", self.transfers.early_days, "at most 60 days");
        }
        Ok(())
    }
}

/// What the pair rules found.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PairOutcome {
    /// New records, each with two bank entries whose signed amounts sum to zero and no book
    /// side: reversals first, then transfers, each by the id of its first bank entry.
    pub(crate) records: Vec<MatchRecord>,
    /// Pairs a person must decide, by rule and then bank entry id.
    pub(crate) proposals: Vec<PairProposal>,
}

/// A reversal or withdrawal that could not be paired automatically, with its candidates.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PairProposal {
    /// [`REVERSAL_RULE`] or [`TRANSFER_RULE`].
    pub(crate) rule: &'static str,
    /// The reversal entry, or the withdrawal of a transfer.
    pub(crate) bank_entry: String,
    /// Why it was not paired automatically.
    pub(crate) reasons: Vec<String>,
    /// The entries it may pair with (the reversed entry, the deposit), best first.
    pub(crate) candidates: Vec<PairCandidate>,
}

/// One candidate of a [`PairProposal`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PairCandidate {
    /// The other bank entry.
    pub(crate) bank_entry: String,
    /// 1 when confirmed by a reference or account, 0.9 with a name or text hint, else 0.7.
    pub(crate) score: f64,
    /// Why it is a candidate.
    pub(crate) reasons: Vec<String>,
}

/// Pairs reversals (first) and then transfers among the bank entries given, which should be the
/// entries still open; each entry ends in at most one record. `used_ids` says which record ids
/// already exist. The engine calls the two passes apart (see `docs/matching.md`).
#[cfg(test)]
pub(crate) fn match_pairs(
    config: &PairRules,
    bank: &[&BankEntry],
    accounts: Option<&AccountMap>,
    now: Timestamp,
    used_ids: &dyn Fn(&str) -> bool,
) -> PairOutcome {
    let legs = Legs::new(bank, accounts);
    let mut skip = vec![false; legs.len()];
    let mut out = PairOutcome::default();
    if config.reversals.enabled {
        let taken;
        (out, taken) = reversals_in(&legs, &config.reversals, now, used_ids);
        for i in taken {
            skip[i as usize] = true;
        }
    }
    let transfers = match accounts.filter(|m| config.transfers.enabled && m.len() >= 2) {
        Some(map) => transfers_in(&legs, map, &config.transfers, &skip, now, used_ids),
        None => PairOutcome::default(),
    };
    // A possible original of an unpaired reversal may turn out to be a transfer leg: the
    // proposal no longer offers it.
    let legs: HashSet<&str> = transfers.records.iter().flat_map(|r| r.bank_entries.iter().map(String::as_str)).collect();
    if !legs.is_empty() {
        for p in &mut out.proposals {
            p.candidates.retain(|c| !legs.contains(c.bank_entry.as_str()));
        }
        out.proposals.retain(|p| !p.candidates.is_empty());
    }
    out.records.extend(transfers.records);
    out.proposals.extend(transfers.proposals);
    out
}

/// Pairs reversals with the entries they reverse. Recommended before the one-to-one rules, so
/// that a returned payment does not settle the invoice it was meant to pay.
///
/// Also returns the entries paired, so that the caller sets them aside without looking up ids.
pub(crate) fn match_reversals<'a>(
    config: &ReversalRules,
    bank: &[&'a BankEntry],
    accounts: Option<&'a AccountMap>,
    now: Timestamp,
    used_ids: &dyn Fn(&str) -> bool,
) -> (PairOutcome, Vec<&'a BankEntry>) {
    if !config.enabled {
        return Default::default();
    }
    // Only the reversals and the entries of their amount with the opposite sign can pair (the two
    // sum to zero): preparing (and sorting) a million entries for the few reversals of a year
    // would cost more than the pairing.
    let signed = |e: &BankEntry| (e.currency, minor_units(e.signed_amount(), e.currency));
    let reversals: Vec<usize> = (0..bank.len()).filter(|&i| marker(bank[i]).is_some()).collect();
    if reversals.is_empty() {
        return Default::default();
    }
    let originals: HashSet<(Currency, i64)> = reversals.iter().map(|&i| signed(bank[i])).map(|(c, m)| (c, m.wrapping_neg())).collect();
    let mut next_reversal = reversals.iter().copied().peekable();
    let candidates: Vec<&BankEntry> = (0..bank.len())
        .filter(|&i| next_reversal.next_if_eq(&i).is_some() || originals.contains(&signed(bank[i])))
        .map(|i| bank[i])
        .collect();
    let legs = Legs::new(&candidates, accounts);
    let (outcome, taken) = reversals_in(&legs, config, now, used_ids);
    (outcome, taken.into_iter().map(|i| legs.get(i).entry).collect())
}

/// [`match_reversals`] over prepared entries; also returns the entries paired.
fn reversals_in(legs: &Legs<'_>, config: &ReversalRules, now: Timestamp, used_ids: &dyn Fn(&str) -> bool) -> (PairOutcome, Vec<u32>) {
    let window = i64::from(config.window_days);
    let reversals: Vec<u32> = (0..legs.len() as u32).filter(|&i| legs.get(i).marker.is_some()).collect();
    if reversals.is_empty() {
        return (PairOutcome::default(), Vec::new());
    }

    // Index only what the reversals ask for: the amounts they carry. A million ordinary entries
    // then cost one hash probe each.
    let wanted_amounts: HashSet<(u32, Currency, i64)> = reversals
        .iter()
        .map(|&r| {
            let l = legs.get(r);
            (l.account, l.entry.currency, l.minor.wrapping_neg())
        })
        .collect();
    let mut by_amount: HashMap<(u32, Currency, i64), Vec<u32>> = HashMap::default();
    for i in 0..legs.len() as u32 {
        let l = legs.get(i);
        if l.marker.is_some() || l.date.is_none() {
            continue;
        }
        let key = (l.account, l.entry.currency, l.minor);
        if wanted_amounts.contains(&key) {
            by_amount.entry(key).or_default().push(i);
        }
    }
    for list in by_amount.values_mut() {
        list.sort_unstable_by_key(|&i| (legs.get(i).date, i));
    }

    let mut graph = Graph::default();
    let mut dated: Vec<u32> = Vec::new();
    for &r in &reversals {
        let rev = legs.get(r);
        let Some(rdate) = rev.date else { continue };
        let mut found: Vec<Edge> = Vec::new();
        let mut cut = false;
        let same_amount = |o: &Leg<'_>| o.entry.amount == rev.entry.amount && o.entry.direction != rev.entry.direction;
        let run = by_amount.get(&(rev.account, rev.entry.currency, rev.minor.wrapping_neg())).map(Vec::as_slice).unwrap_or(&[]);
        // Originals sorted by date: those dated in [reversal - window, reversal]. Only their
        // references are worked out (once per entry), in entry order.
        let start = run.partition_point(|&o| legs.get(o).date.is_some_and(|d| i64::from(d) < i64::from(rdate) - window));
        dated.clear();
        dated.extend(run[start..].iter().copied().take_while(|&o| legs.get(o).date.is_some_and(|d| d <= rdate)));
        dated.sort_unstable();
        for (kind, value) in legs.refs(r) {
            for &o in &dated {
                if o == r || !same_amount(legs.get(o)) {
                    continue;
                }
                // Once per reference of the original with this value (under any kind).
                for _ in legs.refs(o).iter().filter(|(_, v)| v == value) {
                    match found.iter_mut().find(|e| e.right == o) {
                        Some(e) => e.reasons.push(format!("same {kind} {value}")),
                        None => found.push(Edge::new(r, o, Strength::Confirmed, vec![format!("same {kind} {value}")])),
                    }
                }
            }
        }
        for &o in &run[start..] {
            let orig = legs.get(o);
            if orig.date.is_some_and(|d| d > rdate) {
                break;
            }
            if o == r || !same_amount(orig) || found.iter().any(|e| e.right == o) {
                continue;
            }
            if found.len() >= MAX_CANDIDATES {
                cut = true;
                break;
            }
            let (rn, on) = (legs.name(r), legs.name(o));
            let edge = match (rn.is_empty(), on.is_empty()) {
                (false, false) if rn == on => {
                    let strength = if rev.marker == Some(Marker::Flag) { Strength::Hinted } else { Strength::Weak };
                    Edge::new(r, o, strength, vec![format!("same counterparty {}", display_name(rev))])
                }
                (false, false) => continue, // another payee: not the payment reversed
                _ => Edge::new(r, o, Strength::Weak, vec!["no counterparty name to compare".to_owned()]),
            };
            found.push(edge);
        }
        for e in &mut found {
            // Right minus left: the original lies `-gap` days before the reversal.
            e.gap = legs.get(e.right).date.map_or(0, |d| d - rdate);
        }
        graph.add(r, found, cut);
    }

    let pairs = graph.assign(legs.len());
    let mut out = PairOutcome::default();
    for &ei in &pairs {
        let e = &graph.edges[ei];
        let (rev, orig) = (legs.get(e.left), legs.get(e.right));
        let mut reasons = vec![format!("{} reverses {}: {}", rev.entry.id, orig.entry.id, marker_words(rev))];
        reasons.extend(e.reasons.iter().cloned());
        if e.strength == Strength::Hinted {
            reasons.push(format!("the only entry of this amount with this counterparty on the account within {window} day(s) before"));
        }
        reasons.push(format!(
            "{} {} back on account {}, {} day(s) after the original; the two entries sum to zero",
            rev.entry.amount, rev.entry.currency, rev.label, -e.gap
        ));
        let mut r = MatchRecord::new(
            record_id(REVERSAL_RULE, &[&orig.entry.id, &rev.entry.id], &[], &[], used_ids),
            rev.entry.currency,
            MatchOrigin::Rule(REVERSAL_RULE.into()),
            now,
            ENGINE_ACTOR,
        );
        r.account = Some(rev.label.into());
        r.bank_entries = vec![orig.entry.id.clone(), rev.entry.id.clone()];
        r.score = e.strength.score();
        r.reasons = reasons;
        out.records.push(r);
    }
    out.proposals = graph.proposals(&pairs, REVERSAL_RULE, legs, ("reversed entry", "reversed entries"));
    out.records.sort_by(|a, b| a.bank_entries.cmp(&b.bank_entries));
    out.proposals.sort_by(|a, b| a.bank_entry.cmp(&b.bank_entry));
    let taken = pairs.iter().flat_map(|&i| [graph.edges[i].left, graph.edges[i].right]).collect();
    (out, taken)
}

/// Pairs a withdrawal on one own account with the deposit on another. Recommended after the
/// one-to-one rules, so that transfers the books already hold are matched to their ledger lines
/// on each account and only the legs the books lack are paired here.
pub(crate) fn match_transfers(
    config: &TransferRules,
    bank: &[&BankEntry],
    accounts: Option<&AccountMap>,
    now: Timestamp,
    used_ids: &dyn Fn(&str) -> bool,
) -> PairOutcome {
    let Some(map) = accounts.filter(|m| config.enabled && m.len() >= 2) else { return PairOutcome::default() };
    let legs = Legs::new(bank, Some(map));
    transfers_in(&legs, map, config, &vec![false; legs.len()], now, used_ids)
}

/// [`match_transfers`] over prepared entries, leaving out those marked in `skip`.
fn transfers_in(
    legs: &Legs<'_>,
    map: &AccountMap,
    config: &TransferRules,
    skip: &[bool],
    now: Timestamp,
    used_ids: &dyn Fn(&str) -> bool,
) -> PairOutcome {
    let (after, before) = (i64::from(config.window_days), i64::from(config.early_days));

    // Deposits on mapped accounts sorted by (currency, amount, date): a binary search finds the
    // deposits of one amount within the window.
    let mut deposits: Vec<(Currency, i64, i32, u32)> = Vec::new();
    for i in 0..legs.len() as u32 {
        let l = legs.get(i);
        if let (Some(_), None, Some(d), true) = (l.mapped, l.marker, l.date, l.minor > 0 && !skip[i as usize]) {
            deposits.push((l.entry.currency, l.minor, d, i));
        }
    }
    deposits.sort_unstable();
    let owners: HashMap<&str, String> =
        map.iter().filter_map(|a| Some((a.id.as_str(), normalize_name(a.owner.as_deref()?)))).filter(|(_, o)| !o.is_empty()).collect();

    let mut graph = Graph::default();
    for w in 0..legs.len() as u32 {
        let wl = legs.get(w);
        let (Some(from), Some(wdate)) = (wl.mapped, wl.date) else { continue };
        if wl.marker.is_some() || wl.minor >= 0 || skip[w as usize] {
            continue;
        }
        let (currency, minor) = (wl.entry.currency, wl.minor.wrapping_neg());
        let first = (i64::from(wdate) - before).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        let last = i64::from(wdate) + after;
        let start = deposits.partition_point(|&(c, m, d, _)| (c, m, d) < (currency, minor, first));
        let mut found: Vec<Edge> = Vec::new();
        let mut cut = false;
        for &(c, m, ddate, d) in &deposits[start..] {
            if c != currency || m != minor || i64::from(ddate) > last {
                break;
            }
            let dl = legs.get(d);
            let Some(to) = dl.mapped else { continue };
            if dl.account == wl.account || dl.entry.amount != wl.entry.amount {
                continue;
            }
            let Some(mut edge) = transfer_edge(legs, w, d, (from, to), &owners, config.require_confirmation) else { continue };
            if found.len() >= MAX_CANDIDATES {
                cut = true;
                break;
            }
            edge.gap = ddate - wdate;
            found.push(edge);
        }
        graph.add(w, found, cut);
    }

    let pairs = graph.assign(legs.len());
    let mut out = PairOutcome::default();
    for &ei in &pairs {
        let e = &graph.edges[ei];
        let (wl, dl) = (legs.get(e.left), legs.get(e.right));
        let mut reasons = vec![format!(
            "transfer between own accounts: {} {} withdrawn from {} ({}) and deposited on {} ({}), {}",
            wl.entry.amount,
            wl.entry.currency,
            wl.label,
            wl.entry.id,
            dl.label,
            dl.entry.id,
            gap_words(e.gap)
        )];
        reasons.extend(e.reasons.iter().cloned());
        if e.strength == Strength::Hinted {
            reasons.push("the only deposit of this amount on another own account within the window, and the only withdrawal for it".into());
        }
        reasons.push(format!("recorded under the withdrawal's account {}; the record reconciles both legs", wl.label));
        let mut r = MatchRecord::new(
            record_id(TRANSFER_RULE, &[&wl.entry.id, &dl.entry.id], &[], &[], used_ids),
            wl.entry.currency,
            MatchOrigin::Rule(TRANSFER_RULE.into()),
            now,
            ENGINE_ACTOR,
        );
        r.account = Some(wl.label.into());
        r.bank_entries = vec![wl.entry.id.clone(), dl.entry.id.clone()];
        r.score = e.strength.score();
        r.reasons = reasons;
        out.records.push(r);
    }
    out.proposals = graph.proposals(&pairs, TRANSFER_RULE, legs, ("deposit", "deposits"));
    out.records.sort_by(|a, b| a.bank_entries.cmp(&b.bank_entries));
    out.proposals.sort_by(|a, b| a.bank_entry.cmp(&b.bank_entry));
    out
}

/// The edge between a withdrawal and a deposit on two own accounts, or `None` when a leg names a
/// third account (the money went elsewhere).
fn transfer_edge(
    legs: &Legs<'_>,
    w: u32,
    d: u32,
    (from, to): (&BankAccount, &BankAccount),
    owners: &HashMap<&str, String>,
    require: bool,
) -> Option<Edge> {
    let (wl, dl) = (legs.get(w), legs.get(d));
    let mut confirmed: Vec<String> = Vec::new();
    match same_account(wl.entry.counterparty().and_then(|p| p.account.as_ref()), &to.identifier) {
        Some(true) => confirmed.push(format!("the withdrawal names account {} as recipient", to.identifier)),
        Some(false) => return None,
        None => {}
    }
    match same_account(dl.entry.counterparty().and_then(|p| p.account.as_ref()), &from.identifier) {
        Some(true) => confirmed.push(format!("the deposit names account {} as payer", from.identifier)),
        Some(false) => return None,
        None => {}
    }
    for (kind, value) in legs.refs(w).iter().filter(|(k, _)| k.travels()) {
        if legs.refs(d).iter().any(|(k, v)| k == kind && v == value) {
            confirmed.push(format!("same {kind} {value}"));
        }
    }
    if !confirmed.is_empty() {
        return Some(Edge::new(w, d, Strength::Confirmed, confirmed));
    }
    let mut hints: Vec<String> = Vec::new();
    for (leg, what) in [(wl, "withdrawal"), (dl, "deposit")] {
        if let Some((code, words)) = sub_family(leg.entry).and_then(|s| OWN_ACCOUNT_CODES.iter().find(|(c, _)| c.eq_ignore_ascii_case(s))) {
            hints.push(format!("the {what} has bank transaction code {code} ({words})"));
        } else if let Some(phrase) = text_hint(leg.entry) {
            hints.push(format!("the {what}'s text says \"{phrase}\""));
        }
    }
    for (leg, what, i) in [(wl, "withdrawal", w), (dl, "deposit", d)] {
        let name = legs.name(i);
        if let Some(a) = [from, to].into_iter().find(|a| !name.is_empty() && owners.get(a.id.as_str()).is_some_and(|o| o == name)) {
            hints.push(format!("the {what}'s counterparty {} owns account {}", display_name(leg), a.id));
        }
    }
    let strength = if !hints.is_empty() && !require { Strength::Hinted } else { Strength::Weak };
    if hints.is_empty() {
        hints.push("neither leg names the other account or shares a reference with it".into());
    } else if require {
        hints.push("not confirmed by an account or reference, and the rules require confirmation".into());
    }
    Some(Edge::new(w, d, strength, hints))
}

/// Whether a counterparty account is this account: `None` when unknown or given in another scheme.
fn same_account(given: Option<&AccountId>, ours: &AccountId) -> Option<bool> {
    let given = given?;
    if given.as_str() == ours.as_str() {
        return Some(true);
    }
    match (given, ours) {
        (AccountId::Iban(_), AccountId::Iban(_)) => Some(false),
        (AccountId::Other(other), AccountId::Iban(iban)) | (AccountId::Iban(iban), AccountId::Other(other)) => {
            let id: String = other.id.chars().filter(char::is_ascii_alphanumeric).collect();
            (id.eq_ignore_ascii_case(iban.bban())).then_some(true)
        }
        (AccountId::Other(_), AccountId::Other(_)) => {
            let norm = |s: &str| s.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_uppercase();
            Some(norm(given.as_str()) == norm(ours.as_str()))
        }
    }
}

/// ISO sub-families of returns and reversals (ExternalBankTransactionSubFamily1Code).
const RETURN_CODES: &[(&str, &str)] = &[
    ("RRTN", "return of a credit transfer"),
    ("RPCR", "credit transfer cancelled at the payer's request"),
    ("UPDD", "returned direct debit"),
    ("PRDD", "reversed direct debit"),
    ("RCDD", "direct debit cancelled at the creditor's request"),
    ("ARET", "ACH return"),
    ("AREV", "ACH reversal"),
    ("CQRV", "cheque reversal"),
    ("UPCQ", "unpaid cheque"),
    ("UPCT", "unpaid card transaction"),
    ("UDFT", "dishonoured draft"),
];

/// ISO sub-families of transfers between one owner's accounts and cash concentration.
const OWN_ACCOUNT_CODES: &[(&str, &str)] = &[
    ("COAT", "transfer between own accounts"),
    ("BOOK", "internal book transfer"),
    ("FIOA", "transfer between own accounts"),
    ("SWEP", "sweeping"),
    ("TOPG", "topping"),
    ("ZABA", "zero balancing"),
];

/// Phrases in remittance or entry text that say a transfer is between own accounts (lower case).
const OWN_ACCOUNT_PHRASES: &[&str] = &[
    "own account",
    "own accounts",
    "internal transfer",
    "between accounts",
    "eigenes konto",
    "eigene konten",
    "umbuchung",
    "kontoübertrag",
    "oma tili",
    "omien tilien",
    "egen konto",
    "eget konto",
    "egna konton",
    "virement interne",
    "compte à compte",
];

fn sub_family(e: &BankEntry) -> Option<&str> {
    Some(e.transaction.bank_tx_code.as_ref()?.sub_family.as_deref()?.trim())
}

fn text_hint(e: &BankEntry) -> Option<&'static str> {
    let t = &e.transaction;
    let texts = t.remittance.unstructured.iter().chain(&t.remittance.additional).chain(&e.additional_info).chain(&t.additional_info);
    for text in texts {
        let lower = text.to_lowercase();
        if let Some(p) = OWN_ACCOUNT_PHRASES.iter().find(|p| lower.contains(**p)) {
            return Some(p);
        }
    }
    None
}

/// Why an entry is taken for a reversal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// The bank flags it (`RvslInd`).
    Flag,
    /// Its bank transaction code is a return or reversal (index into [`RETURN_CODES`]).
    Code(usize),
    /// It carries a return reason (`RtrInf`).
    ReturnReason,
}

fn marker(e: &BankEntry) -> Option<Marker> {
    if e.reversal {
        return Some(Marker::Flag);
    }
    if let Some(i) = sub_family(e).and_then(|s| RETURN_CODES.iter().position(|(c, _)| c.eq_ignore_ascii_case(s))) {
        return Some(Marker::Code(i));
    }
    e.transaction.return_reason.as_ref().map(|_| Marker::ReturnReason)
}

fn marker_words(l: &Leg<'_>) -> String {
    match l.marker {
        Some(Marker::Flag) => "the bank flags it as a reversal".into(),
        Some(Marker::Code(i)) => {
            let code = l.entry.transaction.bank_tx_code.as_ref().and_then(|c| c.iso()).unwrap_or_else(|| RETURN_CODES[i].0.to_owned());
            format!("bank transaction code {code} ({})", RETURN_CODES[i].1)
        }
        Some(Marker::ReturnReason) => {
            format!("the bank gives return reason {}", l.entry.transaction.return_reason.as_deref().unwrap_or_default())
        }
        None => "no reversal marker".into(),
    }
}

/// Kinds of references that identify one payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefKind {
    EndToEnd,
    Instruction,
    Transaction,
    Uetr,
    Servicer,
    PaymentInfo,
    Mandate,
}

impl RefKind {
    /// References set by the payer that reach the beneficiary's bank too.
    fn travels(self) -> bool {
        matches!(self, RefKind::EndToEnd | RefKind::Instruction | RefKind::Uetr)
    }
}

impl std::fmt::Display for RefKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RefKind::EndToEnd => "end-to-end id",
            RefKind::Instruction => "instruction id",
            RefKind::Transaction => "transaction id",
            RefKind::Uetr => "UETR",
            RefKind::Servicer => "bank reference",
            RefKind::PaymentInfo => "payment information id",
            RefKind::Mandate => "mandate id",
        })
    }
}

/// The entry-level references that identify the payment, normalised (placeholders and tokens
/// shorter than [`MIN_REFERENCE_LEN`] dropped). Batch details' own references are not used: a
/// reversal of a batch carries the batch's references, not a detail's.
fn identity_refs(e: &BankEntry) -> Vec<(RefKind, String)> {
    let r = &e.transaction.refs;
    let given = [
        (RefKind::EndToEnd, r.end_to_end_id()),
        (RefKind::Instruction, r.get(TransactionRefKind::InstructionId)),
        (RefKind::Transaction, r.get(TransactionRefKind::TransactionId)),
        (RefKind::Uetr, r.get(TransactionRefKind::Uetr)),
        (RefKind::Servicer, r.get(TransactionRefKind::AcctSvcrRef)),
        (RefKind::Servicer, e.acct_svcr_ref.as_deref()),
        (RefKind::PaymentInfo, r.get(TransactionRefKind::PaymentInfoId)),
        (RefKind::PaymentInfo, e.batch.as_ref().and_then(|b| b.payment_info_id.as_deref())),
        (RefKind::Mandate, r.get(TransactionRefKind::MandateId)),
    ];
    let mut out: Vec<(RefKind, String)> = Vec::new();
    for (kind, text) in given {
        let Some(text) = text.filter(|t| !bankrec_model::is_placeholder_reference(t)) else { continue };
        let v = normalize_reference(text);
        if v.len() >= MIN_REFERENCE_LEN && !out.iter().any(|(k, x)| *k == kind && *x == v) {
            out.push((kind, v));
        }
    }
    out
}

fn display_name<'a>(l: &Leg<'a>) -> &'a str {
    l.entry.counterparty().and_then(|p| p.name.as_deref()).unwrap_or("")
}

fn gap_words(gap: i32) -> String {
    match gap {
        0 => "same day".into(),
        g if g > 0 => format!("{g} day(s) later"),
        g => format!("{} day(s) earlier", -g),
    }
}

/// A bank entry ready to pair.
struct Leg<'a> {
    entry: &'a BankEntry,
    /// Interned account (by the bank's identifier).
    account: u32,
    /// The application's account id when mapped, else the identifier.
    label: &'a str,
    mapped: Option<&'a BankAccount>,
    minor: i64,
    date: Option<i32>,
    marker: Option<Marker>,
}

/// The entries, in id order, with names and references normalised on first use (most entries
/// never need them).
struct Legs<'a> {
    legs: Vec<Leg<'a>>,
    names: Vec<OnceCell<String>>,
    refs: Vec<OnceCell<Vec<(RefKind, String)>>>,
}

impl<'a> Legs<'a> {
    /// Booked entries with a non-zero amount, sorted by date, amount and id; an id given twice
    /// for the same date and amount is left out (the engine refuses repeated ids anyway).
    fn new(bank: &[&'a BankEntry], accounts: Option<&'a AccountMap>) -> Legs<'a> {
        // Ordered by date and amount, then id: a total order on unique ids (so input order never
        // matters) that mostly compares integers instead of strings.
        let mut entries: Vec<(i32, i64, &BankEntry)> = bank
            .iter()
            .filter(|e| e.status == EntryStatus::Booked && !e.id.is_empty() && !e.amount.is_zero())
            .map(|e| (e.date().map_or(i32::MIN, |d| d.to_julian_day()), minor_units(e.signed_amount(), e.currency), *e))
            .collect();
        entries.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| a.2.id.cmp(&b.2.id)));
        // The engine refuses repeated ids before it calls here; an id repeated on the same date and
        // amount is the one case where the order above would depend on the input.
        let dup: HashSet<&str> = entries
            .windows(2)
            .filter(|w| (w[0].0, w[0].1) == (w[1].0, w[1].1) && w[0].2.id == w[1].2.id)
            .map(|w| w[0].2.id.as_str())
            .collect();
        let by_identifier: HashMap<&str, &BankAccount> =
            accounts.map(|m| m.iter().map(|a| (a.identifier.as_str(), a)).collect()).unwrap_or_default();
        let mut interned: HashMap<&str, u32> = HashMap::default();
        let mut legs = Vec::with_capacity(entries.len());
        for (_, minor, e) in entries.into_iter().filter(|(_, _, e)| dup.is_empty() || !dup.contains(e.id.as_str())) {
            let n = interned.len() as u32;
            let account = *interned.entry(e.account.as_str()).or_insert(n);
            let mapped = by_identifier.get(e.account.as_str()).copied();
            legs.push(Leg {
                entry: e,
                account,
                label: mapped.map_or(e.account.as_str(), |a| a.id.as_str()),
                mapped,
                minor,
                date: e.date().map(|d| d.to_julian_day()),
                marker: marker(e),
            });
        }
        let names = (0..legs.len()).map(|_| OnceCell::new()).collect();
        let refs = (0..legs.len()).map(|_| OnceCell::new()).collect();
        Legs { legs, names, refs }
    }

    fn len(&self) -> usize {
        self.legs.len()
    }

    fn get(&self, i: u32) -> &Leg<'a> {
        &self.legs[i as usize]
    }

    /// The references identifying the entry's payment.
    fn refs(&self, i: u32) -> &[(RefKind, String)] {
        self.refs[i as usize].get_or_init(|| identity_refs(self.legs[i as usize].entry))
    }

    /// The counterparty name in comparable form ("" when none).
    fn name(&self, i: u32) -> &str {
        self.names[i as usize].get_or_init(|| {
            self.legs[i as usize].entry.counterparty().and_then(|p| p.name.as_deref()).map(normalize_name).unwrap_or_default()
        })
    }
}

/// How well a candidate pair is identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Strength {
    /// Only amount and date agree: never paired automatically.
    Weak,
    /// A name or text hint: paired when it is the only candidate of both entries.
    Hinted,
    /// A shared reference or a counterparty account: paired when it is the only confirmed
    /// candidate of both entries.
    Confirmed,
}

impl Strength {
    fn score(self) -> f64 {
        match self {
            Strength::Confirmed => 1.0,
            Strength::Hinted => 0.9,
            Strength::Weak => 0.7,
        }
    }
}

struct Edge {
    left: u32,
    right: u32,
    strength: Strength,
    /// Days from the left entry's date to the right's (reversal: original to reversal).
    gap: i32,
    reasons: Vec<String>,
}

impl Edge {
    fn new(left: u32, right: u32, strength: Strength, reasons: Vec<String>) -> Edge {
        Edge { left, right, strength, gap: 0, reasons }
    }
}

/// Candidate pairs between left entries (reversals, withdrawals) and right entries (originals,
/// deposits), both numbered by their position in [`Legs`].
#[derive(Default)]
struct Graph {
    /// Grouped by left entry, in leg order.
    edges: Vec<Edge>,
    /// (left, first edge, end) for each left entry with candidates.
    lefts: Vec<(u32, usize, usize)>,
    /// Left entries with more candidates than [`MAX_CANDIDATES`]: never paired automatically.
    cut: HashSet<u32>,
    /// Edges by right entry: `right_edges[right_start[r]..right_start[r + 1]]`.
    right_start: Vec<u32>,
    right_edges: Vec<u32>,
}

impl Graph {
    fn add(&mut self, left: u32, found: Vec<Edge>, cut: bool) {
        if cut {
            self.cut.insert(left);
        }
        if !found.is_empty() {
            let start = self.edges.len();
            self.edges.extend(found);
            self.lefts.push((left, start, self.edges.len()));
        }
    }

    /// Builds the index by right entry once all edges are added.
    fn finish(&mut self, legs: usize) {
        let mut start = vec![0u32; legs + 1];
        for e in &self.edges {
            start[e.right as usize + 1] += 1;
        }
        for i in 0..legs {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut edges = vec![0u32; self.edges.len()];
        for (i, e) in self.edges.iter().enumerate() {
            let slot = &mut fill[e.right as usize];
            edges[*slot as usize] = i as u32;
            *slot += 1;
        }
        self.right_start = start;
        self.right_edges = edges;
    }

    fn of_right(&self, right: u32) -> impl Iterator<Item = usize> + '_ {
        let (a, b) = (self.right_start[right as usize] as usize, self.right_start[right as usize + 1] as usize);
        self.right_edges[a..b].iter().map(|&i| i as usize)
    }

    /// The one open edge counted in the tier among these (confirmed tier: confirmed edges only;
    /// hinted tier: edges of any strength), or `None` when there are none or several.
    fn single(&self, edges: impl Iterator<Item = usize>, taken: &[bool], tier: Strength) -> Option<usize> {
        let mut one = None;
        for i in edges {
            let e = &self.edges[i];
            if taken[e.left as usize] || taken[e.right as usize] || (tier == Strength::Confirmed && e.strength != Strength::Confirmed) {
                continue;
            }
            if one.is_some() {
                return None;
            }
            one = Some(i);
        }
        one
    }

    /// The pairs to match: first confirmed edges that are the only confirmed candidate of both
    /// their entries, then hinted edges that are the only candidate of any strength of both, in
    /// rounds so that a pair taken frees others. Decided on sets, so input order cannot matter.
    fn assign(&mut self, legs: usize) -> Vec<usize> {
        self.finish(legs);
        let mut taken = vec![false; legs];
        let mut chosen: Vec<usize> = Vec::new();
        for tier in [Strength::Confirmed, Strength::Hinted] {
            for _ in 0..ROUNDS {
                let mut accepted: Vec<usize> = Vec::new();
                for &(l, a, b) in &self.lefts {
                    if taken[l as usize] || self.cut.contains(&l) {
                        continue;
                    }
                    let Some(only) = self.single(a..b, &taken, tier) else { continue };
                    if self.edges[only].strength == tier && self.single(self.of_right(self.edges[only].right), &taken, tier) == Some(only) {
                        accepted.push(only);
                    }
                }
                if accepted.is_empty() {
                    break;
                }
                // Each accepted edge is the single open edge of both its entries, so no two
                // accepted edges share an entry.
                for i in accepted {
                    let e = &self.edges[i];
                    taken[e.left as usize] = true;
                    taken[e.right as usize] = true;
                    chosen.push(i);
                }
            }
        }
        chosen
    }

    /// Proposals for left entries not paired, with their candidates still open; best first
    /// (strength, then date distance, then id).
    fn proposals(&self, chosen: &[usize], rule: &'static str, legs: &Legs<'_>, (what, whats): (&str, &str)) -> Vec<PairProposal> {
        let mut taken = vec![false; legs.len()];
        for &i in chosen {
            taken[self.edges[i].left as usize] = true;
            taken[self.edges[i].right as usize] = true;
        }
        let mut out = Vec::new();
        for &(l, a, b) in &self.lefts {
            if taken[l as usize] {
                continue;
            }
            let mut cands: Vec<&Edge> = self.edges[a..b].iter().filter(|e| !taken[e.right as usize]).collect();
            if cands.is_empty() {
                continue;
            }
            cands.sort_by(|x, y| {
                y.strength
                    .cmp(&x.strength)
                    .then(x.gap.abs().cmp(&y.gap.abs()))
                    .then(legs.get(x.right).entry.id.cmp(&legs.get(y.right).entry.id))
            });
            let n = cands.len();
            let contested =
                cands.iter().any(|e| self.of_right(e.right).any(|j| self.edges[j].left != l && !taken[self.edges[j].left as usize]));
            let reason = if self.cut.contains(&l) {
                format!("more than {MAX_CANDIDATES} entries of this amount in the window: a person must choose")
            } else if n > 1 {
                format!("{n} possible {whats} of this amount in the window: ambiguous, a person must choose")
            } else if contested {
                format!("the {what} is also a candidate for another entry: ambiguous, a person must choose")
            } else if cands[0].strength == Strength::Weak {
                format!("one possible {what}, but nothing confirms it (no shared reference, account or name)")
            } else {
                "not paired automatically: a person must confirm".to_owned()
            };
            out.push(PairProposal {
                rule,
                bank_entry: legs.get(l).entry.id.clone(),
                reasons: vec![reason],
                candidates: cands
                    .iter()
                    .take(MAX_PROPOSED)
                    .map(|e| {
                        let mut reasons = e.reasons.clone();
                        reasons.push(gap_words(e.gap));
                        PairCandidate { bank_entry: legs.get(e.right).entry.id.clone(), score: e.strength.score(), reasons }
                    })
                    .collect(),
            });
        }
        out
    }
}

/// The signed sum of a pair record's bank entries (zero for every record this module makes).
#[cfg(test)]
pub(crate) fn signed_sum(record: &MatchRecord, bank: &[&BankEntry]) -> bankrec_model::Decimal {
    record.bank_entries.iter().filter_map(|id| bank.iter().find(|e| &e.id == id)).map(|e| e.signed_amount()).sum()
}

#[cfg(test)]
#[path = "pairs_tests.rs"]
mod tests;
