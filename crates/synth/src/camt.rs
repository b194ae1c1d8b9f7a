//! Realistic generated camt.053.001.08 statements for benches and tests: SEPA-like entries with
//! references, parties with valid IBANs and BICs, structured and unstructured remittance,
//! amount details, and every tenth entry a batch of three details. Written to any [`Write`]
//! as it is generated, so a million-entry file (about 1.9 GB) never sits in memory.
//!
//! The same seed gives the same bytes; the statement balances (opening + booked = closing).

use std::io::{self, BufWriter, Write};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Camt053Config {
    /// Number of entries (`Ntry`).
    pub entries: u64,
    /// Seed of the deterministic random numbers.
    pub seed: u64,
    /// Every n-th entry is a batch of three transaction details (0: no batches).
    pub batch_every: u64,
}

impl Camt053Config {
    /// `entries` entries, seed 1, a batch every tenth entry.
    pub fn new(entries: u64) -> Camt053Config {
        Camt053Config { entries, seed: 1, batch_every: 10 }
    }

    /// The same with another seed.
    pub fn with_seed(mut self, seed: u64) -> Camt053Config {
        self.seed = seed;
        self
    }
}

/// What was generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Camt053Summary {
    /// Entries written.
    pub entries: u64,
    /// Transaction details written (one per plain entry, three per batch).
    pub details: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Sum of credits in cents.
    pub credit_cents: i64,
    /// Sum of debits in cents.
    pub debit_cents: i64,
    /// Opening balance in cents.
    pub opening_cents: i64,
    /// Closing balance in cents (opening + credits - debits).
    pub closing_cents: i64,
}

/// xorshift64*: small, fast, deterministic; good enough for test data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

const NAMES: &[&str] = &[
    "Muster Handels GmbH",
    "Acme Supplies Ltd",
    "Bäckerei Schmidt e.K.",
    "Globex Corporation SA",
    "Stadtwerke Nordhausen",
    "Jane Client",
    "Initech Software AG",
    "Café Central &amp; Co. KG", // written as XML text, so escaped
    "Umbrella Logistics BV",
    "Dupont Maintenance SARL",
];
const TOWNS: &[&str] = &["Berlin", "München", "Hamburg", "Köln", "Amsterdam", "Wien", "Zürich", "Paris"];
const BICS: &[&str] = &["COBADEFFXXX", "DEUTDEFFXXX", "INGDDEFFXXX", "BYLADEM1001", "GENODEF1PFK", "SOLADEST600"];
const OWN_IBAN: &str = "DE89370400440532013000";

/// A valid German IBAN for a bank code and account number (ISO 7064 mod 97-10).
pub(crate) fn iban(bank: u64, account: u64) -> String {
    let bban = format!("{:08}{:010}", bank % 100_000_000, account % 10_000_000_000);
    // BBAN, then "DE00" as digits (D=13, E=14).
    let digits = format!("{bban}131400");
    let rem = digits.bytes().fold(0u64, |r, d| (r * 10 + u64::from(d - b'0')) % 97);
    format!("DE{:02}{bban}", 98 - rem)
}

fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// One entry's random choices, drawn the same way for the totals pass and the writing pass.
struct EntryPlan {
    credit: bool,
    parts: [i64; 3],
    batch: bool,
}

impl EntryPlan {
    fn draw(rng: &mut Rng, index: u64, batch_every: u64) -> EntryPlan {
        let credit = rng.below(10) < 6;
        let batch = batch_every > 0 && index % batch_every == batch_every - 1;
        let mut parts = [0i64; 3];
        let n = if batch { 3 } else { 1 };
        for p in parts.iter_mut().take(n) {
            *p = 1 + rng.below(500_000) as i64;
        }
        EntryPlan { credit, parts, batch }
    }
    fn cents(&self) -> i64 {
        self.parts.iter().sum()
    }
}

