//! The automatic run: rules in priority order, mutual-best acceptance, proposals and the reasons
//! for what stays open.

use std::collections::BTreeSet;
use std::sync::Arc;

use bankrec_model::{
    AccountMap, AdjustmentLine, AuditEvent, BankAccount, BankEntry, Currency, Decimal, EntryStatus, LedgerEntry, MatchOrigin, MatchRecord,
    OpenItem, OpenItemAllocation, Timestamp,
};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{EntrySide, MatchError};
use crate::groups::{match_groups, GroupInput};
use crate::pairs::{match_reversals, match_transfers, PairProposal, REVERSAL_RULE, TRANSFER_RULE};
use crate::posting::PostingProposal;
use crate::prepare::{
    bank_view, item_view, ledger_view, minor_units, AccountLookup, BankView, BookIndex, BookRecord, BookView, Labels, Names,
};
use crate::rules::{ReferenceCondition, Rule, RuleSet};
use crate::score::{bank_admissible, bank_date, evaluate, Eval, RefHit, SharedComponents};
use bankrec_model::Records;

/// The actor recorded on automatic matches.
pub const ENGINE_ACTOR: &str = "engine";

/// What the engine reads: bank entries of one or many accounts, the books, and the matches that
/// already exist (their members are not matched again).
///
/// ```
/// use bankrec_match::MatchInput;
/// let input = MatchInput::new(&[], &[], &[]);
/// assert!(input.bank_entries.is_empty());
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct MatchInput<'a> {
    /// Bank entries; only booked entries are matched.
    pub bank_entries: Records<'a, BankEntry>,
    /// Ledger entries.
    pub ledger_entries: Records<'a, LedgerEntry>,
    /// Open items; settled ones (open amount zero) are skipped.
    pub open_items: Records<'a, OpenItem>,
    /// Existing match records; members of active ones are left alone.
    pub existing: &'a [MatchRecord],
    /// The bank accounts, when known: a bank entry then only matches ledger lines on its GL
    /// account and open items expected on its account.
    pub accounts: Option<&'a AccountMap>,
    /// Threads for the independent parts of the input; `0` (the default) uses the cores the
    /// machine offers. The outcome does not depend on it.
    pub threads: usize,
}

impl<'a> MatchInput<'a> {
    /// Input without existing matches or account map. Each side is a slice of records or of
    /// references to records kept elsewhere ([`Records`]).
    pub fn new(
        bank_entries: impl Into<Records<'a, BankEntry>>,
        ledger_entries: impl Into<Records<'a, LedgerEntry>>,
        open_items: impl Into<Records<'a, OpenItem>>,
    ) -> MatchInput<'a> {
        MatchInput {
            bank_entries: bank_entries.into(),
            ledger_entries: ledger_entries.into(),
            open_items: open_items.into(),
            existing: &[],
            accounts: None,
            threads: 0,
        }
    }

    /// Sets the existing match records.
    pub fn with_existing(mut self, existing: &'a [MatchRecord]) -> Self {
        self.existing = existing;
        self
    }

    /// Sets the account map.
    pub fn with_accounts(mut self, accounts: &'a AccountMap) -> Self {
        self.accounts = Some(accounts);
        self
    }

    /// Sets the number of threads (`1` runs everything on the caller's thread).
    ///
    /// The input splits into parts that cannot affect each other: one per currency, and within a
    /// currency one per bank account when the account map ties every ledger line (by its GL
    /// account) and every open item (by its expected bank account) to one account. Parts run in
    /// parallel and are merged in a fixed order, so the outcome is the same for any number.
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }
}

/// One candidate of a proposal: the book records it would match, with score and reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Candidate {
    /// Other bank entries that would join the match: the entry a reversal reverses, the other
    /// leg of a transfer, co-payers of one invoice. Empty for most candidates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bank_entries: Vec<String>,
    /// Ledger entry ids.
    pub ledger_entries: Vec<String>,
    /// Open item ids.
    pub open_items: Vec<String>,
    /// The rule that scored it best.
    pub rule: String,
    /// Score from 0 to 1.
    pub score: f64,
    /// Score components (shared with the records and candidates scored alike).
    pub components: Arc<[bankrec_model::ScoreComponent]>,
    /// Why.
    pub reasons: Vec<String>,
    /// True when another candidate of this entry, or another bank entry for this record, scores
    /// within the rule's margin: a person must choose.
    pub ambiguous: bool,
}

/// Candidates for a bank entry that was not matched automatically, best first: exact name, then
/// amount closeness, then date distance, then id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Proposal {
    /// The bank entry id.
    pub bank_entry: String,
    /// Up to the rule set's `max_proposals` candidates.
    pub candidates: Vec<Candidate>,
}

/// An entry or item left open, with the reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Unmatched {
    /// The id.
    pub id: String,
    /// Why it was not matched.
    pub reasons: Vec<String>,
}

/// The result of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MatchOutcome {
    /// New match records, in rule order, then by bank entry id.
    pub matches: Vec<MatchRecord>,
    /// Proposals for bank entries not matched, by bank entry id (entries without a candidate have none).
    pub proposals: Vec<Proposal>,
    /// Bank entries left open, by id.
    pub unmatched_bank: Vec<Unmatched>,
    /// Ledger entries left open, by id.
    pub unmatched_ledger: Vec<Unmatched>,
    /// Open items left open, by id.
    pub unmatched_open_items: Vec<Unmatched>,
    /// Slips proposed by the posting rules for bank entries with no counterpart (fees, interest,
    /// taxes, card settlements, salaries), by bank entry id.
    #[serde(default)]
    pub postings: Vec<PostingProposal>,
}

impl MatchOutcome {
    /// The audit events of the new records, one per record (actor `engine`, the rule, score and
    /// reasons). Built on demand rather than stored: they repeat what the records say, and a
    /// million-entry run should not hold every reason twice. [`crate::MatchBook::apply`] appends them.
    pub fn audit_events(&self) -> Vec<AuditEvent> {
        self.matches.iter().map(AuditEvent::matched).collect()
    }
}

/// The matching engine: a validated rule set and the actor recorded on its matches.
///
/// ```
/// use bankrec_match::{MatchInput, Matcher, RuleSet};
/// use bankrec_model::{AccountId, BankEntry, Currency, Decimal, Direction, LedgerEntry, Timestamp};
/// use time::macros::date;
///
/// let account = AccountId::iban("DE89370400440532013000").expect("valid");
/// let mut bank = BankEntry::new(account, Decimal::new(12000, 2), Currency::EUR, Direction::Credit, Some(date!(2024-03-04)))
///     .with_id("B1");
/// bank.transaction.remittance.unstructured.push("Invoice INV-1001".into());
/// let ledger = LedgerEntry::new("L1", date!(2024-03-01), "1200", Decimal::new(12000, 2), Currency::EUR).with_reference("INV-1001");
/// let now: Timestamp = "2024-03-05T08:00:00Z".parse().expect("timestamp");
///
/// let outcome = Matcher::new(RuleSet::default()).run(&MatchInput::new(&[bank], &[ledger], &[]), now).expect("valid input");
/// assert_eq!(outcome.matches.len(), 1);
/// assert_eq!(outcome.matches[0].origin_label(), "reference");
/// assert_eq!(outcome.matches[0].ledger_entries, ["L1"]);
/// ```
#[derive(Debug, Clone)]
pub struct Matcher {
    rules: RuleSet,
}

/// Rounds per rule: after the first round takes the clear pairs, a second may find that an entry
/// whose rival was taken is now clearly ahead. Bounded so the cost stays linear.
const ROUNDS: usize = 3;

/// A bank entry's best candidate in a round: its score and the runner-up's. The evaluation itself
/// is not kept (a hundred bytes a pair, for a million pairs a round): an accepted pair is
/// evaluated again, which gives the same result, scoring being pure.
#[derive(Debug, Clone, Copy)]
struct Best {
    bank: u32,
    book: u32,
    score: f64,
    second: f64,
}

