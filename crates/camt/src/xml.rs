//! The XML layer: quick-xml's pull reader over a [`BufRead`] that counts lines and enforces the
//! input bounds, and the two ways the statement reader consumes it: tag by tag at the outer
//! levels, and a whole record (entry, header element) at a time into a [`Tree`].
//!
//! No quick-xml type leaves this module.

use std::io::{self, BufRead, Read};

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::Reader;

use crate::error::{CamtError, Location};
use crate::options::Limits;
use crate::tree::{NodeId, Tree};

/// Buffers the input itself, so that counting the lines of what quick-xml consumes needs no
/// second look into the caller's reader, and refuses to go past the bounds.
struct Source<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    consumed: u64,
    newlines: u64,
    // Bytes consumed when the current event started, to bound a single event's size.
    mark: u64,
    max_input: u64,
    max_event: u64,
    exceeded: Option<(&'static str, u64, u64)>,
}

impl<R: Read> Source<R> {
    /// Reads the next chunk. The bounds are checked here, once per chunk, so that memory stays
    /// bounded; the exact size of each event is checked after it is read (`event_too_long`).
    #[cold]
    fn refill(&mut self) -> io::Result<()> {
        if self.consumed > self.max_input {
            self.exceeded = Some(("max_input_bytes", self.max_input, self.consumed));
            return Err(io::Error::other("input too large"));
        }
        let event = self.consumed - self.mark;
        if event > self.max_event {
            self.exceeded = Some(("max_text_bytes", self.max_event, event));
            return Err(io::Error::other("text too long"));
        }
        self.pos = 0;
        self.filled = 0;
        self.filled = loop {
            match self.inner.read(&mut self.buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        Ok(())
    }
}

impl<R: Read> Read for Source<R> {
    // Required by `BufRead`; quick-xml only uses `fill_buf` and `consume`.
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Source<R> {
    #[inline]
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos < self.filled {
            return Ok(&self.buf[self.pos..self.filled]);
        }
        self.refill()?;
        Ok(&self.buf[self.pos..self.filled])
    }

    #[inline]
    fn consume(&mut self, amt: usize) {
        let end = (self.pos + amt).min(self.filled);
        self.newlines += self.buf[self.pos..end].iter().filter(|&&b| b == b'\n').count() as u64;
        self.consumed += (end - self.pos) as u64;
        self.pos = end;
    }
}

/// What [`Xml::next_tag`] found at an outer level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    /// A start tag (or an empty element, `empty` true); its local name is in [`Xml::name`].
    Start { empty: bool },
    /// An end tag.
    End,
    /// End of input.
    Eof,
}

pub(crate) struct Xml<R> {
    reader: Reader<Source<R>>,
    buf: Vec<u8>,
    depth: u32,
    limits: Limits,
    file: Option<String>,
    /// Local name of the last start tag read by `next_tag`.
    pub(crate) name: String,
    /// Its `Ccy` attribute.
    ccy: Option<String>,
    /// Its namespace declarations (`xmlns`, `xmlns:x`), values only.
    pub(crate) namespaces: Vec<String>,
}

fn local(name: &str) -> &str {
    // Names are short: a plain loop beats a memrchr call.
    match name.as_bytes().iter().rposition(|&b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

fn ccy_attr(e: &BytesStart<'_>) -> Option<String> {
    // Only amounts (`Amt`, `TtlAmt`, `RmtdAmt`, `TtlChrgsAndTaxAmt`, ...) carry a currency.
    let raw = e.attributes_raw();
    if raw.is_empty() || !local(e.name().into_inner()).ends_with("Amt") || !raw.contains("Ccy") {
        return None;
    }
    e.attributes().flatten().find(|a| local(a.key.as_ref()) == "Ccy").map(|a| a.value.trim().to_owned())
}

fn location_of<R>(reader: &Reader<Source<R>>, file: &Option<String>, path: &str) -> Location {
    Location { file: file.clone(), line: reader.get_ref().newlines + 1, byte_offset: reader.buffer_position(), path: path.to_owned() }
}

fn map_err<R>(reader: &Reader<Source<R>>, file: &Option<String>, e: quick_xml::Error, path: &str) -> CamtError {
    let mut location = location_of(reader, file, path);
    if let Some((limit, max, value)) = reader.get_ref().exceeded {
        return CamtError::LimitExceeded { location, limit, max, value };
    }
    location.byte_offset = reader.error_position();
    match e {
        quick_xml::Error::Io(io) => CamtError::Io { location, source: io::Error::new(io.kind(), io.to_string()) },
        quick_xml::Error::Encoding(enc) => CamtError::Encoding { location, message: enc.to_string() },
        other => CamtError::Malformed { location, message: other.to_string() },
    }
}

/// An event longer than `max_text_bytes` (a reader that hands over everything at once, such as a
/// byte slice, passes the check in `fill_buf`).
fn event_too_long<R>(reader: &Reader<Source<R>>, file: &Option<String>, path: &str) -> Option<CamtError> {
    let src = reader.get_ref();
    let len = src.consumed - src.mark;
    (len > src.max_event).then(|| CamtError::LimitExceeded {
        location: location_of(reader, file, path),
        limit: "max_text_bytes",
        max: src.max_event,
        value: len,
    })
}

/// The character a predefined entity or character reference stands for.
fn resolve_entity(r: &BytesRef<'_>) -> Option<char> {
    if r.is_char_ref() {
        return r.resolve_char_ref().ok().flatten();
    }
    match &**r {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    }
}

fn start_name(e: &BytesStart<'_>) -> String {
    local(e.name().into_inner()).to_owned()
}

fn namespaces(e: &BytesStart<'_>) -> Vec<String> {
    if !e.attributes_raw().contains("xmlns") {
        return Vec::new();
    }
    e.attributes()
        .flatten()
        .filter(|a| {
            let k = a.key.as_ref();
            k == "xmlns" || k.starts_with("xmlns:")
        })
        .map(|a| a.value.trim().to_owned())
        .collect()
}

impl<R: BufRead> Xml<R> {
    pub(crate) fn new(inner: R, limits: Limits, file: Option<String>) -> Xml<R> {
        let source = Source {
            inner,
            buf: vec![0; 64 * 1024].into_boxed_slice(),
            pos: 0,
            filled: 0,
            consumed: 0,
            newlines: 0,
            mark: 0,
            max_input: limits.max_input_bytes,
            max_event: limits.max_text_bytes,
            exceeded: None,
        };
        let mut reader = Reader::from_reader(source);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.trim_text(false);
        config.expand_empty_elements = false;
        Xml { reader, buf: Vec::with_capacity(4096), depth: 0, limits, file, name: String::new(), ccy: None, namespaces: Vec::new() }
    }

    pub(crate) fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }

    pub(crate) fn location(&self, path: &str) -> Location {
        location_of(&self.reader, &self.file, path)
    }

    fn too_deep(&self, path: &str) -> CamtError {
        CamtError::LimitExceeded {
            location: self.location(path),
            limit: "max_depth",
            max: u64::from(self.limits.max_depth),
            value: u64::from(self.depth) + 1,
        }
    }

    /// The next start or end tag at an outer level; text, comments and processing instructions
    /// between them are skipped. `path` is used in error locations.
    pub(crate) fn next_tag(&mut self, path: &str) -> Result<Tag, CamtError> {
        loop {
            self.buf.clear();
            let src = self.reader.get_mut();
            src.mark = src.consumed;
            let ev = match self.reader.read_event_into(&mut self.buf) {
                Ok(ev) => ev,
                Err(e) => return Err(map_err(&self.reader, &self.file, e, path)),
            };
            if let Some(e) = event_too_long(&self.reader, &self.file, path) {
                return Err(e);
            }
            match ev {
                Event::Start(e) => {
                    if self.depth >= self.limits.max_depth {
                        return Err(self.too_deep(path));
                    }
                    self.name = start_name(&e);
                    self.ccy = ccy_attr(&e);
                    self.namespaces = namespaces(&e);
                    self.depth += 1;
                    return Ok(Tag::Start { empty: false });
                }
                Event::Empty(e) => {
                    self.name = start_name(&e);
                    self.ccy = ccy_attr(&e);
                    self.namespaces = namespaces(&e);
                    return Ok(Tag::Start { empty: true });
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(Tag::End);
                }
                Event::Eof => return Ok(Tag::Eof),
                Event::DocType(d) => {
                    let raw: String = d.chars().take(200).collect();
                    return Err(CamtError::DoctypeRefused { location: location_of(&self.reader, &self.file, path), raw });
                }
                Event::GeneralRef(r) => {
                    if resolve_entity(&r).is_none() {
                        let raw = r.to_string();
                        return Err(CamtError::UnknownEntity { location: location_of(&self.reader, &self.file, path), raw });
                    }
                }
                Event::Text(_) | Event::CData(_) | Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            }
        }
    }

    /// Skips the content of the element whose start tag `next_tag` just returned.
    pub(crate) fn skip(&mut self, empty: bool, path: &str) -> Result<(), CamtError> {
        if empty {
            return Ok(());
        }
        let target = self.depth - 1;
        while self.depth > target {
            if self.next_tag(path)? == Tag::Eof {
                return Err(CamtError::Malformed { location: self.location(path), message: "unexpected end of input".into() });
            }
        }
        Ok(())
    }

    /// Reads the element whose start tag `next_tag` just returned, with everything in it, into
    /// `tree` under `parent` (`None`: as the root). `base` is the element's own path for errors.
    pub(crate) fn read_element(&mut self, tree: &mut Tree, parent: Option<NodeId>, empty: bool, base: &str) -> Result<NodeId, CamtError> {
        let line = self.reader.get_ref().newlines + 1;
        let root = tree.open(parent, &self.name, self.ccy.as_deref(), self.reader.buffer_position(), line);
        if empty {
            return Ok(root);
        }
        let max_nodes = self.limits.max_elements_per_record as usize;
        let start_depth = self.depth;
        let mut current = root;
        let mut entity = [0u8; 4];
        loop {
            self.buf.clear();
            let src = self.reader.get_mut();
            src.mark = src.consumed;
            let ev = match self.reader.read_event_into(&mut self.buf) {
                Ok(ev) => ev,
                Err(e) => return Err(map_err(&self.reader, &self.file, e, base)),
            };
            if let Some(e) = event_too_long(&self.reader, &self.file, base) {
                return Err(e);
            }
            let reader = &self.reader;
            match ev {
                Event::Start(e) => {
                    if self.depth >= self.limits.max_depth {
                        return Err(CamtError::LimitExceeded {
                            location: location_of(reader, &self.file, base),
                            limit: "max_depth",
                            max: u64::from(self.limits.max_depth),
                            value: u64::from(self.depth) + 1,
                        });
                    }
                    let name = local(e.name().into_inner());
                    let ccy = ccy_attr(&e);
                    current = tree.open(Some(current), name, ccy.as_deref(), reader.buffer_position(), reader.get_ref().newlines + 1);
                    self.depth += 1;
                }
                Event::Empty(e) => {
                    let name = local(e.name().into_inner());
                    let ccy = ccy_attr(&e);
                    tree.open(Some(current), name, ccy.as_deref(), reader.buffer_position(), reader.get_ref().newlines + 1);
                }
                Event::End(_) => {
                    self.depth -= 1;
                    if self.depth < start_depth {
                        return Ok(root);
                    }
                    current = tree.parent(current).unwrap_or(root);
                }
                Event::Text(t) => {
                    if !t.bytes().all(|b| b.is_ascii_whitespace()) {
                        tree.append_text(current, &t);
                    }
                }
                Event::CData(c) => tree.append_text(current, &c),
                Event::GeneralRef(r) => match resolve_entity(&r) {
                    Some(ch) => tree.append_text(current, ch.encode_utf8(&mut entity)),
                    None => {
                        let raw = r.to_string();
                        return Err(CamtError::UnknownEntity { location: location_of(reader, &self.file, base), raw });
                    }
                },
                Event::DocType(d) => {
                    let raw: String = d.chars().take(200).collect();
                    return Err(CamtError::DoctypeRefused { location: location_of(reader, &self.file, base), raw });
                }
                Event::Eof => {
                    return Err(CamtError::Malformed {
                        location: location_of(reader, &self.file, base),
                        message: "unexpected end of input".into(),
                    });
                }
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            }
            if tree.len() > max_nodes {
                return Err(CamtError::LimitExceeded {
                    location: self.location(base),
                    limit: "max_elements_per_record",
                    max: max_nodes as u64,
                    value: tree.len() as u64,
                });
            }
        }
    }
}