/// Writes a camt.053.001.08 statement with `config.entries` entries to `out`.
///
/// ```
/// use bankrec_synth::{write_camt053, Camt053Config};
/// let mut bytes = Vec::new();
/// let summary = write_camt053(&mut bytes, &Camt053Config::new(20)).expect("written");
/// assert_eq!(summary.entries, 20);
/// assert_eq!(summary.bytes as usize, bytes.len());
/// assert_eq!(summary.opening_cents + summary.credit_cents - summary.debit_cents, summary.closing_cents);
/// ```
pub fn write_camt053<W: Write>(out: W, config: &Camt053Config) -> io::Result<Camt053Summary> {
    // First pass: the totals, so that the balances can precede the entries as the schema wants.
    let mut rng = Rng::new(config.seed);
    let opening = 1_000_000 + rng.below(100_000_000) as i64;
    let (mut credit, mut debit) = (0i64, 0i64);
    for i in 0..config.entries {
        let plan = EntryPlan::draw(&mut rng, i, config.batch_every);
        let _ = draw_text(&mut rng);
        if plan.credit {
            credit += plan.cents();
        } else {
            debit += plan.cents();
        }
    }
    let closing = opening + credit - debit;

    let mut w = Counting { inner: BufWriter::with_capacity(1 << 16, out), bytes: 0 };
    let mut rng = Rng::new(config.seed);
    let _ = rng.below(100_000_000);
    write_header(&mut w, config.entries, opening, closing)?;
    let mut details = 0;
    for i in 0..config.entries {
        let plan = EntryPlan::draw(&mut rng, i, config.batch_every);
        let text = draw_text(&mut rng);
        details += write_entry(&mut w, i, &plan, &text)?;
    }
    w.write_all(b"</Stmt>\n</BkToCstmrStmt>\n</Document>\n")?;
    w.flush()?;
    Ok(Camt053Summary {
        entries: config.entries,
        details,
        bytes: w.bytes,
        credit_cents: credit,
        debit_cents: debit,
        opening_cents: opening,
        closing_cents: closing,
    })
}

/// [`write_camt053`] into a new byte vector (for small files).
pub fn camt053_bytes(config: &Camt053Config) -> Vec<u8> {
    let mut bytes = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write_camt053(&mut bytes, config);
    bytes
}

struct Text {
    name: usize,
    town: usize,
    bic: usize,
    bank: u64,
    account: u64,
    invoice: u64,
    customer: u64,
}

fn draw_text(rng: &mut Rng) -> Text {
    Text {
        name: rng.below(NAMES.len() as u64) as usize,
        town: rng.below(TOWNS.len() as u64) as usize,
        bic: rng.below(BICS.len() as u64) as usize,
        bank: 10_000_000 + rng.below(89_999_999),
        account: rng.below(9_999_999_999),
        invoice: rng.below(1_000_000),
        customer: rng.below(100_000),
    }
}

fn write_header<W: Write>(w: &mut W, entries: u64, opening: i64, closing: i64) -> io::Result<()> {
    write!(
        w,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<BkToCstmrStmt>
<GrpHdr>
<MsgId>SYNTH-{entries}</MsgId>
<CreDtTm>2024-03-31T22:00:00+01:00</CreDtTm>
</GrpHdr>
<Stmt>
<Id>SYNTH-2024-03</Id>
<ElctrncSeqNb>3</ElctrncSeqNb>
<LglSeqNb>3</LglSeqNb>
<CreDtTm>2024-03-31T22:00:00+01:00</CreDtTm>
<FrToDt>
<FrDtTm>2024-03-01T00:00:00+01:00</FrDtTm>
<ToDtTm>2024-03-31T23:59:59+01:00</ToDtTm>
</FrToDt>
<Acct>
<Id>
<IBAN>{OWN_IBAN}</IBAN>
</Id>
<Ccy>EUR</Ccy>
<Ownr>
<Nm>Example Trading GmbH</Nm>
</Ownr>
<Svcr>
<FinInstnId>
<BICFI>COBADEFFXXX</BICFI>
</FinInstnId>
</Svcr>
</Acct>
"#
    )?;
    for (code, cents, date) in [("OPBD", opening, "2024-03-01"), ("CLBD", closing, "2024-03-31")] {
        let ind = if cents < 0 { "DBIT" } else { "CRDT" };
        write!(
            w,
            r#"<Bal>
<Tp>
<CdOrPrtry>
<Cd>{code}</Cd>
</CdOrPrtry>
</Tp>
<Amt Ccy="EUR">{}</Amt>
<CdtDbtInd>{ind}</CdtDbtInd>
<Dt>
<Dt>{date}</Dt>
</Dt>
</Bal>
"#,
            money(cents.abs())
        )?;
    }
    Ok(())
}

