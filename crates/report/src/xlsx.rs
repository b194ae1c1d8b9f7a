//! Excel export through rust_xlsxwriter, one worksheet per table, in constant-memory mode.
//!
//! Cells are typed: dates are Excel dates, amounts are numbers with a number format fitted to
//! the currency's minor units, and every text is written with `write_string`, which stores a
//! string cell: a counterparty named `=HYPERLINK(...)` stays text and is never a formula.
//! Totals are computed exactly in `Decimal` and written as values, not formulas, so the file
//! reads the same in any program, including readers that do not evaluate formulas.

use std::borrow::Cow;
use std::io::{Seek, Write};
use std::path::Path;

use bankrec_model::{Currency, Date, Decimal, Timestamp};
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::error::ReportError;
use crate::export::ExportOptions;
use crate::table::{Column, CurrencyTotal, Kind, ReportMeta, RowWriter, TableSink, TableSource, TitleValue, Value};

/// Data rows per worksheet before a continuation sheet is started (Excel's limit is 1,048,576
/// rows including the title block, header and totals).
pub(crate) const MAX_DATA_ROWS_PER_SHEET: u32 = 1_000_000;
/// Excel's limit on the characters of one cell; longer text is cut and ends with `…`.
const MAX_CELL_CHARS: usize = 32_767;
const MAX_WIDTH: usize = 60;
const MIN_WIDTH: usize = 6;
/// Decimals of the amount columns' own format; amounts needing others carry a cell format.
const COLUMN_DECIMALS: u32 = 2;

fn xlsx_err(path: &Path, row: u32) -> impl Fn(XlsxError) -> ReportError + '_ {
    move |e| ReportError::Xlsx { path: path.to_path_buf(), row, message: e.to_string() }
}

/// Writes a report as a workbook to `out`; `path` only names the target in errors.
pub(crate) fn write_workbook<W: Write + Seek + Send>(
    meta: &ReportMeta,
    tables: &[Box<dyn TableSource + '_>],
    options: &ExportOptions,
    out: W,
    path: &Path,
) -> Result<(), ReportError> {
    write_workbook_with_limit(meta, tables, options, out, path, MAX_DATA_ROWS_PER_SHEET)
}

fn write_workbook_with_limit<W: Write + Seek + Send>(
    meta: &ReportMeta,
    tables: &[Box<dyn TableSource + '_>],
    options: &ExportOptions,
    out: W,
    path: &Path,
    rows_per_sheet: u32,
) -> Result<(), ReportError> {
    let mut workbook = Workbook::new();
    workbook.set_zip_compression_level(options.xlsx_compression_level.min(9));
    // The creation time inside the file is "generated at", not the clock: the same inputs give
    // the same bytes.
    let created = excel_datetime(options.generated_at).map_err(xlsx_err(path, 0))?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    for table in tables {
        let mut sheet = SheetWriter::start(&mut workbook, meta, table.as_ref(), options, path, rows_per_sheet)?;
        let mut rows = RowWriter::new(&mut sheet, table.columns());
        table.write_rows(&mut rows)?;
        let totals = rows.into_totals();
        sheet.finish(&totals)?;
    }
    workbook.save_to_writer(out).map_err(xlsx_err(path, 0))
}

struct Styles {
    title: Format,
    label: Format,
    header: Format,
    text: Format,
    date: Format,
    datetime: Format,
    integer: Format,
    number: Format,
    total_label: Format,
    // Amount formats by decimals, plain and bold (totals).
    amounts: Vec<[Option<Format>; 2]>,
}

impl Styles {
    fn new() -> Styles {
        Styles {
            title: Format::new().set_bold().set_font_size(14),
            label: Format::new().set_bold(),
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0x00DD_EBF7))
                .set_border_bottom(FormatBorder::Thin)
                .set_align(FormatAlign::Center),
            text: Format::new(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            integer: Format::new().set_num_format("0"),
            number: Format::new().set_num_format("0.00"),
            total_label: Format::new().set_bold().set_border_top(FormatBorder::Thin),
            amounts: vec![[None, None]; 16],
        }
    }

    /// The format for an amount: the currency's minor units, or more decimals when the amount
    /// carries them (an exact `8.851 EUR` is never shown rounded to `8.85`).
    fn amount(&mut self, currency: Option<Currency>, amount: Decimal, total: bool) -> &Format {
        self.amount_with_decimals(decimals_for(currency, amount), total)
    }

    fn amount_with_decimals(&mut self, decimals: u32, total: bool) -> &Format {
        let slot = &mut self.amounts[decimals.min(15) as usize][usize::from(total)];
        slot.get_or_insert_with(|| {
            let code = if decimals == 0 { "#,##0".to_owned() } else { format!("#,##0.{}", "0".repeat(decimals as usize)) };
            let f = Format::new().set_num_format(code);
            if total {
                f.set_bold().set_border_top(FormatBorder::Thin)
            } else {
                f
            }
        })
    }
}

/// Decimals to show: the currency's minor units (2 when unknown), more when the amount has them.
pub(crate) fn decimals_for(currency: Option<Currency>, amount: Decimal) -> u32 {
    let units = currency.and_then(|c| c.minor_units()).unwrap_or(2);
    // Normalizing only lowers the scale, so an amount already within the minor units needs none.
    if amount.scale() <= units {
        return units.min(15);
    }
    units.max(amount.normalize().scale()).min(15)
}

fn excel_date(d: Date) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year().clamp(1900, 9999) as u16, u8::from(d.month()), d.day())
}

