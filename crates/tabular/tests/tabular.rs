//! Integration tests of bankrec-tabular: every built-in template on its real sample file, bad
//! input in strict and lenient mode, encodings, footers and blank lines, running balances,
//! spreadsheets (xlsx written on the fly, a committed ods), ledgers, open items and streaming.

use std::io::Read;

use bankrec_model::{AccountId, Currency, Decimal, Direction, EntryStatus, ErrorCode, OpenItemKind, PaymentMethod, Severity};
use bankrec_tabular::{
    read_ledger_file, read_open_items_file, read_statement, read_statement_file, read_statement_spreadsheet, BankEntryReader, Mode,
    ReadOptions, RecordKind, RowEvent, SheetRef, SkipReason, StatementImport, TabularError, Template,
};

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn dec(text: &str) -> Decimal {
    text.parse().expect("decimal literal")
}

fn caller_account() -> AccountId {
    AccountId::other("CALLER-1", None).expect("id")
}

/// Sample, template, whether the caller must give account and currency, entries per statement,
/// whether the statement balances (`None`: no balances known).
struct Case {
    file: &'static str,
    template: &'static str,
    caller_account: bool,
    caller_currency: Option<Currency>,
    entries: &'static [usize],
    balanced: Option<bool>,
}

const fn case(file: &'static str, template: &'static str, entries: &'static [usize], balanced: Option<bool>) -> Case {
    Case { file, template, caller_account: false, caller_currency: None, entries, balanced }
}

const fn with_account(mut c: Case) -> Case {
    c.caller_account = true;
    c
}

const CASES: &[Case] = &[
    case("bsp-de-european-decimals.csv", "de-european-decimals", &[3], None),
    case("bsp-de-split-amounts.csv", "de-split-amounts", &[2], Some(true)),
    case("bsp-es-spanish-headers.csv", "es-spanish-headers", &[3], None),
    with_account(case("bsp-fr-french-headers-debit-credit.csv", "fr-debit-credit", &[3], None)),
    case("camtcsv-viseca-ch-creditcard.csv", "viseca-ch-creditcard", &[9], None),
    case("oca-adyen-settlement-batch-238.csv", "adyen-settlement-detail", &[3], None),
    case("oca-adyen-settlement-batch-380.csv", "adyen-settlement-detail", &[228], None),
    Case { caller_currency: Some(Currency::USD), ..with_account(case("oca-generic-balance.csv", "oca-generic-balance", &[2], Some(true))) },
    Case {
        caller_currency: Some(Currency::USD),
        ..with_account(case("oca-generic-debit-credit.csv", "oca-generic-debit-credit", &[2], Some(true)))
    },
    with_account(case("oca-generic-multi-currency.csv", "oca-generic-multi-currency", &[1, 1], None)),
    Case {
        caller_currency: Some(Currency::USD),
        ..with_account(case("oca-generic-original-currency.csv", "oca-generic-original-currency", &[1], None))
    },
    Case {
        caller_currency: Some(Currency::USD),
        ..with_account(case("oca-generic-sample-statement-en.csv", "oca-generic-original-currency", &[2], None))
    },
    with_account(case("oca-paypal-activity-en.csv", "paypal-activity-en", &[45, 29, 2], Some(true))),
    with_account(case("oca-paypal-statement-en.csv", "paypal-statement-en", &[8, 11], Some(true))),
    with_account(case("oca-paypal-statement-es.csv", "paypal-statement-es", &[4], Some(true))),
    with_account(case("oca-raiffeisen-ch-details-latin1-crlf.csv", "raiffeisen-ch-details", &[7], Some(true))),
    case("oca-ubs-ch-export-latin1.csv", "ubs-ch-export", &[6], None),
    case("ofxaustrian-easybank-at-creditcard.csv", "easybank-at", &[3], None),
    case("ofxaustrian-easybank-at-giro.csv", "easybank-at", &[10], None),
    case("ofxaustrian-ingdiba-at.csv", "ingdiba-at", &[6], None),
    case("ofxaustrian-livebank-at.csv", "livebank-at", &[6], None),
    with_account(case("ofxaustrian-oberbank-at.csv", "oberbank-at", &[5], None)),
    with_account(case("ofxaustrian-raiffeisen-at.csv", "raiffeisen-at", &[7], None)),
    case("ofxdeing-ing-de-with-saldo.csv", "ing-de", &[9], Some(true)),
    case("ofxdutch-asn-nl-no-header.csv", "asn-nl", &[11], Some(true)),
    with_account(case("ofxdutch-degiro-nl.csv", "degiro-nl", &[26, 1], None)),
    case("ofxdutch-ing-nl.csv", "ing-nl", &[6], None),
    case("ofxdutch-knab-nl.csv", "knab-nl", &[28], None),
    with_account(case("ofxrevolut-revolut-2022-01.csv", "revolut", &[9], None)),
];

