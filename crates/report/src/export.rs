//! Export of any report to Excel, CSV or JSON, and the standard file names.

use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

use bankrec_model::{Currency, Timestamp};
use serde::ser::SerializeMap;
use serde::Serialize;

use crate::error::ReportError;
use crate::table::{Column, CurrencyTotal, ReportMeta, RowWriter, TableSink, TableSource, TitleValue, Value};
use crate::xlsx;

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExportFormat {
    /// Excel workbook (`.xlsx`): one worksheet per table, typed cells, totals rows per currency.
    Xlsx,
    /// CSV (`.csv`, UTF-8, comma, header row of column keys): one file per table, data rows only.
    Csv,
    /// JSON (`.json`): one document with every table, its rows and its totals.
    Json,
}

impl ExportFormat {
    /// The file extension without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }
}

/// The default deflate level of Excel exports: 1, the fastest that still compresses. Large
/// exports are what this setting is for: on a 1M-row history (idle machine) level 1 writes in
/// 9.3 s a 156 MB file, level 2 in 11.2 s a 110 MB file, the usual level 6 takes far longer.
/// Excel's load time depends on the uncompressed XML, which is the same at every level. Choose a
/// higher level with [`ExportOptions::with_xlsx_compression_level`] when file size matters more
/// (figures in `docs/performance.md`).
pub const DEFAULT_XLSX_COMPRESSION: u8 = 1;

/// Options shared by every export. The caller passes "generated at": the library reads no clock.
///
/// ```
/// use bankrec_report::ExportOptions;
/// let options = ExportOptions::new("2024-05-31T18:00:00Z".parse().expect("ISO 8601"));
/// assert!(options.csv_formula_guard);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExportOptions {
    /// When the report was generated: shown in every title block and used in file names.
    pub generated_at: Timestamp,
    /// In CSV text cells, prefix an apostrophe to text starting with `=`, `+`, `-`, `@`, tab or
    /// carriage return, so that a spreadsheet opening the CSV cannot run it as a formula
    /// (CSV injection). Amount, date and number columns are never changed. On by default; turn it
    /// off when the CSV feeds a program rather than a person.
    pub csv_formula_guard: bool,
    /// Deflate level of Excel files, 0 (store) to 9 (smallest). Compression is most of the
    /// time of a large export; see `docs/performance.md` for the size/speed trade.
    pub xlsx_compression_level: u8,
}

impl ExportOptions {
    /// Options with the given "generated at" and the defaults.
    pub fn new(generated_at: Timestamp) -> ExportOptions {
        ExportOptions { generated_at, csv_formula_guard: true, xlsx_compression_level: DEFAULT_XLSX_COMPRESSION }
    }

    /// Sets the Excel deflate level (values above 9 mean 9).
    pub fn with_xlsx_compression_level(mut self, level: u8) -> Self {
        self.xlsx_compression_level = level.min(9);
        self
    }

    /// Turns the CSV formula guard on or off.
    pub fn with_csv_formula_guard(mut self, on: bool) -> Self {
        self.csv_formula_guard = on;
        self
    }
}

/// `{stem}_{YYYYMMDD_HHMMSS}.{ext}`, from the "generated at" time as written (local to the caller).
///
/// ```
/// use bankrec_report::{file_name, ExportFormat};
/// let at = "2024-05-31T18:04:09+02:00".parse().expect("ISO 8601");
/// assert_eq!(file_name("MatchRecords", at, ExportFormat::Xlsx), "MatchRecords_20240531_180409.xlsx");
/// ```
pub fn file_name(stem: &str, generated_at: Timestamp, format: ExportFormat) -> String {
    let t = generated_at.local();
    format!(
        "{stem}_{:04}{:02}{:02}_{:02}{:02}{:02}.{}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        format.extension()
    )
}

pub(crate) mod sealed {
    /// Keeps [`super::Report`] implemented by this crate's reports only.
    #[allow(unreachable_pub, private_interfaces)]
    pub trait Sealed {
        fn meta(&self) -> crate::table::ReportMeta;
        fn tables(&self) -> Vec<Box<dyn crate::table::TableSource + '_>>;
    }
}

