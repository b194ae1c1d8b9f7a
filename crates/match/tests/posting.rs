//! Integration tests of the posting rules: the shipped defaults on entries built from real bank
//! samples, and property tests of `PostingRules::propose`.
//!
//! The entries' codes and texts are short excerpts of these public sample statements (bankrec's
//! shared sample set; file, repository, licence):
//! - newinnovations-sns-nl-v02-two-statements.xml, newinnovations-goldmansachs-us-v02-usd-fx-returns.xml:
//!   newinnovations/camt053, MIT
//! - viafintech-postfinance-ch-v04-batch-charges-reversal-strd.xml: viafintech/camt_parser, MIT
//! - iso20022dotnet-testbank-lv-v02-fx-usd.xml: VMelnalksnis/ISO20022DotNet, Apache-2.0
//! - moov-siauliubankas-lt-v02.xml, moov-seb-fi-v02-batch-charges-fx-usd.xml: moov-io/iso20022, Apache-2.0
//! - kedder-dnb-lt-v02.xml, kedder-sparkasse-pforzheim-de-v02.xml: kedder/ofxstatement-iso20022, GPLv3
//! - oca-newbank-nl-v02-sftp.xml: OCA/bank-statement-import, AGPL-3.0
//! - subite-deutschebank-be-v02-large-268-entries.xml: Subite-eu/camt-to-coda, MIT
//! - bsp-gb-nonamespace-gbp.xml: sebastienrousseau/bankstatementparser, Apache-2.0
//! - dolibarr-be-v02-sample.xml: resilio-tech/dolibarr-camt053-reader-and-link, GPL-3.0

use std::collections::BTreeSet;
use std::sync::LazyLock;

use bankrec_match::{PostingEvidence, PostingKind, PostingProposal, PostingRules, DEFAULT_POSTING_RULES_TOML};
use bankrec_model::{AccountId, BankEntry, BankTxCode, Currency, Decimal, Direction, Party, TransactionDetail};
use proptest::prelude::*;
use time::macros::date;

fn account() -> AccountId {
    AccountId::iban("NL91ABNA0417164300").expect("valid IBAN")
}

/// A sample-like entry: `cents` signed from the bank's view, an ISO code `DOMN-FMLY-SUBF` or
/// none, a proprietary code, the counterparty name and the texts.
struct Sample<'a> {
    id: &'a str,
    cents: i64,
    iso: Option<&'a str>,
    proprietary: Option<&'a str>,
    name: Option<&'a str>,
    ustrd: &'a [&'a str],
    addtl: Option<&'a str>,
}

impl Sample<'_> {
    fn entry(&self) -> BankEntry {
        let (direction, amount) = Direction::split(Decimal::new(self.cents, 2));
        let mut e = BankEntry::new(account(), amount, Currency::EUR, direction, Some(date!(2026 - 02 - 01))).with_id(self.id);
        if self.iso.is_some() || self.proprietary.is_some() {
            let mut parts = self.iso.into_iter().flat_map(|c| c.split('-')).map(String::from);
            e.transaction.bank_tx_code = Some(Box::new(BankTxCode {
                domain: parts.next(),
                family: parts.next(),
                sub_family: parts.next(),
                proprietary: self.proprietary.map(String::from),
                ..BankTxCode::default()
            }));
        }
        e.transaction.counterparty = self.name.map(|n| Party { name: Some(n.into()), ..Party::default() });
        e.transaction.remittance.unstructured = self.ustrd.iter().map(|s| (*s).to_owned()).collect();
        e.additional_info = self.addtl.map(String::from);
        e
    }
}