fn read_case(c: &Case) -> StatementImport {
    let template = Template::builtin(c.template).expect("built-in template");
    let mut options = ReadOptions::new().with_mode(Mode::Strict).with_file_name(c.file);
    if c.caller_account {
        options = options.with_account(caller_account());
    }
    if let Some(cur) = c.caller_currency {
        options = options.with_currency(cur);
    }
    read_statement_file(fixture(c.file), &template, &options).unwrap_or_else(|e| panic!("{}: {e}", c.file))
}

#[test]
fn every_sample_reads_with_its_built_in_template() {
    for c in CASES {
        let import = read_case(c);
        let counts: Vec<usize> = import.statements.iter().map(|s| s.entries.len()).collect();
        assert_eq!(counts, c.entries, "{}", c.file);
        assert!(import.summary.is_complete(), "{}: {:?}", c.file, import.summary);
        assert_eq!(import.summary.refused, 0, "{}", c.file);
        assert!(import.findings.iter().all(|f| f.severity != Severity::Error), "{}: {:?}", c.file, import.findings);
        let warnings: Vec<_> = import.findings.iter().filter(|f| f.severity == Severity::Warning).collect();
        assert!(warnings.is_empty(), "{}: {warnings:?}", c.file);
        for s in &import.statements {
            assert_eq!(s.balances_agree(), c.balanced, "{} {}", c.file, s.id);
            let mut ids: Vec<&str> = s.entries.iter().map(|e| e.id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), s.entries.len(), "{}: entry ids are unique", c.file);
            assert!(s.entries.iter().all(|e| e.date().is_some()), "{}", c.file);
        }
        // Reading again gives the same ids: re-imports are recognised as duplicates.
        assert_eq!(read_case(c).statements, import.statements, "{}", c.file);
    }
}

#[test]
fn every_built_in_bank_template_has_a_sample_and_every_sample_a_template() {
    for name in Template::builtin_names() {
        let t = Template::builtin(name).expect("valid");
        assert!(!t.description().is_empty(), "{name}");
        if t.kind() == RecordKind::BankEntries {
            assert!(CASES.iter().any(|c| c.template == name), "{name} is not tested on a sample");
        }
    }
    let dir = std::fs::read_dir(fixture("")).expect("fixtures");
    for entry in dir {
        let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
        let is_sample = name.ends_with(".csv") && name != "ledger.csv" && name != "open-items.csv";
        if is_sample && name != "ofxdutch-ing-nl-balances.csv" {
            assert!(CASES.iter().any(|c| c.file == name), "{name} has no test case");
        }
    }
}

#[test]
fn a_balance_list_is_refused_with_the_missing_columns() {
    let t = Template::builtin("ing-nl").expect("built-in");
    let err = read_statement_file(fixture("ofxdutch-ing-nl-balances.csv"), &t, &ReadOptions::new()).expect_err("not entries");
    let TabularError::HeaderMismatch { line, missing, .. } = &err else { panic!("{err}") };
    assert_eq!(*line, 1);
    assert!(missing.contains(&"Af Bij".to_owned()) && missing.contains(&"Bedrag (EUR)".to_owned()), "{missing:?}");
    assert!(err.to_string().contains("missing columns: Bedrag (EUR), Af Bij"), "{err}");
    assert_eq!(err.to_import_error().code, ErrorCode::TemplateMismatch);
}