// The Excel serial number of a date, computed directly for the dates where Excel's calendar is
// the proleptic Gregorian one (from 1900-03-01, after Excel's phantom 1900-02-29); the data cells'
// date comes through here once per cell. Earlier and later dates go through `ExcelDateTime`.
fn excel_date_serial(d: Date) -> Result<f64, XlsxError> {
    const EPOCH: Date = time::macros::date!(1899 - 12 - 30);
    const FIRST: Date = time::macros::date!(1900 - 03 - 01);
    const LAST: Date = time::macros::date!(9999 - 12 - 31);
    if (FIRST..=LAST).contains(&d) {
        Ok((d - EPOCH).whole_days() as f64)
    } else {
        Ok(excel_date(d)?.to_excel())
    }
}

fn excel_datetime(t: Timestamp) -> Result<ExcelDateTime, XlsxError> {
    let local = t.local();
    excel_date(local.date())?.and_hms(u16::from(local.hour()), local.minute(), local.second())
}

// Text for a cell: as given, cut at Excel's cell limit (marked with a final `…`).
fn cell_text(s: &str) -> Cow<'_, str> {
    if s.len() <= MAX_CELL_CHARS || s.chars().count() <= MAX_CELL_CHARS {
        return Cow::Borrowed(s);
    }
    let mut out: String = s.chars().take(MAX_CELL_CHARS - 1).collect();
    out.push('…');
    Cow::Owned(out)
}

struct SheetWriter<'w> {
    workbook: &'w mut Workbook,
    sheet_index: usize,
    sheet_number: u32,
    meta_lines: Vec<(String, TitleValue)>,
    title: &'static str,
    name: &'static str,
    columns: &'static [Column],
    header_row: u32,
    next_row: u32,
    rows_on_sheet: u32,
    rows_per_sheet: u32,
    widths: Vec<usize>,
    styles: Styles,
    path: &'w Path,
}

