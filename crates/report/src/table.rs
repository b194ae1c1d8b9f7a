//! The one table shape every report is written through: typed columns, rows of typed values,
//! and totals per currency. The Excel, CSV and JSON writers all consume this shape, which is what
//! keeps the three formats' columns identical.

// Items are `pub` only so that the sealed `Report` trait may name them; the module is private.
#![allow(unreachable_pub)]

use std::borrow::Cow;
use std::collections::BTreeMap;

use bankrec_model::{Currency, Date, Decimal, Timestamp};
use serde::Serialize;

use crate::error::ReportError;

/// What a column holds; decides the Excel cell type and number format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Date,
    DateTime,
    /// A money amount in the row's currency; `total` marks it as summed in the totals rows.
    Amount {
        total: bool,
    },
    Integer,
    Number,
    Bool,
}

/// One column: its stable key (CSV header, JSON field) and its Excel header.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub key: &'static str,
    pub header: &'static str,
    pub kind: Kind,
}

pub const fn col(key: &'static str, header: &'static str, kind: Kind) -> Column {
    Column { key, header, kind }
}

/// One cell value. Text is always text: writers never interpret it (no formulas, no numbers).
#[derive(Debug, Clone)]
pub enum Value<'a> {
    Text(Cow<'a, str>),
    Date(Date),
    DateTime(Timestamp),
    Amount(Decimal),
    Integer(i64),
    Number(f64),
    Bool(bool),
    Empty,
}

impl<'a> Value<'a> {
    pub fn text(s: &'a str) -> Value<'a> {
        Value::Text(Cow::Borrowed(s))
    }

    pub fn opt_text(s: Option<&'a str>) -> Value<'a> {
        s.map_or(Value::Empty, Value::text)
    }

    pub fn owned(s: String) -> Value<'a> {
        Value::Text(Cow::Owned(s))
    }

    pub fn opt_date(d: Option<Date>) -> Value<'a> {
        d.map_or(Value::Empty, Value::Date)
    }

    pub fn opt_amount(a: Option<Decimal>) -> Value<'a> {
        a.map_or(Value::Empty, Value::Amount)
    }
}

/// A line of the title block above a table: a label and a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum TitleValue {
    Text(String),
    Date(Date),
    DateTime(Timestamp),
}

/// Totals of one currency over a table's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrencyTotal {
    pub currency: Currency,
    pub rows: u64,
    /// One sum per column; `None` for columns that are not totalled.
    pub sums: Vec<Option<Decimal>>,
}

/// Where rows go: the Excel, CSV and JSON writers.
pub trait TableSink {
    fn row(&mut self, currency: Option<Currency>, cells: &[Value<'_>]) -> Result<(), ReportError>;
}

/// Feeds rows to a sink and keeps exact totals per currency for the totalled amount columns.
pub struct RowWriter<'s> {
    sink: &'s mut dyn TableSink,
    columns: &'static [Column],
    totals: BTreeMap<Currency, CurrencyTotal>,
}

impl<'s> RowWriter<'s> {
    pub fn new(sink: &'s mut dyn TableSink, columns: &'static [Column]) -> RowWriter<'s> {
        RowWriter { sink, columns, totals: BTreeMap::new() }
    }

    /// Writes one row; `currency` is the currency of every amount in it.
    pub fn row(&mut self, currency: Option<Currency>, cells: &[Value<'_>]) -> Result<(), ReportError> {
        debug_assert_eq!(cells.len(), self.columns.len(), "row width must match the columns");
        if let Some(cur) = currency {
            let columns = self.columns;
            let t = self.totals.entry(cur).or_insert_with(|| CurrencyTotal {
                currency: cur,
                rows: 0,
                sums: columns.iter().map(|c| matches!(c.kind, Kind::Amount { total: true }).then_some(Decimal::ZERO)).collect(),
            });
            t.rows += 1;
            for (sum, cell) in t.sums.iter_mut().zip(cells) {
                if let (Some(s), Value::Amount(a)) = (sum.as_mut(), cell) {
                    *s = s.checked_add(*a).ok_or_else(|| ReportError::Overflow { what: format!("{cur} totals") })?;
                }
            }
        }
        self.sink.row(currency, cells)
    }

    pub fn into_totals(self) -> Vec<CurrencyTotal> {
        self.totals.into_values().collect()
    }
}

/// One table of a report: a sheet in Excel, a file in CSV, an entry of `tables` in JSON.
pub trait TableSource {
    /// Sheet name (at most 31 characters) and JSON table name.
    fn name(&self) -> &'static str;
    /// Suffix added to the CSV file stem for the second and later tables.
    fn csv_suffix(&self) -> &'static str {
        ""
    }
    fn columns(&self) -> &'static [Column];
    /// Writes every row in report order.
    fn write_rows(&self, out: &mut RowWriter<'_>) -> Result<(), ReportError>;
}

/// What every report knows about itself: its file stem, title block and tables.
pub struct ReportMeta {
    pub file_stem: &'static str,
    pub title: &'static str,
    pub lines: Vec<(&'static str, TitleValue)>,
}
