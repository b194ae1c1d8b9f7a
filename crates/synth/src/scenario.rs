//! Labelled matching scenarios: bank entries, ledger entries and open items with the truth
//! between them. One-to-one kinds of noise are [`TruePair`]s; everything else (split, partial and
//! batch payments, settlements, reversals, internal transfers) is a [`TrueGroup`].
//!
//! The same [`ScenarioConfig`] (seed included) always gives the same scenario.

use std::io::Write;

use bankrec_model::{
    AccountId, AccountMap, BankAccount, BankEntry, CreditorReference, Currency, Date, Decimal, Direction, GlAccount, LedgerEntry, OpenItem,
    OpenItemKind, Party, PaymentMethod,
};
use time::Duration;

mod groups;

/// The kind of noise a true pair or group (or an entry without counterpart) carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Noise {
    /// Same amount, reference quoted, name as booked, bank date 0 or 1 day after the book date.
    Clean,
    /// The bank date 2 to 5 days before or after the book date.
    DateShift,
    /// The reference inside free text with one character mistyped, or left out.
    ReferenceTypo,
    /// The payer's name written differently: upper case, other legal form, word order, accents
    /// dropped or spelled out, truncated.
    NameVariant,
    /// A bank fee deducted from a deposit: the bank amount is lower than the book amount.
    BankFee,
    /// The payer paid a little more: rounded up to a whole unit, or 0.01 to 5.00 too much.
    OverPayment,
    /// The payer paid a little less: a 2 % early-payment discount taken, or 0.01 to 5.00 short.
    UnderPayment,
    /// Two or three payments of the same amount on the same day by different payers.
    SameAmountSameDay,
    /// One deposit pays 2 to 4 receivables of one customer; the remittance quotes their
    /// references (free text or structured documents) or, in 4 of 10 cases, none at all.
    SplitPayment,
    /// One open item paid by 2 or 3 entries of the same payer quoting its reference, or paid
    /// 30 to 70 % by one entry with the rest left open ([`TrueGroup::applied`] says how much).
    PartialPayment,
    /// A camt batch entry whose transaction details pay several ledger lines or open items, or
    /// card acquirer / PSP payouts and sales lines sharing a settlement number (many-to-many).
    BatchPayment,
    /// An entry and its reversal (`RvslInd`, opposite direction, same amount and references, a few
    /// days later); no book counterpart.
    Reversal,
    /// A withdrawal on one of the company's accounts and the deposit on the other, with or without
    /// ledger lines for it.
    InternalTransfer,
    /// An entry with no counterpart on the other side (bank-only or book-only).
    NoCounterpart,
}

impl Noise {
    /// Number of noise kinds.
    pub const COUNT: usize = 14;

    /// Every noise kind, in report order.
    pub const ALL: [Noise; Noise::COUNT] = [
        Noise::Clean,
        Noise::DateShift,
        Noise::ReferenceTypo,
        Noise::NameVariant,
        Noise::BankFee,
        Noise::OverPayment,
        Noise::UnderPayment,
        Noise::SameAmountSameDay,
        Noise::SplitPayment,
        Noise::PartialPayment,
        Noise::BatchPayment,
        Noise::Reversal,
        Noise::InternalTransfer,
        Noise::NoCounterpart,
    ];

    /// A short label for tables: `clean`, `date_shift`, ...
    pub fn label(self) -> &'static str {
        match self {
            Noise::Clean => "clean",
            Noise::DateShift => "date_shift",
            Noise::ReferenceTypo => "reference_typo",
            Noise::NameVariant => "name_variant",
            Noise::BankFee => "bank_fee",
            Noise::OverPayment => "over_payment",
            Noise::UnderPayment => "under_payment",
            Noise::SameAmountSameDay => "same_amount_same_day",
            Noise::SplitPayment => "split_payment",
            Noise::PartialPayment => "partial_payment",
            Noise::BatchPayment => "batch_payment",
            Noise::Reversal => "reversal",
            Noise::InternalTransfer => "internal_transfer",
            Noise::NoCounterpart => "no_counterpart",
        }
    }

    /// True for the kinds recorded as [`TrueGroup`]s rather than [`TruePair`]s.
    pub fn is_group(self) -> bool {
        matches!(self, Noise::SplitPayment | Noise::PartialPayment | Noise::BatchPayment | Noise::Reversal | Noise::InternalTransfer)
    }
}