impl<'w> SheetWriter<'w> {
    fn start(
        workbook: &'w mut Workbook,
        meta: &ReportMeta,
        table: &dyn TableSource,
        options: &ExportOptions,
        path: &'w Path,
        rows_per_sheet: u32,
    ) -> Result<SheetWriter<'w>, ReportError> {
        let mut meta_lines: Vec<(String, TitleValue)> = meta.lines.iter().map(|(l, v)| ((*l).to_owned(), v.clone())).collect();
        meta_lines.push(("Generated at".to_owned(), TitleValue::DateTime(options.generated_at)));
        let columns = table.columns();
        let mut w = SheetWriter {
            workbook,
            sheet_index: 0,
            sheet_number: 0,
            meta_lines,
            title: meta.title,
            name: table.name(),
            columns,
            header_row: 0,
            next_row: 0,
            rows_on_sheet: 0,
            rows_per_sheet: rows_per_sheet.max(1),
            widths: columns.iter().map(|c| c.header.chars().count() + 2).collect(),
            styles: Styles::new(),
            path,
        };
        w.new_sheet()?;
        Ok(w)
    }

    fn sheet(&mut self) -> Result<&mut Worksheet, ReportError> {
        let (path, row) = (self.path, self.next_row);
        self.workbook.worksheet_from_index(self.sheet_index).map_err(xlsx_err(path, row))
    }

    // Starts a worksheet: title block, header row, frozen panes.
    fn new_sheet(&mut self) -> Result<(), ReportError> {
        self.sheet_number += 1;
        let name = if self.sheet_number == 1 { self.name.to_owned() } else { format!("{} ({})", self.name, self.sheet_number) };
        let path = self.path;
        let sheet = self.workbook.add_worksheet_with_constant_memory().map_err(xlsx_err(path, 0))?;
        sheet.set_name(&name).map_err(xlsx_err(path, 0))?;
        self.sheet_index = self.workbook.worksheets().len() - 1;
        let title = self.title;
        let lines = self.meta_lines.clone();
        let Styles { title: title_fmt, label, date, datetime, text, .. } = &self.styles;
        let (title_fmt, label, date, datetime, text) = (title_fmt.clone(), label.clone(), date.clone(), datetime.clone(), text.clone());
        let sheet = self.sheet()?;
        let e = xlsx_err(path, 0);
        sheet.write_string_with_format(0, 0, title, &title_fmt).map_err(&e)?;
        let mut row = 1;
        for (label_text, value) in &lines {
            let e = xlsx_err(path, row);
            sheet.write_string_with_format(row, 0, label_text, &label).map_err(&e)?;
            match value {
                TitleValue::Text(t) => sheet.write_string_with_format(row, 1, cell_text(t), &text).map(|_| ()),
                TitleValue::Date(d) => sheet.write_date_with_format(row, 1, excel_date(*d).map_err(&e)?, &date).map(|_| ()),
                TitleValue::DateTime(t) => sheet.write_datetime_with_format(row, 1, excel_datetime(*t).map_err(&e)?, &datetime).map(|_| ()),
            }
            .map_err(&e)?;
            row += 1;
        }
        let header_row = row + 1;
        let header = self.styles.header.clone();
        let columns = self.columns;
        let sheet = self.sheet()?;
        for (c, column) in columns.iter().enumerate() {
            sheet.write_string_with_format(header_row, c as u16, column.header, &header).map_err(xlsx_err(path, header_row))?;
        }
        sheet.set_freeze_panes(header_row + 1, 0).map_err(xlsx_err(path, header_row))?;
        // Column formats: cells written without a format take their column's, which spares the
        // writer a format lookup per cell (most of the cost of large sheets).
        let column_formats: Vec<Option<Format>> = columns.iter().map(|c| self.column_format(c.kind)).collect();
        let sheet = self.sheet()?;
        for (c, f) in column_formats.iter().enumerate() {
            if let Some(f) = f {
                sheet.set_column_format(c as u16, f).map_err(xlsx_err(path, header_row))?;
            }
        }
        self.header_row = header_row;
        self.next_row = header_row + 1;
        self.rows_on_sheet = 0;
        // The title column holds labels such as "Generated at".
        self.widths[0] = self.widths[0].max(14);
        if self.widths.len() > 1 {
            self.widths[1] = self.widths[1].max(20);
        }
        Ok(())
    }

    fn column_format(&mut self, kind: Kind) -> Option<Format> {
        match kind {
            Kind::Text | Kind::Bool => None,
            Kind::Date => Some(self.styles.date.clone()),
            Kind::DateTime => Some(self.styles.datetime.clone()),
            Kind::Integer => Some(self.styles.integer.clone()),
            Kind::Number => Some(self.styles.number.clone()),
            Kind::Amount { .. } => Some(self.styles.amount_with_decimals(COLUMN_DECIMALS, false).clone()),
        }
    }

    // Autofilter over header and data, fitted widths; called when a sheet is complete.
    fn close_sheet(&mut self) -> Result<(), ReportError> {
        let (header_row, last_row, path) = (self.header_row, self.next_row.saturating_sub(1).max(self.header_row), self.path);
        let last_col = (self.columns.len().max(1) - 1) as u16;
        let widths = self.widths.clone();
        let sheet = self.sheet()?;
        sheet.autofilter(header_row, 0, last_row, last_col).map_err(xlsx_err(path, header_row))?;
        for (c, w) in widths.iter().enumerate() {
            sheet.set_column_width(c as u16, (*w).clamp(MIN_WIDTH, MAX_WIDTH) as f64).map_err(xlsx_err(path, header_row))?;
        }
        Ok(())
    }

    fn finish(mut self, totals: &[CurrencyTotal]) -> Result<(), ReportError> {
        let data_end = self.next_row;
        self.close_sheet()?;
        let currency_col = self.columns.iter().position(|c| c.key == "currency");
        let path = self.path;
        for (row, t) in (data_end + 1..).zip(totals) {
            let label = self.styles.total_label.clone();
            let label_text = format!("Total {} ({} rows)", t.currency, t.rows);
            let e = xlsx_err(path, row);
            self.widths[0] = self.widths[0].max(label_text.chars().count() + 1);
            let mut cells: Vec<(u16, f64, Format)> = Vec::new();
            for (c, sum) in t.sums.iter().enumerate() {
                if let Some(s) = sum {
                    let f = self.styles.amount(Some(t.currency), *s, true).clone();
                    cells.push((c as u16, s.to_f64().unwrap_or(f64::NAN), f));
                }
            }
            let sheet = self.sheet()?;
            sheet.write_string_with_format(row, 0, &label_text, &label).map_err(&e)?;
            if let Some(cc) = currency_col.filter(|c| *c != 0) {
                sheet.write_string_with_format(row, cc as u16, t.currency.code(), &label).map_err(&e)?;
            }
            for (c, v, f) in &cells {
                sheet.write_number_with_format(row, *c, *v, f).map_err(&e)?;
            }
        }
        // Widths may have grown with the totals labels.
        let widths = self.widths.clone();
        let sheet = self.sheet()?;
        for (c, w) in widths.iter().enumerate() {
            sheet.set_column_width(c as u16, (*w).clamp(MIN_WIDTH, MAX_WIDTH) as f64).map_err(xlsx_err(path, 0))?;
        }
        Ok(())
    }
}

