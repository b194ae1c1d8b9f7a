//! The statement reader: a pull iterator of [`CamtEvent`]s over any [`BufRead`] (flat memory,
//! whatever the file size), and on top of it [`read_statements`] (whole statements, entry ids
//! assigned, balance checked) and [`StatementReader::next_summary`] (totals per statement
//! without holding entries). Strict and lenient mode differ only in what [`Sink::recover`] does.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use bankrec_model::{
    assign_entry_ids, check_balance, check_negative_balances, BankEntry, Currency, Decimal, Direction, EntryStatus, ErrorCode, ImportError,
    Severity, Statement,
};

use crate::error::{CamtError, Location};
use crate::map::{self, Ctx, Sink};
use crate::message::{MessageInfo, MessageType, MAX_VERSION};
use crate::options::{Mode, ReaderOptions};
use crate::tree::Tree;
use crate::xml::{Tag, Xml};

/// One step of reading a camt file, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CamtEvent {
    /// The message type and group header, before the first statement.
    Message(MessageInfo),
    /// A statement (`Stmt`, `Rpt` or `Ntfctn`) begins: its header and the balances given before
    /// its entries; `entries` is empty.
    StatementStart(Box<Statement>),
    /// One entry of the current statement. Its `id` is empty: ids depend on the whole statement
    /// ([`bankrec_model::assign_entry_ids`]); [`read_statements`] assigns them.
    Entry(Box<BankEntry>),
    /// A warning, or (lenient mode) the error for a record that was skipped.
    Finding(ImportError),
    /// The current statement ends: its final header and totals.
    StatementEnd(Box<StatementEnd>),
}

/// The end of one statement: the header as finally read (balances given after the entries
/// included) and running totals, so that a caller that streams entries never needs to keep them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatementEnd {
    /// The statement without entries.
    pub statement: Statement,
    /// Element path of the statement, e.g. `Document/BkToCstmrStmt/Stmt[2]`.
    pub path: String,
    /// Entries read.
    pub entry_count: u64,
    /// Entries skipped (lenient mode; each has an error finding).
    pub skipped_entries: u64,
    /// Sum of booked credits in the statement currency.
    pub booked_credit: Decimal,
    /// Sum of booked debits in the statement currency.
    pub booked_debit: Decimal,
    /// Entries in another currency than the statement's (not in the sums).
    pub other_currency_entries: u64,
}

/// One statement read in summary: header, balances, totals and findings, without its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatementSummary {
    /// The statement without entries.
    pub statement: Statement,
    /// Entries read.
    pub entry_count: u64,
    /// Entries skipped (lenient mode).
    pub skipped_entries: u64,
    /// Sum of booked credits in the statement currency.
    pub booked_credit: Decimal,
    /// Sum of booked debits in the statement currency.
    pub booked_debit: Decimal,
    /// Warnings and (lenient) errors of this statement, balance check included.
    pub findings: Vec<ImportError>,
}

impl StatementSummary {
    /// Opening booked (`OPBD`, else `PRCD`) + booked credits - booked debits = closing booked
    /// (`CLBD`)? `None` when a balance is missing.
    pub fn balances_agree(&self) -> Option<bool> {
        let opening = self.statement.opening_booked()?.signed();
        let closing = self.statement.closing_booked()?.signed();
        Some(opening.checked_add(self.booked_credit)?.checked_sub(self.booked_debit)? == closing)
    }
}

/// A whole camt file read by [`read_statements`] or [`read_path`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CamtFile {
    /// Message type, id and creation time; `None` only when reading failed before the header
    /// (lenient mode).
    pub message: Option<MessageInfo>,
    /// Every statement read, in document order, entry ids assigned.
    pub statements: Vec<Statement>,
    /// Warnings (schema deviations, balance checks) and, in lenient mode, errors.
    pub findings: Vec<ImportError>,
}

impl CamtFile {
    /// True when any finding is an error (lenient mode: something was skipped).
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(ImportError::is_error)
    }

    /// Number of entries over all statements.
    pub fn entry_count(&self) -> usize {
        self.statements.iter().map(|s| s.entries.len()).sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Prolog,
    Message,
    Statement,
    Epilog,
    Done,
}

struct Current {
    base: String,
    header: Option<Statement>,
    // Lenient mode, header unreadable: the code of its error; entries are skipped.
    skip: Option<ErrorCode>,
    entry_index: u64,
    entries: u64,
    skipped: u64,
    credit: Decimal,
    debit: Decimal,
    other_currency: u64,
    overflow: bool,
    late: Vec<usize>,
}