#[derive(Debug, Clone, Copy)]
struct BookBest {
    score: f64,
    bank: u32,
    second: f64,
}

/// A bank entry left open after the rules: its proposal candidates (book index, rule index,
/// evaluation) and the best score seen below the proposal minimum (rule index, score).
type OpenBank = (u32, Vec<(u32, usize, Eval)>, Option<(usize, f64)>);

impl BookBest {
    /// Records a bank entry's score for this book record, keeping the best and the runner-up.
    fn offer(&mut self, score: f64, bank: u32) {
        if score > self.score {
            self.second = self.score;
            self.score = score;
            self.bank = bank;
        } else if score > self.second {
            self.second = score;
        }
    }
}

const NO_BOOK_BEST: BookBest = BookBest { score: -1.0, bank: u32::MAX, second: -1.0 };

impl Matcher {
    /// An engine with a rule set.
    pub fn new(rules: RuleSet) -> Matcher {
        Matcher { rules }
    }

    /// The rule set.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Runs the rules over the input. Pure: the same input (in any order) and `now` give the same
    /// outcome, whatever the number of threads. Fails only on input it cannot trust: empty or
    /// repeated ids.
    ///
    /// Order of work: reversals clear the entries they reverse; then each independent part (see
    /// [`MatchInput::with_threads`]) runs the one-to-one rules in priority order and proposes
    /// candidates for what stays open; transfers between own accounts pair what is still open;
    /// and posting rules propose a slip for bank entries left with no counterpart.
    pub fn run(&self, input: &MatchInput<'_>, now: Timestamp) -> Result<MatchOutcome, MatchError> {
        let bank_order = sorted_ids(input.bank_entries.iter().map(|e| e.id.as_str()), EntrySide::Bank)?;
        let ledger_order = sorted_ids(input.ledger_entries.iter().map(|e| e.id.as_str()), EntrySide::Ledger)?;
        let item_order = sorted_ids(input.open_items.iter().map(|e| e.id.as_str()), EntrySide::OpenItem)?;

        let mut taken_bank: HashSet<&str> = HashSet::default();
        let mut taken_ledger: HashSet<&str> = HashSet::default();
        // Open items may be paid in parts: what active records allocate is no longer open.
        let mut allocated: HashMap<&str, Decimal> = HashMap::default();
        let mut used_ids: HashSet<&str> = HashSet::default();
        for r in input.existing {
            used_ids.insert(r.id.as_str());
            if r.is_active() {
                taken_bank.extend(r.bank_entries.iter().map(String::as_str));
                taken_ledger.extend(r.ledger_entries.iter().map(String::as_str));
                for a in &r.open_items {
                    let slot = allocated.entry(a.id.as_str()).or_default();
                    *slot = slot.saturating_add(a.amount);
                }
            }
        }

        let mut unmatched_bank: Vec<Unmatched> = Vec::new();
        let mut open_bank: Vec<&BankEntry> = Vec::with_capacity(input.bank_entries.len());
        // The orders are positions of the records they were made from: `get` finds every one.
        for e in in_id_order(&input.bank_entries, bank_order.as_deref()) {
            if taken_bank.contains(e.id.as_str()) {
                continue;
            }
            if e.status != EntryStatus::Booked {
                unmatched_bank.push(Unmatched { id: e.id.clone(), reasons: vec![format!("{:?} entry: matched once booked", e.status)] });
                continue;
            }
            open_bank.push(e);
        }

        // Reversals first: a returned payment must not settle the invoice it once paid.
        let mut matches: Vec<MatchRecord> = Vec::new();
        let mut proposals: Vec<Proposal> = Vec::new();
        let is_used = |id: &str| used_ids.contains(id);
        let (reversals, reversed) = match_reversals(&self.rules.pairs().reversals, &open_bank, input.accounts, now, &is_used);
        if !reversed.is_empty() {
            // By address: comparing ids would read every open entry's id, a cache miss or two each.
            let paired: HashSet<*const BankEntry> = reversed.into_iter().map(std::ptr::from_ref).collect();
            open_bank.retain(|&e| !paired.contains(&std::ptr::from_ref(e)));
        }
        let ledger: Vec<&LedgerEntry> =
            in_id_order(&input.ledger_entries, ledger_order.as_deref()).filter(|l| !taken_ledger.contains(l.id.as_str())).collect();
        let items: Vec<(&OpenItem, Decimal)> = in_id_order(&input.open_items, item_order.as_deref())
            .map(|it| (it, it.open_amount.saturating_sub(allocated.get(it.id.as_str()).copied().unwrap_or_default())))
            .filter(|(_, remaining)| *remaining > Decimal::ZERO)
            .collect();

        // The account map indexed once: every part and pass looks accounts up here.
        let lookup = AccountLookup::new(input.accounts);
        let mut parts = partition(&open_bank, ledger, items, &lookup);
        if let Some(first) = parts.first_mut() {
            // Every record but a reversal holds one open entry at least, and an entry is in one
            // record at most: the first part's list has room for all records, reserved (address
            // space only), so the reversals put in front below (shifting the records once, in
            // place) and the other parts' records need no new list. Grown instead, the list
            // would be copied to a new one whole: 225 MB more at 1M.
            first.records_room = open_bank.len() + reversals.records.len();
        }
        let outcomes = run_parts(parts, input.threads, |part| self.run_part(part, &lookup, now, &used_ids));
        let mut unmatched_ledger = Vec::new();
        let mut unmatched_open_items = Vec::new();
        let mut still_open: HashSet<*const BankEntry> = HashSet::default();
        for (i, o) in outcomes.into_iter().enumerate() {
            still_open.extend(o.open_bank.into_iter().map(std::ptr::from_ref));
            // The first part's list, with the room it reserved, is moved, not copied: a million
            // records are hundreds of MB.
            if i == 0 {
                matches = o.matches;
            } else {
                matches.extend(o.matches);
            }
            proposals.extend(o.proposals);
            unmatched_bank.extend(o.unmatched_bank);
            unmatched_ledger.extend(o.unmatched_ledger);
            unmatched_open_items.extend(o.unmatched_open_items);
        }

        // Transfers between own accounts among the entries still open: when the books hold the
        // transfer, its ledger lines have already matched each leg on its own account.
        // By address, as above.
        let open_now: Vec<&BankEntry> = open_bank.iter().copied().filter(|&e| still_open.contains(&std::ptr::from_ref(e))).collect();
        let transfers = match_transfers(&self.rules.pairs().transfers, &open_now, input.accounts, now, &is_used);
        let (reversal_records, transfer_records) = (reversals.records, transfers.records);
        let paired: HashSet<&str> =
            reversal_records.iter().chain(&transfer_records).flat_map(|r| r.bank_entries.iter().map(String::as_str)).collect();
        unmatched_bank.retain(|u| !paired.contains(u.id.as_str()));
        proposals.retain(|p| !paired.contains(p.bank_entry.as_str()));
        let pair_proposals: Vec<PairProposal> = reversals.proposals.into_iter().chain(transfers.proposals).collect();
        if !pair_proposals.is_empty() {
            let mut proposal_at: HashMap<String, usize> = proposals.iter().enumerate().map(|(i, p)| (p.bank_entry.clone(), i)).collect();
            let unmatched_at: HashMap<String, usize> = unmatched_bank.iter().enumerate().map(|(i, u)| (u.id.clone(), i)).collect();
            for p in pair_proposals {
                merge_pair_proposal(&mut proposals, &mut proposal_at, &mut unmatched_bank, &unmatched_at, p, &paired);
            }
        }

        // Posting rules for bank entries that stay open with no candidate on the book side.
        let no_counterpart: Vec<&BankEntry> = {
            let proposed: HashSet<&str> = proposals.iter().map(|p| p.bank_entry.as_str()).collect();
            let open: HashSet<&str> = unmatched_bank.iter().map(|u| u.id.as_str()).collect();
            open_now.iter().copied().filter(|e| open.contains(e.id.as_str()) && !proposed.contains(e.id.as_str())).collect()
        };
        let postings = self.rules.postings().propose(&no_counterpart, input.accounts)?;
        if !postings.is_empty() {
            let by_entry: HashMap<&str, &PostingProposal> = postings.iter().map(|p| (p.bank_entry.as_str(), p)).collect();
            for u in &mut unmatched_bank {
                if let Some(p) = by_entry.get(u.id.as_str()) {
                    u.reasons.push(format!("posting rule {} proposes a slip to {} {}", p.rule, p.gl_account.code, p.gl_account.title));
                }
            }
        }

        drop(paired);
        // Reversals first and transfers last, where their rules sort: appended at the end, the
        // reversals would displace every record of the sort below.
        matches.splice(0..0, reversal_records);
        matches.extend(transfer_records);
        self.sort_records(&mut matches);
        proposals.sort_by(|a, b| a.bank_entry.cmp(&b.bank_entry));
        unmatched_bank.sort_by(|a, b| a.id.cmp(&b.id));
        unmatched_ledger.sort_by(|a, b| a.id.cmp(&b.id));
        unmatched_open_items.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(MatchOutcome { matches, proposals, unmatched_bank, unmatched_ledger, unmatched_open_items, postings })
    }

