//! The camt reader on untrusted bytes: never a panic, never a hang, bounded memory; lenient mode
//! always returns, and never reads fewer entries than strict mode.
#![no_main]

use bankrec_camt::{read_statements, CamtEvent, ReaderOptions, StatementReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let strict = ReaderOptions::builder().max_input_bytes(1 << 20).max_elements_per_record(10_000).build().expect("valid options");
    let lenient =
        ReaderOptions::builder().lenient().max_input_bytes(1 << 20).max_elements_per_record(10_000).build().expect("valid options");
    let s = read_statements(data, &strict);
    let l = read_statements(data, &lenient).expect("lenient mode always returns");
    if let Ok(s) = &s {
        assert_eq!(s.entry_count(), l.entry_count());
    }
    let mut reader = StatementReader::new(data, &lenient);
    while let Some(summary) = reader.next_summary() {
        if summary.is_err() {
            break;
        }
    }
    for event in StatementReader::new(data, &strict) {
        match event {
            Ok(CamtEvent::Entry(e)) => assert!(!e.amount.is_sign_negative(), "amounts are unsigned"),
            Ok(_) => {}
            Err(e) => {
                let _ = e.to_import_error();
                break;
            }
        }
    }
});