fn write_entry<W: Write>(w: &mut W, i: u64, plan: &EntryPlan, t: &Text) -> io::Result<u64> {
    let cents = plan.cents();
    let ind = if plan.credit { "CRDT" } else { "DBIT" };
    let day = 1 + i % 28;
    let (family, sub) = if plan.credit { ("RCDT", "ESCT") } else { ("ICDT", "ESCT") };
    write!(
        w,
        r#"<Ntry>
<NtryRef>{i}</NtryRef>
<Amt Ccy="EUR">{amount}</Amt>
<CdtDbtInd>{ind}</CdtDbtInd>
<RvslInd>false</RvslInd>
<Sts>
<Cd>BOOK</Cd>
</Sts>
<BookgDt>
<Dt>2024-03-{day:02}</Dt>
</BookgDt>
<ValDt>
<Dt>2024-03-{day:02}</Dt>
</ValDt>
<AcctSvcrRef>2024030{day:02}{i:010}</AcctSvcrRef>
<BkTxCd>
<Domn>
<Cd>PMNT</Cd>
<Fmly>
<Cd>{family}</Cd>
<SubFmlyCd>{sub}</SubFmlyCd>
</Fmly>
</Domn>
<Prtry>
<Cd>NTRF+166</Cd>
<Issr>DK</Issr>
</Prtry>
</BkTxCd>
<NtryDtls>
"#,
        amount = money(cents)
    )?;
    let n = if plan.batch { 3 } else { 1 };
    if plan.batch {
        write!(
            w,
            r#"<Btch>
<PmtInfId>PMT-{i}</PmtInfId>
<NbOfTxs>3</NbOfTxs>
<TtlAmt Ccy="EUR">{}</TtlAmt>
<CdtDbtInd>{ind}</CdtDbtInd>
</Btch>
"#,
            money(cents)
        )?;
    }
    for (k, part) in plan.parts.iter().take(n).enumerate() {
        write_detail(w, i, k as u64, *part, plan.credit, t)?;
    }
    write!(
        w,
        r#"</NtryDtls>
<AddtlNtryInf>SEPA {} {}</AddtlNtryInf>
</Ntry>
"#,
        if plan.credit { "Gutschrift" } else { "Überweisung" },
        NAMES[t.name]
    )?;
    Ok(n as u64)
}