    /// Sorts records in rule order, then by first bank entry id, stably.
    fn sort_records(&self, records: &mut [MatchRecord]) {
        let order = self.rule_order();
        // Ranks as u32, in the same order: the rules are far fewer than u32::MAX - 1.
        let rank_of = |label: &str| match order(label) {
            usize::MAX => u32::MAX,
            r => u32::try_from(r).unwrap_or(u32::MAX - 1),
        };
        // Records come in runs of one rule, whose records share one label: the last label's rank
        // is kept, by the label's address and length, and a new label is looked up.
        let mut last: Option<(*const u8, usize, u32)> = None;
        let mut rank = |r: &MatchRecord| {
            let label = r.origin_label();
            match last {
                Some((at, len, rank)) if std::ptr::eq(at, label.as_ptr()) && len == label.len() => rank,
                _ => {
                    let rank = rank_of(label);
                    last = Some((label.as_ptr(), label.len(), rank));
                    rank
                }
            }
        };
        // The keys are sorted, not the records: a record is 256 bytes, which a merge sort moves
        // once per pass and whose scratch space is half of them again. Then each record moves
        // once, following the permutation's cycles.
        // An id's first eight bytes as a number order as the id does (a shorter id padded with
        // zeros sorts first, as it does), so only ids sharing them are compared as text: reading
        // a million ids scattered on the heap, once per comparison, cost most of the sort. A key
        // is 16 bytes (the id is read from its record when needed): the keys of a million records
        // are the last thing a run allocates, and stay in the allocator's hands after it.
        // Positions as u32, as everywhere in the engine (views and candidates are u32 positions).
        let first_id = |i: u32| records[i as usize].bank_entries.first().map(String::as_str);
        let mut keys: Vec<(u32, u64, u32)> =
            records.iter().enumerate().map(|(i, r)| (rank(r), r.bank_entries.first().map_or(0, |id| id_prefix(id)), i as u32)).collect();
        // Stable, so positions break ties; and the records come in runs already sorted (each
        // round of a rule accepts in id order), which this sort merges rather than sorts again.
        keys.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| first_id(a.2).cmp(&first_id(b.2))));
        let order: Vec<usize> = keys.into_iter().map(|(_, _, i)| i as usize).collect();
        permute(records, order);
    }

    /// The position of a rule (by the name its records carry) in the order of work.
    fn rule_order(&self) -> impl Fn(&str) -> usize + '_ {
        move |name: &str| match name {
            REVERSAL_RULE => 0,
            TRANSFER_RULE => usize::MAX,
            _ => self.rules.rules().iter().position(|r| r.name == name).map_or(usize::MAX - 1, |p| p + 1),
        }
    }

    /// The one-to-one rules and proposals over one independent part of the input.
    fn run_part<'a>(&self, part: Part<'a>, lookup: &'a AccountLookup<'a>, now: Timestamp, used_ids: &HashSet<&str>) -> PartOutcome<'a> {
        let mut names = Names::default();
        let mut bank: Vec<BankView<'_>> = part.bank.iter().map(|e| bank_view(e, lookup, &mut names)).collect();
        let mut book: Vec<BookView<'_>> = Vec::with_capacity(part.ledger.len() + part.items.len());
        book.extend(part.ledger.iter().map(|l| ledger_view(l, lookup, &mut names)));
        book.extend(part.items.iter().map(|&(i, remaining)| item_view(i, remaining, &mut names)));
        let mut unmatched_bank: Vec<Unmatched> = Vec::new();
        let index = BookIndex::build(&book);

        let mut bank_open = vec![true; bank.len()];
        let mut book_open = vec![true; book.len()];
        // The pairs the one-to-one rules accept, in acceptance order; their records are built at
        // the end of the part (see there).
        let mut pairs: Vec<Vec<Accepted<'_>>> = Vec::new();
        let mut book_best = vec![NO_BOOK_BEST; book.len()];
        let mut cands: Vec<u32> = Vec::new();

        let mut labels = Labels::default();
        // Lists kept across rounds and rules: a round over a million entries would grow them anew.
        let (mut todo, mut retry, mut touched): (Vec<u32>, Vec<u32>, Vec<u32>) = Default::default();
        let mut bests: Vec<Best> = Vec::new();
        let mut shared_components = SharedComponents::default();
        // The working buffer of each record's reasons.
        let mut scratch = String::with_capacity(256);
        for (rule_at, rule) in self.rules.rules().iter().enumerate().filter(|(_, r)| r.auto_match) {
            todo.clear();
            todo.extend((0..bank.len() as u32).filter(|&b| bank_open[b as usize] && bank_admissible(rule, &bank[b as usize])));
            for _round in 0..ROUNDS {
                bests.clear();
                touched.clear();
                for &bi in &todo {
                    let b = &bank[bi as usize];
                    candidates(rule, b, &index, &book, part.ledger.len(), &mut cands);
                    let mut best: Option<Best> = None;
                    // The best score of the pairs whose names differ: never matched automatically
                    // under this rule (proposed below), but a rival all the same, so that a weaker
                    // candidate is not matched past it.
                    let mut held = -1.0f64;
                    for &ci in &cands {
                        if !book_open[ci as usize] {
                            continue;
                        }
                        let Some(eval) = evaluate(rule, b, &book[ci as usize], &names) else { continue };
                        let score = eval.score;
                        let bb = &mut book_best[ci as usize];
                        if bb.bank == u32::MAX {
                            touched.push(ci);
                        }
                        bb.offer(score, bi);
                        if eval.names_differ {
                            held = held.max(score);
                            continue;
                        }
                        best = Some(match best {
                            None => Best { bank: bi, book: ci, score, second: -1.0 },
                            Some(cur) if score > cur.score => Best { bank: bi, book: ci, score, second: cur.score },
                            Some(mut cur) => {
                                cur.second = cur.second.max(score);
                                cur
                            }
                        });
                    }
                    if let Some(mut best) = best {
                        best.second = best.second.max(held);
                        if best.score >= rule.accept {
                            bests.push(best);
                        }
                    }
                }
                retry.clear();
                let mut accepted = 0usize;
                for &Best { bank: bi, book: ci, score, second } in &bests {
                    let bb = book_best[ci as usize];
                    let clear = score - second >= rule.margin && score > second;
                    let mutual = bb.bank == bi && bb.score - bb.second >= rule.margin && bb.score > bb.second;
                    let (b, c) = (&bank[bi as usize], &book[ci as usize]);
                    // Scoring is pure: the pair scores as it did a moment ago.
                    if let Some(eval) = (clear && mutual).then(|| evaluate(rule, b, c, &names)).flatten() {
                        let pair = Accepted {
                            entry: b.entry,
                            book: c.record,
                            account: b.account,
                            book_signed: c.signed,
                            difference: eval.difference,
                            score: eval.score,
                            components: shared_components.get(rule_at, rule, &eval),
                            reasons: pair_reasons(rule, b, c, &eval, &names, &mut scratch),
                            rule_at,
                        };
                        match pairs.last_mut() {
                            Some(chunk) if chunk.len() < PAIR_CHUNK => chunk.push(pair),
                            _ => {
                                let mut chunk = Vec::with_capacity(PAIR_CHUNK.min(bank.len()));
                                chunk.push(pair);
                                pairs.push(chunk);
                            }
                        }
                        bank_open[bi as usize] = false;
                        book_open[ci as usize] = false;
                        accepted += 1;
                    } else {
                        retry.push(bi);
                    }
                }
                for &ci in &touched {
                    book_best[ci as usize] = NO_BOOK_BEST;
                }
                if accepted == 0 || retry.is_empty() {
                    break;
                }
                std::mem::swap(&mut todo, &mut retry);
            }
        }

        // The rounds' lists are not needed again: freed before the group pass allocates its own.
        drop((todo, retry, touched, bests, book_best));
        // Nor are the views of what the one-to-one rules matched (four in five at 1M): the views
        // and the index keep what is open, so the group pass and the proposals below look at
        // open records only (an amount search's cap counts open records, no longer matched ones).
        // Order is kept, so positions compare as before, and ledger views stay ahead of item
        // views: `n_ledger` of them, then the items with the amount left open on each.
        let n_ledger = book_open[..part.ledger.len()].iter().filter(|&&open| open).count();
        let item_left: Vec<Decimal> =
            part.items.iter().zip(&book_open[part.ledger.len()..]).filter(|(_, &open)| open).map(|(&(_, left), _)| left).collect();
        keep_open(&mut bank, &mut bank_open);
        let book_was_open = keep_open(&mut book, &mut book_open);
        let index = index.narrowed(&book_was_open, &book);
        drop(book_was_open);
        let mut book_best = vec![NO_BOOK_BEST; book.len()];

        // Groups among what the one-to-one rules left: batches, settlement groups, split and
        // partial payments.
        // View positions of what the group pass sees: it reports the positions its records took.
        // Every view left is open, so a position in the group input is one here (an item's after
        // the `n_ledger` ledger views).
        let group_input = GroupInput {
            bank: bank.iter().collect(),
            ledger: book[..n_ledger].iter().collect(),
            items: book[n_ledger..].iter().zip(item_left.iter().copied()).collect(),
        };
        // The pairs' records are built at the end (below): a group's id ("m-" and a hash) never
        // has the colons of a pair's ("rule:bank:book"), so only the existing records' ids matter.
        let is_used = |id: &str| used_ids.contains(id);
        // The views' name table serves the group pass too: its names are looked up, not normalised again.
        let groups = match_groups(self.rules.groups(), &group_input, &mut names, now, &is_used);
        drop(group_input);
        for &k in &groups.taken_bank {
            bank_open[k] = false;
        }
        for &k in &groups.taken_ledger {
            book_open[k] = false;
        }
        for &k in &groups.taken_items {
            book_open[n_ledger + k] = false;
        }
        // What this run's group records apply to each open item: a part-paid item stays open.
        let mut applied = vec![Decimal::ZERO; item_left.len()];
        for &(k, amount) in &groups.applied_items {
            applied[k] = applied[k].saturating_add(amount);
        }
        let group_records = groups.records;
        let mut group_candidates: HashMap<String, Vec<Candidate>> = HashMap::default();
        for (bank_id, candidate) in groups.proposals {
            group_candidates.entry(bank_id).or_default().push(candidate);
        }
        let mut group_notes: HashMap<String, Vec<String>> = HashMap::default();
        for (bank_id, note) in groups.notes {
            group_notes.entry(bank_id).or_default().push(note);
        }

        // Proposals and reasons for what stays open.

        let max = self.rules.max_proposals();
        let mut proposals: Vec<Proposal> = Vec::new();
        let mut proposed_for: Vec<Option<u32>> = vec![None; book.len()];
        let mut per_bank: Vec<OpenBank> = Vec::new();
        for bi in 0..bank.len() as u32 {
            if !bank_open[bi as usize] {
                continue;
            }
            let b = &bank[bi as usize];
            let mut found: Vec<(u32, usize, Eval)> = Vec::new();
            let mut best_below: Option<(usize, f64)> = None;
            for (ri, rule) in self.rules.rules().iter().enumerate() {
                if !bank_admissible(rule, b) {
                    continue;
                }
                candidates(rule, b, &index, &book, n_ledger, &mut cands);
                for &ci in &cands {
                    if !book_open[ci as usize] {
                        continue;
                    }
                    let Some(eval) = evaluate(rule, b, &book[ci as usize], &names) else { continue };
                    if eval.score < rule.min_score {
                        if best_below.is_none_or(|(_, s)| eval.score > s) {
                            best_below = Some((ri, eval.score));
                        }
                        continue;
                    }
                    match found.iter_mut().find(|(c, _, _)| *c == ci) {
                        Some(slot) if eval.score > slot.2.score => *slot = (ci, ri, eval),
                        Some(_) => {}
                        None => found.push((ci, ri, eval)),
                    }
                }
            }
            for &(ci, _, eval) in &found {
                let bb = &mut book_best[ci as usize];
                bb.offer(eval.score, bi);
            }
            per_bank.push((bi, found, best_below));
        }
        for (bi, mut found, best_below) in per_bank {
            let b = &bank[bi as usize];
            found.sort_by(|x, y| {
                let (cx, cy) = (&book[x.0 as usize], &book[y.0 as usize]);
                y.2.name_exact
                    .cmp(&x.2.name_exact)
                    .then(x.2.difference.abs().cmp(&y.2.difference.abs()))
                    .then(x.2.days.map(i32::abs).cmp(&y.2.days.map(i32::abs)))
                    .then(cx.is_ledger().cmp(&cy.is_ledger()).reverse())
                    .then(cx.id().cmp(cy.id()))
            });
            let mut reasons: Vec<String> = Vec::new();
            if found.is_empty() {
                match best_below {
                    Some((ri, s)) => {
                        let rule = &self.rules.rules()[ri];
                        reasons.push(format!(
                            "best candidate scored {s:.3} under rule {}, below the proposal minimum {}",
                            rule.name, rule.min_score
                        ));
                    }
                    None => reasons.push(no_candidate_reason(b)),
                }
            }
            let mut out: Vec<Candidate> = Vec::new();
            for &(ci, ri, eval) in found.iter().take(max) {
                let rule = &self.rules.rules()[ri];
                let c = &book[ci as usize];
                let rivals_here = found.iter().any(|o| o.0 != ci && (o.2.score - eval.score).abs() < rule.margin);
                let bb = book_best[ci as usize];
                let contested =
                    (bb.bank != bi && bb.score >= eval.score - rule.margin) || (bb.bank == bi && bb.score - bb.second < rule.margin);
                let ambiguous = rivals_here || contested;
                proposed_for[ci as usize].get_or_insert(bi);
                let mut why = pair_reasons(rule, b, c, &eval, &names, &mut scratch);
                if eval.names_differ && rule.auto_match && eval.score >= rule.accept {
                    why.push(names_differ_reason(rule, &eval));
                } else if ambiguous && eval.score >= rule.accept {
                    why.push("ambiguous: another candidate scores within the margin, not matched automatically".into());
                } else if eval.score < rule.accept {
                    why.push(format!("score {:.3} below acceptance {} of rule {}", eval.score, rule.accept, rule.name));
                }
                let (ledger_entries, open_items) = member_ids(c);
                out.push(Candidate {
                    bank_entries: Vec::new(),
                    ledger_entries,
                    open_items,
                    rule: rule.name.clone(),
                    score: eval.score,
                    components: shared_components.get(ri, rule, &eval),
                    reasons: why,
                    ambiguous,
                });
            }
            if let Some(notes) = group_notes.remove(b.entry.id.as_str()) {
                reasons.extend(notes);
            }
            if let Some(groups) = group_candidates.remove(b.entry.id.as_str()) {
                out.extend(groups);
            }
            if !out.is_empty() {
                // Over every candidate, the groups' too (a bank entry may have only those).
                let top_score = out.iter().map(|c| c.score).fold(0.0, f64::max);
                let n_amb = out.iter().filter(|c| c.ambiguous).count();
                reasons.push(if n_amb > 0 {
                    format!("{} candidate(s), {n_amb} ambiguous (best score {top_score:.3})", out.len())
                } else {
                    // Each candidate says why: below its rule's acceptance, or a group not proven.
                    format!("{} candidate(s), none matched automatically (best score {top_score:.3})", out.len())
                });
                proposals.push(Proposal { bank_entry: b.entry.id.clone(), candidates: out });
            }
            unmatched_bank.push(Unmatched { id: b.entry.id.clone(), reasons });
        }

        let mut unmatched_ledger = Vec::new();
        let mut unmatched_open_items = Vec::new();
        for (ci, c) in book.iter().enumerate() {
            if !book_open[ci] {
                // An item paid in part by this run stays open for the rest.
                let Some(&remaining) = ci.checked_sub(n_ledger).and_then(|k| item_left.get(k)) else { continue };
                let paid = applied[ci - n_ledger];
                if paid.is_zero() || paid >= remaining {
                    continue;
                }
                let rest = remaining - paid;
                let reason = format!("paid in part: {paid} of {remaining} {} applied, {rest} still open", c.currency);
                unmatched_open_items.push(Unmatched { id: c.id().to_owned(), reasons: vec![reason] });
                continue;
            }
            let reason = match proposed_for[ci] {
                Some(bi) => format!("proposed for bank entry {}", bank[bi as usize].entry.id),
                None => "no open bank entry agrees on amount, reference or settlement number within the rules".to_owned(),
            };
            let u = Unmatched { id: c.id().to_owned(), reasons: vec![reason] };
            if c.is_ledger() {
                unmatched_ledger.push(u);
            } else {
                unmatched_open_items.push(u);
            }
        }
        let open_bank = bank.iter().zip(&bank_open).filter(|(_, &open)| open).map(|(b, _)| b.entry).collect();

        // The accepted pairs become records last, once the views, the index and the group pass
        // are freed: a record takes twice the memory of its pair, and they are four in five
        // entries. Pairs first, then groups, as accepted.
        drop((bank, book, index, book_best, proposed_for, names));
        let n_pairs = pairs.iter().map(Vec::len).sum::<usize>();
        let mut matches: Vec<MatchRecord> = Vec::with_capacity((n_pairs + group_records.len()).max(part.records_room));
        let mut new_ids: HashSet<String> = HashSet::default();
        // Each rule's name as the label its records share, looked up once per rule.
        let mut rule_labels: Vec<Option<Arc<str>>> = vec![None; self.rules.rules().len()];
        for chunk in pairs {
            for pair in chunk {
                let rule = &self.rules.rules()[pair.rule_at];
                let origin = rule_labels[pair.rule_at].get_or_insert_with(|| labels.get(&rule.name)).clone();
                matches.push(make_record(rule, origin, pair, &mut labels, now, used_ids, &mut new_ids));
            }
        }
        matches.extend(group_records);
        PartOutcome { open_bank, matches, proposals, unmatched_bank, unmatched_ledger, unmatched_open_items }
    }
}

