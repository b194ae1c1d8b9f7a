//! Where rows come from: a CSV stream (decoded to UTF-8 on the fly, BOM sniffed, delimiter given
//! or detected, preamble and footer lines set aside) or a spreadsheet sheet read by calamine.
//! This is the only module that sees csv, calamine or encoding_rs types.

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Cursor, Read};

use bankrec_model::{ErrorCode, ImportError, Severity};
use calamine::{Data, Range, Reader};
use encoding_rs::{Decoder, DecoderResult, Encoding, UTF_8};

use crate::error::TabularError;
use crate::template::{SheetRef, Spec, MAX_FOOTER_LINES};

/// Longest line accepted in a preamble or header search; longer means the file is not text.
const MAX_PREAMBLE_LINE: u64 = 1 << 20;
/// How many lines `locate_header` searches.
pub(crate) const HEADER_SEARCH_LINES: usize = 200;
/// Largest spreadsheet accepted, in bytes (calamine holds a sheet in memory).
pub(crate) const MAX_SPREADSHEET_BYTES: usize = 256 << 20;

/// One cell as the source holds it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    Empty,
    Text(&'a str),
    Float(f64),
    Int(i64),
    Bool(bool),
    /// An Excel date-time cell: (year, month, day).
    Date(u16, u8, u8),
    /// An ISO 8601 date (ODS `date-value`).
    IsoDate(&'a str),
    Error,
}

impl Cell<'_> {
    pub(crate) fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as text, for text fields and error messages.
    pub(crate) fn text(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            Cell::Empty | Cell::Error => Cow::Borrowed(""),
            Cell::Text(t) | Cell::IsoDate(t) => Cow::Borrowed(t.trim()),
            Cell::Float(f) => Cow::Owned(format!("{f}")),
            Cell::Int(i) => Cow::Owned(i.to_string()),
            Cell::Bool(b) => Cow::Owned(b.to_string()),
            Cell::Date(y, m, d) => Cow::Owned(format!("{y:04}-{m:02}-{d:02}")),
        }
    }
}

/// A row, borrowed from its source.
#[derive(Clone, Copy)]
pub(crate) enum Row<'a> {
    Csv(&'a csv::StringRecord),
    Sheet { range: &'a Range<Data>, row: u32, width: u32 },
}

impl<'a> Row<'a> {
    pub(crate) fn len(&self) -> usize {
        match self {
            Row::Csv(r) => r.len(),
            Row::Sheet { width, .. } => *width as usize,
        }
    }

    /// The cell at a 0-based index; `Empty` beyond the row's end.
    pub(crate) fn cell(&self, index: usize) -> Cell<'a> {
        match self {
            Row::Csv(r) => r.get(index).map_or(Cell::Empty, Cell::Text),
            Row::Sheet { range, row, .. } => match range.get_value((*row, index as u32)) {
                None | Some(Data::Empty) => Cell::Empty,
                Some(Data::String(s)) => Cell::Text(s),
                Some(Data::Float(f)) => Cell::Float(*f),
                Some(Data::Int(i)) => Cell::Int(*i),
                Some(Data::Bool(b)) => Cell::Bool(*b),
                Some(Data::DateTime(dt)) => {
                    let (y, m, d, ..) = dt.to_ymd_hms_milli();
                    Cell::Date(y, m, d)
                }
                Some(Data::DateTimeIso(s)) => Cell::IsoDate(s),
                Some(Data::DurationIso(s)) => Cell::Text(s),
                Some(Data::Error(_)) => Cell::Error,
            },
        }
    }

    pub(crate) fn is_blank(&self) -> bool {
        match self {
            // One pass over the record's bytes instead of a trim per field.
            Row::Csv(r) => r.as_slice().chars().all(char::is_whitespace),
            Row::Sheet { .. } => (0..self.len()).all(|i| self.cell(i).is_blank()),
        }
    }

    pub(crate) fn texts(&self) -> Vec<String> {
        (0..self.len()).map(|i| self.cell(i).text().into_owned()).collect()
    }
}

/// What the source has next.
pub(crate) enum Step {
    /// A row is current; read it with [`Source::current`].
    Row(u64),
    /// Lines that held nothing.
    Blank(u64),
    /// A footer line, set aside by `footer_lines`.
    Footer(u64),
    /// A row that could not be read (bad UTF-8, broken quoting).
    Bad(Box<ImportError>),
    End,
    Fatal(TabularError),
}