/// Streams a camt.052/053/054 document as [`CamtEvent`]s, one record in memory at a time.
///
/// ```
/// use bankrec_camt::{CamtEvent, ReaderOptions, StatementReader};
/// let xml = r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
///   <GrpHdr><MsgId>M1</MsgId></GrpHdr>
///   <Stmt><Id>S1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
///     <Ntry><Amt Ccy="EUR">4.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts></Ntry>
///   </Stmt></BkToCstmrStmt></Document>"#;
/// let mut entries = 0;
/// for event in StatementReader::new(xml.as_bytes(), &ReaderOptions::default()) {
///     if let CamtEvent::Entry(e) = event.expect("valid camt") {
///         assert_eq!(e.amount.to_string(), "4.50");
///         entries += 1;
///     }
/// }
/// assert_eq!(entries, 1);
/// ```
pub struct StatementReader<R> {
    xml: Xml<R>,
    sink: Sink,
    queue: VecDeque<CamtEvent>,
    error: Option<CamtError>,
    state: State,
    path: Vec<String>,
    message_type: Option<MessageType>,
    message: Option<MessageInfo>,
    message_sent: bool,
    records: u64,
    cur: Option<Current>,
    header_tree: Tree,
    entry_tree: Tree,
    misc_tree: Tree,
    leftover: Vec<ImportError>,
}

impl<R: BufRead> StatementReader<R> {
    /// A reader over `input` (wrap files in a [`BufReader`]).
    pub fn new(input: R, options: &ReaderOptions) -> StatementReader<R> {
        StatementReader {
            xml: Xml::new(input, *options.limits(), options.file_name().map(str::to_owned)),
            sink: Sink { mode: options.mode(), findings: Vec::new() },
            queue: VecDeque::new(),
            error: None,
            state: State::Prolog,
            path: Vec::new(),
            message_type: None,
            message: None,
            message_sent: false,
            records: 0,
            cur: None,
            header_tree: Tree::default(),
            entry_tree: Tree::default(),
            misc_tree: Tree::default(),
            leftover: Vec::new(),
        }
    }

    /// The message type and group header, once read.
    pub fn message(&self) -> Option<&MessageInfo> {
        self.message.as_ref()
    }

    /// Reads up to the end of the next statement and returns its summary: header, balances,
    /// entry count, booked sums and findings (balance check included). Entries are counted and
    /// dropped, so memory stays flat on files of any size. Findings outside any statement are
    /// kept for [`StatementReader::take_findings`].
    pub fn next_summary(&mut self) -> Option<Result<StatementSummary, CamtError>> {
        let mut findings = Vec::new();
        for event in self.by_ref() {
            match event {
                Ok(CamtEvent::Finding(f)) => findings.push(f),
                Ok(CamtEvent::StatementEnd(end)) => {
                    let mut check = end.statement.clone();
                    for (amount, direction) in [(end.booked_credit, Direction::Credit), (end.booked_debit, Direction::Debit)] {
                        check.entries.push(BankEntry::new(check.account.clone(), amount, check.currency, direction, None));
                    }
                    findings.extend(check_balance(&check).into_iter().filter(|f| f.code != ErrorCode::CurrencyMismatch));
                    if end.other_currency_entries > 0 {
                        findings.push(
                            ImportError::new(
                                ErrorCode::CurrencyMismatch,
                                Severity::Warning,
                                format!(
                                    "{} entries in another currency than {}; left out of the balance check",
                                    end.other_currency_entries, end.statement.currency
                                ),
                            )
                            .with_statement(&end.statement.id)
                            .with_account(end.statement.account.as_str()),
                        );
                    }
                    let end = *end;
                    return Some(Ok(StatementSummary {
                        statement: end.statement,
                        entry_count: end.entry_count,
                        skipped_entries: end.skipped_entries,
                        booked_credit: end.booked_credit,
                        booked_debit: end.booked_debit,
                        findings,
                    }));
                }
                Ok(_) => {}
                Err(e) => {
                    self.leftover.extend(findings);
                    return Some(Err(e));
                }
            }
        }
        self.leftover.extend(findings);
        None
    }

    /// Findings read by [`StatementReader::next_summary`] that belong to no statement.
    pub fn take_findings(&mut self) -> Vec<ImportError> {
        std::mem::take(&mut self.leftover)
    }