/// Keeps the views still open, in their order, and gives back the memory of the others; every
/// flag is then `true`. Returns the flags as they were.
fn keep_open<T>(views: &mut Vec<T>, open: &mut Vec<bool>) -> Vec<bool> {
    let mut flags = open.iter().copied();
    views.retain(|_| flags.next().unwrap_or(false));
    views.shrink_to_fit();
    std::mem::replace(open, vec![true; views.len()])
}

/// One independent part of the input: bank entries and the book records only they can match.
#[derive(Debug, Default)]
struct Part<'a> {
    bank: Vec<&'a BankEntry>,
    ledger: Vec<&'a LedgerEntry>,
    /// Open items with the amount still open on each.
    items: Vec<(&'a OpenItem, Decimal)>,
    /// Room its list of records reserves (at least its own records): the first part's list
    /// becomes the outcome's, and the caller adds the other records to it.
    records_room: usize,
}

/// What one part gives back.
#[derive(Debug, Default)]
struct PartOutcome<'a> {
    /// The bank entries the part leaves open (each also in `unmatched_bank`).
    open_bank: Vec<&'a BankEntry>,
    matches: Vec<MatchRecord>,
    proposals: Vec<Proposal>,
    unmatched_bank: Vec<Unmatched>,
    unmatched_ledger: Vec<Unmatched>,
    unmatched_open_items: Vec<Unmatched>,
}