/// A book-side record id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BookRef {
    /// A ledger entry id.
    Ledger(String),
    /// An open item id.
    OpenItem(String),
}

impl BookRef {
    /// The id.
    pub fn id(&self) -> &str {
        match self {
            BookRef::Ledger(id) | BookRef::OpenItem(id) => id,
        }
    }
}

/// One true pair: a bank entry and the book record it pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruePair {
    /// The bank entry id.
    pub bank: String,
    /// The book record.
    pub book: BookRef,
    /// The noise the pair carries.
    pub noise: Noise,
}

/// An amount a bank entry applies to an open item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The bank entry id.
    pub bank: String,
    /// The open item id.
    pub item: String,
    /// The amount applied (unsigned), less than the item's amount when it is paid partly.
    pub amount: Decimal,
}

/// A smaller record that is also right: see [`TrueGroup::parts`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruePart {
    /// Bank entry ids.
    pub bank: Vec<String>,
    /// Book records.
    pub book: Vec<BookRef>,
}

/// A true group: bank entries and book records that belong together but are not one bank entry
/// and one book record (split, partial and batch payments, settlements, reversals, internal
/// transfers).
///
/// A match record is right for the group when its members are exactly the group's, or exactly the
/// union of one or more of its [`parts`](TrueGroup::parts); and, for every open item it allocates
/// to, the amount equals what the group's [`applied`](TrueGroup::applied) amounts of the record's
/// bank entries sum to for that item.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrueGroup {
    /// The noise kind.
    pub noise: Noise,
    /// Bank entry ids, in booking order (a reversal after its original).
    pub bank: Vec<String>,
    /// Book records: ledger entries and open items. Empty for a reversal and for an internal
    /// transfer the books have no lines for.
    pub book: Vec<BookRef>,
    /// What each bank entry applies to each open item of the group (none for ledger lines).
    pub applied: Vec<Applied>,
    /// Smaller records that are right on their own: each instalment of a partial payment with its
    /// item, each leg of an internal transfer with its own ledger line. A union of parts is right too.
    pub parts: Vec<TruePart>,
    /// The settlement number shared by the members of a card or PSP settlement.
    pub settlement_number: Option<String>,
}

impl TrueGroup {
    /// The amount the given bank entries apply to an open item.
    pub fn applied_to(&self, item: &str, bank: &[&str]) -> Decimal {
        self.applied.iter().filter(|a| a.item == item && bank.contains(&a.bank.as_str())).map(|a| a.amount).sum()
    }
}

/// What to generate. Shares are relative weights of the noise kinds among the pairs and groups.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ScenarioConfig {
    /// Random seed.
    pub seed: u64,
    /// Number of bank entries (true pairs, group members and bank-only entries); the last group
    /// may end a few entries above it.
    pub entries: usize,
    /// First book date.
    pub start: Date,
    /// Days the book dates spread over.
    pub days: u32,
    /// Currency of everything.
    pub currency: Currency,
    /// The main bank account: every entry but one leg of each internal transfer is on it.
    pub account: AccountId,
    /// GL account of the ledger lines of the main account.
    pub gl_account: String,
    /// The company's second bank account (a savings account), the other side of internal transfers.
    pub second_account: AccountId,
    /// GL account of the second account.
    pub second_gl_account: String,
    /// The company's name, as the bank writes it on internal transfers.
    pub owner: String,
    /// Share of book records that are open items (the rest are ledger entries).
    pub open_item_share: f64,
    /// Relative weights of [`Noise::ALL`], in that order.
    pub noise_weights: [f64; Noise::COUNT],
}