    fn path_string(&self) -> String {
        self.path.join("/")
    }

    fn step(&mut self) -> Result<(), CamtError> {
        match self.state {
            State::Prolog => self.prolog(),
            State::Message => self.message_level(),
            State::Statement => self.statement_level(),
            State::Epilog => self.epilog(),
            State::Done => Ok(()),
        }
    }

    fn unsupported(&self, raw: String) -> CamtError {
        CamtError::UnsupportedMessage { location: self.xml.location(&self.path_string()), raw, max_version: MAX_VERSION }
    }

    /// Up to the message element, through any envelope (`AppHdr` is skipped).
    fn prolog(&mut self) -> Result<(), CamtError> {
        loop {
            let path = self.path_string();
            match self.xml.next_tag(&path)? {
                Tag::Start { empty } => {
                    let name = self.xml.name.clone();
                    if name == "AppHdr" {
                        self.xml.skip(empty, &path)?;
                        continue;
                    }
                    if name != "Document" {
                        if !empty {
                            self.path.push(name);
                        }
                        continue;
                    }
                    let mut from_ns = None;
                    let mut foreign_ns = None;
                    for ns in &self.xml.namespaces {
                        match MessageType::from_namespace(ns) {
                            Some(Ok(t)) => from_ns = Some(t),
                            Some(Err(raw)) => return Err(self.unsupported(raw)),
                            None if !ns.contains("XMLSchema-instance") => foreign_ns = Some(ns.clone()),
                            None => {}
                        }
                    }
                    self.path.push(name);
                    if empty {
                        return Err(self.unsupported("empty Document".into()));
                    }
                    let path = self.path_string();
                    let (msg, msg_empty) = match self.xml.next_tag(&path)? {
                        Tag::Start { empty } => (self.xml.name.clone(), empty),
                        Tag::End => return Err(self.unsupported("empty Document".into())),
                        Tag::Eof => {
                            return Err(CamtError::Malformed {
                                location: self.xml.location(&path),
                                message: "unexpected end of input".into(),
                            })
                        }
                    };
                    let described = || match &foreign_ns {
                        Some(ns) => format!("{msg} in {ns}"),
                        None => msg.clone(),
                    };
                    let Some(kind) = MessageType::kind_from_element(&msg) else { return Err(self.unsupported(described())) };
                    let message_type = match from_ns {
                        Some(t) if t.kind != kind => return Err(self.unsupported(format!("{msg} in a {t} document"))),
                        Some(t) => t,
                        None => MessageType { kind, version: None },
                    };
                    self.message_type = Some(message_type);
                    self.message = Some(MessageInfo { message_type, message_id: None, created: None });
                    self.path.push(msg);
                    self.state = State::Message;
                    if msg_empty {
                        self.end_message()?;
                    }
                    return Ok(());
                }
                Tag::End => {
                    self.path.pop();
                }
                Tag::Eof => return Err(self.unsupported("no Document element".into())),
            }
        }
    }

    fn send_message(&mut self) {
        if !self.message_sent {
            if let Some(m) = &self.message {
                self.queue.push_back(CamtEvent::Message(m.clone()));
            }
            self.message_sent = true;
        }
    }

    fn end_message(&mut self) -> Result<(), CamtError> {
        self.path.pop();
        if self.records == 0 {
            let element = match self.message_type.map(|t| t.record_element()) {
                Some("Rpt") => "Rpt",
                Some("Ntfctn") => "Ntfctn",
                _ => "Stmt",
            };
            let e = CamtError::MissingElement { location: self.xml.location(&self.path_string()), element };
            self.sink.recover(e)?;
        }
        self.send_message();
        self.drain();
        self.state = State::Epilog;
        Ok(())
    }

