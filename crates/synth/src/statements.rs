//! A scenario's bank entries as one camt.053.001.08 message: one statement per bank account, each
//! balanced (opening + credits - debits = closing), batch entries with their transaction details,
//! reversals with `RvslInd`, internal transfers with the other account as the counterparty's.

use std::io::{self, BufWriter, Write};

use bankrec_model::{AccountId, BankEntry, Date, Decimal, Direction, Transaction, TransactionRefKind};

use crate::scenario::Scenario;

/// The opening balance of every statement: large enough that no statement is overdrawn.
const OPENING: i64 = 1_000_000;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

fn indicator(direction: Direction) -> &'static str {
    match direction {
        Direction::Credit => "CRDT",
        _ => "DBIT",
    }
}

fn account_xml(account: &AccountId) -> String {
    match account {
        AccountId::Iban(iban) => format!("<Id><IBAN>{iban}</IBAN></Id>"),
        AccountId::Other(other) => format!("<Id><Othr><Id>{}</Id></Othr></Id>", escape(&other.id)),
    }
}

impl Scenario {
    /// Writes the bank entries as one camt.053.001.08 message with one statement per account
    /// ([`Scenario::accounts`], then any other account an entry names), entries in booking date
    /// then id order, each statement opening at 1 000 000.00 and closing at that plus its entries.
    /// Entry ids are written as the account servicer reference, so a reader gives them back.
    ///
    /// ```
    /// use bankrec_synth::{Scenario, ScenarioConfig};
    /// let s = Scenario::generate(&ScenarioConfig::new(5, 60));
    /// let mut xml = Vec::new();
    /// s.write_camt053(&mut xml).expect("in memory");
    /// let text = String::from_utf8(xml).expect("utf-8");
    /// assert_eq!(text.matches("<Stmt>").count(), 2);
    /// assert_eq!(text.matches("<Ntry>").count(), s.bank_entries.len());
    /// ```
    pub fn write_camt053<W: Write>(&self, out: W) -> io::Result<()> {
        let mut w = BufWriter::new(out);
        let mut accounts: Vec<(AccountId, Option<String>)> =
            self.accounts().iter().map(|a| (a.identifier.clone(), a.owner.clone())).collect();
        for e in &self.bank_entries {
            if !accounts.iter().any(|(a, _)| a == &e.account) {
                accounts.push((e.account.clone(), None));
            }
        }
        write!(
            w,
            r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
<BkToCstmrStmt>
<GrpHdr><MsgId>SYNTH-SCENARIO</MsgId><CreDtTm>2026-01-31T18:00:00+00:00</CreDtTm></GrpHdr>
"#
        )?;
        for (n, (account, owner)) in accounts.iter().enumerate() {
            let mut entries: Vec<&BankEntry> = self.bank_entries.iter().filter(|e| &e.account == account).collect();
            entries.sort_by(|a, b| (a.date(), &a.id).cmp(&(b.date(), &b.id)));
            self.write_statement(&mut w, n + 1, account, owner.as_deref(), &entries)?;
        }
        w.write_all(b"</BkToCstmrStmt>\n</Document>\n")?;
        w.flush()
    }

    fn write_statement<W: Write>(
        &self,
        w: &mut W,
        n: usize,
        account: &AccountId,
        owner: Option<&str>,
        entries: &[&BankEntry],
    ) -> io::Result<()> {
        let currency = entries.first().map(|e| e.currency).unwrap_or(bankrec_model::Currency::EUR);
        let first: Option<Date> = entries.iter().filter_map(|e| e.date()).min();
        let last: Option<Date> = entries.iter().filter_map(|e| e.date()).max();
        let (first, last) = (first.map(|d| d.to_string()).unwrap_or_default(), last.map(|d| d.to_string()).unwrap_or_default());
        let opening = Decimal::new(OPENING * 100, 2);
        let closing = opening + entries.iter().map(|e| e.signed_amount()).sum::<Decimal>();
        write!(
            w,
            "<Stmt>\n<Id>SYNTH-{n}</Id>\n<ElctrncSeqNb>{n}</ElctrncSeqNb>\n<CreDtTm>2026-01-31T18:00:00+00:00</CreDtTm>\n\
             <Acct>{}<Ccy>{currency}</Ccy>{}</Acct>\n",
            account_xml(account),
            owner.map(|o| format!("<Ownr><Nm>{}</Nm></Ownr>", escape(o))).unwrap_or_default()
        )?;
        for (code, amount, date) in [("OPBD", opening, &first), ("CLBD", closing, &last)] {
            let ind = if amount.is_sign_negative() { "DBIT" } else { "CRDT" };
            let date = if date.is_empty() { "2025-01-01" } else { date.as_str() };
            writeln!(
                w,
                "<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"{currency}\">{}</Amt><CdtDbtInd>{ind}</CdtDbtInd><Dt><Dt>{date}</Dt></Dt></Bal>",
                amount.abs()
            )?;
        }
        for e in entries {
            write_entry(w, e)?;
        }
        w.write_all(b"</Stmt>\n")
    }
}