impl ScenarioConfig {
    /// A scenario of `entries` bank entries over one year in EUR with the default noise mix, in
    /// shares of the pairs and groups drawn:
    ///
    /// | kind | share | | kind | share |
    /// |---|---:|---|---|---:|
    /// | clean | 34 % | | split payment | 4 % |
    /// | date shift | 10 % | | partial payment | 3 % |
    /// | reference typo | 10 % | | batch payment | 3 % |
    /// | name variant | 10 % | | over-payment | 1 % |
    /// | bank fee | 7 % | | under-payment | 1 % |
    /// | same amount same day | 7 % | | reversal | 1 % |
    /// | without counterpart | 7 % | | internal transfer | 2 % |
    ///
    /// Entries without counterpart are half bank-only, half book-only. Groups hold several bank
    /// entries each, so their share of bank entries is higher than their share of draws.
    pub fn new(seed: u64, entries: usize) -> ScenarioConfig {
        ScenarioConfig {
            seed,
            entries,
            start: Date::from_calendar_date(2025, time::Month::January, 1).expect("valid date"),
            days: 365,
            currency: Currency::EUR,
            account: AccountId::iban("DE89370400440532013000").expect("valid IBAN"),
            gl_account: "1020".into(),
            second_account: AccountId::iban(&crate::camt::iban(37040044, 532013099)).expect("valid IBAN"),
            second_gl_account: "1030".into(),
            owner: "Example Trading GmbH".into(),
            open_item_share: 0.3,
            noise_weights: [34.0, 10.0, 10.0, 10.0, 7.0, 1.0, 1.0, 7.0, 4.0, 3.0, 3.0, 1.0, 2.0, 7.0],
        }
    }

    /// Only one kind of noise.
    pub fn with_only(mut self, noise: Noise) -> Self {
        self.noise_weights = Noise::ALL.map(|n| if n == noise { 1.0 } else { 0.0 });
        self
    }

    /// Bank entries against ledger entries one to one, as matching engine I states its speed
    /// goal ("1M bank entries against 1M ledger entries"): every book record is a ledger entry,
    /// and only the kinds of noise that are no group are drawn (clean, date shift, reference typo,
    /// name variant, bank fee, over- and under-payment, same amount same day, without
    /// counterpart), in their shares of [`ScenarioConfig::new`]. About as many ledger entries as
    /// bank entries result.
    ///
    /// ```
    /// use bankrec_synth::{Scenario, ScenarioConfig};
    /// let s = Scenario::generate(&ScenarioConfig::new(7, 2_000).one_to_one());
    /// assert!(s.open_items.is_empty() && s.groups.is_empty());
    /// assert!(s.ledger_entries.len().abs_diff(s.bank_entries.len()) < 200);
    /// ```
    pub fn one_to_one(mut self) -> Self {
        self.open_item_share = 0.0;
        for (weight, noise) in self.noise_weights.iter_mut().zip(Noise::ALL) {
            if noise.is_group() {
                *weight = 0.0;
            }
        }
        self
    }

    /// The two bank accounts: `main` (the main account, GL [`gl_account`](Self::gl_account), bank
    /// fees to 6855) and `savings` (the second account, GL [`second_gl_account`](Self::second_gl_account)).
    /// A map refuses one GL account for two bank accounts: when the two codes are equal, only
    /// `main` is in it.
    pub fn accounts(&self) -> AccountMap {
        let mut map = AccountMap::new();
        let main =
            BankAccount::new("main", self.account.clone(), self.currency, GlAccount::new(&self.gl_account, "Bank"), "1290", self.start)
                .with_owner(&self.owner)
                .with_fee_account(GlAccount::new("6855", "Bank charges"));
        let savings = BankAccount::new(
            "savings",
            self.second_account.clone(),
            self.currency,
            GlAccount::new(&self.second_gl_account, "Bank savings"),
            "1290",
            self.start,
        )
        .with_owner(&self.owner);
        let _ = map.insert(main);
        let _ = map.insert(savings);
        map
    }
}

/// A generated scenario.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Scenario {
    /// Bank entries (booked, ids set).
    pub bank_entries: Vec<BankEntry>,
    /// Ledger entries.
    pub ledger_entries: Vec<LedgerEntry>,
    /// Open items.
    pub open_items: Vec<OpenItem>,
    /// The true pairs (one bank entry, one book record).
    pub pairs: Vec<TruePair>,
    /// The true groups (everything else).
    pub groups: Vec<TrueGroup>,
    /// Bank entries without counterpart.
    pub bank_only: Vec<String>,
    /// Book records without counterpart.
    pub book_only: Vec<BookRef>,
    accounts: AccountMap,
}

