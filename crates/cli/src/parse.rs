//! `bankrec parse`: statements to JSON, or one summary line per statement.

use std::io::Write;

use bankrec::{load_statements, Decimal, ImportError, LoadOptions, Severity, Statement};

use crate::args::ParseArgs;
use crate::failure::Failure;
use crate::view::{ErrorView, ParseOutput, StatementView};
use crate::{EXIT_BAD_INPUT, EXIT_OK};

pub(crate) fn run(args: &ParseArgs) -> Result<u8, Failure> {
    if args.summary && args.template.is_none() {
        return summary(args);
    }
    let options = args.statement.apply(LoadOptions::new().lenient(args.lenient).template(args.template.clone()))?;
    let mut statements: Vec<Statement> = Vec::new();
    let mut errors: Vec<ImportError> = Vec::new();
    let mut failed = false;
    let bar = crate::progress::bar(args.files.len() as u64, "parsing");
    for path in &args.files {
        match load_statements(path, &options) {
            Ok(loaded) => {
                failed |= !args.lenient && loaded.findings.iter().any(ImportError::is_error);
                statements.extend(loaded.records);
                errors.extend(loaded.findings);
            }
            Err(bankrec::Error::Input { first, .. }) => {
                failed = true;
                errors.push(*first);
            }
            Err(other) => return Err(other.into()),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if args.summary {
        let mut out = std::io::stdout().lock();
        for s in &statements {
            let (credit, debit) = s.booked_totals().unwrap_or_default();
            summary_line(&mut out, s, s.entries.len() as u64, credit, debit)?;
        }
        print_errors_to_stderr(&errors);
    } else {
        let output = ParseOutput {
            statements: statements.iter().map(StatementView::new).collect(),
            errors: errors.iter().map(ErrorView::new).collect(),
        };
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &output).map_err(|e| Failure::new(e.to_string()))?;
        writeln!(out)?;
    }
    Ok(if failed { EXIT_BAD_INPUT } else { EXIT_OK })
}

fn print_errors_to_stderr(errors: &[ImportError]) {
    for e in errors.iter().filter(|e| e.severity >= Severity::Warning) {
        eprintln!("{e}");
    }
}

fn summary_line(out: &mut impl Write, s: &Statement, entries: u64, credit: Decimal, debit: Decimal) -> std::io::Result<()> {
    let money = |b: Option<&bankrec::Balance>| b.map(|b| b.signed().to_string()).unwrap_or_else(|| "-".into());
    let balanced = match s.balances_agree_with(credit, debit) {
        Some(true) => "balances",
        Some(false) => "DOES NOT BALANCE",
        None => "no opening/closing pair",
    };
    writeln!(
        out,
        "{} {} {} entries={} opening={} closing={} credits={} debits={} {}",
        s.id,
        s.account,
        s.currency,
        entries,
        money(s.opening_booked()),
        money(s.closing_booked()),
        credit,
        debit,
        balanced
    )
}

/// Streams camt files statement by statement: memory stays flat whatever the file size.
fn summary(args: &ParseArgs) -> Result<u8, Failure> {
    let mut failed = false;
    let mut out = std::io::stdout().lock();
    for path in &args.files {
        let mut builder = bankrec::camt::ReaderOptions::builder().file_name(path.display().to_string());
        builder = if args.lenient { builder.lenient() } else { builder.strict() };
        let options = builder.build().map_err(|e| Failure::new(e.to_string()))?;
        let file = std::fs::File::open(path).map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
        let mut reader = bankrec::camt::StatementReader::new(std::io::BufReader::with_capacity(1 << 16, file), &options);
        while let Some(next) = reader.next_summary() {
            match next {
                Ok(s) => {
                    summary_line(&mut out, &s.statement, s.entry_count, s.booked_credit, s.booked_debit)?;
                    print_errors_to_stderr(&s.findings);
                    failed |= !args.lenient && s.findings.iter().any(ImportError::is_error);
                }
                Err(e) => {
                    eprintln!("{}", e.to_import_error());
                    failed = true;
                    break;
                }
            }
        }
        let rest = reader.take_findings();
        failed |= !args.lenient && rest.iter().any(ImportError::is_error);
        print_errors_to_stderr(&rest);
    }
    Ok(if failed { EXIT_BAD_INPUT } else { EXIT_OK })
}