/// (sample, expected rule or None, expected evidence).
fn golden() -> Vec<(Sample<'static>, Option<&'static str>, Option<PostingEvidence>)> {
    use PostingEvidence::{BankTxCode as Code, Text};
    let s = |id, cents, iso, proprietary, name, ustrd, addtl| Sample { id, cents, iso, proprietary, name, ustrd, addtl };
    vec![
        // newinnovations-sns-nl-v02-two-statements.xml: account fee, credit interest.
        (
            s("sns-fee", -795, Some("ACMT-MDOP-CHRG"), Some("7241"), None, &["Kosten gebruik betaalrekening inclusief 1 betaalpas"], None),
            Some("bank_fees"),
            Some(Text),
        ),
        (
            s("sns-int", 10398, Some("ACMT-MCOP-INTR"), Some("6607"), None, &["Creditrente 01-01-26 tot 01-02-26"], None),
            Some("interest_income"),
            Some(Text),
        ),
        // The bank's customer-investigation cost: only a generic code, left for a person.
        (
            s(
                "sns-othr",
                -605,
                Some("PMNT-MDOP-OTHR"),
                Some("7261"),
                None,
                &["Kosten klantonderzoek GreatExample BV Periode: januari 2026 21% BTW"],
                None,
            ),
            None,
            None,
        ),
        // viafintech-postfinance-ch-v04-batch-charges-reversal-strd.xml: charges by code only.
        (
            s("pf-chrg", -2400, Some("ACMT-ADOP-CHRG"), None, None, &[], Some("UEBRIGE: 25-9034-2 FÜR KONTOAUSZUG PAPIER TÄGLICH")),
            Some("bank_fees"),
            Some(Code),
        ),
        (
            s(
                "pf-esr",
                -63815,
                Some("PMNT-RCDT-CHRG"),
                None,
                None,
                &[],
                Some("ESR-TEILNEHMERNUMMER: 01-000000-4 FÜR EINZAHLUNGEN AM SCHALTER ESR"),
            ),
            Some("bank_fees"),
            Some(Code),
        ),
        // iso20022dotnet-testbank-lv-v02-fx-usd.xml and moov-siauliubankas-lt-v02.xml: card and transfer fees.
        (s("lv-fee", -300, Some("PMNT-CCRD-FEES"), None, None, &[], Some("Komisijas maksa")), Some("bank_fees"), Some(Code)),
        (
            s(
                "lt-fee",
                -170,
                Some("PMNT-MDOP-FEES"),
                None,
                Some("AB ŠIAULIŲ BANKAS Kauno filialas"),
                &["Už lėšų pervedimo atlikimą į kitus bankus iš kliento sąskaitos"],
                None,
            ),
            Some("bank_fees"),
            Some(Code),
        ),
        // newinnovations-goldmansachs-us-v02-usd-fx-returns.xml: interest credited.
        (
            s(
                "gs-int",
                1000,
                Some("ACMT-MCOP-INTR"),
                Some("Interest"),
                None,
                &[],
                Some("Desc: Interest For Account: XXXXXXXX-7497, Period: Sept 1, 2023"),
            ),
            Some("interest_income"),
            Some(Text),
        ),
        // kedder-dnb-lt-v02.xml: loan interest charged, code only.
        (
            s("dnb-int", -2819, Some("LDAS-MDOP-INTR"), Some("L16"), Some("AB DNB Bankas"), &["Transfer description"], None),
            Some("interest_expense"),
            Some(Code),
        ),
        // oca-newbank-nl-v02-sftp.xml and moov-seb-fi-v02-batch-charges-fx-usd.xml: salaries.
        (
            s(
                "oca-sal",
                -120000,
                Some("PMNT-DBIT-SALR"),
                Some("SLRY"),
                Some("Employee X"),
                &["Salary payment for March", "Employee ID: 123456"],
                None,
            ),
            Some("salaries"),
            Some(Text),
        ),
        (s("seb-sal", -100012, Some("PMNT-ICDT-SALA"), Some("NTRF+701TransactionCodeText"), None, &[], None), Some("salaries"), Some(Code)),
        // kedder-sparkasse-pforzheim-de-v02.xml: a card payment at a petrol station.
        (
            s(
                "spk-card",
                -2600,
                None,
                Some("NDDT+106+9262+011"),
                Some("Tankstelle"),
                &["KARTENZAHLUNG", "2021-02-03T17:46 Debitk.0 2024-12"],
                None,
            ),
            Some("card_payments"),
            Some(Text),
        ),
        // subite-deutschebank-be-v02-large-268-entries.xml: a supplier's "Service fee" invoice is not a bank fee.
        (s("db-supplier", -69510, Some("PMNT-ICDT-ISCT"), None, Some("Zeta NV"), &["Service fee OYFCXQ7694"], None), None, None),
        // bsp-gb-nonamespace-gbp.xml: a customer paying our consulting fee is not a bank fee.
        (s("gb-customer", 25000, None, None, Some("JANE CLIENT"), &["Consulting fee"], None), None, None),
        // kedder-sparkasse-pforzheim-de-v02.xml: "GEBUEHREN" on a deposit from a person.
        (
            s("spk-gutschr", 250, None, Some("NTRF+820+9310+000"), Some("John Doe"), &["UEBERTRAG (GUTSCHR. UEBERW)", "GEBUEHREN"], None),
            None,
            None,
        ),
        // dolibarr-be-v02-sample.xml: customer receipts the bank coded as salary: not our payroll.
        (
            s(
                "dol-rcdt",
                150000,
                Some("PMNT-RCDT-SALA"),
                None,
                Some("ACME Corporation"),
                &["Customer payment for services rendered"],
                None,
            ),
            None,
            None,
        ),
        // German account statement texts without ISO codes.
        (s("de-kf", -1290, None, Some("NMSC+805"), None, &["Entgelt für Kontoführung 03/2024"], None), Some("bank_fees"), Some(Text)),
        (s("de-kest", -2637, None, None, None, &["Kapitalertragsteuer 2024"], None), Some("withholding_tax"), Some(Text)),
    ]
}

