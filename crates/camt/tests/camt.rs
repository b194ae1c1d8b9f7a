//! Integration tests of bankrec-camt on the real bank samples in `tests/fixtures/` (see
//! `tests/fixtures/SOURCES.md`), the facts of `expected.json`, error locations, lenient mode,
//! untrusted-input bounds and invariants (proptest).

use std::path::{Path, PathBuf};

use bankrec_camt::{read_path, read_statements, CamtError, CamtEvent, Mode, ReaderOptions, StatementReader};
use bankrec_model::{AccountId, BalanceKind, Decimal, Direction, EntryStatus, ErrorCode, Severity, Statement, StatementKind};
use proptest::prelude::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn sample_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["camt052", "camt053", "camt054"] {
        for entry in std::fs::read_dir(fixtures().join(dir)).expect("fixture dir") {
            let path = entry.expect("dir entry").path();
            if path.extension().is_some_and(|e| e == "xml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn read(rel: &str) -> bankrec_camt::CamtFile {
    read_path(fixtures().join(rel), &ReaderOptions::default()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn dec(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

fn lenient() -> ReaderOptions {
    ReaderOptions::builder().lenient().build().expect("options")
}

#[test]
fn every_valid_sample_parses_in_strict_mode() {
    let files = sample_files();
    assert!(files.len() >= 90, "{} samples", files.len());
    for path in files {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let result = read_path(&path, &ReaderOptions::default());
        if name.contains("invalid") {
            assert!(result.is_err(), "{name} must be refused");
        } else {
            let file = result.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!file.statements.is_empty(), "{name}: no statement");
            assert!(!file.has_errors(), "{name}: {:?}", file.findings);
            let kind = file.message.as_ref().map(|m| m.message_type.kind);
            let expected = if name.starts_with("bsp") || path.parent().is_some_and(|p| p.ends_with("camt053")) {
                StatementKind::Statement
            } else if path.parent().is_some_and(|p| p.ends_with("camt052")) {
                StatementKind::Report
            } else {
                StatementKind::Notification
            };
            assert_eq!(kind, Some(expected), "{name}");
            for s in &file.statements {
                assert_eq!(s.kind, expected);
                for e in &s.entries {
                    assert!(!e.id.is_empty(), "{name}: entry without id");
                    assert_ne!(e.details.len(), 1, "{name}: a single detail is merged into the entry");
                }
                let ids: std::collections::HashSet<&str> = s.entries.iter().map(|e| e.id.as_str()).collect();
                assert_eq!(ids.len(), s.entries.len(), "{name}: entry ids unique within a statement");
            }
        }
    }
}

#[test]
fn invalid_samples_give_the_right_typed_error() {
    let err = |rel: &str| read_path(fixtures().join(rel), &ReaderOptions::default()).expect_err(rel);

    let e = err("camt053/bsp-de-v02-invalid-garbled-amount.xml");
    assert!(matches!(&e, CamtError::InvalidAmount { raw, .. } if raw == "12..34"), "{e}");
    let loc = e.location().expect("location");
    assert_eq!(loc.path, "Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt");
    assert_eq!(loc.line, 17);
    assert!(loc.file.as_deref().is_some_and(|f| f.ends_with("bsp-de-v02-invalid-garbled-amount.xml")));
    let ie = e.to_import_error();
    assert_eq!((ie.code, ie.severity), (ErrorCode::InvalidAmount, Severity::Error));
    assert_eq!(ie.source.line, Some(17));
    assert_eq!(ie.raw.as_deref(), Some("12..34"));

    let e = err("camt052/hbci4java-musterbank-de-v08-invalid-saldo.xml");
    assert!(
        matches!(&e, CamtError::InvalidAmount { raw, reason, .. } if raw == "100.0000000000005" && reason.contains("5 fraction")),
        "{e}"
    );
    assert_eq!(e.location().map(|l| l.path.as_str()), Some("Document/BkToCstmrAcctRpt/Rpt[1]/Bal[1]/Amt"));

    let e = err("camt053/genkgo-v02-invalid-no-statement.xml");
    assert!(matches!(&e, CamtError::MissingElement { element: "Stmt", .. }), "{e}");
    assert_eq!(e.code(), ErrorCode::MissingField);
}

#[test]
fn lenient_mode_keeps_good_records_and_reports_bad_ones() {
    let file = read_path(fixtures().join("camt053/bsp-de-v02-invalid-garbled-amount.xml"), &lenient()).expect("lenient reads");
    assert_eq!(file.statements.len(), 1);
    assert_eq!(file.statements[0].entries.len(), 0);
    let errors: Vec<_> = file.findings.iter().filter(|f| f.is_error()).collect();
    assert_eq!(errors.len(), 1, "{:?}", file.findings);
    assert_eq!(errors[0].code, ErrorCode::InvalidAmount);
    assert_eq!(errors[0].source.path.as_deref(), Some("Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt"));
    assert_eq!(errors[0].statement.as_deref(), Some("GOLDEN-GARBLED"));

    // A bad balance is skipped, the rest of the report kept.
    let file = read_path(fixtures().join("camt052/hbci4java-musterbank-de-v08-invalid-saldo.xml"), &lenient()).expect("lenient");
    assert_eq!(file.statements.len(), 1);
    assert_eq!(file.statements[0].entries.len(), 1);
    assert_eq!(file.findings.iter().filter(|f| f.is_error()).count(), 2, "both balances have 13 decimals");
}

#[test]
fn strict_and_lenient_agree_on_valid_files() {
    for path in sample_files().into_iter().filter(|p| !p.to_string_lossy().contains("invalid")) {
        let strict = read_path(&path, &ReaderOptions::default()).expect("strict");
        let lenient = read_path(&path, &lenient()).expect("lenient");
        assert_eq!(strict, lenient, "{}", path.display());
    }
}

/// The facts of `expected.json`, measured by the projects the samples come from.
#[test]
fn expected_json_facts_hold() {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).expect("expected.json");
    let cases: serde_json::Value = serde_json::from_str(&text).expect("json");
    let cases = cases.as_array().expect("array");
    assert!(cases.len() >= 25, "{} cases", cases.len());
    for case in cases {
        let rel = case["file"].as_str().expect("file");
        let facts = &case["facts"];
        let file = read(rel);
        if let Some(id) = facts["message_id"].as_str() {
            assert_eq!(file.message.as_ref().and_then(|m| m.message_id.as_deref()), Some(id), "{rel}");
        }
        if let Some(n) = facts["imported_statement_count"].as_u64() {
            // The golden importer imports nothing from a statement without entries; we read the
            // statement (its balances are facts too) and it has no entries.
            assert_eq!(file.entry_count() as u64, n, "{rel}");
        }
        if let Some(id) = facts["statement_id"].as_str() {
            assert_eq!(file.statements[0].id, id, "{rel}");
            if let Some(seq) = facts["electronic_sequence_number"].as_str() {
                assert_eq!(file.statements[0].electronic_sequence.map(|n| n.to_string()).as_deref(), Some(seq), "{rel}");
            }
        }
        if let Some(account) = facts["account"].as_str() {
            assert!(file.statements.iter().all(|s| s.account.as_str() == account), "{rel}");
        }
        if let Some(ccy) = facts["currency"].as_str() {
            assert!(file.statements.iter().all(|s| s.currency.code() == ccy), "{rel}");
        }
        let Some(statements) = facts["statements"].as_array() else { continue };
        for fact in statements {
            let id = fact["statement_id"].as_str().expect("statement_id");
            let s: &Statement = file.statements.iter().find(|s| s.id == id).unwrap_or_else(|| panic!("{rel}: statement {id}"));
            if let Some(account) = fact["account"].as_str() {
                assert_eq!(s.account.as_str(), account, "{rel}");
            }
            if let Some(balances) = fact["balances"].as_array() {
                for b in balances {
                    let kind = BalanceKind::from_code(b["type"].as_str().expect("type"));
                    let found = s.balance(&kind).unwrap_or_else(|| panic!("{rel}: balance {kind}"));
                    assert_eq!(found.signed(), dec(b["amount"].as_str().expect("amount")), "{rel}: {kind}");
                    assert_eq!(found.currency.code(), b["ccy"].as_str().expect("ccy"), "{rel}: {kind}");
                }
            }
            if let Some(n) = fact["entry_count"].as_u64() {
                assert_eq!(s.entries.len() as u64, n, "{rel}");
            }
            if let Some(entries) = fact["entries"].as_array() {
                for f in entries {
                    let e = &s.entries[f["index"].as_u64().expect("index") as usize];
                    assert_eq!(e.amount, dec(f["amount"].as_str().expect("amount")), "{rel}");
                    assert_eq!(e.currency.code(), f["ccy"].as_str().expect("ccy"), "{rel}");
                    assert_eq!(e.direction.iso_code(), f["cdt_dbt"].as_str().expect("cdt_dbt"), "{rel}");
                    assert_eq!(e.reversal, f["reversal"].as_bool().expect("reversal"), "{rel}");
                    let tx = f["tx_details"].as_u64().expect("tx_details") as usize;
                    // One detail is merged into the entry; two or more are kept as details.
                    assert_eq!(e.details.len(), if tx >= 2 { tx } else { 0 }, "{rel}");
                    if let Some(r) = f["acct_svcr_ref"].as_str() {
                        assert_eq!(e.acct_svcr_ref.as_deref(), Some(r), "{rel}");
                    }
                }
            }
            if let Some(v) = fact["opening_balance"].as_str() {
                assert_eq!(s.opening_booked().map(|b| b.signed()), Some(dec(v)), "{rel}");
            }
            if let Some(v) = fact["closing_balance"].as_str() {
                assert_eq!(s.closing_booked().map(|b| b.signed()), Some(dec(v)), "{rel}");
            }
            if let Some(n) = fact["xml_entry_count"].as_u64() {
                assert_eq!(s.entries.len() as u64, n, "{rel}");
            }
            if let Some(amounts) = fact["transaction_amounts"].as_array() {
                // The golden importer's lines: one per detail of a batch, else one per entry.
                let mut lines = Vec::new();
                for e in &s.entries {
                    if e.details.is_empty() {
                        lines.push(e.signed_amount());
                    } else {
                        for d in &e.details {
                            let m = d.amount.expect("detail amount");
                            lines.push(d.direction.unwrap_or(e.direction).signed(m.amount()));
                        }
                    }
                }
                let expected: Vec<Decimal> = amounts.iter().map(|a| dec(a.as_str().expect("amount"))).collect();
                assert_eq!(lines, expected, "{rel}");
                assert_eq!(fact["transaction_line_count"].as_u64(), Some(lines.len() as u64), "{rel}");
            }
            if let Some(refs) = fact["refs"].as_array() {
                // The golden importer's reference per line: the end-to-end id, else the
                // instruction id, else the structured creditor reference.
                let mut lines = Vec::new();
                for e in &s.entries {
                    if e.details.is_empty() {
                        lines.push(&e.transaction);
                    } else {
                        lines.extend(e.details.iter().map(|d| &d.transaction));
                    }
                }
                assert_eq!(lines.len(), refs.len(), "{rel}");
                for (tx, expected) in lines.iter().zip(refs) {
                    let expected = expected.as_str().expect("ref");
                    let candidates: Vec<&str> = [tx.refs.end_to_end_id(), tx.refs.get(bankrec_model::TransactionRefKind::InstructionId)]
                        .into_iter()
                        .flatten()
                        .chain(tx.remittance.creditor_refs.iter().map(|r| r.reference.as_str()))
                        .collect();
                    assert!(candidates.contains(&expected), "{rel}: {expected} not in {candidates:?}");
                }
            }
        }
    }
}

#[test]
fn batch_entry_keeps_every_detail_with_its_own_amount_and_references() {
    let file = read("camt053/viafintech-postfinance-ch-v04-batch-charges-reversal-strd.xml");
    let s = &file.statements[0];
    let batch = s.entries.iter().find(|e| e.details.len() >= 2).expect("a batch entry");
    let sum: Decimal = batch.details.iter().map(|d| d.amount.expect("amount").amount()).sum();
    assert_eq!(sum, batch.amount, "details add up to the entry");
    assert!(batch.details.iter().all(|d| !d.transaction.remittance.creditor_refs.is_empty()));
    assert!(s.entries.iter().any(|e| e.reversal), "reversal kept");
    assert!(s
        .entries
        .iter()
        .any(|e| e.transaction.charges.iter().chain(e.details.iter().flat_map(|d| &d.transaction.charges)).count() > 0));
}

#[test]
fn detail_amounts_are_checked_against_the_entry() {
    let file = read("camt054/genkgo-ubs-ch-v04-batch.xml");
    assert!(file.findings.iter().any(|f| f.code == ErrorCode::BatchMismatch && f.severity == Severity::Warning));
}

#[test]
fn status_in_both_forms_and_return_reason() {
    let file = read("camt053/rousseau-natwest-gb-v14-returns.xml");
    assert_eq!(file.message.as_ref().map(|m| m.message_type.to_string()).as_deref(), Some("camt.053.001.14"));
    let s = &file.statements[0];
    assert!(s.entries.iter().all(|e| e.status == EntryStatus::Booked), "<Sts><Cd>BOOK</Cd></Sts> and <Sts>BOOK</Sts>");
    let first = &s.entries[0];
    assert_eq!(first.transaction.return_reason.as_deref(), Some("AC04"));
    assert_eq!(first.end_to_end_ids(), vec!["E2E-0001"]);
    // A credit: the counterparty is the debtor.
    let party = first.counterparty().expect("counterparty");
    assert_eq!(party.name.as_deref(), Some("Globex SA"));
    assert_eq!(party.account.as_ref().map(AccountId::as_str), Some("DE89370400440532013000"));
}

#[test]
fn counterparty_is_the_creditor_of_a_debit() {
    let file = read("camt053/bsp-de-v02-duplicate-same-day.xml");
    let s = &file.statements[0];
    assert_eq!(s.entries[0].counterparty().and_then(|p| p.name.as_deref()), Some("CITY COFFEE"));
    assert_ne!(s.entries[0].id, s.entries[1].id, "identical entries get distinct ids");
    assert!(s.entries[1].id.ends_with("-2"));
}

#[test]
fn envelope_no_namespace_other_id_and_dates() {
    let file = read("camt053/prowide-merrill-us-v07-apphdr-envelope.xml");
    assert_eq!(file.message.as_ref().map(|m| m.message_type.to_string()).as_deref(), Some("camt.053.001.07"));
    let s = &file.statements[0];
    assert_eq!(s.account, AccountId::other("2345234534", None).expect("id"));
    assert_eq!(s.currency.code(), "USD");
    assert_eq!(s.balances.len(), 2);

    let file = read("camt053/bsp-gb-nonamespace-gbp.xml");
    assert_eq!(file.message.as_ref().and_then(|m| m.message_type.version), None);
    assert_eq!(file.statements[0].balances_agree(), Some(true));

    let file = read("camt053/oca-abnamro-nl-v02-bookgdt-dttm.xml");
    assert!(file.statements[0].entries[0].booking_date.is_some(), "BookgDt/DtTm gives the date");

    let file = read("camt053/genkgo-v02-ron-no-entries-dt-with-dttm.xml");
    assert!(file.statements[0].balances[0].date.is_some());
}

#[test]
fn balance_without_credit_debit_indicator_is_a_warning() {
    let file = read("camt053/subite-bankoflithuania-v08-batch-no-cdtdbtind-2024-03-14.xml");
    let s = &file.statements[0];
    assert_eq!(s.opening_booked().map(|b| b.direction), Some(Direction::Credit));
    assert_eq!(s.balances_agree(), Some(true));
    assert!(file.findings.iter().any(|f| f.code == ErrorCode::SchemaDeviation && f.message.contains("CdtDbtInd")));
    // A nested `Avlbty/Amt` is not the balance amount.
    assert_eq!(s.opening_booked().map(|b| b.amount), Some(dec("24045029.5")));
}

#[test]
fn amounts_keep_their_scale_and_warn_beyond_minor_units() {
    let file = read("camt053/genkgo-vayb-nl-v02-five-decimals.xml");
    let e = &file.statements[0].entries[0];
    assert_eq!(e.amount.to_string(), "8.850");
    assert!(file.findings.iter().any(|f| f.code == ErrorCode::AmountScale && f.raw.as_deref() == Some("8.850")));
    assert!(file.findings.iter().any(|f| f.code == ErrorCode::StatementUnbalanced), "the excerpt does not balance");
}

#[test]
fn fx_amount_details_and_charges() {
    let file = read("camt053/moov-seb-fi-v02-batch-charges-fx-usd.xml");
    let all: Vec<_> = file.statements[0]
        .entries
        .iter()
        .flat_map(|e| std::iter::once(&e.transaction).chain(e.details.iter().map(|d| &d.transaction)))
        .collect();
    assert!(all.iter().any(|t| t.amount_details().exchange_rate.is_some()), "CcyXchg read");
    assert!(all.iter().any(|t| t.amount_details().instructed.is_some()), "InstdAmt read");
    assert!(all.iter().any(|t| !t.charges.is_empty()), "Chrgs read");
    let file = read("camt053/viafintech-wise-v10-usd-datetime-charges.xml");
    assert_eq!(file.statements[0].entries[0].transaction.charges[0].amount.amount(), dec("4.14"), "TtlChrgsAndTaxAmt kept");
}

#[test]
fn version_1_report_with_proprietary_account() {
    let file = read("camt052/genkgo-aaaabanken-v01-batch-sek.xml");
    assert_eq!(file.statements[0].account.as_str(), "CH2801234000123456789");
    assert_eq!(file.message.as_ref().and_then(|m| m.message_type.version), Some(1));
}

const MINIMAL: &str = r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId></GrpHdr>
<Stmt><Id>S</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry>
</Stmt></BkToCstmrStmt></Document>"#;

fn strict_err(xml: &str) -> CamtError {
    read_statements(xml.as_bytes(), &ReaderOptions::default()).expect_err("refused")
}

#[test]
fn doctype_and_entities_are_refused() {
    let xxe = format!(r#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>{MINIMAL}"#);
    let e = strict_err(&xxe);
    assert_eq!(e.code(), ErrorCode::DoctypeRefused, "{e}");
    let e = read_statements(xxe.as_bytes(), &lenient()).expect("lenient returns findings");
    assert!(e.statements.is_empty() && e.findings.iter().any(|f| f.code == ErrorCode::DoctypeRefused));
    let e = strict_err(&MINIMAL.replace("<Id>S</Id>", "<Id>&x;</Id>"));
    assert!(matches!(&e, CamtError::UnknownEntity { raw, .. } if raw == "x"), "{e}");
    let ok = read_statements(MINIMAL.replace("<Id>S</Id>", "<Id>A&amp;B&#x43;</Id>").as_bytes(), &ReaderOptions::default()).expect("ok");
    assert_eq!(ok.statements[0].id, "A&BC");
}

#[test]
fn bounds_are_enforced() {
    let limited =
        |b: bankrec_camt::ReaderOptionsBuilder| read_statements(MINIMAL.as_bytes(), &b.build().expect("options")).expect_err("bound");
    let e = limited(ReaderOptions::builder().max_input_bytes(100));
    assert!(matches!(e, CamtError::LimitExceeded { limit: "max_input_bytes", .. }), "{e}");
    let e = limited(ReaderOptions::builder().max_depth(5));
    assert!(matches!(e, CamtError::LimitExceeded { limit: "max_depth", .. }), "{e}");
    let e = limited(ReaderOptions::builder().max_elements_per_record(3));
    assert!(matches!(e, CamtError::LimitExceeded { limit: "max_elements_per_record", .. }), "{e}");
    let long = MINIMAL.replace("<Id>S</Id>", &format!("<Id>{}</Id>", "x".repeat(5000)));
    let e = read_statements(long.as_bytes(), &ReaderOptions::builder().max_text_bytes(1000).build().expect("options")).expect_err("long");
    assert!(matches!(e, CamtError::LimitExceeded { limit: "max_text_bytes", .. }), "{e}");
    let deep_envelope = format!("{}{MINIMAL}{}", "<a>".repeat(200), "</a>".repeat(200));
    assert!(matches!(strict_err(&deep_envelope), CamtError::LimitExceeded { limit: "max_depth", .. }));
    let deep_entry = MINIMAL.replace("<Sts>BOOK</Sts>", &format!("<Sts>BOOK</Sts>{}{}", "<X>".repeat(100), "</X>".repeat(100)));
    assert!(matches!(strict_err(&deep_entry), CamtError::LimitExceeded { limit: "max_depth", .. }));
}

#[test]
fn unsupported_messages_are_clear_errors() {
    let e = strict_err(&MINIMAL.replace("camt.053.001.02", "camt.053.001.99"));
    assert!(matches!(&e, CamtError::UnsupportedMessage { raw, .. } if raw.ends_with("camt.053.001.99")), "{e}");
    let e = strict_err(r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>"#);
    assert!(matches!(&e, CamtError::UnsupportedMessage { raw, .. } if raw.contains("pain.001")), "{e}");
    let e = strict_err(&MINIMAL.replace("BkToCstmrStmt>", "BkToCstmrAcctRpt>"));
    assert_eq!(e.code(), ErrorCode::UnsupportedMessage, "{e}");
    assert_eq!(strict_err("<html><body/></html>").code(), ErrorCode::UnsupportedMessage);
    assert_eq!(strict_err("").code(), ErrorCode::UnsupportedMessage);
    assert_eq!(strict_err(&MINIMAL[..MINIMAL.len() - 30]).code(), ErrorCode::Malformed);
    assert_eq!(strict_err(&MINIMAL.replace("</Ntry>", "</Nx>")).code(), ErrorCode::Malformed);
}

#[test]
fn entry_without_amount_currency_or_direction_is_an_error() {
    let cases = [
        (MINIMAL.replace(r#"<Amt Ccy="EUR">1.00</Amt>"#, ""), ErrorCode::MissingField, "Ntry[1]"),
        (MINIMAL.replace(r#"<Amt Ccy="EUR">"#, "<Amt>"), ErrorCode::UnknownCurrency, "Ntry[1]/Amt"),
        (MINIMAL.replace(r#"<Amt Ccy="EUR">"#, r#"<Amt Ccy="EUX">"#), ErrorCode::UnknownCurrency, "Ntry[1]/Amt"),
        (MINIMAL.replace("<CdtDbtInd>CRDT</CdtDbtInd>", ""), ErrorCode::MissingField, "Ntry[1]"),
        (MINIMAL.replace("<CdtDbtInd>CRDT</CdtDbtInd>", "<CdtDbtInd>CR</CdtDbtInd>"), ErrorCode::InvalidDirection, "Ntry[1]/CdtDbtInd"),
        (
            MINIMAL.replace("<Sts>BOOK</Sts>", "<Sts>BOOK</Sts><BookgDt><Dt>2024-13-01</Dt></BookgDt>"),
            ErrorCode::InvalidDate,
            "Ntry[1]/BookgDt/Dt",
        ),
    ];
    for (xml, code, path) in cases {
        let e = strict_err(&xml);
        assert_eq!(e.code(), code, "{e}");
        assert_eq!(e.location().map(|l| l.path.clone()), Some(format!("Document/BkToCstmrStmt/Stmt[1]/{path}")), "{e}");
        let file = read_statements(xml.as_bytes(), &lenient()).expect("lenient");
        assert_eq!(file.entry_count(), 0);
        assert_eq!(file.findings.iter().filter(|f| f.is_error()).count(), 1, "{:?}", file.findings);
    }
}

#[test]
fn statement_header_errors_skip_the_statement_in_lenient_mode() {
    let two = MINIMAL.replace("</Stmt>", "</Stmt><Stmt><Id>T</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct></Stmt>");
    let bad = two.replacen("<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>", "", 1);
    let e = strict_err(&bad);
    assert!(matches!(e, CamtError::MissingElement { element: "Acct", .. }), "{e}");
    let file = read_statements(bad.as_bytes(), &lenient()).expect("lenient");
    assert_eq!(file.statements.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), vec!["T"]);
    assert_eq!(file.findings.iter().filter(|f| f.is_error()).count(), 2, "the header error and the skipped entry: {:?}", file.findings);
}

#[test]
fn truncated_file_in_lenient_mode_returns_complete_statements() {
    let two = MINIMAL.replace("</Stmt>", "</Stmt><Stmt><Id>T</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct><Ntry>");
    let file = read_statements(two.as_bytes(), &lenient()).expect("lenient");
    assert_eq!(file.statements.len(), 1);
    assert!(file.findings.iter().any(|f| f.code == ErrorCode::Malformed));
}

#[test]
fn summaries_stream_the_same_totals() {
    for path in sample_files().into_iter().filter(|p| !p.to_string_lossy().contains("invalid")) {
        let full = read_path(&path, &ReaderOptions::default()).expect("strict");
        let input = std::io::BufReader::new(std::fs::File::open(&path).expect("open"));
        let mut reader = StatementReader::new(input, &ReaderOptions::default());
        let mut summaries = Vec::new();
        while let Some(s) = reader.next_summary() {
            summaries.push(s.expect("summary"));
        }
        assert_eq!(summaries.len(), full.statements.len());
        for (sum, s) in summaries.iter().zip(&full.statements) {
            assert_eq!(sum.statement.id, s.id);
            assert_eq!(sum.entry_count as usize, s.entries.len());
            let (credit, debit) = s.booked_totals().expect("totals");
            assert_eq!((sum.booked_credit, sum.booked_debit), (credit, debit), "{}", path.display());
            assert_eq!(sum.balances_agree(), s.balances_agree(), "{}", path.display());
            let unbalanced = |f: &&bankrec_model::ImportError| f.code == ErrorCode::StatementUnbalanced;
            assert_eq!(
                sum.findings.iter().filter(unbalanced).count(),
                full.findings.iter().filter(|f| f.statement.as_deref() == Some(&s.id)).filter(unbalanced).count()
            );
        }
    }
}

#[test]
fn events_come_in_document_order() {
    let xml = MINIMAL.replace(
        "</Stmt>",
        "<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal></Stmt>",
    );
    let events: Vec<CamtEvent> = StatementReader::new(xml.as_bytes(), &ReaderOptions::default()).collect::<Result<_, _>>().expect("events");
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e {
            CamtEvent::Message(_) => "message",
            CamtEvent::StatementStart(_) => "start",
            CamtEvent::Entry(_) => "entry",
            CamtEvent::Finding(_) => "finding",
            CamtEvent::StatementEnd(_) => "end",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, vec!["message", "start", "entry", "finding", "end"]);
    let CamtEvent::StatementEnd(end) = &events[4] else { panic!("end") };
    assert_eq!(end.statement.balances.len(), 1, "a balance after the entries is read, with a warning");
}

#[test]
fn options_builder_validates() {
    assert!(ReaderOptions::builder().max_input_bytes(0).build().is_err());
    assert!(ReaderOptions::builder().max_depth(3).build().is_err());
    let o = ReaderOptions::builder().mode(Mode::Lenient).strict().build().expect("valid");
    assert_eq!(o.mode(), Mode::Strict);
}

fn statement_xml(amounts: &[(i64, u32, bool)]) -> String {
    let mut xml = String::from(
        r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>P</MsgId></GrpHdr><Stmt><Id>P1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>"#,
    );
    for (i, (mantissa, scale, credit)) in amounts.iter().enumerate() {
        let amount = Decimal::new(*mantissa, *scale);
        let dir = if *credit { "CRDT" } else { "DBIT" };
        xml.push_str(&format!(r#"<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{dir}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><AcctSvcrRef>R{i}</AcctSvcrRef></Ntry>"#));
    }
    xml.push_str("</Stmt></BkToCstmrStmt></Document>");
    xml
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every amount within ISO 20022's bounds is read exactly, at its scale, with its direction.
    #[test]
    fn amounts_round_trip(amounts in prop::collection::vec((0i64..999_999_999_999_999, 0u32..=5, any::<bool>()), 0..20)) {
        let xml = statement_xml(&amounts);
        let file = read_statements(xml.as_bytes(), &ReaderOptions::default()).expect("valid");
        let s = &file.statements[0];
        prop_assert_eq!(s.entries.len(), amounts.len());
        for (e, (m, scale, credit)) in s.entries.iter().zip(&amounts) {
            prop_assert_eq!(e.amount, Decimal::new(*m, *scale));
            prop_assert_eq!(e.amount.scale(), *scale);
            prop_assert_eq!(e.direction == Direction::Credit, *credit);
        }
    }

    /// Cutting or corrupting a document never panics; lenient mode never loses a good entry that
    /// strict mode would read.
    #[test]
    fn damaged_documents_never_panic(amounts in prop::collection::vec((0i64..99_999, 0u32..=2, any::<bool>()), 1..5), cut in 0usize..2000, byte in any::<u8>()) {
        let xml = statement_xml(&amounts);
        let mut bytes = xml.into_bytes();
        let at = cut % bytes.len();
        let mut damaged = bytes.clone();
        damaged[at] = byte;
        bytes.truncate(at);
        for input in [bytes, damaged] {
            let strict = read_statements(input.as_slice(), &ReaderOptions::default());
            let lenient = read_statements(input.as_slice(), &lenient()).expect("lenient always returns");
            if let Ok(strict) = strict {
                prop_assert_eq!(strict.entry_count(), lenient.entry_count());
            }
        }
    }
}

#[test]
fn notification_entry_is_superseded_by_the_booked_statement_entry() {
    let ntfctn = MINIMAL
        .replace("camt.053.001.02", "camt.054.001.08")
        .replace("BkToCstmrStmt>", "BkToCstmrDbtCdtNtfctn>")
        .replace("Stmt>", "Ntfctn>")
        .replace("<Sts>BOOK</Sts>", "<Sts><Cd>PDNG</Cd></Sts><AcctSvcrRef>BANK-1</AcctSvcrRef>");
    let stmt = MINIMAL.replace("<Sts>BOOK</Sts>", "<Sts>BOOK</Sts><AcctSvcrRef>BANK-1</AcctSvcrRef>");
    let first = read_statements(ntfctn.as_bytes(), &ReaderOptions::default()).expect("camt.054");
    let second = read_statements(stmt.as_bytes(), &ReaderOptions::default()).expect("camt.053");
    assert_eq!(first.statements[0].kind, StatementKind::Notification);
    assert_eq!(first.statements[0].entries[0].id, "BANK-1");
    let mut archive = bankrec_model::StatementArchive::new();
    archive.import(first.statements[0].clone(), None);
    let outcome = archive.import(second.statements[0].clone(), None);
    assert_eq!(outcome.superseded, vec!["BANK-1".to_owned()]);
    assert_eq!(archive.entries().count(), 1, "nothing counted twice");
}