/// Splits the input into parts that cannot affect each other (see [`MatchInput::with_threads`]),
/// in a fixed order: by currency code, then by account id. Entries keep their order (by id).
fn partition<'a>(
    bank: &[&'a BankEntry],
    ledger: Vec<&'a LedgerEntry>,
    items: Vec<(&'a OpenItem, Decimal)>,
    lookup: &AccountLookup<'a>,
) -> Vec<Part<'a>> {
    // The account a record is tied to, or `None` when any account of its currency may match it.
    let bank_key = |e: &BankEntry| (e.currency, lookup.by_identifier(&e.account).map(|a| a.id.as_str()));
    let ledger_key = |l: &LedgerEntry| (l.currency, lookup.by_gl_account(&l.gl_account).map(|a| a.id.as_str()));
    let item_key = |i: &OpenItem| (i.currency, i.bank_account.as_deref().and_then(|named| lookup.expected(named)).map(|a| a.id.as_str()));
    let all_keys =
        || bank.iter().map(|e| bank_key(e)).chain(ledger.iter().map(|l| ledger_key(l))).chain(items.iter().map(|(i, _)| item_key(i)));
    // The keys records have. Records come in runs of one key (a statement, a GL account), so a
    // key is collected only where a run starts; nothing is kept per record (a million records'
    // keys were 50 MB).
    let mut given: BTreeSet<(Currency, Option<&str>)> = BTreeSet::new();
    let mut last = None;
    for k in all_keys() {
        if last != Some(k) {
            given.insert(k);
            last = Some(k);
        }
    }
    // A currency with a record tied to no account is one part: any of its accounts may match it.
    let shared: HashSet<Currency> = given.iter().filter(|(_, account)| account.is_none()).map(|&(c, _)| c).collect();
    let key = |(currency, account): (Currency, Option<&'a str>)| (currency, if shared.contains(&currency) { None } else { account });
    // A handful of parts, in key order.
    let keys: Vec<(Currency, Option<&str>)> = given.iter().map(|&k| key(k)).collect::<BTreeSet<_>>().into_iter().collect();
    match keys.len() {
        0 => return Vec::new(),
        // One part (the usual case): the lists move in whole.
        1 => return vec![Part { bank: bank.to_vec(), ledger, items, records_room: 0 }],
        _ => {}
    }
    let mut parts: Vec<Part<'a>> = keys.iter().map(|_| Part::default()).collect();
    // Every record's key is in `keys` (made from the same keys), so the search never misses.
    let slot = |k: (Currency, Option<&'a str>)| keys.binary_search(&key(k)).unwrap_or_default();
    for &e in bank {
        parts[slot(bank_key(e))].bank.push(e);
    }
    for l in ledger {
        parts[slot(ledger_key(l))].ledger.push(l);
    }
    for item in items {
        parts[slot(item_key(item.0))].items.push(item);
    }
    parts
}

/// Runs `work` over the parts on up to `threads` threads (0: the cores available), returning
/// the outcomes in the parts' order.
fn run_parts<'a, F>(parts: Vec<Part<'a>>, threads: usize, work: F) -> Vec<PartOutcome<'a>>
where
    F: Fn(Part<'a>) -> PartOutcome<'a> + Sync,
{
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    }
    .min(parts.len());
    if threads <= 1 {
        return parts.into_iter().map(work).collect();
    }
    // Largest parts first, so one big part does not start last; results go back to their slot.
    let mut queue: Vec<(usize, Part<'a>)> = parts.into_iter().enumerate().collect();
    queue.sort_by_key(|(i, p)| (std::cmp::Reverse(p.bank.len() + p.ledger.len() + p.items.len()), *i));
    let slots = queue.len();
    let queue = std::sync::Mutex::new(queue.into_iter());
    let results = std::sync::Mutex::new((0..slots).map(|_| None).collect::<Vec<Option<PartOutcome<'a>>>>());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let next = queue.lock().map(|mut q| q.next()).unwrap_or(None);
                let Some((slot, part)) = next else { break };
                let outcome = work(part);
                if let Ok(mut r) = results.lock() {
                    r[slot] = Some(outcome);
                }
            });
        }
    });
    results.into_inner().unwrap_or_default().into_iter().flatten().collect()
}