const FIRST: &[&str] = &[
    "Nordic",
    "Baltic",
    "Alpine",
    "Helvetia",
    "Meier",
    "Müller",
    "Bjørk",
    "Kauppa",
    "Svensson",
    "Dupont",
    "Van den Berg",
    "Rossi",
    "Schmidt",
    "Andersen",
    "Virtanen",
    "Lindqvist",
    "Öberg",
    "Janssens",
    "Fischer",
    "Novak",
    "Håkansson",
    "Lefèvre",
    "Østergaard",
    "Weiß",
    "Korhonen",
    "Peeters",
    "García",
    "Kowalski",
    "Nieminen",
    "Berger",
    "Zürcher",
    "Dahl",
    "Eriksen",
    "Moreau",
    "Bianchi",
    "Keller",
];
const SECOND: &[&str] = &[
    "Bau",
    "Trading",
    "Logistik",
    "Consulting",
    "Metall",
    "Foods",
    "Design",
    "Energi",
    "Software",
    "Transport",
    "Textil",
    "Möbel",
    "Print",
    "Medical",
    "Garden",
    "Elektro",
    "Holz",
    "Optik",
    "Reisen",
    "Immobilien",
    "Systems",
    "Partners",
];
const FORMS: &[&str] = &["GmbH", "AB", "Oy", "AS", "Ltd", "Inc", "SA", "AG", "BV", "NV", "A/S", ""];
const GIVEN: &[&str] = &["Anna", "Lars", "Jukka", "Sofie", "Pierre", "Hans", "Åsa", "Jörg", "Marie", "Kari", "Élodie", "Piotr", "Ingrid"];
const TEXTS: &[&str] =
    &["Invoice {}", "Payment {} thank you", "Rechnung {}", "{}", "Faktura {} / kundnr 4711", "Lasku {}", "Ref. {} order"];

fn pick<'a>(rng: &mut fastrand::Rng, list: &[&'a str]) -> &'a str {
    list[rng.usize(..list.len())]
}

fn company(rng: &mut fastrand::Rng) -> String {
    if rng.f64() < 0.2 {
        return format!("{} {}", pick(rng, GIVEN), pick(rng, FIRST));
    }
    let form = pick(rng, FORMS);
    let base = format!("{} {}", pick(rng, FIRST), pick(rng, SECOND));
    if form.is_empty() {
        base
    } else {
        format!("{base} {form}")
    }
}

fn strip_accents(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ä' | 'å' | 'á' => 'a',
            'Ä' | 'Å' => 'A',
            'ö' | 'ø' | 'ó' => 'o',
            'Ö' | 'Ø' => 'O',
            'ü' => 'u',
            'é' | 'è' => 'e',
            'É' => 'E',
            'ß' => 's',
            other => other,
        })
        .collect()
}

fn name_variant(rng: &mut fastrand::Rng, name: &str) -> String {
    let words: Vec<&str> = name.split(' ').collect();
    match rng.u8(..6) {
        0 => name.to_uppercase(),
        1 => {
            // Other or no legal form.
            let last = words.last().copied().unwrap_or_default();
            let core: Vec<&str> = if FORMS.contains(&last) { words[..words.len() - 1].to_vec() } else { words.clone() };
            let form = pick(rng, FORMS);
            if form.is_empty() {
                core.join(" ")
            } else {
                format!("{} {form}", core.join(" "))
            }
        }
        2 if words.len() >= 2 => format!("{}, {}", words[1..].join(" "), words[0]),
        3 => strip_accents(name),
        4 => name.replace('ü', "ue").replace('ö', "oe").replace('ä', "ae").replace('ø', "oe").replace('å', "aa"),
        _ => {
            let upper = strip_accents(name).to_uppercase();
            upper.chars().take(18).collect::<String>().trim_end().to_owned()
        }
    }
}

fn mod97_str(s: &str) -> u32 {
    s.chars().fold(0u32, |r, c| {
        let v = c.to_digit(36).unwrap_or(0);
        if v >= 10 {
            (r * 100 + v) % 97
        } else {
            (r * 10 + v) % 97
        }
    })
}