#[test]
fn sample_details_are_read_as_an_accountant_expects() {
    let get = |file: &str| read_case(CASES.iter().find(|c| c.file == file).expect("case"));

    // Raiffeisen CH: detail lines join the entry above; latin-1 text decoded.
    let r = get("oca-raiffeisen-ch-details-latin1-crlf.csv");
    assert_eq!(r.summary.continuation_lines, 25);
    let collective = &r.statements[0].entries[4];
    assert_eq!(collective.signed_amount(), dec("-300"));
    assert_eq!(collective.transaction.remittance.unstructured.len(), 5);
    assert_eq!(r.statements[0].entries[0].transaction.remittance.unstructured[0], "Crédit Customer1");
    assert_eq!(r.statements[0].opening_booked().map(|b| b.signed()), Some(dec("200")));

    // UBS: apostrophe thousands, Débit/Crédit, footer set aside; with the footer's balances given
    // by the caller, the statement balances.
    let ubs = Template::builtin("ubs-ch-export").expect("built-in");
    let options = ReadOptions::new().with_balances(dec("20289.60"), dec("20827.00"));
    let u = read_statement_file(fixture("oca-ubs-ch-export-latin1.csv"), &ubs, &options).expect("readable");
    assert_eq!(u.summary.footer_lines, 2);
    assert_eq!(u.summary.blank_lines, 1);
    assert_eq!(u.statements[0].balances_agree(), Some(true));
    assert!(u.findings.is_empty(), "{:?}", u.findings);
    assert_eq!(u.statements[0].entries[0].acct_svcr_ref.as_deref(), Some("9998590LK0309634"));

    // ING DE: header located below a preamble that names the account, owner and balance.
    let ing = get("ofxdeing-ing-de-with-saldo.csv");
    let s = &ing.statements[0];
    assert_eq!(s.account.as_str(), "DE12 3456 7890 1234 5678 90");
    assert_eq!(s.owner_name.as_deref(), Some("Max Mustermann"));
    assert_eq!(s.closing_booked().map(|b| b.signed()), Some(dec("150.00")));
    assert_eq!(ing.summary.header_line, Some(15));
    assert_eq!(s.entries[4].transaction.bank_tx_code.as_ref().and_then(|c| c.proprietary.as_deref()), Some("Überweisung"));

    // ASN: balance before each row.
    let asn = get("ofxdutch-asn-nl-no-header.csv");
    let s = &asn.statements[0];
    assert_eq!((s.opening_booked().map(|b| b.signed()), s.closing_booked().map(|b| b.signed())), (Some(dec("130.44")), Some(dec("84.24"))));
    let text = &s.entries[1].transaction.remittance.unstructured[0];
    assert!(
        text.starts_with("000") && text.contains("Betaling aan ICS") && !text.contains('\''),
        "single quotes are the quote character: {text}"
    );

    // Viseca: a positive card amount is money out; a negative one a refund.
    let v = get("camtcsv-viseca-ch-creditcard.csv");
    let e = &v.statements[0].entries;
    assert_eq!((e[0].direction, e[0].amount), (Direction::Debit, dec("29.000")));
    assert_eq!(e[4].direction, Direction::Credit);
    assert_eq!(e[2].transaction.amount_details().instructed.map(|m| (m.amount(), m.currency())), Some((dec("15.000"), Currency::USD)));

    // Oberbank: the counterparty is the payer of a credit and the payee of a debit.
    let o = get("ofxaustrian-oberbank-at.csv");
    let credit = &o.statements[0].entries[3];
    assert_eq!(credit.direction, Direction::Credit);
    let party = credit.transaction.counterparty.as_ref().expect("payer");
    assert_eq!(party.name.as_deref(), Some("Auftraggebername"));
    assert_eq!(party.bic.as_deref(), Some("PBNKDEFF"));

    // Revolut: pending rows stay pending, without a booking date.
    let rv = get("ofxrevolut-revolut-2022-01.csv");
    let pending: Vec<_> = rv.statements[0].entries.iter().filter(|e| e.status == EntryStatus::Pending).collect();
    assert_eq!(pending.len(), 2);
    assert!(pending.iter().all(|e| e.booking_date.is_none() && e.value_date.is_some()));

    // DEGIRO: rows without an amount are skipped on the template's word, and counted.
    assert_eq!(get("ofxdutch-degiro-nl.csv").summary.skipped_without_amount, 3);

    // Adyen: batch number as settlement number; fee lines are debits.
    let a = get("oca-adyen-settlement-batch-238.csv");
    let fee = &a.statements[0].entries[1];
    assert_eq!((fee.direction, fee.amount, fee.settlement_number.as_deref()), (Direction::Debit, dec("0.09"), Some("238")));
}