/// Rows above the table and the header, as found.
#[derive(Debug, Default)]
pub(crate) struct Prologue {
    /// Preamble lines split into cells, with their line numbers.
    pub(crate) preamble: Vec<(u64, Vec<String>)>,
    /// The header cells and line, when the file has a header.
    pub(crate) header: Option<(u64, Vec<String>)>,
}

pub(crate) enum Source {
    Csv(Box<CsvSource>),
    Sheet(SheetSource),
}

impl Source {
    pub(crate) fn advance(&mut self) -> Step {
        match self {
            Source::Csv(s) => s.advance(),
            Source::Sheet(s) => s.advance(),
        }
    }

    pub(crate) fn current(&self) -> Row<'_> {
        match self {
            Source::Csv(s) => s.current(),
            Source::Sheet(s) => s.current(),
        }
    }
}

/// Accepts a header candidate: returns true when it fits the template.
pub(crate) type HeaderTest<'a> = &'a dyn Fn(&[String]) -> bool;

// ---------------------------------------------------------------------------------------------
// CSV

pub(crate) struct CsvSource {
    reader: csv::Reader<LineCounter<Box<dyn BufRead>>>,
    file: String,
    line_offset: u64,
    footer: usize,
    /// Read-ahead rows held back until it is known they are not footer lines.
    pending: VecDeque<(csv::StringRecord, u64)>,
    spare: Vec<csv::StringRecord>,
    current: csv::StringRecord,
    /// Line the reader stands at after the last record, to count skipped empty lines.
    next_line: u64,
    blank_backlog: VecDeque<u64>,
    eof: bool,
    footer_drain: VecDeque<u64>,
    /// A row read behind empty lines, returned after them.
    parked: Option<u64>,
}

/// The encoding used and whether it came from a byte-order mark.
fn choose_encoding(head: &[u8], label: &str) -> (&'static Encoding, usize) {
    if let Some((enc, bom_len)) = Encoding::for_bom(head) {
        return (enc, bom_len);
    }
    (Encoding::for_label(label.trim().as_bytes()).unwrap_or(UTF_8), 0)
}

