//! From one record's element tree to model types: the statement header with its balances, and
//! one entry with its transaction details. Elements are looked up by local name, so their order
//! does not matter; deviations that can be read without guessing become warnings, values that
//! cannot be read become errors.

use std::str::FromStr;

use bankrec_model::{
    AccountId, AmountDetails, Balance, BalanceKind, BankEntry, BankTxCode, Batch, Bic, Charge, CreditorReference, Currency, Direction,
    EntryStatus, ErrorCode, ExchangeRate, ImportError, Money, Party, ReferredDocument, Remittance, Severity, Statement, StatementKind,
    ThinVec, Timestamp, Transaction, TransactionDetail, TransactionRefKind, TransactionRefs,
};
use rust_decimal::Decimal;
use time::Date;

use crate::error::{CamtError, Location};
use crate::options::Mode;
use crate::tree::{NodeId, Tree};

/// Where errors of a record are located: the file and the path of the tree's root.
pub(crate) struct Ctx<'a> {
    pub(crate) file: Option<&'a str>,
    pub(crate) base: &'a str,
}

impl Ctx<'_> {
    pub(crate) fn loc(&self, t: &Tree, id: NodeId) -> Location {
        let rel = t.rel_path(id);
        let path = if rel.is_empty() { self.base.to_owned() } else { format!("{}/{rel}", self.base) };
        Location { file: self.file.map(str::to_owned), line: t.line(id), byte_offset: t.offset(id), path }
    }
}

/// Collects warnings, and errors of skipped records in lenient mode.
#[derive(Debug)]
pub(crate) struct Sink {
    pub(crate) mode: Mode,
    pub(crate) findings: Vec<ImportError>,
}

impl Sink {
    /// Strict: the error stops reading. Lenient: it is recorded and reading goes on.
    pub(crate) fn recover(&mut self, e: CamtError) -> Result<(), CamtError> {
        match self.mode {
            Mode::Strict => Err(e),
            Mode::Lenient => {
                self.findings.push(e.to_import_error());
                Ok(())
            }
        }
    }

    pub(crate) fn finding(&mut self, code: ErrorCode, severity: Severity, location: &Location, raw: Option<&str>, message: String) {
        let mut e = ImportError::new(code, severity, message).with_source(location.to_source());
        if let Some(raw) = raw {
            e = e.with_raw(raw);
        }
        self.findings.push(e);
    }

    pub(crate) fn warn(&mut self, code: ErrorCode, location: &Location, raw: Option<&str>, message: String) {
        self.finding(code, Severity::Warning, location, raw, message);
    }
}

/// Parses an ISO 20022 amount: unsigned decimal, at most 18 digits of which at most 5 after the
/// point. The scale written is kept (`8.850` stays `8.850`).
pub(crate) fn parse_amount(text: &str) -> Result<Decimal, &'static str> {
    let s = text.trim();
    let s = s.strip_prefix('+').unwrap_or(s);
    if s.starts_with('-') {
        return Err("negative; camt amounts are unsigned and the direction is in CdtDbtInd");
    }
    let mut mantissa: i64 = 0;
    let mut digits = 0u32;
    let mut fraction = 0u32;
    let mut point = false;
    for &b in s.as_bytes() {
        match b {
            b'0'..=b'9' => {
                if point {
                    fraction += 1;
                    if fraction > 5 {
                        return Err("more than 5 fraction digits");
                    }
                }
                // Leading zeros are not significant digits.
                if mantissa != 0 || b != b'0' || point {
                    digits += 1;
                    if digits > 18 {
                        return Err("more than 18 digits");
                    }
                }
                mantissa = mantissa * 10 + i64::from(b - b'0');
            }
            b'.' if !point => point = true,
            _ => return Err("not a decimal number"),
        }
    }
    if s.bytes().all(|b| b == b'.') {
        return Err("no digits");
    }
    Ok(Decimal::new(mantissa, fraction))
}