const BAD: &str = "Buchungstag;Verwendungszweck;Betrag;CCY;IBAN;Ref\n\
2026-04-02;Miete;-1.234,56;EUR;DE89370400440532013000;R1\n\
2026-04-03;Kaputt;12,3x;EUR;DE89370400440532013000;R2\n\
31.02.2026;Datum;5,00;EUR;DE89370400440532013000;R3\n\
2026-04-05;Waehrung;5,00;EUX;DE89370400440532013000;R4\n\
2026-04-06;Leer;;EUR;DE89370400440532013000;R5\n\
\n\
2026-04-09;Kaffee;-4,50;EUR;DE89370400440532013000;R6\n";

#[test]
fn lenient_mode_keeps_every_good_row_and_reports_every_bad_one() {
    let t = Template::builtin("de-european-decimals").expect("built-in");
    let options = ReadOptions::new().with_file_name("bad.csv");
    let import = read_statement(BAD.as_bytes(), &t, &options).expect("readable");
    assert_eq!(import.statements[0].entries.len(), 2);
    let errors: Vec<_> = import.findings.iter().filter(|f| f.is_error()).collect();
    let got: Vec<_> =
        errors.iter().map(|e| (e.code, e.source.line, e.source.column.as_deref(), e.raw.as_deref(), e.source.file.as_deref())).collect();
    assert_eq!(
        got,
        vec![
            (ErrorCode::InvalidAmount, Some(3), Some("Betrag"), Some("12,3x"), Some("bad.csv")),
            (ErrorCode::InvalidDate, Some(4), Some("Buchungstag"), Some("31.02.2026"), Some("bad.csv")),
            (ErrorCode::UnknownCurrency, Some(5), Some("CCY"), Some("EUX"), Some("bad.csv")),
            (ErrorCode::MissingField, Some(6), Some("Betrag"), None, Some("bad.csv")),
        ]
    );
    let s = import.summary;
    assert_eq!((s.rows, s.records, s.refused, s.blank_lines), (6, 2, 4, 1));
    assert!(s.is_complete());
    assert!(errors[0].to_string().starts_with("bad.csv:3: column Betrag: error invalid_amount"), "{}", errors[0]);
}

#[test]
fn strict_mode_stops_at_the_first_bad_row_through_the_same_code() {
    let t = Template::builtin("de-european-decimals").expect("built-in");
    let options = ReadOptions::new().with_file_name("bad.csv").with_mode(Mode::Strict);
    let err = read_statement(BAD.as_bytes(), &t, &options).expect_err("strict");
    let TabularError::Rejected(e) = &err else { panic!("{err}") };
    assert_eq!((e.code, e.source.line), (ErrorCode::InvalidAmount, Some(3)));
    // The streaming reader ends after the refused row in strict mode.
    let events: Vec<_> =
        BankEntryReader::from_csv(BAD.as_bytes(), &t, &options).expect("header").collect::<Result<_, _>>().expect("no fatal");
    assert!(matches!(events.last(), Some(RowEvent::Finding(f)) if f.source.line == Some(3)), "{events:?}");
}

#[test]
fn a_header_that_does_not_fit_lists_every_missing_column() {
    let t = Template::builtin("de-split-amounts").expect("built-in");
    let err = read_statement("Booking Date;Details;Amount;CCY\n2026-01-01;x;1;EUR\n".as_bytes(), &t, &ReadOptions::new())
        .expect_err("no credit/debit");
    let TabularError::HeaderMismatch { missing, found, .. } = err else { panic!("wrong error") };
    assert_eq!(missing, vec!["Debit", "Credit", "IBAN", "Running Balance", "Ref"]);
    assert_eq!(found, vec!["Booking Date", "Details", "Amount", "CCY"]);
}