fn luhn_digit(body: &str) -> u32 {
    let sum: u32 = body
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let v = c.to_digit(10).unwrap_or(0);
            if i % 2 == 0 {
                let x = v * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                v
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// A payment reference of a random scheme, valid, and the form it is printed in.
fn structured_reference(rng: &mut fastrand::Rng, seq: usize) -> (String, String) {
    let body = format!("{}{:06}", rng.u32(1..999), seq % 1_000_000);
    match rng.u8(..6) {
        0 => {
            let check = 98 - mod97_str(&format!("{body}RF00"));
            let rf = format!("RF{check:02}{body}");
            let printed = rf.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ");
            (rf, printed)
        }
        1 => {
            let weights = [7, 3, 1];
            let sum: u32 = body.chars().rev().enumerate().map(|(i, c)| c.to_digit(10).unwrap_or(0) * weights[i % 3]).sum();
            let r = format!("{body}{}", (10 - sum % 10) % 10);
            (r.clone(), r)
        }
        2 => {
            let r = format!("{body}{}", luhn_digit(&body));
            (r.clone(), r)
        }
        3 => {
            let body26 = format!("{:0>26}", body);
            const TABLE: [u32; 10] = [0, 9, 4, 6, 8, 2, 7, 1, 3, 5];
            let carry = body26.chars().fold(0u32, |c, d| TABLE[((c + d.to_digit(10).unwrap_or(0)) % 10) as usize]);
            let r = format!("{body26}{}", (10 - carry) % 10);
            let printed = format!(
                "{} {}",
                &r[..2],
                r.as_bytes()[2..].chunks(5).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
            );
            (r, printed)
        }
        4 => {
            let body10 = format!("{:0>10}", &body[body.len().saturating_sub(10)..]);
            let n: u64 = body10.parse().unwrap_or(0);
            let check = match n % 97 {
                0 => 97,
                r => r,
            };
            let digits = format!("{body10}{check:02}");
            let printed = format!("+++{}/{}/{}+++", &digits[..3], &digits[3..7], &digits[7..]);
            (printed.clone(), printed)
        }
        _ => {
            let r = format!("INV-{}-{:06}", 2025, seq);
            (r.clone(), r)
        }
    }
}

fn typo(rng: &mut fastrand::Rng, printed: &str) -> String {
    let mut chars: Vec<char> = printed.chars().collect();
    let digit_positions: Vec<usize> = chars.iter().enumerate().filter(|(_, c)| c.is_ascii_digit()).map(|(i, _)| i).collect();
    if digit_positions.is_empty() {
        return printed.to_owned();
    }
    let p = digit_positions[rng.usize(..digit_positions.len())];
    if rng.bool() && p + 1 < chars.len() && chars[p + 1].is_ascii_digit() && chars[p] != chars[p + 1] {
        chars.swap(p, p + 1);
    } else {
        let old = chars[p].to_digit(10).unwrap_or(0);
        chars[p] = char::from_digit((old + 1 + rng.u32(..8)) % 10, 10).unwrap_or('0');
    }
    chars.into_iter().collect()
}

fn cents(rng: &mut fastrand::Rng, min: f64) -> i64 {
    // Log-uniform from `min` to 20 000: many small amounts, few large ones.
    let x = (min.ln() + rng.f64() * (20_000f64.ln() - min.ln())).exp();
    (x * 100.0).round() as i64
}

fn amount(rng: &mut fastrand::Rng, min: f64) -> Decimal {
    Decimal::new(cents(rng, min), 2)
}

struct Pending {
    noise: Noise,
    book_date: Date,
    bank_date: Date,
    book_amount: Decimal,
    bank_amount: Decimal,
    direction: Direction,
    name: String,
    bank_name: Option<String>,
    reference: Option<(String, String)>,
    text: Option<String>,
    structured: bool,
    open_item: bool,
}

/// The generator: the scenario so far, the random numbers, the last id number used and the
/// number of bank entries produced.
struct Gen<'a> {
    config: &'a ScenarioConfig,
    rng: fastrand::Rng,
    seq: usize,
    produced: usize,
    s: Scenario,
}

impl Gen<'_> {
    fn day(&mut self) -> Date {
        self.config.start + Duration::days(i64::from(self.rng.u32(..self.config.days.max(1))))
    }

    /// One draw of a one-to-one kind: a pair, or two or three pairs of the same amount and day, or
    /// an entry without counterpart.
    fn pairs(&mut self, noise: Noise) {
        let config = self.config;
        let rng = &mut self.rng;
        let day = |rng: &mut fastrand::Rng| config.start + Duration::days(i64::from(rng.u32(..config.days.max(1))));
        let group = if noise == Noise::SameAmountSameDay { 2 + rng.usize(..2) } else { 1 };
        let shared_amount = amount(rng, 5.0);
        let shared_date = day(rng);
        let credit_only = matches!(noise, Noise::BankFee | Noise::OverPayment | Noise::UnderPayment);
        for _ in 0..group {
            self.seq += 1;
            let seq = self.seq;
            let open_item = rng.f64() < config.open_item_share;
            let direction = if open_item {
                if rng.f64() < 0.7 {
                    Direction::Credit
                } else {
                    Direction::Debit
                }
            } else if rng.bool() {
                Direction::Credit
            } else {
                Direction::Debit
            };
            let direction = if credit_only { Direction::Credit } else { direction };
            let book_date = if noise == Noise::SameAmountSameDay { shared_date } else { day(rng) };
            let book_amount = match noise {
                Noise::SameAmountSameDay => shared_amount,
                Noise::BankFee => amount(rng, 750.0),
                Noise::OverPayment | Noise::UnderPayment => amount(rng, 50.0),
                _ => amount(rng, 5.0),
            };
            let name = company(rng);
            // Open items are paid around their due date; ledger lines are booked near the bank date.
            let base_shift: i64 = if open_item { i64::from(rng.u8(..26)) - 10 } else { i64::from(rng.u8(..2)) };
            let shift = match noise {
                Noise::DateShift if !open_item => {
                    let d = 2 + i64::from(rng.u8(..4));
                    if rng.bool() {
                        d
                    } else {
                        -d
                    }
                }
                Noise::SameAmountSameDay => 0,
                _ => base_shift,
            };
            let reference = structured_reference(rng, seq);
            let bank_amount = match noise {
                Noise::BankFee => {
                    let fees = [50i64, 100, 250, 500, 750, 1200];
                    book_amount - Decimal::new(fees[rng.usize(..fees.len())], 2)
                }
                // Rounded up to the next whole unit, or a few cents to euros too much.
                Noise::OverPayment if rng.bool() => {
                    let mut up = book_amount.ceil();
                    if up == book_amount {
                        up += Decimal::ONE;
                    }
                    up.rescale(2);
                    up
                }
                Noise::OverPayment => book_amount + Decimal::new(rng.i64(1..=500), 2),
                // A 2 % early-payment discount taken, or a few cents to euros short.
                Noise::UnderPayment if rng.bool() => (book_amount * Decimal::new(98, 2)).round_dp(2),
                Noise::UnderPayment => book_amount - Decimal::new(rng.i64(1..=500), 2),
                _ => book_amount,
            };
            let bank_name = match noise {
                Noise::NameVariant => Some(name_variant(rng, &name)),
                _ if rng.f64() < 0.05 => None,
                _ => Some(name.clone()),
            };
            let template = pick(rng, TEXTS);
            let (text, structured) = match noise {
                Noise::ReferenceTypo => {
                    if rng.f64() < 0.25 {
                        (Some(format!("Payment {}", pick(rng, SECOND))), false)
                    } else {
                        (Some(template.replace("{}", &typo(rng, &reference.1))), false)
                    }
                }
                Noise::SameAmountSameDay if rng.bool() => (Some("Payment".to_owned()), false),
                _ if reference.0.starts_with("RF") && rng.f64() < 0.3 => (None, true),
                _ => (Some(template.replace("{}", &reference.1)), false),
            };
            let p = Pending {
                noise,
                book_date,
                bank_date: book_date + Duration::days(shift),
                book_amount,
                bank_amount,
                direction,
                name,
                bank_name,
                reference: Some(reference),
                text,
                structured,
                open_item,
            };
            if noise == Noise::NoCounterpart {
                if rng.bool() {
                    self.s.push_bank(config, seq, &p);
                    self.s.bank_only.push(format!("B{seq:07}"));
                    self.produced += 1;
                } else {
                    let book = self.s.push_book(config, seq, &p, rng);
                    self.s.book_only.push(book);
                }
            } else {
                self.s.push_bank(config, seq, &p);
                let book = self.s.push_book(config, seq, &p, rng);
                self.s.pairs.push(TruePair { bank: format!("B{seq:07}"), book, noise: p.noise });
                self.produced += 1;
            }
            if self.produced >= config.entries {
                break;
            }
        }
    }
}