/// Opens a CSV stream: sniffs the BOM, decodes, reads the preamble and header, sets up the reader.
pub(crate) fn open_csv<'t>(
    input: Box<dyn Read>,
    spec: &Spec,
    file: &str,
    header_test: HeaderTest<'t>,
) -> Result<(Source, Prologue), TabularError> {
    // Small on purpose: the csv parser reads 64 KiB at a time, which then bypasses this buffer
    // instead of being copied through it.
    let mut buffered = BufReader::with_capacity(8 * 1024, input);
    let head = buffered.fill_buf().map_err(|source| TabularError::Io { file: file.to_owned(), source })?;
    let (encoding, bom_len) = choose_encoding(head, &spec.encoding);
    buffered.consume(bom_len);
    let mut stream: Box<dyn BufRead> = if encoding == UTF_8 {
        Box::new(buffered)
    } else {
        Box::new(BufReader::with_capacity(
            64 * 1024,
            Decode {
                inner: buffered,
                decoder: encoding.new_decoder_without_bom_handling(),
                out: vec![0; 64 * 1024],
                start: 0,
                end: 0,
                consumed: bom_len as u64,
                done: false,
                error: None,
            },
        ))
    };
    let io_err = |e: io::Error| map_io(e, file, encoding.name());
    let mut line_no = 0u64;
    let mut raw_preamble: Vec<(u64, Vec<u8>)> = Vec::new();
    for _ in 0..spec.skip_lines {
        match read_line(&mut stream).map_err(io_err)? {
            Some(line) => {
                line_no += 1;
                raw_preamble.push((line_no, line));
            }
            None => break,
        }
    }
    let mut first_line: Option<Vec<u8>> = None;
    let mut delimiter = spec.delimiter.map(|d| d as u8);
    let quote = spec.quote as u8;
    let mut header = None;
    if spec.locate_header {
        let mut best: Option<(u64, Vec<String>)> = None;
        for _ in 0..HEADER_SEARCH_LINES {
            let Some(line) = read_line(&mut stream).map_err(io_err)? else { break };
            line_no += 1;
            let d = delimiter.unwrap_or_else(|| detect_delimiter(&line, quote));
            let cells = split_line(&line, d, quote);
            if header_test(&cells) {
                delimiter = Some(d);
                header = Some((line_no, cells));
                break;
            }
            best = Some((line_no, cells));
            raw_preamble.push((line_no, line));
        }
        if header.is_none() {
            let (line, found) = best.unwrap_or((line_no, Vec::new()));
            // Report against the last line searched; the caller lists what is missing.
            return Ok((Source::Csv(Box::new(CsvSource::empty(file))), Prologue { preamble: Vec::new(), header: Some((line, found)) }));
        }
    } else {
        first_line = read_line(&mut stream).map_err(io_err)?;
    }
    let delimiter = delimiter.unwrap_or_else(|| first_line.as_deref().map_or(b',', |l| detect_delimiter(l, quote)));
    let preamble = raw_preamble.into_iter().map(|(n, l)| (n, split_line(&l, delimiter, quote))).collect();
    let line_offset = line_no;
    let rest: Box<dyn BufRead> = match first_line {
        Some(l) => Box::new(Cursor::new(l).chain(stream)),
        None => stream,
    };
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .quote(quote)
        .buffer_capacity(64 * 1024)
        .from_reader(LineCounter::new(rest));
    let mut source = CsvSource {
        reader,
        file: file.to_owned(),
        line_offset,
        footer: spec.footer_lines.min(MAX_FOOTER_LINES),
        pending: VecDeque::new(),
        spare: Vec::new(),
        current: csv::StringRecord::new(),
        next_line: 1,
        blank_backlog: VecDeque::new(),
        eof: false,
        footer_drain: VecDeque::new(),
        parked: None,
    };
    if spec.header && header.is_none() {
        loop {
            match source.advance_raw() {
                Step::Row(line) => {
                    let row = Row::Csv(&source.current);
                    if row.is_blank() {
                        continue;
                    }
                    header = Some((line, row.texts()));
                    break;
                }
                Step::Blank(_) | Step::Footer(_) => {}
                Step::Bad(e) => {
                    return Err(TabularError::Malformed {
                        file: file.to_owned(),
                        line: e.source.line.unwrap_or(0),
                        message: format!("header: {}", e.message),
                    })
                }
                Step::Fatal(e) => return Err(e),
                Step::End => break,
            }
        }
    }
    Ok((Source::Csv(Box::new(source)), Prologue { preamble, header }))
}

fn map_io(e: io::Error, file: &str, encoding: &str) -> TabularError {
    if let Some(m) = e.get_ref().and_then(|inner| inner.downcast_ref::<MalformedAt>()) {
        return TabularError::Encoding { file: file.to_owned(), encoding: encoding.to_owned(), offset: m.0 };
    }
    if let Some(too_long) = e.get_ref().and_then(|inner| inner.downcast_ref::<LineTooLong>()) {
        return TabularError::Malformed { file: file.to_owned(), line: 0, message: too_long.to_string() };
    }
    TabularError::Io { file: file.to_owned(), source: e }
}

fn read_line(stream: &mut Box<dyn BufRead>) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let n = stream.by_ref().take(MAX_PREAMBLE_LINE).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if n as u64 >= MAX_PREAMBLE_LINE && line.last() != Some(&b'\n') {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "line longer than 1 MiB before the table"));
    }
    Ok(Some(line))
}

/// Splits one line with the csv parser itself, so quoting works as in the table.
fn split_line(line: &[u8], delimiter: u8, quote: u8) -> Vec<String> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).quote(quote).from_reader(line);
    let mut rec = csv::ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => rec.iter().map(|f| String::from_utf8_lossy(f).trim().to_owned()).collect(),
        _ => Vec::new(),
    }
}

/// The most frequent of `,` `;` tab `|` outside quotes; `,` when none occurs.
pub(crate) fn detect_delimiter(line: &[u8], quote: u8) -> u8 {
    let candidates = [b',', b';', b'\t', b'|'];
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for &b in line {
        if b == quote {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = candidates.iter().position(|c| *c == b) {
                counts[i] += 1;
            }
        }
    }
    let (best, count) = counts.iter().enumerate().max_by_key(|(i, c)| (**c, std::cmp::Reverse(*i))).unwrap_or((0, &0));
    if *count == 0 {
        b','
    } else {
        candidates[best]
    }
}