#[test]
fn header_names_match_case_and_space_insensitively() {
    let t = Template::builtin("de-european-decimals").expect("built-in");
    let csv = "BUCHUNGSTAG ; verwendungs zweck;betrag;ccy;iban;REF\n2026-04-02;x;1,00;EUR;DE89370400440532013000;A\n";
    let import = read_statement(csv.as_bytes(), &t, &ReadOptions::new()).expect("fits");
    assert_eq!(import.statements[0].entries.len(), 1);
}

#[test]
fn a_running_balance_that_disagrees_is_a_warning_on_its_row() {
    let t = Template::builtin("de-split-amounts").expect("built-in");
    let csv = "Booking Date;Details;Credit;Debit;CCY;Running Balance;IBAN;Ref\n\
               2026-03-20;a;100,00;;EUR;1100,00;X1;A\n\
               2026-03-21;b;;50,00;EUR;1000,00;X1;B\n\
               2026-03-22;c;;10,00;EUR;990,00;X1;C\n";
    let import = read_statement(csv.as_bytes(), &t, &ReadOptions::new().with_file_name("r.csv")).expect("readable");
    let w: Vec<_> = import.findings.iter().filter(|f| f.code == ErrorCode::StatementUnbalanced).collect();
    assert_eq!(w.len(), 2, "the row and the statement check: {:?}", import.findings);
    assert_eq!((w[0].severity, w[0].source.line, w[0].source.column.as_deref()), (Severity::Warning, Some(3), Some("Running Balance")));
    assert_eq!(import.statements[0].entries.len(), 3, "the entry is kept");
}

#[test]
fn encodings_boms_and_line_endings() {
    let t = Template::builtin("de-european-decimals").expect("built-in");
    let text = "Buchungstag;Verwendungszweck;Betrag;CCY;IBAN;Ref\r\n2026-04-02;Café Müller;-4,50;EUR;DE89370400440532013000;E1\r\n";
    let read = |bytes: Vec<u8>, t: &Template| {
        let import = read_statement(std::io::Cursor::new(bytes), t, &ReadOptions::new()).expect("readable");
        assert!(import.findings.is_empty(), "{:?}", import.findings);
        import.statements[0].entries[0].transaction.remittance.unstructured[0].clone()
    };
    let mut utf8_bom = vec![0xEF, 0xBB, 0xBF];
    utf8_bom.extend_from_slice(text.as_bytes());
    assert_eq!(read(utf8_bom, &t), "Café Müller");
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(read(le, &t), "Café Müller");
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    assert_eq!(read(be, &t), "Café Müller");
    let latin1: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    let t1252 = Template::from_toml(&t.to_toml().replace("encoding = \"utf-8\"", "encoding = \"iso-8859-1\"")).expect("valid");
    assert_eq!(read(latin1.clone(), &t1252), "Café Müller");
    // Latin-1 read as UTF-8: the row is refused with an encoding error, never silently altered.
    let import = read_statement(std::io::Cursor::new(latin1), &t, &ReadOptions::new()).expect("header is ASCII");
    assert_eq!(import.findings[0].code, ErrorCode::Encoding);
    assert_eq!(import.findings[0].source.line, Some(2));
    assert!(import.summary.is_complete());
}

#[test]
fn delimiter_is_detected_when_not_given() {
    let t = Template::from_toml(
        "name='t'\nkind='bank_entries'\n[columns]\nbooking_date='Date'\namount='Amount'\n[fixed]\ncurrency='EUR'\naccount='X1'\n",
    )
    .expect("valid");
    for sep in [",", ";", "\t", "|"] {
        let csv = format!("Date{sep}Amount\n2026-01-01{sep}1.50\n");
        let import = read_statement(std::io::Cursor::new(csv.into_bytes()), &t, &ReadOptions::new()).expect("readable");
        assert_eq!(import.statements[0].entries[0].amount, dec("1.50"), "{sep:?}");
    }
}

#[test]
fn missing_statement_data_is_refused_with_a_hint() {
    let t = Template::builtin("revolut").expect("built-in");
    let err = read_statement_file(fixture("ofxrevolut-revolut-2022-01.csv"), &t, &ReadOptions::new()).expect_err("no account");
    assert!(matches!(err, TabularError::MissingStatementData { what: "account", .. }), "{err}");
}