impl Scenario {
    /// Generates a scenario.
    ///
    /// ```
    /// use bankrec_synth::{Scenario, ScenarioConfig};
    /// let s = Scenario::generate(&ScenarioConfig::new(7, 200));
    /// let in_groups: usize = s.groups.iter().map(|g| g.bank.len()).sum();
    /// assert_eq!(s.bank_entries.len(), s.pairs.len() + in_groups + s.bank_only.len());
    /// assert_eq!(s, Scenario::generate(&ScenarioConfig::new(7, 200)));
    /// ```
    pub fn generate(config: &ScenarioConfig) -> Scenario {
        let mut g = Gen {
            config,
            rng: fastrand::Rng::with_seed(config.seed),
            seq: 0,
            produced: 0,
            s: Scenario {
                bank_entries: Vec::with_capacity(config.entries + 8),
                ledger_entries: Vec::with_capacity(config.entries),
                open_items: Vec::new(),
                pairs: Vec::with_capacity(config.entries),
                groups: Vec::new(),
                bank_only: Vec::new(),
                book_only: Vec::new(),
                accounts: config.accounts(),
            },
        };
        let total: f64 = config.noise_weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        while g.produced < config.entries {
            let mut x = g.rng.f64() * total;
            let mut noise = Noise::Clean;
            for (n, w) in Noise::ALL.iter().zip(config.noise_weights) {
                if x < w {
                    noise = *n;
                    break;
                }
                x -= w;
            }
            if noise.is_group() {
                g.group(noise);
            } else {
                g.pairs(noise);
            }
        }
        g.s
    }