/// A report that can be exported. Implemented by every report of this crate.
pub trait Report: sealed::Sealed {
    /// The file stem, e.g. `BankReconciliationStatement`.
    fn file_stem(&self) -> &'static str {
        self.meta().file_stem
    }

    /// Writes the report into `dir` (created when missing) under its standard name and returns
    /// the paths written: one `.xlsx` or `.json` file, or one `.csv` file per table.
    fn export(&self, dir: &Path, format: ExportFormat, options: &ExportOptions) -> Result<Vec<PathBuf>, ReportError> {
        std::fs::create_dir_all(dir).map_err(|source| ReportError::Io { path: dir.to_path_buf(), source })?;
        let meta = self.meta();
        let tables = self.tables();
        match format {
            ExportFormat::Xlsx | ExportFormat::Json => {
                let path = dir.join(file_name(meta.file_stem, options.generated_at, format));
                let file = create(&path)?;
                if format == ExportFormat::Xlsx {
                    xlsx::write_workbook(&meta, &tables, options, file, &path)?;
                } else {
                    write_json_doc(&meta, &tables, options, BufWriter::new(file), &path)?;
                }
                Ok(vec![path])
            }
            ExportFormat::Csv => {
                let mut paths = Vec::new();
                for table in tables {
                    let stem = format!("{}{}", meta.file_stem, table.csv_suffix());
                    let path = dir.join(file_name(&stem, options.generated_at, format));
                    write_csv_table(table.as_ref(), options, BufWriter::new(create(&path)?), &path)?;
                    paths.push(path);
                }
                Ok(paths)
            }
        }
    }

    /// Writes the report as an Excel workbook to `out`.
    fn write_xlsx<W: Write + Seek + Send>(&self, out: W, options: &ExportOptions) -> Result<(), ReportError>
    where
        Self: Sized,
    {
        xlsx::write_workbook(&self.meta(), &self.tables(), options, out, Path::new(""))
    }

    /// Writes the report's main (first) table as CSV to `out`; [`Report::export`] writes all tables.
    fn write_csv<W: Write>(&self, out: W, options: &ExportOptions) -> Result<(), ReportError>
    where
        Self: Sized,
    {
        match self.tables().first() {
            Some(table) => write_csv_table(table.as_ref(), options, out, Path::new("")),
            None => Ok(()),
        }
    }

    /// Writes the report as one JSON document to `out`.
    fn write_json<W: Write>(&self, out: W, options: &ExportOptions) -> Result<(), ReportError>
    where
        Self: Sized,
    {
        write_json_doc(&self.meta(), &self.tables(), options, out, Path::new(""))
    }
}

fn create(path: &Path) -> Result<File, ReportError> {
    File::create(path).map_err(|source| ReportError::Io { path: path.to_path_buf(), source })
}

// ---- CSV ----

struct CsvSink<W: Write> {
    writer: csv::Writer<W>,
    guard: bool,
    path: PathBuf,
    record: Vec<String>,
}

fn csv_err(path: &Path) -> impl Fn(csv::Error) -> ReportError + '_ {
    move |e| ReportError::Csv { path: path.to_path_buf(), message: e.to_string() }
}

/// True when a spreadsheet would read the text as a formula.
pub(crate) fn looks_like_formula(text: &str) -> bool {
    matches!(text.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'))
}

fn write_csv_table<W: Write>(table: &dyn TableSource, options: &ExportOptions, out: W, path: &Path) -> Result<(), ReportError> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(table.columns().iter().map(|c| c.key)).map_err(csv_err(path))?;
    let mut sink = CsvSink { writer, guard: options.csv_formula_guard, path: path.to_path_buf(), record: Vec::new() };
    let mut rows = RowWriter::new(&mut sink, table.columns());
    table.write_rows(&mut rows)?;
    sink.writer.flush().map_err(|source| ReportError::Io { path: path.to_path_buf(), source })
}

impl<W: Write> TableSink for CsvSink<W> {
    fn row(&mut self, _currency: Option<Currency>, cells: &[Value<'_>]) -> Result<(), ReportError> {
        self.record.resize(cells.len(), String::new());
        for (slot, cell) in self.record.iter_mut().zip(cells) {
            slot.clear();
            use std::fmt::Write as _;
            // Writing to a String cannot fail.
            let _ = match cell {
                Value::Text(t) => {
                    if self.guard && looks_like_formula(t) {
                        slot.push('\'');
                    }
                    slot.push_str(t);
                    Ok(())
                }
                Value::Date(d) => write!(slot, "{d}"),
                Value::DateTime(t) => write!(slot, "{t}"),
                Value::Amount(a) => write!(slot, "{a}"),
                Value::Integer(i) => write!(slot, "{i}"),
                Value::Number(n) => write!(slot, "{n}"),
                Value::Bool(b) => write!(slot, "{b}"),
                Value::Empty => Ok(()),
            };
        }
        let path = self.path.clone();
        self.writer.write_record(&self.record).map_err(csv_err(&path))
    }
}

// ---- JSON ----

struct JsonCell<'a, 'b>(&'a Value<'b>);

impl Serialize for JsonCell<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Text(t) => s.serialize_str(t),
            Value::Date(d) => s.collect_str(d),
            Value::DateTime(t) => t.serialize(s),
            // Amounts stay exact: decimal strings, as everywhere in bankrec's JSON.
            Value::Amount(a) => s.collect_str(a),
            Value::Integer(i) => s.serialize_i64(*i),
            Value::Number(n) => s.serialize_f64(*n),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Empty => s.serialize_none(),
        }
    }
}

