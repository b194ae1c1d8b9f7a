//! Deserialising untrusted JSON into model types (saved state, ledgers from connectors) and
//! parsing identifiers must never panic.
#![no_main]

use bankrec_model::{AccountId, Bic, Iban, Statement, StatementArchive, Timestamp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Iban::new(text);
        let _ = Bic::new(text);
        let _ = AccountId::parse_any(text);
        let _ = Timestamp::parse(text);
        if let Ok(statement) = serde_json::from_str::<Statement>(text) {
            let mut archive = StatementArchive::new();
            let _ = archive.import(statement, None);
        }
    }
});
