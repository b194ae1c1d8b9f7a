//! The trait an ERP connector implements to hand its books to bankrec.

use bankrec_model::{BankAccount, LedgerEntry, OpenItem};

/// A source of ledger entries and open items: an ERP connector, a database, a file.
///
/// bankrec calls it once per run; the connector returns what is booked and what is open now.
///
/// ```
/// use bankrec::{Currency, Decimal, LedgerEntry, LedgerSource, OpenItem, BankAccount};
/// struct MyErp;
/// impl LedgerSource for MyErp {
///     type Error = std::convert::Infallible;
///     fn ledger_entries(&mut self, _account: &BankAccount) -> Result<Vec<LedgerEntry>, Self::Error> {
///         Ok(vec![LedgerEntry::new("L1", time::macros::date!(2024-01-02), "1200", Decimal::new(-990, 2), Currency::EUR)])
///     }
///     fn open_items(&mut self) -> Result<Vec<OpenItem>, Self::Error> {
///         Ok(Vec::new())
///     }
/// }
/// ```
pub trait LedgerSource {
    /// The connector's own error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Ledger entries on the GL account of one bank account.
    fn ledger_entries(&mut self, account: &BankAccount) -> Result<Vec<LedgerEntry>, Self::Error>;

    /// Open items (receivables, payables, cost receipts) of the company.
    fn open_items(&mut self) -> Result<Vec<OpenItem>, Self::Error>;
}