impl CsvSource {
    fn empty(file: &str) -> CsvSource {
        let empty: Box<dyn BufRead> = Box::new(Cursor::new(Vec::new()));
        CsvSource {
            reader: csv::ReaderBuilder::new().from_reader(LineCounter::new(empty)),
            file: file.to_owned(),
            line_offset: 0,
            footer: 0,
            pending: VecDeque::new(),
            spare: Vec::new(),
            current: csv::StringRecord::new(),
            next_line: 1,
            blank_backlog: VecDeque::new(),
            eof: true,
            footer_drain: VecDeque::new(),
            parked: None,
        }
    }

    fn current(&self) -> Row<'_> {
        Row::Csv(&self.current)
    }

    /// The 1-based line (of the csv input) of the last byte the parser consumed, not counting a
    /// line break that ended the record; forgets line breaks before it.
    fn last_line(&mut self) -> u64 {
        let end = self.reader.position().byte();
        let counter = self.reader.get_mut();
        let before_end = end.saturating_sub(1);
        // Line breaks before the record's terminator.
        while counter.newlines.front().is_some_and(|&o| o < before_end) {
            counter.newlines.pop_front();
            counter.passed += 1;
        }
        let terminator_is_newline = counter.newlines.front() == Some(&before_end) && end > 0;
        let mut line = counter.passed + 1;
        if !terminator_is_newline && counter.newlines.front().is_some_and(|&o| o < end) {
            line += 1;
        }
        line
    }

    /// Next step without footer hold-back.
    fn advance_raw(&mut self) -> Step {
        if let Some(line) = self.blank_backlog.pop_front() {
            return Step::Blank(line);
        }
        if let Some(line) = self.parked.take() {
            return Step::Row(line);
        }
        if self.eof {
            return Step::End;
        }
        match self.reader.read_record(&mut self.current) {
            Ok(true) => {
                // The record's last line is where the parser stopped; its first line is that
                // minus the line breaks inside quoted fields. Lines between the previous record
                // and this one were empty: the csv parser skips them, we count them.
                let last = self.last_line();
                let inner = self.current.as_slice().bytes().filter(|b| *b == b'\n').count() as u64;
                let start = last.saturating_sub(inner).max(self.next_line);
                for l in self.next_line..start {
                    self.blank_backlog.push_back(l + self.line_offset);
                }
                self.next_line = last + 1;
                let line = start + self.line_offset;
                if let Some(blank) = self.blank_backlog.pop_front() {
                    // Report the empty lines first; the row stays current for the next call.
                    self.parked = Some(line);
                    return Step::Blank(blank);
                }
                Step::Row(line)
            }
            Ok(false) => {
                self.eof = true;
                Step::End
            }
            Err(e) => {
                let last = self.last_line();
                let line = last.max(self.next_line) + self.line_offset;
                self.next_line = last + 1;
                match e.into_kind() {
                    csv::ErrorKind::Utf8 { err, .. } => Step::Bad(Box::new(
                        ImportError::new(
                            ErrorCode::Encoding,
                            Severity::Error,
                            format!("field {} is not valid UTF-8; set `encoding` in the template", err.field() + 1),
                        )
                        .with_file(&self.file)
                        .with_line(line)
                        .with_column((err.field() + 1).to_string()),
                    )),
                    csv::ErrorKind::Io(io) => {
                        self.eof = true;
                        Step::Fatal(map_io(io, &self.file, "text"))
                    }
                    other => {
                        self.eof = true;
                        Step::Fatal(TabularError::Malformed { file: self.file.clone(), line, message: format!("{other:?}") })
                    }
                }
            }
        }
    }

    /// Next step, holding back `footer` rows so the last ones can be set aside.
    fn advance(&mut self) -> Step {
        loop {
            if let Some(line) = self.footer_drain.pop_front() {
                return Step::Footer(line);
            }
            match self.advance_raw() {
                Step::Row(line) => {
                    if let Some(step) = self.hold(line) {
                        return step;
                    }
                }
                Step::End => {
                    if self.pending.is_empty() {
                        return Step::End;
                    }
                    // Whatever is still held back is the footer.
                    self.footer_drain = self.pending.drain(..).map(|(_, l)| l).collect();
                }
                other => return other,
            }
        }
    }

    /// Queues the current row; returns the oldest once more than `footer` rows are queued.
    fn hold(&mut self, line: u64) -> Option<Step> {
        if self.footer == 0 {
            return Some(Step::Row(line));
        }
        if Row::Csv(&self.current).is_blank() {
            return Some(Step::Row(line));
        }
        let fresh = self.spare.pop().unwrap_or_default();
        let row = std::mem::replace(&mut self.current, fresh);
        self.pending.push_back((row, line));
        if self.pending.len() > self.footer {
            let (row, line) = self.pending.pop_front()?;
            let old = std::mem::replace(&mut self.current, row);
            self.spare.push(old);
            return Some(Step::Row(line));
        }
        None
    }
}