#[test]
fn default_rules_on_sample_entries() {
    let rules = PostingRules::default();
    for (sample, rule, evidence) in golden() {
        let found = rules.rule_for(&sample.entry(), None);
        assert_eq!(found.as_ref().map(|(r, _)| r.name()), rule, "{}: {:?}", sample.id, found.map(|(_, m)| m.reasons));
        assert_eq!(found.map(|(_, m)| m.evidence), evidence, "{}", sample.id);
    }
}

#[test]
fn default_proposals_carry_accounts_amounts_and_reasons() {
    let rules = PostingRules::default();
    let entries: Vec<BankEntry> = golden().iter().map(|(s, _, _)| s.entry()).collect();
    let refs: Vec<&BankEntry> = entries.iter().collect();
    let proposals = rules.propose(&refs, None).expect("unique ids");
    let ids: Vec<&str> = proposals.iter().map(|p| p.bank_entry.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "sorted by bank entry id");
    assert_eq!(proposals.len(), golden().iter().filter(|(_, r, _)| r.is_some()).count());

    let fee = proposals.iter().find(|p| p.bank_entry == "sns-fee").expect("fee proposed");
    assert_eq!(fee.kind, PostingKind::BankFee);
    assert_eq!((fee.gl_account.code.as_str(), fee.gl_account.title.as_str()), ("6820", "Bank fees"));
    assert_eq!(fee.amount, Decimal::new(-795, 2));
    assert_eq!(fee.currency, Currency::EUR);
    assert_eq!(fee.date, Some(date!(2026 - 02 - 01)));
    assert_eq!(fee.description.as_deref(), Some("bank fee: Kosten gebruik betaalrekening inclusief 1 betaalpas"));
    assert!(fee.reasons[0].starts_with("text pattern"), "{:?}", fee.reasons);
    assert!(fee.reasons.iter().any(|r| r == "a withdrawal, as the rule requires"));

    let code_only = proposals.iter().find(|p| p.bank_entry == "pf-chrg").expect("charge proposed");
    assert_eq!(code_only.reasons[0], "bank transaction code ACMT/ADOP/CHRG fits \"*-*-CHRG\"");
    assert_eq!(code_only.description.as_deref(), Some("bank fee: UEBRIGE: 25-9034-2 FÜR KONTOAUSZUG PAPIER TÄGLICH"));

    let json = serde_json::to_string(&proposals).expect("serialise");
    assert_eq!(serde_json::from_str::<Vec<PostingProposal>>(&json).expect("deserialise"), proposals);
    assert!(json.contains("\"amount\":\"-7.95\""), "amounts as decimal strings");
}

#[test]
fn default_file_documents_placeholders_and_each_rule_is_testable_alone() {
    assert!(DEFAULT_POSTING_RULES_TOML.contains("PLACEHOLDERS"));
    let rules = PostingRules::default();
    let kinds: BTreeSet<PostingKind> = rules.rules().iter().map(|r| r.kind()).collect();
    for k in [PostingKind::BankFee, PostingKind::Interest, PostingKind::Tax, PostingKind::CardSettlement, PostingKind::Salary] {
        assert!(kinds.contains(&k), "{k}");
    }
    // Each rule on its own: interest_expense would take the loan interest by code.
    let dnb = golden().into_iter().find(|(s, _, _)| s.id == "dnb-int").map(|(s, _, _)| s.entry()).expect("sample");
    let expense = rules.rules().iter().find(|r| r.name() == "interest_expense").expect("rule");
    assert_eq!(expense.test(&dnb, None).map(|m| m.evidence), Some(PostingEvidence::BankTxCode));
    let income = rules.rules().iter().find(|r| r.name() == "interest_income").expect("rule");
    assert!(income.test(&dnb, None).is_none(), "a withdrawal is not interest income");
}

#[test]
fn a_batch_of_salaries_is_posted_when_every_detail_is_a_salary() {
    let rules = PostingRules::default();
    let mut batch = Sample { id: "batch", cents: -300000, iso: None, proprietary: None, name: None, ustrd: &[], addtl: None }.entry();
    for who in ["Employee A", "Employee B"] {
        let mut d = TransactionDetail { amount: None, direction: None, transaction: Default::default() };
        d.transaction.counterparty = Some(Party { name: Some(who.into()), ..Party::default() });
        d.transaction.purpose = Some("SALA".into());
        batch.details.push(d);
    }
    let (rule, hit) = rules.rule_for(&batch, None).expect("salaries");
    assert_eq!(rule.name(), "salaries");
    assert!(hit.reasons[0].contains("purpose code (all 2 details)"), "{:?}", hit.reasons);
    batch.details[1].transaction.purpose = Some("SUPP".into());
    assert!(rules.rule_for(&batch, None).is_none(), "a supplier payment in the batch stops it");
}