/// Adds a reversal or transfer proposal: as a candidate of the entry's proposal (made if the
/// entry has none), with the reasons on its unmatched line.
fn merge_pair_proposal(
    proposals: &mut Vec<Proposal>,
    proposal_at: &mut HashMap<String, usize>,
    unmatched: &mut [Unmatched],
    unmatched_at: &HashMap<String, usize>,
    p: PairProposal,
    paired: &HashSet<&str>,
) {
    if paired.contains(p.bank_entry.as_str()) {
        return;
    }
    let ambiguous = p.candidates.len() > 1;
    let candidates: Vec<Candidate> = p
        .candidates
        .into_iter()
        .filter(|c| !paired.contains(c.bank_entry.as_str()))
        .map(|c| Candidate {
            bank_entries: vec![c.bank_entry],
            ledger_entries: Vec::new(),
            open_items: Vec::new(),
            rule: p.rule.to_owned(),
            score: c.score,
            components: Arc::default(),
            reasons: c.reasons,
            ambiguous,
        })
        .collect();
    if candidates.is_empty() {
        return;
    }
    if let Some(&i) = unmatched_at.get(&p.bank_entry) {
        unmatched[i].reasons.extend(p.reasons);
    }
    match proposal_at.get(&p.bank_entry) {
        Some(&i) => proposals[i].candidates.extend(candidates),
        None => {
            proposal_at.insert(p.bank_entry.clone(), proposals.len());
            proposals.push(Proposal { bank_entry: p.bank_entry, candidates });
        }
    }
}

/// Puts at each position `p` the item that was at `source[p]` (`source` a permutation), moving
/// each item once along the permutation's cycles, without a second buffer.
fn permute<T>(items: &mut [T], mut source: Vec<usize>) {
    for start in 0..source.len() {
        // A settled position points to itself; the item first at `start` travels along the
        // cycle until the position that takes it.
        let mut p = start;
        while source[p] != start && source[p] != p {
            let from = source[p];
            items.swap(p, from);
            source[p] = p;
            p = from;
        }
        source[p] = p;
    }
}

/// Positions of the entries sorted by id, `None` when they already are; refuses empty and repeated
/// ids.
fn sorted_ids<'a>(ids: impl Iterator<Item = &'a str> + Clone, side: EntrySide) -> Result<Option<Vec<usize>>, MatchError> {
    if let Some(index) = ids.clone().position(str::is_empty) {
        return Err(MatchError::EmptyId { side, index });
    }
    // Inputs usually come in id order: one pass proves them sorted and free of repeats, and
    // nothing is allocated (a million ids and positions were 24 MB).
    let mut previous: Option<&str> = None;
    if ids.clone().all(|id| previous.replace(id).is_none_or(|p| p < id)) {
        return Ok(None);
    }
    let ids: Vec<&str> = ids.collect();
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_unstable_by(|&a, &b| ids[a].cmp(ids[b]));
    if let Some(w) = order.windows(2).find(|w| ids[w[0]] == ids[w[1]]) {
        return Err(MatchError::DuplicateId { side, id: ids[w[0]].to_owned() });
    }
    Ok(Some(order))
}

/// The records in id order: `order` from [`sorted_ids`].
fn in_id_order<'r, T>(records: &'r Records<'_, T>, order: Option<&'r [usize]>) -> impl Iterator<Item = &'r T> + 'r {
    (0..records.len()).filter_map(move |i| records.get(order.map_or(Some(i), |o| o.get(i).copied())?))
}

/// Book records a rule looks at for a bank entry: by settlement number, by reference, or by
/// amount (exact, or the tolerance band), never by scanning the whole book. `book` holds the
/// ledger lines' views first, `n_ledger` of them, then the open items'.
fn candidates(rule: &Rule, b: &BankView<'_>, index: &BookIndex, book: &[BookView<'_>], n_ledger: usize, out: &mut Vec<u32>) {
    out.clear();
    if rule.settlement_number {
        if let Some(s) = b.settlement {
            index.settlement(s, book, out);
        }
    } else if let Some(cond) = rule.reference {
        let limit = if cond == ReferenceCondition::Equal { b.structured() } else { b.refs.len() };
        for r in &b.refs[..limit] {
            index.reference(&r.value, book, out);
        }
    } else {
        let (currency, minor) = (b.currency, b.minor());
        let bank_date = rule.date_window.and_then(|w| bank_date(b, w.field));
        if let (true, Some(w), Some(d)) = (rule.amount.is_exact(), rule.date_window, bank_date) {
            // The bank date may be `before` days before and `after` days after the book date.
            index.amount_on_dates(currency, minor, d - w.after as i32, d + w.before as i32, out);
        } else if rule.amount.is_exact() {
            index.amount_range(currency, minor, minor, None, out);
        } else if rule.date_window.is_none() || bank_date.is_some() {
            // The limit is relative to the book amount; twice the bank amount bounds it. The
            // rule's date window is the one `evaluate` applies (a rule with a window refuses an
            // entry without a date, hence no candidates then).
            let limit = rule.amount.limit(b.signed.abs().checked_mul(bankrec_model::Decimal::TWO).unwrap_or(bankrec_model::Decimal::MAX));
            let tol = minor_units(limit, currency).saturating_add(1);
            let dates = rule.date_window.zip(bank_date).map(|(w, d)| (d - w.after as i32, d + w.before as i32));
            index.amount_range(currency, minor.saturating_sub(tol), minor.saturating_add(tol), dates, out);
        }
    }
    // A rule for one kind of record: the other kind is dropped by position, where `evaluate`
    // would refuse each after reading its view (a cache miss apiece, half the candidates of an
    // amount search).
    let (ledger, items) = (rule.considers_ledger(), rule.considers_open_items());
    if !(ledger && items) {
        out.retain(|&i| if (i as usize) < n_ledger { ledger } else { items });
    }
    if out.len() > 1 {
        out.sort_unstable();
        out.dedup();
    }
}

fn no_candidate_reason(b: &BankView<'_>) -> String {
    let mut what = vec!["amount"];
    if !b.refs.is_empty() {
        what.push("reference");
    }
    if b.settlement.is_some() {
        what.push("settlement number");
    }
    format!("no open ledger entry or open item with the same {} within the rules' conditions", what.join(", "))
}