#[test]
fn templates_load_by_name_or_path_and_unknown_names_list_the_built_ins() {
    assert_eq!(Template::load("knab-nl").expect("built-in").name(), "knab-nl");
    let dir = std::env::temp_dir().join(format!("bankrec-tabular-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let json = dir.join("mine.json");
    std::fs::write(&json, Template::builtin("knab-nl").expect("built-in").to_json().replace("knab-nl", "mine")).expect("write");
    assert_eq!(Template::load(json.to_str().expect("utf-8 path")).expect("file").name(), "mine");
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "name = 'bad'\nkind = 'bank_entries'\n[columns]\namount = 0\n").expect("write");
    let err = Template::load(bad.to_str().expect("utf-8 path")).expect_err("invalid");
    assert!(err.to_string().contains("positions count from 1"), "{err}");
    let err = Template::load("no-such-bank").expect_err("unknown");
    assert!(err.to_string().contains("knab-nl"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn ledger_and_open_items_read_with_their_built_in_templates() {
    let ledger = read_ledger_file(
        fixture("ledger.csv"),
        &Template::builtin("bankrec-ledger").expect("built-in"),
        &ReadOptions::new().with_gl_account("1020"),
    )
    .expect("readable");
    assert!(ledger.findings.is_empty(), "{:?}", ledger.findings);
    assert_eq!(ledger.entries.len(), 4);
    let first = &ledger.entries[0];
    assert_eq!((first.id.as_str(), first.signed_amount(), first.gl_account.as_str()), ("L-1001", dec("-1234.56"), "1020"));
    assert_eq!(first.reference.as_deref(), Some("INV-2026-0042"));
    assert_eq!(ledger.entries[2].settlement_number.as_deref(), Some("S-77"));
    assert_eq!(ledger.entries[1].direction, Direction::Credit);

    let items =
        read_open_items_file(fixture("open-items.csv"), &Template::builtin("bankrec-open-items").expect("built-in"), &ReadOptions::new())
            .expect("readable");
    assert!(items.findings.is_empty(), "{:?}", items.findings);
    let kinds: Vec<_> = items.items.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, vec![OpenItemKind::Receivable, OpenItemKind::Payable, OpenItemKind::CostReceipt]);
    assert_eq!(items.items[0].payment_reference.as_deref(), Some("RF18539007547034"));
    assert!(items.items[2].is_settled() && items.items[2].has_attachment);
    assert_eq!(items.items[1].payment_method, Some(PaymentMethod::DirectDebit));

    // The wrong reader for a template is refused.
    let err = BankEntryReader::open(fixture("ledger.csv"), &Template::builtin("bankrec-ledger").expect("built-in"), &ReadOptions::new())
        .err()
        .expect("wrong kind");
    assert!(matches!(err, TabularError::WrongKind { .. }), "{err}");
}

fn sheet_template() -> Template {
    Template::from_toml(
        r#"
        name = "sheet"
        kind = "bank_entries"
        sheet = "Entries"
        date_formats = ["%d.%m.%Y"]
        [columns]
        booking_date = "Date"
        remittance = "Text"
        amount = "Amount"
        currency = "Currency"
        [fixed]
        account = "DE89370400440532013000"
        "#,
    )
    .expect("valid")
}

#[test]
fn xlsx_with_serial_and_text_dates_by_sheet_name_or_position() {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let cover = workbook.add_worksheet();
    cover.set_name("Cover").expect("name");
    cover.write_string(0, 0, "Exported by an ERP").expect("write");
    let sheet = workbook.add_worksheet();
    sheet.set_name("Entries").expect("name");
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (col, h) in ["Date", "Text", "Amount", "Currency"].iter().enumerate() {
        sheet.write_string(0, col as u16, *h).expect("write");
    }
    let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 4, 2).expect("date");
    sheet.write_datetime_with_format(1, 0, &d, &date_format).expect("write");
    sheet.write_string(1, 1, "=HYPERLINK(\"x\")").expect("write");
    sheet.write_number(1, 2, -1234.56).expect("write");
    sheet.write_string(1, 3, "EUR").expect("write");
    sheet.write_string(2, 0, "03.04.2026").expect("write");
    sheet.write_string(2, 1, "Salary").expect("write");
    sheet.write_number(2, 2, 3500.0).expect("write");
    sheet.write_string(2, 3, "EUR").expect("write");
    sheet.write_number(3, 0, 46121.0).expect("write"); // a bare serial number: 2026-04-09
    sheet.write_string(3, 1, "Coffee").expect("write");
    sheet.write_number(3, 2, 0.1 + 0.2).expect("write"); // a float sum is read as the float it is
    sheet.write_string(3, 3, "EUR").expect("write");
    sheet.write_string(4, 0, "not a date").expect("write");
    sheet.write_number(4, 2, 1.0).expect("write");
    sheet.write_string(4, 3, "EUR").expect("write");
    let bytes = workbook.save_to_buffer().expect("xlsx");

    let import =
        read_statement_spreadsheet(bytes.clone(), &sheet_template(), &ReadOptions::new().with_file_name("s.xlsx")).expect("readable");
    let e = &import.statements[0].entries;
    assert_eq!(e.len(), 3);
    assert_eq!(e[0].booking_date.map(|d| d.to_string()).as_deref(), Some("2026-04-02"));
    assert_eq!(e[0].signed_amount(), dec("-1234.56"));
    assert_eq!(e[0].transaction.remittance.unstructured[0], "=HYPERLINK(\"x\")", "text stays text");
    assert_eq!(e[1].booking_date.map(|d| d.to_string()).as_deref(), Some("2026-04-03"));
    assert_eq!(e[2].booking_date.map(|d| d.to_string()).as_deref(), Some("2026-04-09"));
    assert_eq!(e[2].amount, dec("0.30000000000000004"));
    let bad = &import.findings[0];
    assert_eq!(
        (bad.code, bad.source.line, bad.source.column.as_deref(), bad.raw.as_deref()),
        (ErrorCode::InvalidDate, Some(5), Some("Date"), Some("not a date"))
    );

    let by_position = ReadOptions::new().with_sheet(SheetRef::Position(2));
    assert_eq!(
        read_statement_spreadsheet(bytes.clone(), &sheet_template(), &by_position).expect("readable").statements[0].entries.len(),
        3
    );
    let missing = ReadOptions::new().with_sheet(SheetRef::Name("Nope".into()));
    let err = read_statement_spreadsheet(bytes, &sheet_template(), &missing).expect_err("no such sheet");
    assert!(err.to_string().contains("Cover, Entries"), "{err}");
}

#[test]
fn ods_with_date_values_and_text_dates() {
    let import = read_statement_file(fixture("statement.ods"), &sheet_template(), &ReadOptions::new()).expect("readable");
    assert!(import.findings.is_empty(), "{:?}", import.findings);
    let e = &import.statements[0].entries;
    let dates: Vec<String> = e.iter().filter_map(|e| e.booking_date).map(|d| d.to_string()).collect();
    assert_eq!(dates, vec!["2026-04-02", "2026-04-03", "2026-04-09"]);
    assert_eq!(e[2].signed_amount(), dec("-4.5"));
}

#[test]
fn xls_with_date_cells_and_text_dates() {
    // statement.xls: the same two sheets as statement.ods, written in the BIFF8 (Excel 97-2003) format.
    let import = read_statement_file(fixture("statement.xls"), &sheet_template(), &ReadOptions::new()).expect("readable");
    assert!(import.findings.is_empty(), "{:?}", import.findings);
    let e = &import.statements[0].entries;
    let dates: Vec<String> = e.iter().filter_map(|e| e.booking_date).map(|d| d.to_string()).collect();
    assert_eq!(dates, vec!["2026-04-02", "2026-04-03", "2026-04-09"]);
    assert_eq!(e[0].signed_amount(), dec("-1234.56"));
    assert_eq!(e[1].signed_amount(), dec("3500"));
    assert_eq!(e[2].signed_amount(), dec("-4.5"));
}

#[test]
fn garbage_is_refused_not_panicked_on() {
    let t = Template::builtin("de-european-decimals").expect("built-in");
    assert!(read_statement_spreadsheet(b"PK\x03\x04garbage".to_vec(), &t, &ReadOptions::new()).is_err());
    assert!(read_statement(std::io::Cursor::new(vec![0u8; 10]), &t, &ReadOptions::new()).is_err());
    assert!(read_statement(std::io::empty(), &t, &ReadOptions::new()).is_err());
    // A line without end is refused before it exhausts memory.
    let header = "Buchungstag;Verwendungszweck;Betrag;CCY;IBAN;Ref\n";
    let endless = std::io::Cursor::new(header.as_bytes().to_vec()).chain(std::io::repeat(b'x').take(20 << 20));
    let err = read_statement(endless, &t, &ReadOptions::new()).expect_err("too long");
    assert!(err.to_string().contains("longer than 16 MiB"), "{err}");
}

/// An endless CSV: the reader must yield rows without reading it all.
struct Endless {
    row: u64,
    pending: Vec<u8>,
}

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            self.row += 1;
            self.pending = if self.row == 1 {
                b"Buchungstag;Verwendungszweck;Betrag;CCY;IBAN;Ref\n".to_vec()
            } else {
                format!("2026-04-02;Row {};-{},00;EUR;DE89370400440532013000;R{}\n", self.row, self.row, self.row).into_bytes()
            };
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

#[test]
fn streaming_reads_row_by_row() {
    let t = Template::builtin("de-european-decimals").expect("built-in");
    let reader = BankEntryReader::from_csv(Endless { row: 0, pending: Vec::new() }, &t, &ReadOptions::new()).expect("header");
    let records: Vec<_> = reader
        .filter_map(|e| match e.expect("no fatal error") {
            RowEvent::Record { record, .. } => Some(record),
            _ => None,
        })
        .take(1000)
        .collect();
    assert_eq!(records.len(), 1000);
    assert_eq!(records[999].signed_amount(), dec("-1001.00"));
}

#[test]
fn every_line_is_accounted_for_in_events() {
    let t = Template::builtin("knab-nl").expect("built-in");
    let reader = BankEntryReader::open(fixture("ofxdutch-knab-nl.csv"), &t, &ReadOptions::new()).expect("readable");
    let mut lines = Vec::new();
    for event in reader {
        match event.expect("no fatal") {
            RowEvent::Record { line, .. } | RowEvent::Skipped { line, .. } => lines.push(line),
            RowEvent::Finding(f) => lines.extend(f.source.line),
            _ => {}
        }
    }
    assert_eq!(lines, (1..=30).collect::<Vec<u64>>());
    let t = Template::builtin("ubs-ch-export").expect("built-in");
    let reasons: Vec<_> = BankEntryReader::open(fixture("oca-ubs-ch-export-latin1.csv"), &t, &ReadOptions::new())
        .expect("readable")
        .filter_map(|e| match e.expect("no fatal") {
            RowEvent::Skipped { line, reason } => Some((line, reason)),
            _ => None,
        })
        .collect();
    assert_eq!(reasons, vec![(1, SkipReason::Header), (8, SkipReason::Blank), (9, SkipReason::Footer), (10, SkipReason::Footer)]);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Whatever the rows hold, every row is a record or a refused row, and amounts are exact.
    #[test]
    fn rows_are_records_or_errors_never_lost(rows in proptest::collection::vec((-100_000_000_i64..100_000_000_i64, proptest::bool::ANY), 0..40)) {
        let t = Template::builtin("de-european-decimals").expect("built-in");
        let mut csv = String::from("Buchungstag;Verwendungszweck;Betrag;CCY;IBAN;Ref\n");
        let mut good = Vec::new();
        for (i, (cents, broken)) in rows.iter().enumerate() {
            let amount = Decimal::new(*cents, 2);
            let text = if *broken { "x".to_owned() } else { good.push(amount); amount.to_string().replace('.', ",") };
            csv.push_str(&format!("2026-01-01;row {i};{text};EUR;DE89370400440532013000;R{i}\n"));
        }
        let import = read_statement(std::io::Cursor::new(csv.into_bytes()), &t, &ReadOptions::new()).expect("readable");
        let got: Vec<Decimal> = import.statements.iter().flat_map(|s| s.entries.iter().map(|e| e.signed_amount())).collect();
        proptest::prop_assert_eq!(got, good);
        proptest::prop_assert!(import.summary.is_complete());
        proptest::prop_assert_eq!(import.summary.rows as usize, rows.len());
    }
}