    fn push_bank(&mut self, config: &ScenarioConfig, seq: usize, p: &Pending) {
        let id = format!("B{seq:07}");
        let mut e = BankEntry::new(config.account.clone(), p.bank_amount, config.currency, p.direction, Some(p.bank_date))
            .with_id(id.clone())
            .with_acct_svcr_ref(id);
        e.value_date = Some(p.bank_date);
        if let Some(name) = &p.bank_name {
            e.transaction.counterparty = Some(Party { name: Some(name.clone()), ..Party::default() });
        }
        if let Some(text) = &p.text {
            e.transaction.remittance.unstructured.push(text.clone());
        }
        if let (true, Some((value, _))) = (p.structured, &p.reference) {
            e.transaction.remittance.creditor_refs.push(CreditorReference {
                reference: value.clone(),
                kind: Some("SCOR".into()),
                issuer: None,
            });
        }
        self.bank_entries.push(e);
    }

    fn push_book(&mut self, config: &ScenarioConfig, seq: usize, p: &Pending, rng: &mut fastrand::Rng) -> BookRef {
        let reference = p.reference.as_ref().map(|r| r.0.clone());
        if p.open_item {
            let id = format!("I{seq:07}");
            let kind = if p.direction == Direction::Credit { OpenItemKind::Receivable } else { OpenItemKind::Payable };
            let mut item = OpenItem::new(id.clone(), kind, format!("{seq}"), p.book_amount, config.currency)
                .with_counterparty(p.name.clone())
                .with_due_date(p.book_date)
                .with_payment_method(PaymentMethod::BankTransfer);
            item.issue_date = Some(p.book_date - Duration::days(30));
            if let Some(r) = reference {
                item = item.with_payment_reference(r);
            }
            self.open_items.push(item);
            BookRef::OpenItem(id)
        } else {
            let id = format!("L{seq:07}");
            let mut l =
                LedgerEntry::new(id.clone(), p.book_date, config.gl_account.clone(), p.direction.signed(p.book_amount), config.currency)
                    .with_counterparty(p.name.clone())
                    .with_description(if rng.bool() { "Customer payment" } else { "Supplier invoice" });
            if let Some(r) = reference {
                l = l.with_reference(r);
            }
            self.ledger_entries.push(l);
            BookRef::Ledger(id)
        }
    }

