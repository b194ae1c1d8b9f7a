//! Posting-rule patterns come from rule files, and the texts they search from bank files: building
//! a rule from any pattern and testing it on any text must never panic, and a rule's answer must
//! be its pattern's own (the pre-check of non-ASCII text only rules out what the pattern would).
#![no_main]

use bankrec_match::{PostingKind, PostingRuleSpec};
use bankrec_model::{AccountId, BankEntry, Currency, Decimal, Direction, GlAccount};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    // The pattern, a line feed, then the text searched.
    let Some((pattern, text)) = input.split_once('\n') else { return };
    let spec = PostingRuleSpec::new("fuzz", PostingKind::BankFee, GlAccount::new("6820", "Bank fees")).with_text(pattern);
    let Ok(rule) = spec.build() else { return };
    let Ok(account) = AccountId::iban("DE89370400440532013000") else { return };
    let mut entry = BankEntry::new(account, Decimal::new(795, 2), Currency::EUR, Direction::Debit, None).with_id("B-1");
    entry.additional_info = Some(text.to_owned());
    let hit = rule.test(&entry, None).is_some();
    // The same pattern as the rule compiles it, without a pre-check.
    let Ok(regex) = regex::RegexBuilder::new(pattern).case_insensitive(true).size_limit(1 << 20).dfa_size_limit(1 << 20).build() else {
        return;
    };
    assert_eq!(hit, regex.is_match(text), "pattern {pattern:?} on {text:?}");
});
