//! Every report of a reconciliation run, built and written in one call.

use std::path::{Path, PathBuf};

use bankrec_model::{Date, Timestamp};

use crate::balance::BalanceComparison;
use crate::error::ReportError;
use crate::export::{ExportFormat, ExportOptions, Report};
use crate::history::{HistoryFilter, HistoryKind, TransactionHistory};
use crate::input::ReportInput;
use crate::integration_errors::{ErrorFilter, ImportErrorReport};
use crate::match_records::{MatchFilter, MatchRecordReport};
use crate::reconciliation::{ReconciliationOptions, ReconciliationStatement};

/// What a run's reports need besides the input: the as-of date, "generated at", and filters.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RunReportOptions {
    /// The date the reconciliation statement and balance comparison are drawn up for.
    pub as_of: Date,
    /// Accounts and given bank balances of the reconciliation statement.
    pub reconciliation: ReconciliationOptions,
    /// Filter of the three histories.
    pub history: HistoryFilter,
    /// Filter of the import error report.
    pub errors: ErrorFilter,
    /// Filter of the match record report.
    pub matches: MatchFilter,
    /// Export options ("generated at", CSV formula guard).
    pub export: ExportOptions,
}

impl RunReportOptions {
    /// Options for a run as of `as_of`, generated at `generated_at`, with no filters.
    pub fn new(as_of: Date, generated_at: Timestamp) -> RunReportOptions {
        RunReportOptions {
            as_of,
            reconciliation: ReconciliationOptions::default(),
            history: HistoryFilter::default(),
            errors: ErrorFilter::default(),
            matches: MatchFilter::default(),
            export: ExportOptions::new(generated_at),
        }
    }
}

/// The seven reports of a run.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RunReports {
    /// `BankReconciliationStatement`.
    pub reconciliation: ReconciliationStatement,
    /// `AccountBalanceComparison`.
    pub balances: BalanceComparison,
    /// `DepositIntegrationHistory`.
    pub deposits: TransactionHistory,
    /// `WithdrawalIntegrationHistory`.
    pub withdrawals: TransactionHistory,
    /// `IntegratedAccountTransactionHistory`.
    pub transactions: TransactionHistory,
    /// `IntegrationErrorStatus`.
    pub import_errors: ImportErrorReport,
    /// `MatchRecords`.
    pub match_records: MatchRecordReport,
}

impl RunReports {
    /// Builds every report.
    pub fn build(input: &ReportInput<'_>, options: &RunReportOptions) -> Result<RunReports, ReportError> {
        let reconciliation = ReconciliationStatement::build(input, options.as_of, &options.reconciliation)?;
        let balances = BalanceComparison::build(input, options.as_of)?;
        // Deposits and withdrawals are the rows of all transactions, read from the archive once.
        let transactions = TransactionHistory::build(input, HistoryKind::All, &options.history)?;
        Ok(RunReports {
            reconciliation,
            balances,
            deposits: transactions.narrowed(HistoryKind::Deposits),
            withdrawals: transactions.narrowed(HistoryKind::Withdrawals),
            transactions,
            import_errors: ImportErrorReport::build(input, &options.errors)?,
            match_records: MatchRecordReport::build(input, &options.matches)?,
        })
    }

    /// Writes every report into `dir` (created when missing) and returns the paths, in the order
    /// of the fields.
    pub fn export(&self, dir: &Path, format: ExportFormat, options: &ExportOptions) -> Result<Vec<PathBuf>, ReportError> {
        let reports: [&dyn ExportOne; 7] = [
            &self.reconciliation,
            &self.balances,
            &self.deposits,
            &self.withdrawals,
            &self.transactions,
            &self.import_errors,
            &self.match_records,
        ];
        let mut paths = Vec::new();
        for r in reports {
            paths.extend(r.export_one(dir, format, options)?);
        }
        Ok(paths)
    }
}

// `Report` has generic methods; this object-safe view lets the reports share one loop.
trait ExportOne {
    fn export_one(&self, dir: &Path, format: ExportFormat, options: &ExportOptions) -> Result<Vec<PathBuf>, ReportError>;
}

impl<R: Report> ExportOne for R {
    fn export_one(&self, dir: &Path, format: ExportFormat, options: &ExportOptions) -> Result<Vec<PathBuf>, ReportError> {
        self.export(dir, format, options)
    }
}

/// Builds every report of a run and writes them into `dir` as `format`: the call behind
/// `bankrec reconcile --xlsx DIR` / `--csv DIR`. Returns the paths written.
///
/// ```
/// use bankrec_model::{AccountMap, StatementArchive};
/// use bankrec_report::{write_reports, ExportFormat, ReportInput, RunReportOptions};
/// use time::macros::date;
/// let (accounts, archive) = (AccountMap::new(), StatementArchive::new());
/// let input = ReportInput::new(&accounts, &archive);
/// let options = RunReportOptions::new(date!(2024-01-31), "2024-02-01T08:00:00Z".parse().expect("ISO 8601"));
/// let dir = std::env::temp_dir().join(format!("bankrec-report-doc-{}", std::process::id()));
/// let paths = write_reports(&input, &options, &dir, ExportFormat::Json).expect("written");
/// assert_eq!(paths.len(), 7);
/// assert!(paths[0].ends_with("BankReconciliationStatement_20240201_080000.json"));
/// # std::fs::remove_dir_all(&dir).expect("cleanup");
/// ```
pub fn write_reports(
    input: &ReportInput<'_>,
    options: &RunReportOptions,
    dir: &Path,
    format: ExportFormat,
) -> Result<Vec<PathBuf>, ReportError> {
    write_reports_to(input, options, &[(dir, format)])
}

/// [`write_reports`] into several places at once (`bankrec reconcile --xlsx DIR --csv DIR`):
/// each report is built once, written to every target and dropped before the next is built, so
/// that only one report (the transaction history with one of its halves, at most) is held at a
/// time. Returns the paths written, target by target, each in the order of [`RunReports`]' fields
/// (the files and the order of [`RunReports::export`]).
pub fn write_reports_to(
    input: &ReportInput<'_>,
    options: &RunReportOptions,
    targets: &[(&Path, ExportFormat)],
) -> Result<Vec<PathBuf>, ReportError> {
    if targets.is_empty() {
        // Nothing to write: nothing is built.
        return Ok(Vec::new());
    }
    let mut written: Vec<Vec<PathBuf>> = vec![Vec::new(); targets.len()];
    let mut write = |report: &dyn ExportOne| -> Result<(), ReportError> {
        for (&(dir, format), paths) in targets.iter().zip(&mut written) {
            paths.extend(report.export_one(dir, format, &options.export)?);
        }
        Ok(())
    };
    write(&ReconciliationStatement::build(input, options.as_of, &options.reconciliation)?)?;
    write(&BalanceComparison::build(input, options.as_of)?)?;
    // Deposits and withdrawals are the rows of all transactions, read from the archive once.
    let transactions = TransactionHistory::build(input, HistoryKind::All, &options.history)?;
    write(&transactions.narrowed(HistoryKind::Deposits))?;
    write(&transactions.narrowed(HistoryKind::Withdrawals))?;
    write(&transactions)?;
    drop(transactions);
    write(&ImportErrorReport::build(input, &options.errors)?)?;
    write(&MatchRecordReport::build(input, &options.matches)?)?;
    Ok(written.into_iter().flatten().collect())
}