    /// Writes the ledger entries as CSV with the header
    /// `id,date,amount,currency,reference,counterparty,description,settlement_no` (signed amounts:
    /// deposits positive, withdrawals negative; ISO dates), the form `bankrec reconcile --ledger` reads.
    ///
    /// ```
    /// use bankrec_synth::{Scenario, ScenarioConfig};
    /// let s = Scenario::generate(&ScenarioConfig::new(1, 20));
    /// let mut out = Vec::new();
    /// s.write_ledger_csv(&mut out).expect("in memory");
    /// let text = String::from_utf8(out).expect("utf-8");
    /// assert!(text.starts_with("id,date,amount,currency,reference,counterparty,description,settlement_no\n"));
    /// assert_eq!(text.lines().count(), s.ledger_entries.len() + 1);
    /// ```
    pub fn write_ledger_csv<W: Write>(&self, out: W) -> std::io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        let io = |e: csv::Error| std::io::Error::other(e.to_string());
        w.write_record(["id", "date", "amount", "currency", "reference", "counterparty", "description", "settlement_no"]).map_err(io)?;
        for l in &self.ledger_entries {
            w.write_record([
                l.id.as_str(),
                &l.date.to_string(),
                &l.signed_amount().to_string(),
                l.currency.code(),
                l.reference.as_deref().unwrap_or(""),
                l.counterparty.as_deref().unwrap_or(""),
                l.description.as_deref().unwrap_or(""),
                l.settlement_number.as_deref().unwrap_or(""),
            ])
            .map_err(io)?;
        }
        w.flush()
    }

    /// The noise of the pair or group a bank entry belongs to (a linear search: for a few
    /// look-ups; index [`Scenario::pairs`] and [`Scenario::groups`] for many).
    pub fn noise_of(&self, bank_id: &str) -> Option<Noise> {
        self.pairs
            .iter()
            .find(|p| p.bank == bank_id)
            .map(|p| p.noise)
            .or_else(|| self.groups.iter().find(|g| g.bank.iter().any(|b| b == bank_id)).map(|g| g.noise))
    }

    /// The company's two bank accounts (`main` and `savings`) with their GL accounts, for
    /// `MatchInput::with_accounts` of bankrec-match: see [`ScenarioConfig::accounts`].
    pub fn accounts(&self) -> &AccountMap {
        &self.accounts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_noise_kind_appears_and_pairs_are_consistent() {
        let s = Scenario::generate(&ScenarioConfig::new(42, 3_000));
        for n in Noise::ALL.iter().filter(|n| **n != Noise::NoCounterpart) {
            assert!(s.pairs.iter().any(|p| p.noise == *n) || s.groups.iter().any(|g| g.noise == *n), "{n:?}");
            assert_eq!(n.is_group(), s.groups.iter().any(|g| g.noise == *n), "{n:?}");
        }
        assert!(!s.bank_only.is_empty() && !s.book_only.is_empty());
        let group_bank: usize = s.groups.iter().map(|g| g.bank.len()).sum();
        let group_book: usize = s.groups.iter().map(|g| g.book.len()).sum();
        assert_eq!(s.bank_entries.len(), s.pairs.len() + group_bank + s.bank_only.len());
        assert_eq!(s.ledger_entries.len() + s.open_items.len(), s.pairs.len() + group_book + s.book_only.len());
        for p in s.pairs.iter().filter(|p| matches!(p.noise, Noise::BankFee | Noise::OverPayment | Noise::UnderPayment)) {
            let bank = s.bank_entries.iter().find(|b| b.id == p.bank).expect("bank entry");
            assert_eq!(bank.direction, Direction::Credit);
        }
    }

    #[test]
    fn over_and_under_payments_differ_a_little() {
        let s = Scenario::generate(&ScenarioConfig::new(9, 300).with_only(Noise::OverPayment));
        let t = Scenario::generate(&ScenarioConfig::new(9, 300).with_only(Noise::UnderPayment));
        for (scenario, over) in [(&s, true), (&t, false)] {
            assert_eq!(scenario.pairs.len(), 300);
            for p in &scenario.pairs {
                let bank = scenario.bank_entries.iter().find(|b| b.id == p.bank).expect("bank entry").amount;
                let book = match &p.book {
                    BookRef::Ledger(id) => scenario.ledger_entries.iter().find(|l| &l.id == id).expect("ledger").amount,
                    BookRef::OpenItem(id) => scenario.open_items.iter().find(|i| &i.id == id).expect("item").amount,
                };
                let diff = if over { bank - book } else { book - bank };
                assert!(
                    diff > Decimal::ZERO && diff <= (book * Decimal::new(2, 2) + Decimal::new(1, 2)).max(Decimal::new(500, 2)),
                    "{bank} vs {book}"
                );
            }
        }
    }

    #[test]
    fn accounts_name_both_accounts_with_their_gl_codes() {
        let config = ScenarioConfig::new(1, 10);
        let map = config.accounts();
        assert_eq!(map.len(), 2);
        assert_eq!(map.by_identifier(&config.account).map(|a| a.gl_account.code.as_str()), Some("1020"));
        assert_eq!(map.by_identifier(&config.second_account).map(|a| a.gl_account.code.as_str()), Some("1030"));
        assert_eq!(Scenario::generate(&config).accounts(), &map);
    }

    #[test]
    fn name_variants_differ_but_resemble() {
        let mut rng = fastrand::Rng::with_seed(3);
        for _ in 0..50 {
            let v = name_variant(&mut rng, "Müller Bau GmbH");
            assert!(!v.is_empty());
        }
    }
}