fn member_ids(c: &BookView<'_>) -> (Vec<String>, Vec<String>) {
    match c.record {
        BookRecord::Ledger(l, _) => (vec![l.id.clone()], Vec::new()),
        BookRecord::Item(i, _) => (Vec::new(), vec![i.id.clone()]),
    }
}

/// Why a pair agrees, in the accountant's words.
///
/// `scratch` is a working buffer the caller keeps between calls (its contents do not matter).
pub(crate) fn pair_reasons(
    rule: &Rule,
    b: &BankView<'_>,
    c: &BookView<'_>,
    eval: &Eval,
    names: &Names,
    scratch: &mut String,
) -> Vec<String> {
    // Two complete sentences at most: amount, date, name and settlement number in the first, the
    // reference in the second. A million records should not carry a dozen strings each; the score
    // and the rule are in the record itself. Written with `push_str` rather than `format!`, which
    // cost a sixth of a run.
    let cur = b.currency.code_bytes();
    let mut out = Vec::with_capacity(2);
    let first = scratch;
    first.clear();
    if eval.difference.is_zero() {
        first.push_str("amount equal ");
        push_decimal(first, b.signed);
        first.push(' ');
        push_ascii(first, &cur);
    } else {
        first.push_str("amount differs by ");
        push_decimal(first, eval.difference);
        first.push(' ');
        push_ascii(first, &cur);
        first.push_str(" (bank ");
        push_decimal(first, b.signed);
        first.push_str(", book ");
        push_decimal(first, c.signed);
        first.push_str("), within the tolerance of rule ");
        first.push_str(&rule.name);
    }
    match eval.days {
        Some(0) => first.push_str(", same date"),
        Some(d) => {
            first.push_str(", bank date ");
            push_int(first, i64::from(d).abs());
            first.push_str(if d < 0 { " day(s) before the book date" } else { " day(s) after the book date" });
        }
        None => first.push_str(", no date to compare"),
    }
    if let Some(s) = eval.part(3) {
        if eval.name_exact {
            first.push_str(", name equal (");
            first.push_str(names.get(b.name_id));
            first.push(')');
        } else {
            first.push_str(", name similarity ");
            push_fraction(first, s, 2);
            first.push_str(" (");
            first.push_str(names.get(b.name_id));
            first.push_str(" ~ ");
            first.push_str(names.get(c.name_id));
            first.push(')');
        }
    }
    if eval.part(4) == Some(1.0) {
        first.push_str(", settlement number ");
        first.push_str(b.settlement.map_or("", |s| names.settlement(s)));
        first.push_str(" equal");
    }
    // Exact sizes: a million records keep these strings. Written in the caller's buffer and copied
    // out, so that a record costs no working allocation of its own.
    out.push(first.as_str().to_owned());
    if let Some((hit, ci)) = eval.ref_hit {
        let r = &c.refs[ci];
        let line = first;
        line.clear();
        line.push_str("reference ");
        line.push_str(&r.value);
        match hit {
            RefHit::Structured(_) | RefHit::Text(_) => {
                line.push_str(" (");
                line.push_str(r.kind.as_str());
                line.push_str(if matches!(hit, RefHit::Structured(_)) {
                    ") equal to the payment's structured reference"
                } else {
                    ") found in the remittance text"
                });
            }
            RefHit::Similar(bi) => {
                line.push_str(" resembles ");
                line.push_str(&b.refs[bi].value);
                line.push_str(" in the remittance text (one character differs)");
            }
        }
        out.push(line.as_str().to_owned());
    } else if eval.part(2) == Some(0.0) {
        out.push("the payment's reference differs from the book reference".to_owned());
    }
    out
}

/// Why a pair whose names differ is proposed rather than matched.
fn names_differ_reason(rule: &Rule, eval: &Eval) -> String {
    let least = rule.auto_match_name_similarity.unwrap_or_default();
    let similarity = eval.part(3).unwrap_or_default();
    format!(
        "the names differ (similarity {similarity:.2}, below {least} for an automatic match under rule {}), not matched automatically",
        rule.name
    )
}

/// The first eight bytes of an id, big-endian and padded with zeros: `id_prefix(a) < id_prefix(b)`
/// implies `a < b`, and equal prefixes leave the order to the rest.
fn id_prefix(id: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let head = &id.as_bytes()[..id.len().min(8)];
    bytes[..head.len()].copy_from_slice(head);
    u64::from_be_bytes(bytes)
}

/// Appends a decimal as `Display` writes it (sign, all digits of its scale).
fn push_decimal(out: &mut String, d: bankrec_model::Decimal) {
    let mantissa = d.mantissa();
    let scale = d.scale() as usize;
    // Digits from the right, the point among them; then copied out once. Amounts fit 64 bits,
    // where a division by ten is a multiplication rather than a call.
    let mut buf = [0u8; 48];
    let mut i = buf.len();
    let mut put = |digit: u8, written: &mut usize| {
        if *written == scale && scale > 0 {
            i -= 1;
            buf[i] = b'.';
        }
        i -= 1;
        buf[i] = b'0' + digit;
        *written += 1;
    };
    let mut written = 0usize;
    match u64::try_from(mantissa.unsigned_abs()) {
        Ok(mut v) => loop {
            put((v % 10) as u8, &mut written);
            v /= 10;
            if v == 0 {
                break;
            }
        },
        Err(_) => {
            let mut v = mantissa.unsigned_abs();
            loop {
                put((v % 10) as u8, &mut written);
                v /= 10;
                if v == 0 {
                    break;
                }
            }
        }
    }
    // At least one digit before the point.
    while written <= scale {
        put(0, &mut written);
    }
    if mantissa < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    push_ascii(out, &buf[i..]);
}

/// Appends ASCII bytes as characters: for the few bytes of an amount or a currency code, cheaper
/// than the UTF-8 check of `str::from_utf8` (a sixth of the cost of a record's reasons).
fn push_ascii(out: &mut String, bytes: &[u8]) {
    out.extend(bytes.iter().map(|&b| char::from(b)));
}

fn push_int(out: &mut String, v: i64) {
    push_decimal(out, bankrec_model::Decimal::from(v));
}