impl TableSink for SheetWriter<'_> {
    fn row(&mut self, currency: Option<Currency>, cells: &[Value<'_>]) -> Result<(), ReportError> {
        if self.rows_on_sheet >= self.rows_per_sheet {
            self.close_sheet()?;
            self.new_sheet()?;
        }
        let row = self.next_row;
        let path = self.path;
        let e = xlsx_err(path, row);
        let sheet_index = self.sheet_index;
        let sheet = self.workbook.worksheet_from_index(sheet_index).map_err(&e)?;
        for (c, cell) in cells.iter().enumerate().take(self.columns.len()) {
            let col = c as u16;
            let width = match cell {
                Value::Text(t) => {
                    let t = cell_text(t);
                    sheet.write_string(row, col, t.as_ref()).map_err(&e)?;
                    if t.len() > MAX_WIDTH {
                        MAX_WIDTH
                    } else if t.len() + 2 <= self.widths[c] {
                        // Characters never outnumber bytes: the column is already wide enough.
                        0
                    } else {
                        t.chars().count()
                    }
                }
                Value::Date(d) => {
                    // The column's date format makes the serial number a date: the cell is the
                    // same `<v>` an `ExcelDateTime` writes, without building one per cell.
                    sheet.write_number(row, col, excel_date_serial(*d).map_err(&e)?).map_err(&e)?;
                    10
                }
                Value::DateTime(t) => {
                    sheet.write_datetime(row, col, excel_datetime(*t).map_err(&e)?).map_err(&e)?;
                    19
                }
                Value::Amount(a) => {
                    let decimals = decimals_for(currency, *a);
                    let number = a.to_f64().unwrap_or(f64::NAN);
                    if decimals == COLUMN_DECIMALS {
                        sheet.write_number(row, col, number).map_err(&e)?;
                    } else {
                        let f = self.styles.amount_with_decimals(decimals, false);
                        sheet.write_number_with_format(row, col, number, f).map_err(&e)?;
                    }
                    amount_width(*a, decimals)
                }
                Value::Integer(i) => {
                    sheet.write_number(row, col, *i as f64).map_err(&e)?;
                    digits(i.unsigned_abs() as u128) + 1
                }
                Value::Number(n) => {
                    sheet.write_number(row, col, *n).map_err(&e)?;
                    6
                }
                Value::Bool(b) => {
                    sheet.write_boolean(row, col, *b).map_err(&e)?;
                    5
                }
                Value::Empty => 0,
            };
            if width + 2 > self.widths[c] {
                self.widths[c] = width + 2;
            }
        }
        self.next_row += 1;
        self.rows_on_sheet += 1;
        Ok(())
    }
}

fn digits(mut n: u128) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