struct JsonRow<'a, 'b> {
    columns: &'static [Column],
    cells: &'a [Value<'b>],
}

impl Serialize for JsonRow<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.columns.len()))?;
        for (c, v) in self.columns.iter().zip(self.cells) {
            m.serialize_entry(c.key, &JsonCell(v))?;
        }
        m.end()
    }
}

struct JsonSink<'p, W: Write> {
    out: W,
    columns: &'static [Column],
    first: bool,
    path: &'p Path,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io { path: path.to_path_buf(), source }
}

fn json_err(path: &Path) -> impl Fn(serde_json::Error) -> ReportError + '_ {
    move |e| ReportError::Json { path: path.to_path_buf(), message: e.to_string() }
}

impl<W: Write> TableSink for JsonSink<'_, W> {
    fn row(&mut self, _currency: Option<Currency>, cells: &[Value<'_>]) -> Result<(), ReportError> {
        let path = self.path;
        if !self.first {
            self.out.write_all(b",").map_err(io_err(path))?;
        }
        self.first = false;
        self.out.write_all(b"\n").map_err(io_err(path))?;
        serde_json::to_writer(&mut self.out, &JsonRow { columns: self.columns, cells }).map_err(json_err(path))
    }
}

#[derive(Serialize)]
struct JsonTotal {
    currency: Currency,
    rows: u64,
    sums: serde_json::Map<String, serde_json::Value>,
}

fn json_totals(columns: &[Column], totals: &[CurrencyTotal]) -> Vec<JsonTotal> {
    totals
        .iter()
        .map(|t| JsonTotal {
            currency: t.currency,
            rows: t.rows,
            sums: columns
                .iter()
                .zip(&t.sums)
                .filter_map(|(c, s)| s.map(|s| (c.key.to_owned(), serde_json::Value::String(s.to_string()))))
                .collect(),
        })
        .collect()
}

fn write_json_doc<W: Write>(
    meta: &ReportMeta,
    tables: &[Box<dyn TableSource + '_>],
    options: &ExportOptions,
    mut out: W,
    path: &Path,
) -> Result<(), ReportError> {
    let io = io_err(path);
    let js = json_err(path);
    // Header fields in a fixed order (report, title, title-block facts, generated_at), then the
    // tables streamed row by row.
    let mut fields: Vec<(String, serde_json::Value)> = vec![("report".into(), meta.file_stem.into()), ("title".into(), meta.title.into())];
    for (label, value) in &meta.lines {
        fields.push((label.to_ascii_lowercase().replace([' ', '-'], "_"), serde_json::to_value(value).map_err(&js)?));
    }
    fields.push(("generated_at".into(), serde_json::to_value(TitleValue::DateTime(options.generated_at)).map_err(&js)?));
    out.write_all(b"{").map_err(&io)?;
    for (i, (key, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",").map_err(&io)?;
        }
        serde_json::to_writer(&mut out, key).map_err(&js)?;
        out.write_all(b":").map_err(&io)?;
        serde_json::to_writer(&mut out, value).map_err(&js)?;
    }
    out.write_all(b",\"tables\":[").map_err(&io)?;
    for (i, table) in tables.iter().enumerate() {
        if i > 0 {
            out.write_all(b",").map_err(&io)?;
        }
        let columns = table.columns();
        let keys: Vec<&str> = columns.iter().map(|c| c.key).collect();
        write!(
            out,
            "\n{{\"name\":{},\"columns\":{},\"rows\":[",
            serde_json::to_string(table.name()).map_err(&js)?,
            serde_json::to_string(&keys).map_err(&js)?
        )
        .map_err(&io)?;
        let mut sink = JsonSink { out: &mut out, columns, first: true, path };
        let mut rows = RowWriter::new(&mut sink, columns);
        table.write_rows(&mut rows)?;
        let totals = json_totals(columns, &rows.into_totals());
        write!(out, "\n],\"totals\":{}}}", serde_json::to_string(&totals).map_err(&js)?).map_err(&io)?;
    }
    out.write_all(b"\n]}\n").map_err(&io)?;
    out.flush().map_err(&io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_prefixes_are_recognised() {
        for t in ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"] {
            assert!(looks_like_formula(t), "{t:?}");
        }
        for t in ["", "ACME", " =x", "1=1", "'=x"] {
            assert!(!looks_like_formula(t), "{t:?}");
        }
    }

    #[test]
    fn file_names_use_the_callers_time() {
        let at: Timestamp = "2024-01-02T03:04:05".parse().expect("ISO 8601");
        assert_eq!(file_name("X", at, ExportFormat::Csv), "X_20240102_030405.csv");
        assert_eq!(ExportFormat::Json.extension(), "json");
    }
}
