//! Stand-in for the Excel writer when the crate is built without the `xlsx` feature: every Excel
//! export is refused with an error that says how to get it.

use std::io::{Seek, Write};
use std::path::Path;

use crate::error::ReportError;
use crate::export::ExportOptions;
use crate::table::{ReportMeta, TableSource};

/// Refuses: Excel export needs the `xlsx` feature.
pub(crate) fn write_workbook<W: Write + Seek + Send>(
    _meta: &ReportMeta,
    _tables: &[Box<dyn TableSource + '_>],
    _options: &ExportOptions,
    _out: W,
    path: &Path,
) -> Result<(), ReportError> {
    Err(ReportError::Xlsx {
        path: path.to_path_buf(),
        row: 0,
        message: "bankrec-report was built without the `xlsx` feature; enable it for Excel export".into(),
    })
}