// Displayed width of `#,##0.00`-style text without formatting it.
fn amount_width(a: Decimal, decimals: u32) -> usize {
    // Integer part from the mantissa (scale is at most 28, so the power fits in u128).
    let int = a.mantissa().unsigned_abs() / 10u128.pow(a.scale());
    let d = digits(int);
    d + (d - 1) / 3 + if decimals > 0 { decimals as usize + 1 } else { 0 } + usize::from(a.is_sign_negative())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_follow_minor_units_unless_the_amount_has_more() {
        let eur = Currency::EUR;
        let bhd = Currency::new("BHD").expect("ISO 4217");
        assert_eq!(decimals_for(Some(eur), Decimal::new(1234, 2)), 2);
        assert_eq!(decimals_for(Some(eur), Decimal::new(8850, 3)), 2, "trailing zeros do not count");
        assert_eq!(decimals_for(Some(eur), Decimal::new(8851, 3)), 3, "never shown rounded");
        assert_eq!(decimals_for(Some(Currency::JPY), Decimal::new(1500, 0)), 0);
        assert_eq!(decimals_for(Some(bhd), Decimal::new(1, 0)), 3);
        assert_eq!(decimals_for(None, Decimal::ONE), 2);
    }

    #[test]
    fn date_serials_agree_with_excel_datetime() {
        use time::macros::date;
        let mut d = date!(1900 - 01 - 01);
        while d <= date!(2100 - 12 - 31) {
            let expected = excel_date(d).expect("in range").to_excel();
            assert_eq!(excel_date_serial(d).expect("in range"), expected, "{d}");
            d += time::Duration::days(1);
        }
        for d in [date!(1850 - 06 - 15), date!(9999 - 12 - 31)] {
            assert_eq!(excel_date_serial(d).expect("in range"), excel_date(d).expect("in range").to_excel(), "{d}");
        }
        assert_eq!(excel_date_serial(date!(2024 - 01 - 01)).expect("in range"), 45292.0);
    }

    #[test]
    fn amount_width_counts_separators_sign_and_decimals() {
        assert_eq!(amount_width(Decimal::new(123_456_789, 2), 2), "1,234,567.89".len());
        assert_eq!(amount_width(Decimal::new(-5, 1), 2), "-0.50".len());
        assert_eq!(amount_width(Decimal::new(1500, 0), 0), "1,500".len());
        assert_eq!(amount_width(Decimal::MAX, 2), "79,228,162,514,264,337,593,543,950,335.00".len());
        assert_eq!(amount_width(Decimal::new(999, 3), 3), "0.999".len());
    }

    struct Numbers(u32);

    const NUMBER_COLUMNS: &[Column] = &[
        crate::table::col("n", "N", Kind::Integer),
        crate::table::col("currency", "Currency", Kind::Text),
        crate::table::col("amount", "Amount", Kind::Amount { total: true }),
    ];

    impl TableSource for Numbers {
        fn name(&self) -> &'static str {
            "Numbers"
        }
        fn columns(&self) -> &'static [Column] {
            NUMBER_COLUMNS
        }
        fn write_rows(&self, out: &mut RowWriter<'_>) -> Result<(), ReportError> {
            for i in 0..self.0 {
                out.row(
                    Some(Currency::EUR),
                    &[Value::Integer(i64::from(i)), Value::text("EUR"), Value::Amount(Decimal::new(i64::from(i), 2))],
                )?;
            }
            Ok(())
        }
    }

    #[test]
    fn rows_beyond_the_sheet_limit_continue_on_further_sheets() {
        use calamine::{Data, Reader, Xlsx};
        let meta = ReportMeta { file_stem: "T", title: "Test", lines: Vec::new() };
        let tables: Vec<Box<dyn TableSource>> = vec![Box::new(Numbers(25))];
        let options = ExportOptions::new("2024-01-01T00:00:00Z".parse().expect("ISO 8601"));
        let mut buf = std::io::Cursor::new(Vec::new());
        write_workbook_with_limit(&meta, &tables, &options, &mut buf, Path::new(""), 10).expect("written");
        buf.set_position(0);
        let mut wb: Xlsx<_> = Xlsx::new(buf).expect("xlsx");
        assert_eq!(wb.sheet_names(), vec!["Numbers", "Numbers (2)", "Numbers (3)"]);
        // Title, "Generated at", blank, header: data starts on row 4 of every sheet.
        let third = wb.worksheet_range("Numbers (3)").expect("sheet");
        assert_eq!(third.get_value((3, 0)), Some(&Data::String("N".into())));
        assert_eq!(third.get_value((4, 0)), Some(&Data::Float(20.0)));
        assert_eq!(third.get_value((8, 0)), Some(&Data::Float(24.0)));
        assert_eq!(third.get_value((10, 0)), Some(&Data::String("Total EUR (25 rows)".into())));
        assert_eq!(third.get_value((10, 2)), Some(&Data::Float(3.0)), "sum of 0.00..0.24 over all sheets");
    }

    #[test]
    fn long_text_is_cut_at_the_cell_limit() {
        let long = "é".repeat(MAX_CELL_CHARS + 5);
        let cut = cell_text(&long);
        assert_eq!(cut.chars().count(), MAX_CELL_CHARS);
        assert!(cut.ends_with('…'));
        let fits = "x".repeat(MAX_CELL_CHARS);
        assert!(matches!(cell_text(&fits), Cow::Borrowed(_)));
    }
}