/// Counts line breaks as the csv parser reads, so rows get their true line numbers whatever the
/// line endings (the parser's own line count lags by one after a CRLF).
struct LineCounter<R> {
    inner: R,
    offset: u64,
    /// Offsets of line breaks not yet passed by the parser; bounded by its read-ahead.
    newlines: VecDeque<u64>,
    /// Line breaks already passed.
    passed: u64,
    /// Bytes read since the last line break, to bound the memory one row can take.
    since_newline: u64,
}

/// Longest line (or quoted field spanning lines) accepted in a table: a bound on memory.
pub(crate) const MAX_LINE_BYTES: u64 = 16 << 20;

#[derive(Debug)]
struct LineTooLong;

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a line is longer than {} MiB", MAX_LINE_BYTES >> 20)
    }
}

impl std::error::Error for LineTooLong {}

impl<R> LineCounter<R> {
    fn new(inner: R) -> Self {
        LineCounter { inner, offset: 0, newlines: VecDeque::new(), passed: 0, since_newline: 0 }
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut last = None;
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' {
                self.newlines.push_back(self.offset + i as u64);
                last = Some(i);
            }
        }
        self.since_newline = match last {
            Some(i) => (n - i - 1) as u64,
            None => self.since_newline + n as u64,
        };
        if self.since_newline > MAX_LINE_BYTES {
            return Err(io::Error::new(io::ErrorKind::InvalidData, LineTooLong));
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// A streaming decoder from any encoding_rs encoding to UTF-8 that refuses malformed input
/// instead of replacing it, so nothing is silently altered.
struct Decode<R> {
    inner: R,
    decoder: Decoder,
    out: Vec<u8>,
    start: usize,
    end: usize,
    consumed: u64,
    done: bool,
    error: Option<u64>,
}

#[derive(Debug)]
struct MalformedAt(u64);

impl std::fmt::Display for MalformedAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "malformed input at byte {}", self.0)
    }
}

impl std::error::Error for MalformedAt {}

