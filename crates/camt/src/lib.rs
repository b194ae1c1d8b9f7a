//! # bankrec-camt
//!
//! Reads ISO 20022 bank-to-customer cash management messages into `bankrec-model` types:
//! camt.053 statements, camt.052 account reports and camt.054 debit/credit notifications,
//! versions `.001.01` to `.001.14`, with or without namespace, bare or inside an envelope (SWIFT
//! `AppHdr`). **Precision first:** amounts are read digit by digit into a `Decimal` at the
//! scale the file gives (`8.850` stays `8.850`); ISO 20022's bounds (18 digits, 5 decimals) are
//! enforced, and more decimals than the currency has are kept exactly with a warning.
//!
//! - [`read_statements`] / [`read_path`]: a whole file as a [`CamtFile`] of
//!   [`bankrec_model::Statement`]s, entry ids assigned and every statement balance-checked.
//! - [`StatementReader`]: the streaming core, a pull iterator of [`CamtEvent`]s that holds one
//!   entry at a time, and [`StatementReader::next_summary`] for per-statement totals
//!   ([`StatementSummary`]) on files of any size.
//! - [`ReaderOptions`] (built by [`ReaderOptionsBuilder`]): [`Mode::Strict`] stops at the first
//!   error, [`Mode::Lenient`] returns every good record and an
//!   [`ImportError`](bankrec_model::ImportError) for each bad one; [`Limits`] bound untrusted input.
//! - [`CamtError`]: every error with its [`Location`] (file, line, byte offset, element path such
//!   as `Document/BkToCstmrStmt/Stmt[2]/Ntry[17]/Amt`) and the raw value.
//!
//! Untrusted input: a DOCTYPE (and so any entity declaration) is refused; input size, nesting
//! depth, text length and elements per record are bounded. Only UTF-8 is read.
//!
//! Depends on `bankrec-model` only; never on its siblings (`bankrec-tabular`, `bankrec-match`,
//! `bankrec-report`) or the facade. No quick-xml type appears in its public API.
//!
//! ```
//! use bankrec_camt::{read_statements, ReaderOptions};
//! use bankrec_model::{Direction, EntryStatus};
//!
//! let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
//! <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
//!   <BkToCstmrStmt>
//!     <GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2024-03-01T18:00:00+01:00</CreDtTm></GrpHdr>
//!     <Stmt>
//!       <Id>2024-03-01</Id>
//!       <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
//!       <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">100.00</Amt>
//!         <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-03-01</Dt></Dt></Bal>
//!       <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">95.50</Amt>
//!         <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-03-01</Dt></Dt></Bal>
//!       <Ntry>
//!         <Amt Ccy="EUR">4.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
//!         <BookgDt><Dt>2024-03-01</Dt></BookgDt><AcctSvcrRef>BANK-REF-1</AcctSvcrRef>
//!         <NtryDtls><TxDtls>
//!           <Refs><EndToEndId>E2E-1</EndToEndId></Refs>
//!           <RltdPties><Cdtr><Pty><Nm>City Coffee</Nm></Pty></Cdtr></RltdPties>
//!           <RmtInf><Ustrd>Card payment</Ustrd></RmtInf>
//!         </TxDtls></NtryDtls>
//!       </Ntry>
//!     </Stmt>
//!   </BkToCstmrStmt>
//! </Document>"#;
//!
//! let file = read_statements(xml.as_bytes(), &ReaderOptions::default()).expect("valid camt.053");
//! assert_eq!(file.message.as_ref().map(|m| m.message_type.to_string()).as_deref(), Some("camt.053.001.08"));
//! let statement = &file.statements[0];
//! assert_eq!(statement.balances_agree(), Some(true));
//! let entry = &statement.entries[0];
//! assert_eq!((entry.id.as_str(), entry.direction, entry.status), ("BANK-REF-1", Direction::Debit, EntryStatus::Booked));
//! assert_eq!(entry.end_to_end_ids(), vec!["E2E-1"]);
//! assert_eq!(entry.counterparty().and_then(|p| p.name.as_deref()), Some("City Coffee"));
//! assert!(file.findings.is_empty());
//! ```
#![forbid(unsafe_code)]

mod error;
mod map;
mod message;
mod options;
mod reader;
mod tree;
mod xml;

pub use error::{CamtError, Location};
pub use message::{MessageInfo, MessageType, MAX_VERSION};
pub use options::{Limits, Mode, ReaderOptions, ReaderOptionsBuilder};
pub use reader::{read_path, read_statements, CamtEvent, CamtFile, StatementEnd, StatementReader, StatementSummary};