    fn message_level(&mut self) -> Result<(), CamtError> {
        let path = self.path_string();
        let record = self.message_type.map_or("Stmt", |t| t.record_element());
        match self.xml.next_tag(&path)? {
            Tag::Start { empty } if self.xml.name == "GrpHdr" => {
                self.misc_tree.clear();
                let base = format!("{path}/GrpHdr");
                let root = self.xml.read_element(&mut self.misc_tree, None, empty, &base)?;
                let t = &self.misc_tree;
                if let Some(m) = self.message.as_mut() {
                    m.message_id = t.text_at(root, &["MsgId"]).map(str::to_owned);
                    if let Some(n) = t.child(root, "CreDtTm") {
                        m.created = bankrec_model::Timestamp::parse(t.text(n));
                        if m.created.is_none() {
                            let ctx = Ctx { file: self.xml.file(), base: &base };
                            self.sink.warn(
                                ErrorCode::InvalidDate,
                                &ctx.loc(t, n),
                                Some(t.text(n)),
                                "date-time not readable; left out".into(),
                            );
                        }
                    }
                }
                self.send_message();
                self.drain();
            }
            Tag::Start { empty } if self.xml.name == record => {
                self.records += 1;
                self.send_message();
                let base = format!("{path}/{record}[{}]", self.records);
                self.header_tree.clear();
                let here = self.xml.location(&base);
                self.header_tree.open(None, record, None, here.byte_offset, here.line);
                self.cur = Some(Current {
                    base,
                    header: None,
                    skip: None,
                    entry_index: 0,
                    entries: 0,
                    skipped: 0,
                    credit: Decimal::ZERO,
                    debit: Decimal::ZERO,
                    other_currency: 0,
                    overflow: false,
                    late: Vec::new(),
                });
                self.state = State::Statement;
                if empty {
                    self.end_statement()?;
                }
            }
            Tag::Start { empty } => self.xml.skip(empty, &path)?,
            Tag::End => self.end_message()?,
            Tag::Eof => return Err(CamtError::Malformed { location: self.xml.location(&path), message: "unexpected end of input".into() }),
        }
        Ok(())
    }

    /// Moves the sink's findings to the queue, naming the current statement.
    fn drain(&mut self) {
        let header = self.cur.as_ref().and_then(|c| c.header.as_ref());
        for mut f in self.sink.findings.drain(..) {
            if let Some(s) = header {
                if f.statement.is_none() {
                    f.statement = Some(s.id.clone());
                }
                if f.account.is_none() {
                    f.account = Some(s.account.as_str().to_owned());
                }
            }
            self.queue.push_back(CamtEvent::Finding(f));
        }
    }

    fn finalize_header(&mut self, fallback: Option<Currency>) -> Result<(), CamtError> {
        let Some(cur) = self.cur.as_mut() else { return Ok(()) };
        let kind = self.message_type.map_or(bankrec_model::StatementKind::Statement, |t| t.kind);
        let message_id = self.message.as_ref().and_then(|m| m.message_id.as_deref());
        let ctx = Ctx { file: self.xml.file(), base: &cur.base };
        match map::header(&self.header_tree, 0, kind, message_id, fallback, &ctx, &mut self.sink) {
            Ok(s) => {
                cur.header = Some(s);
                self.drain();
                if let Some(s) = self.cur.as_ref().and_then(|c| c.header.as_ref()) {
                    self.queue.push_back(CamtEvent::StatementStart(Box::new(s.clone())));
                }
            }
            Err(e) => {
                let code = e.code();
                self.sink.recover(e)?;
                cur.skip = Some(code);
                self.drain();
            }
        }
        Ok(())
    }

    fn statement_level(&mut self) -> Result<(), CamtError> {
        let Some(cur) = self.cur.as_mut() else {
            self.state = State::Message;
            return Ok(());
        };
        let base = cur.base.clone();
        match self.xml.next_tag(&base)? {
            Tag::Start { empty } if self.xml.name == "Ntry" => {
                cur.entry_index += 1;
                let entry_base = format!("{base}/Ntry[{}]", cur.entry_index);
                self.entry_tree.clear();
                let root = self.xml.read_element(&mut self.entry_tree, None, empty, &entry_base)?;
                if cur.header.is_none() && cur.skip.is_none() {
                    let fallback =
                        self.entry_tree.child(root, "Amt").and_then(|a| self.entry_tree.ccy(a)).and_then(|c| Currency::new(c).ok());
                    self.finalize_header(fallback)?;
                }
                let Some(cur) = self.cur.as_mut() else { return Ok(()) };
                let Some(header) = cur.header.as_ref() else {
                    cur.skipped += 1;
                    return Ok(());
                };
                let ctx = Ctx { file: self.xml.file(), base: &entry_base };
                match map::entry(&self.entry_tree, root, &header.account, &ctx, &mut self.sink) {
                    Ok(e) => {
                        cur.entries += 1;
                        if e.currency != header.currency {
                            cur.other_currency += 1;
                        } else if e.status == EntryStatus::Booked {
                            let sum = match e.direction {
                                Direction::Credit => &mut cur.credit,
                                Direction::Debit => &mut cur.debit,
                            };
                            match sum.checked_add(e.amount) {
                                Some(v) => *sum = v,
                                None => cur.overflow = true,
                            }
                        }
                        self.drain();
                        self.queue.push_back(CamtEvent::Entry(Box::new(e)));
                    }
                    Err(err) => {
                        cur.skipped += 1;
                        self.sink.recover(err)?;
                        self.drain();
                    }
                }
            }
            Tag::Start { empty } => {
                let child_base = format!("{base}/{}", self.xml.name);
                let id = self.xml.read_element(&mut self.header_tree, Some(0), empty, &child_base)?;
                if cur.header.is_some() || cur.skip.is_some() {
                    cur.late.push(id);
                }
            }
            Tag::End => self.end_statement()?,
            Tag::Eof => return Err(CamtError::Malformed { location: self.xml.location(&base), message: "unexpected end of input".into() }),
        }
        Ok(())
    }