fn arb_entry() -> impl Strategy<Value = BankEntry> {
    let texts = prop::sample::select(vec![
        "Kontoführung 03/2024",
        "Creditrente jan",
        "Salary March",
        "Invoice 4711",
        "Kapitalertragsteuer",
        "",
        "KARTENZAHLUNG",
    ]);
    let codes =
        prop::sample::select(vec![None, Some("ACMT-MDOP-CHRG"), Some("ACMT-MCOP-INTR"), Some("PMNT-ICDT-SALA"), Some("PMNT-RCDT-ESCT")]);
    (0u8..40, -50_000i64..50_000, texts, codes).prop_map(|(id, cents, text, iso)| {
        let cents = if cents == 0 { 1 } else { cents };
        let ustrd: Vec<&str> = if text.is_empty() { vec![] } else { vec![text] };
        let s = Sample { id: "", cents, iso, proprietary: None, name: None, ustrd: &ustrd, addtl: None };
        let mut e = s.entry();
        e.id = format!("E{id:02}");
        e
    })
}

/// Compiled once: building the default rules compiles their patterns.
static DEFAULT: LazyLock<PostingRules> = LazyLock::new(PostingRules::default);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Shuffled input gives the same proposals; no entry is proposed twice.
    #[test]
    fn propose_is_order_independent_and_proposes_each_entry_once(entries in prop::collection::vec(arb_entry(), 0..30), seed in any::<u64>()) {
        // Keep one entry per id (the engine refuses two entries with one id).
        let mut seen = BTreeSet::new();
        let entries: Vec<BankEntry> = entries.into_iter().filter(|e| seen.insert(e.id.clone())).collect();
        let rules = &*DEFAULT;
        let refs: Vec<&BankEntry> = entries.iter().collect();
        let mut shuffled = refs.clone();
        // A deterministic shuffle from the seed, plus every entry repeated once.
        let n = shuffled.len();
        for i in (1..n).rev() {
            let j = (seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64) >> 33) as usize % (i + 1);
            shuffled.swap(i, j);
        }
        shuffled.extend(refs.iter().copied());
        let a = rules.propose(&refs, None).expect("unique ids");
        let b = rules.propose(&shuffled, None).expect("repeats of the same entry are fine");
        prop_assert_eq!(&a, &b);
        let ids: BTreeSet<&str> = a.iter().map(|p| p.bank_entry.as_str()).collect();
        prop_assert_eq!(ids.len(), a.len());
        for p in &a {
            let e = entries.iter().find(|e| e.id == p.bank_entry).expect("proposal for a given entry");
            prop_assert_eq!(p.amount, e.signed_amount());
        }
    }
}

#[test]
fn the_documented_file_format_example_is_valid() {
    // Kept in step with the `[[posting]]` example in docs/matching.md ("Posting rule format"); a copy,
    // not read from the file, so the published crate (which ships no docs/) still tests it.
    let rules = PostingRules::from_toml(
        r#"
        [[posting]]
        name = "bank_fees"
        kind = "bank_fee"
        direction = "debit"
        text = '\b(kontoführung\w*|bank\s?charges?)\b'
        reference = '^CHG-\d+$'
        bank_tx_codes = ["*-*-CHRG", "ACMT-MDOP", "NTRF+806"]
        currencies = ["EUR", "CHF"]
        amount = { min = "0.01", max = "250.00" }
        accounts = ["main", "DE89370400440532013000"]
        description = "{kind}: {text}"
        gl_account = { code = "6820", title = "Bank fees" }
        "#,
    )
    .expect("the documented example is valid");
    let rule = &rules.rules()[0];
    let mut e = Sample { id: "x", cents: -1290, iso: None, proprietary: Some("ntrf+806"), name: None, ustrd: &[], addtl: None }.entry();
    assert!(rule.test(&e, None).is_none(), "account condition: the entry's IBAN is not listed");
    e.account = AccountId::iban("DE89370400440532013000").expect("valid IBAN");
    assert_eq!(rule.test(&e, None).map(|m| m.evidence), Some(PostingEvidence::BankTxCode));
    e.acct_svcr_ref = Some("CHG-2024".into());
    assert_eq!(rule.test(&e, None).map(|m| m.evidence), Some(PostingEvidence::Reference));
}