/// Appends a number from 0 to 1 with `places` decimals, as `{:.N}` would.
fn push_fraction(out: &mut String, x: f64, places: u32) {
    let factor = 10f64.powi(places as i32);
    let scaled = (x.clamp(0.0, 1.0) * factor).round() as i64;
    push_decimal(out, bankrec_model::Decimal::new(scaled, places));
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A deterministic record id: a hash of the rule (or `manual`) and the sorted member ids, with a
/// suffix when an earlier record (a cancelled one) already used it.
pub(crate) fn record_id(origin: &str, bank: &[&str], ledger: &[&str], items: &[&str], used: &dyn Fn(&str) -> bool) -> String {
    let mut h = Sha256::new();
    h.update(origin.as_bytes());
    for (tag, ids) in [(b'B', bank), (b'L', ledger), (b'I', items)] {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        for id in ids {
            h.update([0x1e, tag]);
            h.update(id.as_bytes());
        }
    }
    let digest = h.finalize();
    let mut base = String::with_capacity(18);
    base.push_str("m-");
    for b in digest.iter().take(8) {
        base.push(char::from(HEX[usize::from(b >> 4)]));
        base.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    if !used(&base) {
        return base;
    }
    (2..).map(|n| format!("{base}-{n}")).find(|id| !used(id)).unwrap_or(base)
}

/// Appends one part of a pair's record id, with `:` written `%3A` and `%` written `%25`.
fn push_id_part(id: &mut String, part: &str) {
    // By bytes: both marks are ASCII, and a byte scan is several times faster than by characters.
    if !part.bytes().any(|b| b == b':' || b == b'%') {
        id.push_str(part);
        return;
    }
    for c in part.chars() {
        match c {
            ':' => id.push_str("%3A"),
            '%' => id.push_str("%25"),
            c => id.push(c),
        }
    }
}

/// Accepted pairs are kept in chunks of this many: building their records frees each chunk in
/// turn, where one list (100 MB at 1M) would stay whole until the last record is built.
const PAIR_CHUNK: usize = 1 << 16;

/// A pair a one-to-one rule accepted, with what its record needs from the views (the reasons
/// written out already).
struct Accepted<'a> {
    entry: &'a BankEntry,
    book: BookRecord<'a>,
    account: Option<&'a BankAccount>,
    book_signed: Decimal,
    /// Bank minus book.
    difference: Decimal,
    score: f64,
    components: Arc<[bankrec_model::ScoreComponent]>,
    reasons: Vec<String>,
    rule_at: usize,
}

/// The record of an accepted pair; `origin` is the rule's name as its records share it, and
/// `labels` shares the account label among records.
#[allow(clippy::too_many_arguments)]
fn make_record(
    rule: &Rule,
    origin: Arc<str>,
    pair: Accepted<'_>,
    labels: &mut Labels,
    now: Timestamp,
    existing: &HashSet<&str>,
    new_ids: &mut HashSet<String>,
) -> MatchRecord {
    let entry = pair.entry;
    // One bank entry and one book record: the readable `rule:bank:book` is unique among active
    // records and costs no hash; a suffix tells it apart from a cancelled record of the same pair.
    // A colon inside a part is escaped (`%3A`, and `%` as `%25`), so that no two pairs share an id.
    let book_id = match pair.book {
        BookRecord::Ledger(l, _) => l.id.as_str(),
        BookRecord::Item(i, _) => i.id.as_str(),
    };
    let mut id = String::with_capacity(rule.name.len() + entry.id.len() + book_id.len() + 2);
    push_id_part(&mut id, &rule.name);
    id.push(':');
    push_id_part(&mut id, &entry.id);
    id.push(':');
    push_id_part(&mut id, book_id);
    // Without existing records no id repeats: an entry is in one pair at most.
    if !existing.is_empty() && (existing.contains(id.as_str()) || new_ids.contains(&id)) {
        let base = id.clone();
        id = (2..).map(|n| format!("{base}-{n}")).find(|c| !existing.contains(c.as_str()) && !new_ids.contains(c)).unwrap_or(base);
    }
    if !existing.is_empty() {
        // Only needed to tell apart records of a pair matched, cancelled and matched again.
        new_ids.insert(id.clone());
    }
    let mut r = MatchRecord::new(id, entry.currency, MatchOrigin::Rule(origin), now, ENGINE_ACTOR);
    r.account = Some(labels.get(pair.account.map_or_else(|| entry.account.as_str(), |a| a.id.as_str())));
    r.bank_entries = vec![entry.id.clone()];
    match pair.book {
        BookRecord::Ledger(l, _) => r.ledger_entries = vec![l.id.clone()],
        BookRecord::Item(i, _) => r.open_items = vec![OpenItemAllocation { id: i.id.clone(), amount: pair.book_signed.abs() }],
    }
    if !pair.difference.is_zero() {
        if let Some(adj) = &rule.adjustment {
            r.adjustments.push(AdjustmentLine {
                account: adj.account.clone(),
                amount: pair.difference,
                currency: entry.currency,
                kind: adj.kind,
                description: Some(format!("difference within the tolerance of rule {}", rule.name)),
            });
        }
    }
    r.score = pair.score;
    r.components = pair.components;
    r.reasons = pair.reasons;
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use bankrec_model::Decimal;

    #[test]
    fn sorted_ids_orders_and_refuses_repeats() {
        let sorted = |ids: &[&str]| sorted_ids(ids.iter().copied(), EntrySide::Ledger);
        assert_eq!(sorted(&["a", "b", "c"]), Ok(None), "in order already");
        assert_eq!(sorted(&["c", "a", "b"]), Ok(Some(vec![1, 2, 0])));
        let repeated = |id: &str| Err(MatchError::DuplicateId { side: EntrySide::Ledger, id: id.into() });
        assert_eq!(sorted(&["a", "b", "b"]), repeated("b"), "in order, repeated");
        assert_eq!(sorted(&["b", "a", "b"]), repeated("b"), "out of order, repeated");
        assert_eq!(sorted(&["a", ""]), Err(MatchError::EmptyId { side: EntrySide::Ledger, index: 1 }));
    }

    proptest::proptest! {
        #[test]
        fn push_decimal_agrees_with_display(m in proptest::num::i128::ANY, scale in 0u32..=28, small in proptest::num::i64::ANY) {
            // Any mantissa a Decimal holds (96 bits), and ones that fit 64 bits.
            for m in [m >> 32, i128::from(small)] {
                let d = Decimal::from_i128_with_scale(m, scale);
                let mut s = String::new();
                push_decimal(&mut s, d);
                proptest::prop_assert_eq!(s, d.to_string());
            }
        }

        #[test]
        fn id_prefixes_order_as_ids_do(a in "[AB\\x00é]{0,12}", b in "[AB\\x00é]{0,12}") {
            let by_key = (id_prefix(&a), a.as_str()).cmp(&(id_prefix(&b), b.as_str()));
            proptest::prop_assert_eq!(by_key, a.cmp(&b));
        }

        #[test]
        fn permute_moves_each_item_to_its_place(order in proptest::collection::vec(proptest::num::u32::ANY, 0..60)) {
            // A permutation: the positions sorted by random keys.
            let mut source: Vec<usize> = (0..order.len()).collect();
            source.sort_by_key(|&i| order[i]);
            let mut items: Vec<String> = (0..order.len()).map(|i| format!("item {i}")).collect();
            let expected: Vec<String> = source.iter().map(|&i| items[i].clone()).collect();
            permute(&mut items, source);
            proptest::prop_assert_eq!(items, expected);
        }
    }

    #[test]
    fn parts_per_account_when_the_map_ties_every_record_to_one() {
        let mut s = bankrec_synth::Scenario::generate(&bankrec_synth::ScenarioConfig::new(7, 600));
        let accounts = s.accounts().clone();
        let bank: Vec<&BankEntry> = s.bank_entries.iter().collect();
        let ledger: Vec<&LedgerEntry> = s.ledger_entries.iter().collect();
        // Open items that name no bank account could be paid into either: one part.
        let items: Vec<(&OpenItem, Decimal)> = s.open_items.iter().map(|i| (i, i.open_amount)).collect();
        assert_eq!(partition(&bank, ledger.clone(), items.clone(), &AccountLookup::new(Some(&accounts))).len(), 1);
        assert_eq!(partition(&bank, ledger.clone(), items, &AccountLookup::new(None)).len(), 1);
        for i in &mut s.open_items {
            i.bank_account = Some("main".into());
        }
        let items: Vec<(&OpenItem, Decimal)> = s.open_items.iter().map(|i| (i, i.open_amount)).collect();
        let parts = partition(&bank, ledger, items, &AccountLookup::new(Some(&accounts)));
        assert_eq!(parts.len(), 2);
        assert_eq!(parts.iter().map(|p| p.bank.len()).sum::<usize>(), bank.len());
        assert!(parts[1].items.is_empty() && !parts[1].bank.is_empty(), "the savings account has no open items");
    }

    #[test]
    fn push_decimal_writes_what_display_writes() {
        for (m, scale) in
            [(0i64, 0u32), (0, 2), (5, 2), (-5, 2), (12000, 2), (-12000, 2), (1, 3), (123456789, 4), (7, 0), (-7, 0), (i64::MAX, 5)]
        {
            let d = Decimal::new(m, scale);
            let mut s = String::new();
            push_decimal(&mut s, d);
            assert_eq!(s, d.to_string(), "{m} scale {scale}");
        }
        let mut s = String::new();
        push_int(&mut s, -42);
        push_fraction(&mut s, 0.8749, 2);
        assert_eq!(s, "-420.87");
    }
}
