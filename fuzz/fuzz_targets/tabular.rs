//! Reading untrusted CSV with a template must never panic: every input ends as records,
//! findings or a `TabularError`. The input's first line names a built-in template (any other
//! first line picks one by its first byte); the rest is the file, read in lenient and strict mode.
#![no_main]

use bankrec_tabular::{read_statement, BankEntryReader, Mode, ReadOptions, Template};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let names = Template::builtin_names();
    let (name, csv) = match data.iter().position(|b| *b == b'\n') {
        Some(i) if names.iter().any(|n| n.as_bytes() == &data[..i]) => {
            (std::str::from_utf8(&data[..i]).unwrap_or(names[0]), &data[i + 1..])
        }
        _ => (names[usize::from(data.first().copied().unwrap_or(0)) % names.len()], data),
    };
    let Ok(template) = Template::builtin(name) else { return };
    let account = bankrec_model::AccountId::other("FUZZ", None).ok();
    let mut options = ReadOptions::new().with_currency(bankrec_model::Currency::EUR);
    options.account = account;
    match template.kind() {
        bankrec_tabular::RecordKind::BankEntries => {
            let _ = read_statement(std::io::Cursor::new(csv.to_vec()), &template, &options);
            if let Ok(reader) =
                BankEntryReader::from_csv(std::io::Cursor::new(csv.to_vec()), &template, &options.clone().with_mode(Mode::Strict))
            {
                for event in reader {
                    if event.is_err() {
                        break;
                    }
                }
            }
        }
        bankrec_tabular::RecordKind::LedgerEntries => {
            let _ = bankrec_tabular::read_ledger(std::io::Cursor::new(csv.to_vec()), &template, &options);
        }
        _ => {
            let _ = bankrec_tabular::read_open_items(std::io::Cursor::new(csv.to_vec()), &template, &options);
        }
    }
});