pub(crate) fn parse_date(text: &str) -> Option<Date> {
    let s = text.trim();
    let b = s.as_bytes();
    // xs:date may carry a zone (`2024-03-01Z`, `2024-03-01+01:00`); the calendar date is what counts.
    if b.len() < 10 || (b.len() > 10 && !matches!(b[10], b'Z' | b'+' | b'-')) || !s.is_char_boundary(10) {
        return None;
    }
    let (y, m, d) = (s.get(0..4)?, s.get(5..7)?, s.get(8..10)?);
    if b[4] != b'-' || b[7] != b'-' || !y.bytes().chain(m.bytes()).chain(d.bytes()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

fn parse_direction(text: &str) -> Option<Direction> {
    match text.trim() {
        "CRDT" => Some(Direction::Credit),
        "DBIT" => Some(Direction::Debit),
        _ => None,
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

fn owned(t: &Tree, id: NodeId, path: &[&str]) -> Option<String> {
    t.text_at(id, path).map(str::to_owned)
}

/// A code that may be given as `Cd` or `Prtry` (or `Prtry/Id`).
fn code_or_prtry(t: &Tree, id: NodeId) -> Option<String> {
    owned(t, id, &["Cd"]).or_else(|| owned(t, id, &["Prtry"])).or_else(|| owned(t, id, &["Prtry", "Id"]))
}

/// An amount element with its `Ccy` attribute, warning when it has more decimals than the
/// currency's minor units.
pub(crate) fn money(t: &Tree, id: NodeId, ctx: &Ctx<'_>, sink: &mut Sink) -> Result<(Decimal, Currency), CamtError> {
    let raw = t.text(id);
    let amount = parse_amount(raw).map_err(|reason| CamtError::InvalidAmount { location: ctx.loc(t, id), raw: raw.to_owned(), reason })?;
    let code = t.ccy(id).unwrap_or("");
    let currency = Currency::new(code).map_err(|_| CamtError::UnknownCurrency { location: ctx.loc(t, id), raw: code.to_owned() })?;
    if let Some(units) = currency.minor_units() {
        if amount.scale() > units {
            let exact = if currency.fits_minor_units(amount) { " (only trailing zeros beyond them)" } else { "" };
            sink.warn(
                ErrorCode::AmountScale,
                &ctx.loc(t, id),
                Some(raw),
                format!("amount {amount} {currency} has {} decimals, {currency} has {units}{exact}; kept exactly", amount.scale()),
            );
        }
    }
    Ok((amount, currency))
}

fn money_at(t: &Tree, id: NodeId, path: &[&str], ctx: &Ctx<'_>, sink: &mut Sink) -> Result<Option<Money>, CamtError> {
    match t.get(id, path) {
        Some(n) => money(t, n, ctx, sink).map(|(a, c)| Some(Money::new(a, c))),
        None => Ok(None),
    }
}

fn direction_at(t: &Tree, id: NodeId, ctx: &Ctx<'_>) -> Result<Option<Direction>, CamtError> {
    match t.child(id, "CdtDbtInd") {
        Some(n) => parse_direction(t.text(n))
            .map(Some)
            .ok_or_else(|| CamtError::InvalidDirection { location: ctx.loc(t, n), raw: t.text(n).to_owned() }),
        None => Ok(None),
    }
}

/// A `DateAndDateTimeChoice` (`Dt` or `DtTm` child of `id`).
fn date_choice(t: &Tree, id: NodeId, ctx: &Ctx<'_>) -> Result<(Option<Date>, Option<Timestamp>), CamtError> {
    if let Some(n) = t.child(id, "Dt") {
        return parse_date(t.text(n))
            .map(|d| (Some(d), None))
            .ok_or_else(|| CamtError::InvalidDate { location: ctx.loc(t, n), raw: t.text(n).to_owned() });
    }
    if let Some(n) = t.child(id, "DtTm") {
        return Timestamp::parse(t.text(n))
            .map(|ts| (Some(ts.date()), Some(ts)))
            .ok_or_else(|| CamtError::InvalidDate { location: ctx.loc(t, n), raw: t.text(n).to_owned() });
    }
    Ok((None, None))
}

/// A date or date-time that is only metadata: unreadable ones are a warning, not an error.
fn metadata_timestamp(t: &Tree, id: NodeId, ctx: &Ctx<'_>, sink: &mut Sink) -> Option<Timestamp> {
    let text = t.text(id);
    let ts = Timestamp::parse(text).or_else(|| parse_date(text).map(|d| Timestamp::new(d.midnight(), None)));
    if ts.is_none() {
        sink.warn(ErrorCode::InvalidDate, &ctx.loc(t, id), Some(text), "date-time not readable; left out".into());
    }
    ts
}

/// `Acct` (or `DbtrAcct`, ...): `Id/IBAN` or `Id/Othr/Id`. A malformed IBAN is kept as another
/// identifier with a warning.
fn account_id(t: &Tree, acct: NodeId, ctx: &Ctx<'_>, sink: &mut Sink) -> Option<AccountId> {
    if let Some(n) = t.get(acct, &["Id", "IBAN"]) {
        let raw = t.text(n);
        return match AccountId::iban(raw) {
            Ok(id) => Some(id),
            Err(e) => {
                sink.warn(ErrorCode::InvalidIdentifier, &ctx.loc(t, n), Some(raw), format!("{e}; kept as given"));
                AccountId::other(raw, Some("IBAN")).ok()
            }
        };
    }
    if let Some(othr) = t.get(acct, &["Id", "Othr"]) {
        let id = t.text_at(othr, &["Id"])?;
        let scheme = t.get(othr, &["SchmeNm"]).and_then(|s| code_or_prtry(t, s));
        return AccountId::other(id, scheme.as_deref()).ok();
    }
    // Version 1 choices.
    if let Some(id) = t.text_at(acct, &["Id", "PrtryAcct", "Id"]) {
        return AccountId::other(id, None).ok();
    }
    ["BBAN", "UPIC"].iter().find_map(|scheme| t.text_at(acct, &["Id", scheme]).and_then(|id| AccountId::other(id, Some(scheme)).ok()))
}

/// A BIC as given, with a warning when it is malformed.
fn bic(t: &Tree, fin: NodeId, ctx: &Ctx<'_>, sink: &mut Sink) -> Option<String> {
    let n = t.child(fin, "BICFI").or_else(|| t.child(fin, "BIC"))?;
    let raw = t.text(n);
    if raw.is_empty() {
        return None;
    }
    if let Err(e) = Bic::new(raw) {
        sink.warn(ErrorCode::InvalidIdentifier, &ctx.loc(t, n), Some(raw), format!("{e}; kept as given"));
        return Some(raw.to_owned());
    }
    Some(raw.trim().to_ascii_uppercase())
}

fn party_id(t: &Tree, party: NodeId) -> Option<String> {
    let id = t.child(party, "Id")?;
    if let Some(org) = t.child(id, "OrgId") {
        for name in ["AnyBIC", "BICOrBEI", "LEI"] {
            if let Some(v) = owned(t, org, &[name]) {
                return Some(v);
            }
        }
        return owned(t, org, &["Othr", "Id"]);
    }
    t.child(id, "PrvtId").and_then(|p| owned(t, p, &["Othr", "Id"]))
}

/// A party (`Dbtr`, `Cdtr`, `UltmtDbtr`, ...), its account and its agent. Version 8 and later
/// wrap the party in `Pty`.
fn party(t: &Tree, pty: Option<NodeId>, acct: Option<NodeId>, agent: Option<NodeId>, ctx: &Ctx<'_>, sink: &mut Sink) -> Option<Party> {
    let inner = pty.map(|p| t.child(p, "Pty").unwrap_or(p));
    let mut party = Party {
        name: inner.and_then(|p| owned(t, p, &["Nm"])),
        account: acct.and_then(|a| account_id(t, a, ctx, sink)),
        bic: agent.and_then(|a| t.child(a, "FinInstnId")).and_then(|f| bic(t, f, ctx, sink)),
        id: inner.and_then(|p| party_id(t, p)),
    };
    if party.bic.is_none() {
        // A financial institution as party (`Pty/FinInstnId` is not used; v08 `Agt`).
        party.bic = pty.and_then(|p| t.get(p, &["Agt", "FinInstnId"])).and_then(|f| bic(t, f, ctx, sink));
    }
    (!party.is_empty()).then_some(party)
}

fn bank_tx_code(t: &Tree, id: NodeId) -> Option<BankTxCode> {
    let domn = t.child(id, "Domn");
    let code = BankTxCode {
        domain: domn.and_then(|d| owned(t, d, &["Cd"])),
        family: domn.and_then(|d| owned(t, d, &["Fmly", "Cd"])),
        sub_family: domn.and_then(|d| owned(t, d, &["Fmly", "SubFmlyCd"])),
        proprietary: owned(t, id, &["Prtry", "Cd"]),
        issuer: owned(t, id, &["Prtry", "Issr"]),
    };
    (code != BankTxCode::default()).then_some(code)
}

fn charge(t: &Tree, rec: NodeId, ctx: &Ctx<'_>, sink: &mut Sink) -> Result<Option<Charge>, CamtError> {
    let Some(amt) = t.child(rec, "Amt") else { return Ok(None) };
    let (amount, currency) = money(t, amt, ctx, sink)?;
    let included = match t.child(rec, "ChrgInclInd") {
        Some(n) => Some(parse_bool(t.text(n)).ok_or_else(|| CamtError::InvalidValue {
            location: ctx.loc(t, n),
            raw: t.text(n).to_owned(),
            expected: "true or false",
        })?),
        None => None,
    };
    Ok(Some(Charge {
        amount: Money::new(amount, currency),
        direction: direction_at(t, rec, ctx)?,
        included,
        kind: t.child(rec, "Tp").and_then(|tp| code_or_prtry(t, tp)),
        bearer: owned(t, rec, &["Br"]),
    }))
}

/// `Chrgs`: version 2 repeats `Chrgs` with one charge each; version 4 and later hold `Rcrd`s.
fn charges(t: &Tree, id: NodeId, ctx: &Ctx<'_>, sink: &mut Sink) -> Result<ThinVec<Charge>, CamtError> {
    let mut out = ThinVec::new();
    for chrgs in t.children_named(id, "Chrgs") {
        if let Some(c) = charge(t, chrgs, ctx, sink)? {
            out.push(c);
        }
        let before = out.len();
        for rec in t.children_named(chrgs, "Rcrd") {
            if let Some(c) = charge(t, rec, ctx, sink)? {
                out.push(c);
            }
        }
        // Only a total given (no records): keep it as one charge rather than lose it.
        if out.len() == before && t.child(chrgs, "Amt").is_none() {
            if let Some(n) = t.child(chrgs, "TtlChrgsAndTaxAmt") {
                let (amount, currency) = money(t, n, ctx, sink)?;
                out.push(Charge { amount: Money::new(amount, currency), direction: None, included: None, kind: None, bearer: None });
            }
        }
    }
    Ok(out)
}

fn exchange_rate(t: &Tree, x: NodeId, ctx: &Ctx<'_>, sink: &mut Sink) -> Result<Option<ExchangeRate>, CamtError> {
    let Some(rate_node) = t.child(x, "XchgRate") else { return Ok(None) };
    let raw = t.text(rate_node);
    let rate = Decimal::from_str(raw).map_err(|_| CamtError::InvalidValue {
        location: ctx.loc(t, rate_node),
        raw: raw.to_owned(),
        expected: "a decimal exchange rate",
    })?;
    let mut ccy = |name: &str| -> Option<Currency> {
        let n = t.child(x, name)?;
        match Currency::new(t.text(n)) {
            Ok(c) => Some(c),
            Err(e) => {
                sink.warn(ErrorCode::UnknownCurrency, &ctx.loc(t, n), Some(t.text(n)), format!("{e}; left out"));
                None
            }
        }
    };
    Ok(Some(ExchangeRate {
        source_currency: ccy("SrcCcy"),
        target_currency: ccy("TrgtCcy"),
        unit_currency: ccy("UnitCcy"),
        rate,
        contract_id: owned(t, x, &["CtrctId"]),
    }))
}

fn amount_details(t: &Tree, id: NodeId, ctx: &Ctx<'_>, sink: &mut Sink) -> Result<Option<Box<AmountDetails>>, CamtError> {
    let Some(ad) = t.child(id, "AmtDtls") else { return Ok(None) };
    let mut out = AmountDetails {
        instructed: money_at(t, ad, &["InstdAmt", "Amt"], ctx, sink)?,
        transaction: money_at(t, ad, &["TxAmt", "Amt"], ctx, sink)?,
        counter_value: money_at(t, ad, &["CntrValAmt", "Amt"], ctx, sink)?,
        exchange_rate: None,
    };
    for part in ["TxAmt", "InstdAmt", "CntrValAmt"] {
        if let Some(x) = t.get(ad, &[part, "CcyXchg"]) {
            out.exchange_rate = exchange_rate(t, x, ctx, sink)?;
            if out.exchange_rate.is_some() {
                break;
            }
        }
    }
    Ok((!out.is_empty()).then(|| Box::new(out)))
}

fn refs(t: &Tree, id: NodeId) -> TransactionRefs {
    let Some(r) = t.child(id, "Refs") else { return TransactionRefs::default() };
    TransactionRefKind::ALL
        .into_iter()
        .filter_map(|kind| Some((kind, owned(t, r, &[kind.xml_tag()])?)))
        .filter(|(kind, v)| *kind != TransactionRefKind::EndToEndId || !bankrec_model::is_placeholder_reference(v))
        .collect()
}

fn remittance(t: &Tree, id: NodeId, ctx: &Ctx<'_>, sink: &mut Sink) -> Result<Remittance, CamtError> {
    let mut out = Remittance::default();
    let Some(rmt) = t.child(id, "RmtInf") else { return Ok(out) };
    for u in t.children_named(rmt, "Ustrd") {
        let text = t.text(u);
        if !text.is_empty() {
            out.unstructured.push(text.to_owned());
        }
    }
    for strd in t.children_named(rmt, "Strd") {
        for cri in t.children_named(strd, "CdtrRefInf") {
            if let Some(reference) = owned(t, cri, &["Ref"]) {
                let tp = t.child(cri, "Tp");
                out.creditor_refs.push(CreditorReference {
                    reference,
                    kind: tp.and_then(|tp| t.child(tp, "CdOrPrtry")).and_then(|c| code_or_prtry(t, c)),
                    issuer: tp.and_then(|tp| owned(t, tp, &["Issr"])),
                });
            }
        }
        let docs: Vec<NodeId> = t.children_named(strd, "RfrdDocInf").collect();
        let doc_amount = if docs.len() == 1 {
            match money_at(t, strd, &["RfrdDocAmt", "RmtdAmt"], ctx, sink)? {
                Some(m) => Some(m),
                None => money_at(t, strd, &["RfrdDocAmt", "DuePyblAmt"], ctx, sink)?,
            }
        } else {
            None
        };
        for doc in docs {
            let Some(number) = owned(t, doc, &["Nb"]) else { continue };
            let date = match t.child(doc, "RltdDt") {
                Some(n) => {
                    let text = t.text_at(n, &["Dt"]).unwrap_or(t.text(n));
                    Some(parse_date(text).ok_or_else(|| CamtError::InvalidDate { location: ctx.loc(t, n), raw: text.to_owned() })?)
                }
                None => None,
            };
            out.documents.push(ReferredDocument {
                number,
                kind: t.get(doc, &["Tp", "CdOrPrtry"]).and_then(|c| code_or_prtry(t, c)),
                date,
                amount: doc_amount,
            });
        }
        for a in t.children_named(strd, "AddtlRmtInf") {
            let text = t.text(a);
            if !text.is_empty() {
                out.additional.push(text.to_owned());
            }
        }
    }
    Ok(out)
}

/// One `TxDtls`. `direction` is the detail's own or the entry's; the counterparty is the debtor
/// of a credit and the creditor of a debit (of the original payment when the entry is a reversal).
fn transaction(
    t: &Tree,
    id: NodeId,
    direction: Direction,
    reversal: bool,
    ctx: &Ctx<'_>,
    sink: &mut Sink,
) -> Result<Transaction, CamtError> {
    let pties = t.child(id, "RltdPties");
    let agts = t.child(id, "RltdAgts");
    let p = |name: &str| pties.and_then(|p| t.child(p, name));
    let a = |name: &str| agts.and_then(|a| t.child(a, name));
    let original = if reversal { direction.opposite() } else { direction };
    let counterparty = match original {
        Direction::Credit => party(t, p("Dbtr"), p("DbtrAcct"), a("DbtrAgt"), ctx, sink),
        Direction::Debit => party(t, p("Cdtr"), p("CdtrAcct"), a("CdtrAgt"), ctx, sink),
    };
    Ok(Transaction {
        refs: refs(t, id),
        counterparty,
        ultimate_debtor: party(t, p("UltmtDbtr"), None, None, ctx, sink).map(Box::new),
        ultimate_creditor: party(t, p("UltmtCdtr"), None, None, ctx, sink).map(Box::new),
        remittance: remittance(t, id, ctx, sink)?,
        purpose: t.child(id, "Purp").and_then(|n| code_or_prtry(t, n)),
        bank_tx_code: t.child(id, "BkTxCd").and_then(|n| bank_tx_code(t, n)).map(Box::new),
        charges: charges(t, id, ctx, sink)?,
        amount_details: amount_details(t, id, ctx, sink)?,
        return_reason: t.get(id, &["RtrInf", "Rsn"]).and_then(|n| code_or_prtry(t, n)),
        additional_info: owned(t, id, &["AddtlTxInf"]),
    })
}

fn detail(
    t: &Tree,
    id: NodeId,
    entry_dir: Direction,
    reversal: bool,
    ctx: &Ctx<'_>,
    sink: &mut Sink,
) -> Result<TransactionDetail, CamtError> {
    // Version 4 and later give the detail's amount in `Amt`; version 2 only in `AmtDtls/TxAmt`.
    let amount = match t.child(id, "Amt") {
        Some(n) => money(t, n, ctx, sink).map(|(a, c)| Some(Money::new(a, c)))?,
        None => money_at(t, id, &["AmtDtls", "TxAmt", "Amt"], ctx, sink)?,
    };
    let direction = direction_at(t, id, ctx)?;
    let transaction = transaction(t, id, direction.unwrap_or(entry_dir), reversal, ctx, sink)?;
    Ok(TransactionDetail { amount, direction, transaction })
}

fn status(t: &Tree, root: NodeId, ctx: &Ctx<'_>, sink: &mut Sink) -> Result<EntryStatus, CamtError> {
    let Some(sts) = t.child(root, "Sts") else {
        sink.warn(ErrorCode::SchemaDeviation, &ctx.loc(t, root), None, "entry without status (Sts); read as booked".into());
        return Ok(EntryStatus::Booked);
    };
    // Up to version 8 the code is the element's text; from version 9 it is in `Cd` or `Prtry`.
    let code = t.text_at(sts, &["Cd"]).or_else(|| t.text_at(sts, &["Prtry"])).unwrap_or(t.text(sts));
    match code {
        "BOOK" => Ok(EntryStatus::Booked),
        "PDNG" | "FUTR" => Ok(EntryStatus::Pending),
        "INFO" => Ok(EntryStatus::Information),
        other => Err(CamtError::InvalidValue { location: ctx.loc(t, sts), raw: other.to_owned(), expected: "BOOK, PDNG, FUTR or INFO" }),
    }
}

/// Maps one `Ntry`.
pub(crate) fn entry(t: &Tree, root: NodeId, account: &AccountId, ctx: &Ctx<'_>, sink: &mut Sink) -> Result<BankEntry, CamtError> {
    let amt = t.child(root, "Amt").ok_or_else(|| CamtError::MissingElement { location: ctx.loc(t, root), element: "Amt" })?;
    let (amount, currency) = money(t, amt, ctx, sink)?;
    let direction =
        direction_at(t, root, ctx)?.ok_or_else(|| CamtError::MissingElement { location: ctx.loc(t, root), element: "CdtDbtInd" })?;
    let booking = match t.child(root, "BookgDt") {
        Some(n) => date_choice(t, n, ctx)?.0,
        None => None,
    };
    let mut e = BankEntry::new(account.clone(), amount, currency, direction, booking);
    e.value_date = match t.child(root, "ValDt") {
        Some(n) => date_choice(t, n, ctx)?.0,
        None => None,
    };
    e.status = status(t, root, ctx, sink)?;
    if let Some(n) = t.child(root, "RvslInd") {
        e.reversal = parse_bool(t.text(n)).ok_or_else(|| CamtError::InvalidValue {
            location: ctx.loc(t, n),
            raw: t.text(n).to_owned(),
            expected: "true or false",
        })?;
    }
    e.entry_ref = owned(t, root, &["NtryRef"]);
    e.acct_svcr_ref = owned(t, root, &["AcctSvcrRef"]);
    e.additional_info = owned(t, root, &["AddtlNtryInf"]);

    let mut own = Transaction {
        bank_tx_code: t.child(root, "BkTxCd").and_then(|n| bank_tx_code(t, n)).map(Box::new),
        charges: charges(t, root, ctx, sink)?,
        amount_details: amount_details(t, root, ctx, sink)?,
        ..Transaction::default()
    };
    let mut details = Vec::new();
    for dtls in t.children_named(root, "NtryDtls") {
        if e.batch.is_none() {
            if let Some(b) = t.child(dtls, "Btch") {
                let nb = match t.child(b, "NbOfTxs") {
                    Some(n) => Some(t.text(n).parse::<u64>().map_err(|_| CamtError::InvalidValue {
                        location: ctx.loc(t, n),
                        raw: t.text(n).to_owned(),
                        expected: "a number of transactions",
                    })?),
                    None => None,
                };
                let total = match t.child(b, "TtlAmt") {
                    Some(n) => Some(money(t, n, ctx, sink)?.0),
                    None => None,
                };
                e.batch = Some(Box::new(Batch {
                    number_of_transactions: nb,
                    total_amount: total,
                    direction: direction_at(t, b, ctx)?,
                    payment_info_id: owned(t, b, &["PmtInfId"]),
                    message_id: owned(t, b, &["MsgId"]),
                }));
            }
        }
        for tx in t.children_named(dtls, "TxDtls") {
            details.push((tx, detail(t, tx, direction, e.reversal, ctx, sink)?));
        }
    }
    check_batch(t, root, &e, &details, ctx, sink);
    if details.len() == 1 {
        let (_, single) = details.pop().expect("one detail");
        let mut tx = single.transaction;
        // The entry's own code, charges and amounts win; the detail fills what the entry lacks.
        if own.bank_tx_code.is_some() {
            tx.bank_tx_code = own.bank_tx_code.take();
        }
        if tx.charges.is_empty() {
            tx.charges = std::mem::take(&mut own.charges);
        }
        if tx.amount_details.is_none() {
            tx.amount_details = own.amount_details.take();
        }
        e.transaction = tx;
    } else {
        e.transaction = own;
        e.details = details.into_iter().map(|(_, d)| d).collect();
    }
    Ok(e)
}

/// Detail amounts against the entry amount, and the declared batch total and count.
fn check_batch(t: &Tree, root: NodeId, e: &BankEntry, details: &[(NodeId, TransactionDetail)], ctx: &Ctx<'_>, sink: &mut Sink) {
    let same_currency = details.iter().all(|(_, d)| d.amount.is_some_and(|m| m.currency() == e.currency));
    if !details.is_empty() && same_currency {
        let mut sum = Decimal::ZERO;
        for (_, d) in details {
            let a = d.amount.map(|m| m.amount()).unwrap_or_default();
            let signed = if d.direction.unwrap_or(e.direction) == e.direction { a } else { -a };
            sum = match sum.checked_add(signed) {
                Some(s) => s,
                None => return,
            };
        }
        if sum != e.amount {
            sink.warn(
                ErrorCode::BatchMismatch,
                &ctx.loc(t, root),
                None,
                format!("{} transaction details add up to {sum} {}, the entry amount is {}", details.len(), e.currency, e.amount),
            );
        }
    }
    if let Some(b) = &e.batch {
        if let Some(total) = b.total_amount.filter(|total| *total != e.amount) {
            sink.warn(
                ErrorCode::BatchMismatch,
                &ctx.loc(t, root),
                None,
                format!("batch total {total} differs from the entry amount {}", e.amount),
            );
        }
        if let Some(n) = b.number_of_transactions.filter(|n| details.len() > 1 && *n != details.len() as u64) {
            sink.warn(
                ErrorCode::BatchMismatch,
                &ctx.loc(t, root),
                None,
                format!("batch declares {n} transactions, {} transaction details given", details.len()),
            );
        }
    }
}

/// Maps one `Bal`. A balance without credit/debit indicator is read as a credit with a warning
/// (some banks leave it out for positive balances).
pub(crate) fn balance(t: &Tree, bal: NodeId, ctx: &Ctx<'_>, sink: &mut Sink) -> Result<Balance, CamtError> {
    let code = t
        .get(bal, &["Tp", "CdOrPrtry"])
        .and_then(|c| code_or_prtry(t, c))
        .ok_or_else(|| CamtError::MissingElement { location: ctx.loc(t, bal), element: "Tp/CdOrPrtry/Cd" })?;
    let amt = t.child(bal, "Amt").ok_or_else(|| CamtError::MissingElement { location: ctx.loc(t, bal), element: "Amt" })?;
    let (amount, currency) = money(t, amt, ctx, sink)?;
    let direction = match direction_at(t, bal, ctx)? {
        Some(d) => d,
        None => {
            sink.warn(ErrorCode::SchemaDeviation, &ctx.loc(t, bal), None, format!("balance {code} without CdtDbtInd; read as credit"));
            Direction::Credit
        }
    };
    let (date, date_time) = match t.child(bal, "Dt") {
        Some(n) => date_choice(t, n, ctx)?,
        None => (None, None),
    };
    Ok(Balance { kind: BalanceKind::from_code(&code), amount, direction, currency, date, date_time })
}

/// Maps the statement header (`Stmt`, `Rpt` or `Ntfctn` without its entries). Balances that
/// cannot be read are errors handled by `sink`; `fallback_currency` is the first entry's.
pub(crate) fn header(
    t: &Tree,
    root: NodeId,
    kind: StatementKind,
    message_id: Option<&str>,
    fallback_currency: Option<Currency>,
    ctx: &Ctx<'_>,
    sink: &mut Sink,
) -> Result<Statement, CamtError> {
    let id = t.text_at(root, &["Id"]).ok_or_else(|| CamtError::MissingElement { location: ctx.loc(t, root), element: "Id" })?;
    let acct = t.child(root, "Acct").ok_or_else(|| CamtError::MissingElement { location: ctx.loc(t, root), element: "Acct" })?;
    let account = account_id(t, acct, ctx, sink)
        .ok_or_else(|| CamtError::MissingElement { location: ctx.loc(t, acct), element: "Id/IBAN or Id/Othr/Id" })?;
    let account_currency = match t.child(acct, "Ccy") {
        Some(n) => {
            Some(Currency::new(t.text(n)).map_err(|_| CamtError::UnknownCurrency { location: ctx.loc(t, n), raw: t.text(n).to_owned() })?)
        }
        None => None,
    };
    let mut balances = Vec::new();
    for bal in t.children_named(root, "Bal") {
        match balance(t, bal, ctx, sink) {
            Ok(b) => balances.push(b),
            Err(e) => sink.recover(e)?,
        }
    }
    let currency = match account_currency.or_else(|| balances.first().map(|b| b.currency)).or(fallback_currency) {
        Some(c) => c,
        None => {
            sink.warn(
                ErrorCode::SchemaDeviation,
                &ctx.loc(t, acct),
                None,
                "no account currency, balance or entry to take the statement currency from; XXX used".into(),
            );
            Currency::new("XXX").map_err(|_| CamtError::UnknownCurrency { location: ctx.loc(t, acct), raw: "XXX".into() })?
        }
    };
    let mut s = Statement::new(id, kind, account, currency);
    s.message_id = message_id.map(str::to_owned);
    s.balances = balances;
    for (name, slot) in [("ElctrncSeqNb", &mut s.electronic_sequence), ("LglSeqNb", &mut s.legal_sequence)] {
        if let Some(n) = t.child(root, name) {
            match t.text(n).parse::<u64>() {
                Ok(v) => *slot = Some(v),
                Err(_) => sink.warn(ErrorCode::InvalidValue, &ctx.loc(t, n), Some(t.text(n)), format!("{name} is not a number; left out")),
            }
        }
    }
    s.owner_name = owned(t, acct, &["Ownr", "Nm"]).or_else(|| owned(t, acct, &["Ownr", "Pty", "Nm"])).or_else(|| owned(t, acct, &["Nm"]));
    if let Some(fin) = t.get(acct, &["Svcr", "FinInstnId"]) {
        s.servicer = bic(t, fin, ctx, sink).or_else(|| owned(t, fin, &["Nm"]));
    }
    s.created = t.child(root, "CreDtTm").and_then(|n| metadata_timestamp(t, n, ctx, sink));
    if let Some(period) = t.child(root, "FrToDt") {
        let mut date = |names: [&str; 2]| names.iter().find_map(|n| t.child(period, n)).and_then(|n| metadata_timestamp(t, n, ctx, sink));
        s.from = date(["FrDtTm", "FrDt"]).map(|ts| ts.date());
        s.to = date(["ToDtTm", "ToDt"]).map(|ts| ts.date());
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_follow_iso_20022() {
        assert_eq!(parse_amount("8.850"), Ok(Decimal::new(8850, 3)));
        assert_eq!(parse_amount(" 100 "), Ok(Decimal::new(100, 0)));
        assert_eq!(parse_amount("0.00001"), Ok(Decimal::new(1, 5)));
        assert_eq!(parse_amount("999999999999999999"), Ok(Decimal::new(999_999_999_999_999_999, 0)));
        assert_eq!(parse_amount("0001.5"), Ok(Decimal::new(15, 1)));
        assert!(parse_amount("1999999999999999999").is_err(), "19 digits");
        assert!(parse_amount("100.0000000000005").is_err(), "13 fraction digits");
        assert!(parse_amount("12..34").is_err());
        assert!(parse_amount("-5.00").is_err());
        assert!(parse_amount("").is_err());
        assert!(parse_amount(".").is_err());
        assert!(parse_amount("1,50").is_err());
        assert!(parse_amount("1e5").is_err());
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("2024-02-29").map(|d| d.to_string()), Some("2024-02-29".into()));
        assert_eq!(parse_date("2024-02-29+01:00").map(|d| d.to_string()), Some("2024-02-29".into()));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2024-2-1"), None);
        assert_eq!(parse_date("2024-02-01T10:00:00"), None);
        assert_eq!(parse_date("２０２４-02-01"), None);
    }
}