    fn end_statement(&mut self) -> Result<(), CamtError> {
        let needs_header = self.cur.as_ref().is_some_and(|c| c.header.is_none() && c.skip.is_none());
        if needs_header {
            self.finalize_header(None)?;
        }
        self.state = State::Message;
        let Some(mut cur) = self.cur.take() else { return Ok(()) };
        let file = self.xml.file().map(str::to_owned);
        if let Some(code) = cur.skip {
            if cur.skipped > 0 {
                let location = Location { file, line: 0, byte_offset: 0, path: cur.base.clone() };
                self.sink.finding(
                    code,
                    Severity::Error,
                    &location,
                    None,
                    format!("{} entries of this statement not imported: its header cannot be read", cur.skipped),
                );
            }
            self.drain();
            return Ok(());
        }
        let Some(mut statement) = cur.header.take() else { return Ok(()) };
        let ctx = Ctx { file: file.as_deref(), base: &cur.base };
        for &id in &cur.late {
            if self.header_tree.name(id) != "Bal" {
                continue;
            }
            match map::balance(&self.header_tree, id, &ctx, &mut self.sink) {
                Ok(b) => {
                    self.sink.warn(
                        ErrorCode::SchemaDeviation,
                        &ctx.loc(&self.header_tree, id),
                        None,
                        format!("balance {} given after the entries; read", b.kind),
                    );
                    statement.balances.push(b);
                }
                Err(e) => self.sink.recover(e)?,
            }
        }
        if cur.overflow {
            self.sink.finding(
                ErrorCode::InvalidAmount,
                Severity::Error,
                &Location { file, line: 0, byte_offset: 0, path: cur.base.clone() },
                None,
                "sum of booked entries overflows".into(),
            );
        }
        cur.header = Some(statement);
        self.cur = Some(cur);
        self.drain();
        let Some(cur) = self.cur.take() else { return Ok(()) };
        let Some(statement) = cur.header else { return Ok(()) };
        self.queue.push_back(CamtEvent::StatementEnd(Box::new(StatementEnd {
            statement,
            path: cur.base,
            entry_count: cur.entries,
            skipped_entries: cur.skipped,
            booked_credit: cur.credit,
            booked_debit: cur.debit,
            other_currency_entries: cur.other_currency,
        })));
        Ok(())
    }

    fn epilog(&mut self) -> Result<(), CamtError> {
        loop {
            let path = self.path_string();
            match self.xml.next_tag(&path)? {
                Tag::Start { empty } => self.xml.skip(empty, &path)?,
                Tag::End => {
                    self.path.pop();
                }
                Tag::Eof => {
                    self.state = State::Done;
                    return Ok(());
                }
            }
        }
    }
}

impl<R: BufRead> Iterator for StatementReader<R> {
    type Item = Result<CamtEvent, CamtError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some(Ok(event));
            }
            if let Some(e) = self.error.take() {
                return Some(Err(e));
            }
            if self.state == State::Done {
                return None;
            }
            if let Err(e) = self.step() {
                self.state = State::Done;
                // Findings made before the error come first (lenient mode).
                self.drain();
                self.error = Some(e);
            }
        }
    }
}