fn write_detail<W: Write>(w: &mut W, i: u64, k: u64, cents: i64, credit: bool, t: &Text) -> io::Result<()> {
    let amount = money(cents);
    let ind = if credit { "CRDT" } else { "DBIT" };
    let other = iban(t.bank, t.account + k);
    let (dbtr_name, dbtr_iban, cdtr_name, cdtr_iban) = if credit {
        (NAMES[t.name], other.as_str(), "Example Trading GmbH", OWN_IBAN)
    } else {
        ("Example Trading GmbH", OWN_IBAN, NAMES[t.name], other.as_str())
    };
    let invoice = t.invoice + k;
    let uetr_tail = (i << 2) | k;
    write!(
        w,
        r#"<TxDtls>
<Refs>
<MsgId>MSG-{i}</MsgId>
<AcctSvcrRef>TX-{i}-{k}</AcctSvcrRef>
<PmtInfId>PMT-{i}</PmtInfId>
<InstrId>INSTR-{i}-{k}</InstrId>
<EndToEndId>E2E-{i}-{k}</EndToEndId>
<UETR>8a562c67-ca16-48ba-b074-{uetr_tail:012x}</UETR>
<TxId>TXID{i:012}{k}</TxId>
</Refs>
<Amt Ccy="EUR">{amount}</Amt>
<CdtDbtInd>{ind}</CdtDbtInd>
<AmtDtls>
<InstdAmt>
<Amt Ccy="EUR">{amount}</Amt>
</InstdAmt>
<TxAmt>
<Amt Ccy="EUR">{amount}</Amt>
</TxAmt>
</AmtDtls>
<RltdPties>
<Dbtr>
<Pty>
<Nm>{dbtr_name}</Nm>
<PstlAdr>
<TwnNm>{town}</TwnNm>
<Ctry>DE</Ctry>
</PstlAdr>
</Pty>
</Dbtr>
<DbtrAcct>
<Id>
<IBAN>{dbtr_iban}</IBAN>
</Id>
</DbtrAcct>
<Cdtr>
<Pty>
<Nm>{cdtr_name}</Nm>
</Pty>
</Cdtr>
<CdtrAcct>
<Id>
<IBAN>{cdtr_iban}</IBAN>
</Id>
</CdtrAcct>
</RltdPties>
<RltdAgts>
<DbtrAgt>
<FinInstnId>
<BICFI>{bic}</BICFI>
</FinInstnId>
</DbtrAgt>
</RltdAgts>
<Purp>
<Cd>SUPP</Cd>
</Purp>
<RmtInf>
<Ustrd>Invoice 2024-{invoice:06} customer {customer}</Ustrd>
<Strd>
<RfrdDocInf>
<Tp>
<CdOrPrtry>
<Cd>CINV</Cd>
</CdOrPrtry>
</Tp>
<Nb>2024-{invoice:06}</Nb>
<RltdDt>2024-02-{day:02}</RltdDt>
</RfrdDocInf>
<RfrdDocAmt>
<RmtdAmt Ccy="EUR">{amount}</RmtdAmt>
</RfrdDocAmt>
<CdtrRefInf>
<Tp>
<CdOrPrtry>
<Cd>SCOR</Cd>
</CdOrPrtry>
<Issr>ISO</Issr>
</Tp>
<Ref>RF18{invoice:010}</Ref>
</CdtrRefInf>
</Strd>
</RmtInf>
</TxDtls>
"#,
        town = TOWNS[t.town],
        bic = BICS[t.bic],
        customer = t.customer,
        day = 1 + (i + k) % 28,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_are_valid() {
        for (bank, account) in [(37040044, 532013000), (10_000_000, 1), (99_999_999, 9_999_999_999)] {
            let s = iban(bank, account);
            assert!(bankrec_model::Iban::new(&s).is_ok(), "{s}");
        }
        assert_eq!(iban(37040044, 532013000), OWN_IBAN);
    }

    #[test]
    fn deterministic_and_balanced() {
        let a = camt053_bytes(&Camt053Config::new(50).with_seed(7));
        let b = camt053_bytes(&Camt053Config::new(50).with_seed(7));
        assert_eq!(a, b);
        let mut out = Vec::new();
        let s = write_camt053(&mut out, &Camt053Config::new(50)).expect("write");
        assert_eq!(s.details, 45 + 5 * 3);
        assert_eq!(s.opening_cents + s.credit_cents - s.debit_cents, s.closing_cents);
        let per_entry = s.bytes / 50;
        assert!((1500..2500).contains(&per_entry), "{per_entry} bytes per entry");
    }
}