impl<R: BufRead> Read for Decode<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.start < self.end {
                let n = buf.len().min(self.end - self.start);
                buf[..n].copy_from_slice(&self.out[self.start..self.start + n]);
                self.start += n;
                return Ok(n);
            }
            if let Some(offset) = self.error {
                return Err(io::Error::new(io::ErrorKind::InvalidData, MalformedAt(offset)));
            }
            if self.done {
                return Ok(0);
            }
            let input = self.inner.fill_buf()?;
            let last = input.is_empty();
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(input, &mut self.out, last);
            self.inner.consume(read);
            self.consumed += read as u64;
            self.start = 0;
            self.end = written;
            match result {
                DecoderResult::InputEmpty if last => self.done = true,
                DecoderResult::InputEmpty | DecoderResult::OutputFull => {}
                DecoderResult::Malformed(bad, after) => {
                    self.error = Some(self.consumed.saturating_sub(u64::from(bad) + u64::from(after)));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Spreadsheets

pub(crate) struct SheetSource {
    range: Range<Data>,
    next: u32,
    end: u32,
    footer_from: u32,
    width: u32,
    current: u32,
}

/// True when the bytes look like a spreadsheet (zip container or OLE compound file).
pub(crate) fn is_spreadsheet(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
}

pub(crate) fn open_sheet(
    bytes: Vec<u8>,
    spec: &Spec,
    sheet: Option<&SheetRef>,
    file: &str,
    header_test: HeaderTest<'_>,
) -> Result<(Source, Prologue), TabularError> {
    let err = |message: String| TabularError::Spreadsheet { file: file.to_owned(), message };
    if bytes.len() > MAX_SPREADSHEET_BYTES {
        return Err(err(format!("larger than {} MiB", MAX_SPREADSHEET_BYTES >> 20)));
    }
    let mut workbook =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| err(format!("not a readable xlsx/xls/ods workbook: {e}")))?;
    let names = workbook.sheet_names();
    let name = match sheet.or(spec.sheet.as_ref()) {
        None => names.first().cloned().ok_or_else(|| err("the workbook has no sheet".to_owned()))?,
        Some(SheetRef::Position(p)) => names
            .get(p.saturating_sub(1))
            .cloned()
            .ok_or_else(|| err(format!("no sheet {p}; the workbook has {} ({})", names.len(), names.join(", "))))?,
        Some(SheetRef::Name(n)) => names
            .iter()
            .find(|s| s.trim().eq_ignore_ascii_case(n.trim()))
            .cloned()
            .ok_or_else(|| err(format!("no sheet named {n:?}; sheets: {}", names.join(", "))))?,
    };
    let range = workbook.worksheet_range(&name).map_err(|e| err(format!("sheet {name:?}: {e}")))?;
    let end = range.end().map_or(0, |(r, _)| r + 1);
    let width = range.end().map_or(0, |(_, c)| c + 1);
    let row_of = |r: u32| Row::Sheet { range: &range, row: r, width };
    let mut next = 0u32;
    let mut preamble = Vec::new();
    for _ in 0..spec.skip_lines {
        if next >= end {
            break;
        }
        preamble.push((u64::from(next) + 1, row_of(next).texts()));
        next += 1;
    }
    let mut header = None;
    if spec.header {
        let limit = if spec.locate_header { HEADER_SEARCH_LINES as u32 } else { u32::MAX };
        let mut searched = 0;
        let mut last = None;
        while next < end && searched < limit {
            let row = row_of(next);
            next += 1;
            if row.is_blank() {
                continue;
            }
            searched += 1;
            let cells = row.texts();
            if !spec.locate_header || header_test(&cells) {
                header = Some((u64::from(next), cells));
                break;
            }
            preamble.push((u64::from(next), cells.clone()));
            last = Some((u64::from(next), cells));
        }
        if header.is_none() && spec.locate_header {
            header = last;
            next = end;
        }
    }
    let mut footer_from = end;
    let mut footer_left = spec.footer_lines;
    while footer_left > 0 && footer_from > next {
        footer_from -= 1;
        if !row_of(footer_from).is_blank() {
            footer_left -= 1;
        }
    }
    Ok((Source::Sheet(SheetSource { range, next, end, footer_from, width, current: 0 }), Prologue { preamble, header }))
}

impl SheetSource {
    fn current(&self) -> Row<'_> {
        Row::Sheet { range: &self.range, row: self.current, width: self.width }
    }

    fn advance(&mut self) -> Step {
        if self.next >= self.end {
            return Step::End;
        }
        let r = self.next;
        self.next += 1;
        let line = u64::from(r) + 1;
        self.current = r;
        if r >= self.footer_from && !self.current().is_blank() {
            return Step::Footer(line);
        }
        if self.current().is_blank() {
            return Step::Blank(line);
        }
        Step::Row(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_detection() {
        assert_eq!(detect_delimiter(b"a;b;c", b'"'), b';');
        assert_eq!(detect_delimiter(b"\"a,b\";c;d", b'"'), b';');
        assert_eq!(detect_delimiter(b"a,b;c,d", b'"'), b',');
        assert_eq!(detect_delimiter(b"a\tb", b'"'), b'\t');
        assert_eq!(detect_delimiter(b"abc", b'"'), b',');
    }

    #[test]
    fn decoder_reports_the_offset_of_malformed_input() {
        let decode = |bytes: &'static [u8], enc: &'static Encoding| Decode {
            inner: bytes,
            decoder: enc.new_decoder_without_bom_handling(),
            out: vec![0; 16],
            start: 0,
            end: 0,
            consumed: 0,
            done: false,
            error: None,
        };
        let mut s = String::new();
        let err = decode(b"a\x00b", encoding_rs::UTF_16LE).read_to_string(&mut s).expect_err("odd UTF-16");
        assert!(err.to_string().contains("byte 2"), "{err}");
        let mut s = String::new();
        decode(b"caf\xe9", encoding_rs::WINDOWS_1252).read_to_string(&mut s).expect("windows-1252 decodes every byte");
        assert_eq!(s, "café");
    }
}