fn write_entry<W: Write>(w: &mut W, e: &BankEntry) -> io::Result<()> {
    let ccy = e.currency;
    let date = e.booking_date.map(|d| d.to_string()).unwrap_or_default();
    let value = e.value_date.map(|d| d.to_string()).unwrap_or_else(|| date.clone());
    write!(
        w,
        "<Ntry>\n<Amt Ccy=\"{ccy}\">{}</Amt>\n<CdtDbtInd>{}</CdtDbtInd>\n<RvslInd>{}</RvslInd>\n<Sts><Cd>BOOK</Cd></Sts>\n\
         <BookgDt><Dt>{date}</Dt></BookgDt>\n<ValDt><Dt>{value}</Dt></ValDt>\n<AcctSvcrRef>{}</AcctSvcrRef>\n",
        e.amount,
        indicator(e.direction),
        e.reversal,
        escape(e.acct_svcr_ref.as_deref().unwrap_or(&e.id)),
    )?;
    let code = e.transaction.bank_tx_code.clone().unwrap_or_default();
    let family = if e.direction == Direction::Credit { "RCDT" } else { "ICDT" };
    write!(
        w,
        "<BkTxCd><Domn><Cd>{}</Cd><Fmly><Cd>{}</Cd><SubFmlyCd>{}</SubFmlyCd></Fmly></Domn></BkTxCd>\n<NtryDtls>\n",
        code.domain.as_deref().unwrap_or("PMNT"),
        code.family.as_deref().unwrap_or(family),
        code.sub_family.as_deref().unwrap_or("ESCT"),
    )?;
    // The party roles follow the original payment: a reversed debit still names its creditor.
    let original = if e.reversal { e.direction.opposite() } else { e.direction };
    if let Some(b) = &e.batch {
        write!(w, "<Btch>")?;
        if let Some(id) = &b.payment_info_id {
            write!(w, "<PmtInfId>{}</PmtInfId>", escape(id))?;
        }
        if let Some(k) = b.number_of_transactions {
            write!(w, "<NbOfTxs>{k}</NbOfTxs>")?;
        }
        if let Some(total) = b.total_amount {
            write!(w, "<TtlAmt Ccy=\"{ccy}\">{total}</TtlAmt>")?;
        }
        if let Some(d) = b.direction {
            write!(w, "<CdtDbtInd>{}</CdtDbtInd>", indicator(d))?;
        }
        writeln!(w, "</Btch>")?;
    }
    if e.details.is_empty() {
        write_detail(w, &e.transaction, e.amount, e.direction, original, ccy)?;
    } else {
        for d in &e.details {
            let amount = d.amount.map(|m| m.amount()).unwrap_or_default();
            let direction = d.direction.unwrap_or(e.direction);
            let original = if e.reversal { direction.opposite() } else { direction };
            write_detail(w, &d.transaction, amount, direction, original, ccy)?;
        }
    }
    w.write_all(b"</NtryDtls>\n")?;
    if let Some(info) = &e.additional_info {
        writeln!(w, "<AddtlNtryInf>{}</AddtlNtryInf>", escape(info))?;
    }
    w.write_all(b"</Ntry>\n")
}

fn write_detail<W: Write>(
    w: &mut W,
    t: &Transaction,
    amount: Decimal,
    direction: Direction,
    original: Direction,
    ccy: bankrec_model::Currency,
) -> io::Result<()> {
    w.write_all(b"<TxDtls>\n")?;
    let r = &t.refs;
    // In the schema's order.
    let refs = [
        TransactionRefKind::PaymentInfoId,
        TransactionRefKind::EndToEndId,
        TransactionRefKind::TransactionId,
        TransactionRefKind::MandateId,
    ]
    .map(|kind| (kind.xml_tag(), r.get(kind)));
    if refs.iter().any(|(_, v)| v.is_some()) {
        w.write_all(b"<Refs>")?;
        for (tag, value) in refs {
            if let Some(v) = value {
                write!(w, "<{tag}>{}</{tag}>", escape(v))?;
            }
        }
        w.write_all(b"</Refs>\n")?;
    }
    writeln!(w, "<Amt Ccy=\"{ccy}\">{amount}</Amt><CdtDbtInd>{}</CdtDbtInd>", indicator(direction))?;
    if let Some(p) = &t.counterparty {
        let (role, account_role) = if original == Direction::Credit { ("Dbtr", "DbtrAcct") } else { ("Cdtr", "CdtrAcct") };
        w.write_all(b"<RltdPties>")?;
        if let Some(name) = &p.name {
            write!(w, "<{role}><Pty><Nm>{}</Nm></Pty></{role}>", escape(name))?;
        }
        if let Some(account) = &p.account {
            write!(w, "<{account_role}>{}</{account_role}>", account_xml(account))?;
        }
        w.write_all(b"</RltdPties>\n")?;
    }
    let rem = &t.remittance;
    if !rem.is_empty() {
        w.write_all(b"<RmtInf>")?;
        for line in &rem.unstructured {
            write!(w, "<Ustrd>{}</Ustrd>", escape(line))?;
        }
        for d in &rem.documents {
            write!(
                w,
                "<Strd><RfrdDocInf><Tp><CdOrPrtry><Cd>{}</Cd></CdOrPrtry></Tp><Nb>{}</Nb>",
                escape(d.kind.as_deref().unwrap_or("CINV")),
                escape(&d.number)
            )?;
            if let Some(date) = d.date {
                write!(w, "<RltdDt>{date}</RltdDt>")?;
            }
            w.write_all(b"</RfrdDocInf>")?;
            if let Some(m) = &d.amount {
                write!(w, "<RfrdDocAmt><RmtdAmt Ccy=\"{}\">{}</RmtdAmt></RfrdDocAmt>", m.currency(), m.amount())?;
            }
            w.write_all(b"</Strd>")?;
        }
        for c in &rem.creditor_refs {
            write!(
                w,
                "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>{}</Cd></CdOrPrtry></Tp><Ref>{}</Ref></CdtrRefInf></Strd>",
                escape(c.kind.as_deref().unwrap_or("SCOR")),
                escape(&c.reference)
            )?;
        }
        w.write_all(b"</RmtInf>\n")?;
    }
    if let Some(reason) = &t.return_reason {
        writeln!(w, "<RtrInf><Rsn><Cd>{}</Cd></Rsn></RtrInf>", escape(reason))?;
    }
    w.write_all(b"</TxDtls>\n")
}
