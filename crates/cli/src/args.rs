//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Bank reconciliation: read bank statements, match them to the books, report.
#[derive(Debug, Parser)]
#[command(name = "bankrec", version, about, long_about = None, after_help = EXIT_CODES)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

const EXIT_CODES: &str = "\
Exit codes:
  0  everything ok (all files parsed; everything matched)
  1  reconciled, but items remain open or a difference remains
  2  bad input (a file could not be read; details on stderr)";

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Read statements (camt.052/053/054, or CSV/spreadsheet with --template) and print them as JSON.
    #[command(after_help = "\
Examples:
  bankrec parse statement.xml                       one JSON document: {\"statements\": [...], \"errors\": [...]}
  bankrec parse --lenient *.xml                     every good record, and an error for each bad one
  bankrec parse --summary big-statement.xml         one line per statement, streaming (any file size)
  bankrec parse --template ing-nl export.csv        a CSV statement through a built-in template
  bankrec parse --template my-bank.toml export.xlsx a spreadsheet through your own template
  bankrec parse --template revolut --account LT123 --currency EUR revolut.csv   facts the file lacks")]
    Parse(ParseArgs),
    /// Match statements with the ledger and open items; write matches, proposals and reports.
    #[command(after_help = "\
Examples:
  bankrec reconcile --statements nov-*.xml --ledger ledger.csv --json result.json
  bankrec reconcile --statements nov.xml --ledger ledger.csv --open-items items.csv --xlsx reports/
  bankrec reconcile --statements dec.xml --ledger ledger.csv --state books.json   (incremental: keeps earlier matches)
  bankrec reconcile --statements st.csv --statement-template ing-nl --ledger gl.xlsx --ledger-template my-erp.toml

The default ledger layout needs no template: a CSV with the header
  id,date,amount,currency,reference,counterparty,description,settlement_no
with signed amounts (deposits positive, withdrawals negative) and ISO 8601 dates.")]
    Reconcile(Box<ReconcileArgs>),
    /// Print the bank reconciliation statement of a saved state.
    #[command(after_help = "\
Examples:
  bankrec report --state books.json
  bankrec report --state books.json --as-of 2024-11-30 --json reconciliation.json")]
    Report(ReportArgs),
    /// Export every report of a saved state to Excel or CSV.
    #[command(after_help = "\
Examples:
  bankrec export --state books.json --xlsx reports/
  bankrec export --state books.json --csv reports/ --as-of 2024-11-30")]
    Export(ExportArgs),
    /// Run the whole flow on the demo data shipped with bankrec and print a summary.
    #[command(after_help = "\
Examples:
  bankrec demo                       reads examples/data, writes workbooks to ./bankrec-demo
  bankrec demo --out /tmp/demo       writes them elsewhere")]
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ParseArgs {
    /// Statement files.
    #[arg(required = true)]
    pub(crate) files: Vec<PathBuf>,
    /// Return every good statement and entry, and an error for each bad one.
    #[arg(long)]
    pub(crate) lenient: bool,
    /// Print one line per statement instead of JSON (streams: works on files of any size).
    #[arg(long)]
    pub(crate) summary: bool,
    /// Read CSV/spreadsheet files with this template: a built-in name or a TOML/JSON file.
    #[arg(long, value_name = "NAME|FILE")]
    pub(crate) template: Option<String>,
    #[command(flatten)]
    pub(crate) statement: StatementFacts,
}

/// What a CSV/spreadsheet statement may not say about itself.
#[derive(Debug, Args)]
pub(crate) struct StatementFacts {
    /// The account (IBAN or other id) of CSV/spreadsheet statements whose layout does not name it.
    #[arg(long, value_name = "IBAN|ID")]
    pub(crate) account: Option<String>,
    /// The currency of CSV/spreadsheet statements whose layout does not name it.
    #[arg(long, value_name = "CODE")]
    pub(crate) currency: Option<String>,
    /// Opening balance (signed) of a CSV/spreadsheet statement whose layout lacks it.
    #[arg(long, value_name = "AMOUNT", requires = "closing_balance", allow_hyphen_values = true)]
    pub(crate) opening_balance: Option<String>,
    /// Closing balance (signed) of a CSV/spreadsheet statement whose layout lacks it.
    #[arg(long, value_name = "AMOUNT", requires = "opening_balance", allow_hyphen_values = true)]
    pub(crate) closing_balance: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ReconcileArgs {
    /// Bank statement files (camt.05x; CSV/spreadsheet with --statement-template).
    #[arg(long, num_args = 1.., required = true)]
    pub(crate) statements: Vec<PathBuf>,
    /// The ledger (CSV in the default layout, or any layout with --ledger-template).
    #[arg(long)]
    pub(crate) ledger: Option<PathBuf>,
    /// Open items (receivable/payable invoices, cost receipts).
    #[arg(long)]
    pub(crate) open_items: Option<PathBuf>,
    /// Matching rules (TOML or JSON); the default rule set otherwise.
    #[arg(long)]
    pub(crate) rules: Option<PathBuf>,
    /// Bank accounts and their GL accounts (TOML); derived from the statements otherwise.
    #[arg(long)]
    pub(crate) accounts: Option<PathBuf>,
    /// Reconcile as of this date (YYYY-MM-DD); the latest statement date otherwise.
    #[arg(long, value_name = "DATE")]
    pub(crate) as_of: Option<String>,
    /// Write matches, proposals and unmatched items as JSON to this file.
    #[arg(long, value_name = "OUT")]
    pub(crate) json: Option<PathBuf>,
    /// Write every report as an Excel workbook into this directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) xlsx: Option<PathBuf>,
    /// Write every report as CSV into this directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) csv: Option<PathBuf>,
    /// Keep state in this file between runs (created when missing): matches stay, re-imports change nothing.
    #[arg(long, value_name = "FILE")]
    pub(crate) state: Option<PathBuf>,
    /// Template for CSV/spreadsheet statements: a built-in name or a file.
    #[arg(long, value_name = "NAME|FILE")]
    pub(crate) statement_template: Option<String>,
    /// Template for the ledger: a built-in name or a file.
    #[arg(long, value_name = "NAME|FILE")]
    pub(crate) ledger_template: Option<String>,
    /// Template for the open items: a built-in name or a file.
    #[arg(long, value_name = "NAME|FILE")]
    pub(crate) open_items_template: Option<String>,
    /// Read statements leniently (good records kept, bad ones reported).
    #[arg(long)]
    pub(crate) lenient: bool,
    #[command(flatten)]
    pub(crate) statement: StatementFacts,
}

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The saved state.
    #[arg(long)]
    pub(crate) state: PathBuf,
    /// As of this date (YYYY-MM-DD); the latest statement date otherwise.
    #[arg(long, value_name = "DATE")]
    pub(crate) as_of: Option<String>,
    /// Also write the reconciliation statement as JSON to this file.
    #[arg(long, value_name = "OUT")]
    pub(crate) json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// The saved state.
    #[arg(long)]
    pub(crate) state: PathBuf,
    /// As of this date (YYYY-MM-DD); the latest statement date otherwise.
    #[arg(long, value_name = "DATE")]
    pub(crate) as_of: Option<String>,
    /// Write Excel workbooks into this directory.
    #[arg(long, value_name = "DIR", required_unless_present = "csv")]
    pub(crate) xlsx: Option<PathBuf>,
    /// Write CSV files into this directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) csv: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Where to write the workbooks.
    #[arg(long, default_value = "bankrec-demo")]
    pub(crate) out: PathBuf,
    /// The demo data directory (the repository's examples/data by default).
    #[arg(long)]
    pub(crate) data: Option<PathBuf>,
}

impl StatementFacts {
    /// Adds the facts given on the command line to the load options.
    pub(crate) fn apply(&self, mut options: bankrec::LoadOptions) -> Result<bankrec::LoadOptions, crate::failure::Failure> {
        use crate::failure::Failure;
        if let Some(account) = &self.account {
            options = options.account(bankrec::AccountId::parse_any(account)?);
        }
        if let Some(code) = &self.currency {
            options = options.currency(code.parse()?);
        }
        if let (Some(opening), Some(closing)) = (&self.opening_balance, &self.closing_balance) {
            let amount = |flag: &str, text: &str| {
                text.parse::<bankrec::Decimal>()
                    .map_err(|_| Failure::new(format!("{flag} {text:?}: expected a decimal amount such as -1250.00")))
            };
            options = options.balances(amount("--opening-balance", opening)?, amount("--closing-balance", closing)?);
        }
        Ok(options)
    }
}