/// Assigns entry ids and runs the model's checks on a complete statement.
fn finish_statement(s: &mut Statement, path: &str, options: &ReaderOptions, findings: &mut Vec<ImportError>) {
    let repeated = assign_entry_ids(&mut s.entries);
    let locate = |f: ImportError| {
        let mut f = f;
        if f.source.path.is_none() {
            f.source.path = Some(path.to_owned());
        }
        if f.source.file.is_none() {
            f.source.file = options.file_name().map(str::to_owned);
        }
        f
    };
    for r in repeated {
        findings.push(locate(
            ImportError::new(
                ErrorCode::SchemaDeviation,
                Severity::Info,
                format!("bank reference {r} is not unique in the statement; its entries are identified by content"),
            )
            .with_statement(&s.id)
            .with_account(s.account.as_str())
            .with_raw(r),
        ));
    }
    findings.extend(check_balance(s).into_iter().map(locate));
    if let Some(map) = options.accounts() {
        match map.by_identifier(&s.account) {
            Some(account) => findings.extend(check_negative_balances(s, account.overdraft_allowed).into_iter().map(locate)),
            None => findings.push(locate(
                ImportError::new(ErrorCode::UnknownAccount, Severity::Warning, "the statement's account is not in the account map")
                    .with_statement(&s.id)
                    .with_account(s.account.as_str()),
            )),
        }
    }
}

/// Reads a whole camt document into statements, with entry ids assigned
/// ([`bankrec_model::assign_entry_ids`], bank reference = `AcctSvcrRef`) and each statement
/// checked ([`bankrec_model::check_balance`], and negative balances when the options carry an
/// account map). Strict mode returns the first error; lenient mode returns every good statement
/// and entry with an error finding for each bad record (and for the rest of the file when the
/// XML breaks off).
///
/// ```
/// use bankrec_camt::{read_statements, ReaderOptions};
/// let xml = r#"<Document><BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId></GrpHdr>
///   <Stmt><Id>S1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
///     <Ntry><Amt Ccy="EUR">4.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><AcctSvcrRef>R1</AcctSvcrRef></Ntry>
///   </Stmt></BkToCstmrStmt></Document>"#;
/// let file = read_statements(xml.as_bytes(), &ReaderOptions::default()).expect("valid camt");
/// let s = &file.statements[0];
/// assert_eq!(s.account.as_str(), "DE89370400440532013000");
/// assert_eq!(s.entries[0].id, "R1");
/// assert_eq!(s.entries[0].signed_amount().to_string(), "-4.50");
/// ```
pub fn read_statements<R: BufRead>(input: R, options: &ReaderOptions) -> Result<CamtFile, CamtError> {
    let mut reader = StatementReader::new(input, options);
    let mut file = CamtFile { message: None, statements: Vec::new(), findings: Vec::new() };
    let mut current: Option<Statement> = None;
    while let Some(event) = reader.next() {
        match event {
            Ok(CamtEvent::Message(m)) => file.message = Some(m),
            Ok(CamtEvent::StatementStart(s)) => current = Some(*s),
            Ok(CamtEvent::Entry(e)) => {
                if let Some(s) = current.as_mut() {
                    s.entries.push(*e);
                }
            }
            Ok(CamtEvent::Finding(f)) => file.findings.push(f),
            Ok(CamtEvent::StatementEnd(end)) => {
                let end = *end;
                let mut s = end.statement;
                s.entries = current.take().map(|c| c.entries).unwrap_or_default();
                finish_statement(&mut s, &end.path, options, &mut file.findings);
                file.statements.push(s);
            }
            Err(e) => {
                if options.mode() == Mode::Strict {
                    return Err(e);
                }
                if let Some(s) = current.take() {
                    file.findings.push(
                        ImportError::new(
                            e.code(),
                            Severity::Error,
                            format!("statement {} not imported: the file breaks off after {} of its entries", s.id, s.entries.len()),
                        )
                        .with_statement(&s.id)
                        .with_account(s.account.as_str()),
                    );
                }
                file.findings.push(e.to_import_error());
                if file.message.is_none() {
                    file.message = reader.message().cloned();
                }
                break;
            }
        }
    }
    Ok(file)
}

/// [`read_statements`] on a file; the path is the file name in error locations unless the
/// options name one.
pub fn read_path(path: impl AsRef<Path>, options: &ReaderOptions) -> Result<CamtFile, CamtError> {
    let path = path.as_ref();
    let options = match options.file_name() {
        Some(_) => options.clone(),
        None => options.with_file_name(path.display().to_string()),
    };
    let file = File::open(path).map_err(|source| CamtError::Io {
        location: Location { file: options.file_name().map(str::to_owned), line: 0, byte_offset: 0, path: String::new() },
        source,
    })?;
    read_statements(BufReader::with_capacity(64 * 1024, file), &options)
}
