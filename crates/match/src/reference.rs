//! Payment references: normalisation, check digits, and extraction from remittance text.
//!
//! A reference is compared in normalised form: upper case, spaces and separators removed, leading
//! zeros of a numeric part dropped (`inv-000 42` and `INV42` are the same reference). National
//! references are recognised by their check digits, so that a digit group split by spaces
//! (`21 00000 00003 13947 14300 09017`) is only joined when the joined number is valid.

use std::fmt;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

/// What kind of reference a candidate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReferenceKind {
    /// ISO 11649 creditor reference `RFkk...` (mod 97 check).
    CreditorReference,
    /// Swiss QR reference: 27 digits, recursive mod 10 check.
    SwissQr,
    /// Belgian structured communication `+++123/4567/89012+++` (mod 97 check).
    BelgianStructured,
    /// Finnish reference number (viitenumero): 4 to 20 digits, 7-3-1 weighted check.
    FinnishReference,
    /// Norwegian KID with a mod 11 check digit.
    NorwegianKid,
    /// Swedish OCR reference (bankgiro/plusgiro) with a Luhn (mod 10) check digit; a Norwegian
    /// KID with a mod 10 check digit has the same form.
    SwedishOcr,
    /// An end-to-end id set by the payer.
    EndToEndId,
    /// An invoice or document number, or any other identifier with at least one digit.
    Document,
}

impl ReferenceKind {
    /// The stable name used in reasons: `rf`, `swiss_qr`, `finnish`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            ReferenceKind::CreditorReference => "rf",
            ReferenceKind::SwissQr => "swiss_qr",
            ReferenceKind::BelgianStructured => "belgian_structured",
            ReferenceKind::FinnishReference => "finnish",
            ReferenceKind::NorwegianKid => "kid",
            ReferenceKind::SwedishOcr => "ocr",
            ReferenceKind::EndToEndId => "end_to_end_id",
            ReferenceKind::Document => "document",
        }
    }

    /// True for references whose check digits were validated.
    pub fn is_check_digit_validated(self) -> bool {
        !matches!(self, ReferenceKind::EndToEndId | ReferenceKind::Document)
    }
}

impl fmt::Display for ReferenceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A reference candidate in normalised form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Reference {
    /// The normalised value (see [`normalize_reference`]).
    pub value: String,
    /// What it was recognised as.
    pub kind: ReferenceKind,
}

/// The shortest normalised reference used for matching: shorter tokens (`12`, `A1`) are too common
/// in free text to identify a payment.
pub const MIN_REFERENCE_LEN: usize = 4;

/// Normalises a reference: upper case, only letters and digits kept, and leading zeros of the
/// numeric part dropped (`000123` -> `123`, `inv-00042` -> `INV42`). ISO 11649 references keep
/// their digits as they are, since their check digits cover them.
///
/// ```
/// use bankrec_match::normalize_reference;
/// assert_eq!(normalize_reference(" inv-000 42 "), "INV42");
/// assert_eq!(normalize_reference("RF18 5390 0754 7034"), "RF18539007547034");
/// assert_eq!(normalize_reference("+++090/9337/55493+++"), "90933755493");
/// ```
pub fn normalize_reference(text: &str) -> String {
    normalize_key(text).into_string()
}

/// [`normalize_reference`] into inline storage: no allocation for a value up to 24 bytes.
pub(crate) fn normalize_key(text: &str) -> CompactString {
    if text.len() <= 64 {
        // On the stack, byte by byte through a table, without a branch per byte: every token of
        // every remittance text and every book reference passes through here. A byte that is
        // dropped is written all the same, and the next kept one overwrites it.
        let mut buf = [0u8; 64];
        let (mut len, mut high) = (0usize, 0u8);
        for &b in text.as_bytes() {
            let kept = KEPT[usize::from(b)];
            // `len` is at most the bytes read so far, below 64: the mask never changes it.
            buf[len & 63] = kept;
            len += usize::from(kept != 0);
            high |= b;
        }
        if high >= 0x80 {
            // Not ASCII: letters of other scripts are kept too.
            return normalize_chars(text);
        }
        let letters = buf[..len].iter().take_while(|b| b.is_ascii_alphabetic()).count();
        let rest = &buf[letters..len];
        let mut keep = 0;
        if rest.first() == Some(&b'0') && rest.iter().all(u8::is_ascii_digit) && !rf_compact_ok(&buf[..len]) {
            let zeros = rest.iter().take_while(|b| **b == b'0').count();
            keep = if zeros == rest.len() { zeros - 1 } else { zeros };
        }
        // The dropped zeros closed up, so that the value is copied out once.
        buf.copy_within(letters + keep..len, letters);
        // ASCII letters and digits only: valid UTF-8.
        return CompactString::new(std::str::from_utf8(&buf[..len - keep]).unwrap_or_default());
    }
    normalize_chars(text)
}

/// Each ASCII byte as [`normalize_key`] keeps it: a letter upper-cased, a digit as it is, 0 for
/// anything else (dropped). Bytes from 0x80 are 0 here; text holding one is normalised by
/// characters instead.
const KEPT: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0u8;
    while b < 0x80 {
        table[b as usize] = if b.is_ascii_alphanumeric() { b.to_ascii_uppercase() } else { 0 };
        b += 1;
    }
    table
};

/// [`normalize_key`] character by character: any text.
fn normalize_chars(text: &str) -> CompactString {
    let mut out = CompactString::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else if c.is_alphanumeric() {
            out.extend(c.to_uppercase());
        }
    }
    strip_leading_zeros(out)
}

/// The RF check on a reference already upper-cased, without spaces and of letters and digits
/// only: `RF`, two check digits, at most 25 characters, mod 97 of the rearranged text is 1.
fn rf_compact_ok(s: &[u8]) -> bool {
    (5..=25).contains(&s.len())
        && s.starts_with(b"RF")
        && s[2..4].iter().all(u8::is_ascii_digit)
        && mod97(s[4..].iter().chain(&s[..4]).copied()) == 1
}

/// Drops the leading zeros of the numeric part.
fn strip_leading_zeros(s: CompactString) -> CompactString {
    let letters = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    let rest = &s.as_bytes()[letters..];
    if rest.first() != Some(&b'0') || !rest.iter().all(u8::is_ascii_digit) {
        return s;
    }
    if s.starts_with("RF") && is_valid_rf(&s) {
        return s;
    }
    let zeros = rest.iter().take_while(|b| **b == b'0').count();
    let keep = if zeros == rest.len() { zeros - 1 } else { zeros };
    let mut out = CompactString::with_capacity(s.len() - keep);
    out.push_str(&s[..letters]);
    out.push_str(&s[letters + keep..]);
    out
}

/// The text without whitespace; borrowed when it has none (the common case).
fn compact(text: &str) -> std::borrow::Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_whitespace()) || !text.is_ascii() {
        std::borrow::Cow::Owned(text.chars().filter(|c| !c.is_whitespace()).collect())
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The digit values of an all-digit ASCII string; `None` when empty or not all digits.
fn digits_of(s: &str) -> Option<&[u8]> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then_some(s.as_bytes())
}

fn dv(b: u8) -> u32 {
    u32::from(b - b'0')
}

/// Remainder of ASCII digits and letters (A=10 .. Z=35) modulo 97, as ISO 7064 mod 97-10.
fn mod97(bytes: impl Iterator<Item = u8>) -> u32 {
    bytes.fold(0, |r, b| {
        // Digits and upper-case letters (A = 10 .. Z = 35); the callers pass nothing else.
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => char::from(b).to_digit(36).unwrap_or(0),
        };
        if v >= 10 {
            (r * 100 + v) % 97
        } else {
            (r * 10 + v) % 97
        }
    })
}

/// ISO 11649 creditor reference: `RF`, two check digits, 1 to 21 letters or digits; spaces allowed.
///
/// ```
/// assert!(bankrec_match::is_valid_rf("RF18 5390 0754 7034"));
/// assert!(!bankrec_match::is_valid_rf("RF19 5390 0754 7034"));
/// ```
pub fn is_valid_rf(text: &str) -> bool {
    rf_key(text).is_some()
}

/// A text's RF reference, spaces dropped and upper-cased, when it is a valid one. Without
/// allocating: called for every token of every remittance text, and most fail at once, on the
/// first two characters that are not spaces (for ASCII text, read as bytes).
fn rf_key(text: &str) -> Option<([u8; 25], usize)> {
    if text.is_ascii() {
        // ASCII bytes are its characters, without decoding.
        rf_compact(text.bytes().map(char::from))
    } else {
        rf_compact(text.chars())
    }
}

/// [`rf_key`] over the text's characters.
fn rf_compact(chars: impl Iterator<Item = char>) -> Option<([u8; 25], usize)> {
    let mut buf = [0u8; 25];
    let mut len = 0;
    for c in chars.filter(|c| !c.is_whitespace()) {
        let ok = match len {
            0 => c.eq_ignore_ascii_case(&'R'),
            1 => c.eq_ignore_ascii_case(&'F'),
            _ => c.is_ascii_alphanumeric(),
        };
        if !ok || len == buf.len() {
            return None;
        }
        // ASCII: one byte.
        buf[len] = c.to_ascii_uppercase() as u8;
        len += 1;
    }
    rf_compact_ok(&buf[..len]).then_some((buf, len))
}

/// Finnish reference number (viitenumero): 4 to 20 digits, the last a check digit over the others
/// weighted 7, 3, 1 from the right. Spaces allowed.
///
/// ```
/// assert!(bankrec_match::is_valid_finnish_reference("1232"));
/// assert!(!bankrec_match::is_valid_finnish_reference("1233"));
/// ```
pub fn is_valid_finnish_reference(text: &str) -> bool {
    digits_of(&compact(text)).is_some_and(finnish_ok)
}

fn finnish_ok(d: &[u8]) -> bool {
    if !(4..=20).contains(&d.len()) {
        return false;
    }
    let (body, check) = d.split_at(d.len() - 1);
    let weights = [7, 3, 1];
    let sum: u32 = body.iter().rev().enumerate().map(|(i, v)| dv(*v) * weights[i % 3]).sum();
    (10 - sum % 10) % 10 == dv(check[0])
}

/// Luhn (mod 10) check over a string of digits, the last digit being the check digit.
fn luhn_ok(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &v)| {
            let v = dv(v);
            if i % 2 == 1 {
                let x = v * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                v
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Mod 11 check digit over the body, weights 2..7 from the right; `None` when the check digit
/// would be 10 (such numbers are not issued).
fn mod11_check(body: &[u8]) -> Option<u32> {
    let sum: u32 = body.iter().rev().enumerate().map(|(i, v)| dv(*v) * (2 + (i as u32 % 6))).sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        c => Some(c),
    }
}

/// Norwegian KID: 2 to 25 digits with a mod 10 (Luhn) or mod 11 check digit.
///
/// ```
/// assert!(bankrec_match::is_valid_kid("1234567897")); // mod 10
/// assert!(bankrec_match::is_valid_kid("1234567892")); // mod 11
/// assert!(!bankrec_match::is_valid_kid("1234567890"));
/// ```
pub fn is_valid_kid(text: &str) -> bool {
    kid_scheme(text).is_some()
}

/// Which check the KID passes: `Some(10)`, `Some(11)`, or `None`.
fn kid_scheme(text: &str) -> Option<u32> {
    kid_digits(digits_of(&compact(text))?)
}

fn kid_digits(d: &[u8]) -> Option<u32> {
    if !(2..=25).contains(&d.len()) {
        return None;
    }
    if luhn_ok(d) {
        return Some(10);
    }
    let (body, check) = d.split_at(d.len() - 1);
    (mod11_check(body) == Some(dv(check[0]))).then_some(11)
}

/// Swedish OCR reference: 2 to 25 digits with a Luhn check digit (bankgiro and plusgiro).
///
/// ```
/// assert!(bankrec_match::is_valid_swedish_ocr("1234567897"));
/// assert!(!bankrec_match::is_valid_swedish_ocr("1234567898"));
/// ```
pub fn is_valid_swedish_ocr(text: &str) -> bool {
    digits_of(&compact(text)).is_some_and(ocr_ok)
}

fn ocr_ok(d: &[u8]) -> bool {
    (2..=25).contains(&d.len()) && luhn_ok(d)
}

/// Swiss QR reference: 27 digits, the last a recursive mod 10 check digit. Spaces allowed.
///
/// ```
/// assert!(bankrec_match::is_valid_swiss_qr_reference("21 00000 00003 13947 14300 09017"));
/// assert!(!bankrec_match::is_valid_swiss_qr_reference("21 00000 00003 13947 14300 09018"));
/// ```
pub fn is_valid_swiss_qr_reference(text: &str) -> bool {
    digits_of(&compact(text)).is_some_and(qr_ok)
}

fn qr_ok(d: &[u8]) -> bool {
    if d.len() != 27 {
        return false;
    }
    const TABLE: [u32; 10] = [0, 9, 4, 6, 8, 2, 7, 1, 3, 5];
    let carry = d[..26].iter().fold(0u32, |carry, v| TABLE[((carry + dv(*v)) % 10) as usize]);
    (10 - carry) % 10 == dv(d[26])
}

/// Belgian structured communication: 12 digits, the last two the first ten modulo 97 (97 for 0),
/// written `+++123/4567/89012+++` or `***123/4567/89012***`; the delimiters are optional here.
///
/// ```
/// assert!(bankrec_match::is_valid_belgian_structured("+++090/9337/55493+++"));
/// assert!(!bankrec_match::is_valid_belgian_structured("+++090/9337/55494+++"));
/// ```
pub fn is_valid_belgian_structured(text: &str) -> bool {
    // Without allocating: every structured field of every entry passes through here.
    let mut digits = [0u8; 12];
    let mut n = 0;
    for b in text.bytes() {
        match b {
            b'0'..=b'9' if n < digits.len() => {
                digits[n] = b - b'0';
                n += 1;
            }
            b'+' | b'*' | b'/' | b' ' => {}
            _ => return false,
        }
    }
    if n != digits.len() {
        return false;
    }
    let body = digits[..10].iter().fold(0u64, |acc, d| acc * 10 + u64::from(*d));
    let check = u64::from(digits[10]) * 10 + u64::from(digits[11]);
    let r = body % 97;
    (if r == 0 { 97 } else { r }) == check
}

/// The kind a string of digits is recognised as, by its check digits: Swiss QR (27 digits),
/// then Finnish, Norwegian KID (mod 11), Swedish OCR (Luhn); `Document` when none validates.
///
/// The three sums below Swiss QR are worked out in one pass from the right: every digit group of
/// every remittance text and every book reference is classified, and the checks one by one read
/// the digits four times (a test holds the pass to [`finnish_ok`], [`luhn_ok`] and
/// [`kid_digits`]).
fn classify_digits(digits: &str) -> ReferenceKind {
    let Some(d) = digits_of(digits) else { return ReferenceKind::Document };
    if qr_ok(d) {
        return ReferenceKind::SwissQr;
    }
    // Finnish takes 4 to 20 digits, KID and OCR 2 to 25.
    let n = d.len();
    if !(2..=25).contains(&n) {
        return ReferenceKind::Document;
    }
    let (body, check) = d.split_at(n - 1);
    let check = dv(check[0]);
    // Finnish weights 7, 3, 1 and mod 11 weights 2 to 7, from the body's last digit; Luhn
    // doubles every other digit from the body's last (the check digit is not doubled).
    const FINNISH: [u32; 3] = [7, 3, 1];
    let (mut finnish, mut luhn, mut mod11) = (0u32, check, 0u32);
    let (mut w3, mut w6) = (0usize, 0u32);
    for (i, &b) in body.iter().rev().enumerate() {
        let v = dv(b);
        finnish += v * FINNISH[w3];
        luhn += if i % 2 == 0 { (v * 2) - if v >= 5 { 9 } else { 0 } } else { v };
        mod11 += v * (2 + w6);
        w3 = if w3 == 2 { 0 } else { w3 + 1 };
        w6 = if w6 == 5 { 0 } else { w6 + 1 };
    }
    if (4..=20).contains(&n) && (10 - finnish % 10) % 10 == check {
        return ReferenceKind::FinnishReference;
    }
    if luhn.is_multiple_of(10) {
        // A KID by mod 10 reads as an OCR number.
        return ReferenceKind::SwedishOcr;
    }
    // 10 is no check digit: such numbers are not issued.
    let kid = match 11 - mod11 % 11 {
        11 => Some(0),
        10 => None,
        c => Some(c),
    };
    if kid == Some(check) {
        ReferenceKind::NorwegianKid
    } else {
        ReferenceKind::Document
    }
}

/// Recognises one structured reference as given in a field (an open item's payment reference, a
/// creditor reference): RF, Belgian, or a check-digit-valid number; else a document number.
/// `None` when it is too short to identify anything.
pub fn classify_reference(text: &str) -> Option<Reference> {
    classify_key(text).map(RefKey::into_reference)
}

/// [`classify_reference`] into inline storage.
pub(crate) fn classify_key(text: &str) -> Option<RefKey> {
    let trimmed = text.trim();
    if trimmed.len() >= 12 && trimmed.bytes().any(|b| matches!(b, b'+' | b'*' | b'/')) && is_valid_belgian_structured(trimmed) {
        return Some(RefKey { value: normalize_key(trimmed), kind: ReferenceKind::BelgianStructured });
    }
    if let Some((buf, len)) = rf_key(trimmed) {
        // ASCII letters and digits only: valid UTF-8.
        let value = CompactString::new(std::str::from_utf8(&buf[..len]).unwrap_or_default());
        return Some(RefKey { value, kind: ReferenceKind::CreditorReference });
    }
    let value = normalize_key(trimmed);
    if value.len() < MIN_REFERENCE_LEN {
        return None;
    }
    let compact = compact(trimmed);
    let kind = if compact.bytes().all(|b| b.is_ascii_digit()) { classify_digits(&compact) } else { ReferenceKind::Document };
    Some(RefKey { value, kind })
}

/// A document number given in a field (an open item's number, a remittance document's) as a
/// [`ReferenceKind::Document`] key: [`classify_key`]'s value without working out the kind, which
/// the caller would override (a test holds the two to one value). `None` when too short.
pub(crate) fn document_key(text: &str) -> Option<RefKey> {
    // `classify_key` normalises every value this way except a valid RF reference's, which it
    // upper-cases without spaces: the same value, as normalising keeps a valid RF's zeros.
    let value = normalize_key(text.trim());
    if value.len() >= MIN_REFERENCE_LEN {
        return Some(RefKey { value, kind: ReferenceKind::Document });
    }
    // Short: `classify_key` keeps a Belgian communication of leading zeros all the same.
    classify_key(text).map(|r| RefKey { kind: ReferenceKind::Document, ..r })
}

/// Extracts reference candidates from free text (remittance lines, descriptions), in order of
/// appearance and without repeats:
///
/// - ISO 11649 `RF` references, also when printed in groups of four;
/// - Belgian structured communications between `+++` or `***`;
/// - digit groups separated by single spaces, joined when the joined number passes a national
///   check (Swiss QR, Finnish, KID, OCR);
/// - every other token of at least [`MIN_REFERENCE_LEN`] characters that contains a digit
///   (`INV-2024-0042`, `PO 4711` is not joined), as a [`ReferenceKind::Document`].
///
/// ```
/// use bankrec_match::{extract_references, ReferenceKind};
/// let refs = extract_references("Invoice INV-2024-0042, ref RF18 5390 0754 7034 thanks");
/// assert_eq!(refs[0].value, "INV20240042");
/// assert_eq!(refs[1].value, "RF18539007547034");
/// assert_eq!(refs[1].kind, ReferenceKind::CreditorReference);
/// ```
pub fn extract_references(text: &str) -> Vec<Reference> {
    let mut keys = Refs::new();
    extract_keys(text, &mut keys);
    keys.into_iter().map(RefKey::into_reference).collect()
}

/// A reference in inline storage (up to 24 bytes, almost every reference): what the engine keeps
/// for each of a million entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RefKey {
    pub(crate) value: CompactString,
    pub(crate) kind: ReferenceKind,
}

impl RefKey {
    fn into_reference(self) -> Reference {
        Reference { value: self.value.into_string(), kind: self.kind }
    }
}

/// References of one entry or record: one to three, inline.
pub(crate) type Refs = SmallVec<[RefKey; 2]>;

/// Adds a reference unless it is too short or already there.
pub(crate) fn push_key(refs: &mut Refs, r: RefKey) {
    if r.value.len() >= MIN_REFERENCE_LEN && !refs.iter().any(|o| o.value == r.value) {
        refs.push(r);
    }
}

/// [`extract_references`] appending to `out`, skipping values already there.
pub(crate) fn extract_keys(text: &str, out: &mut Refs) {
    // Every reference starts with a token holding an ASCII digit, `+` or `*` (see
    // `extract_from_tokens`): a text without one (`Customer payment`) has none, and is not split.
    if !text.bytes().any(may_start_reference) {
        return;
    }
    extract_from_tokens(&tokens(text), out, true);
}

/// Whether a token holding this byte may start a reference: a digit, or the `+`/`*` of a Belgian
/// structured communication.
fn may_start_reference(b: u8) -> bool {
    b.is_ascii_digit() || b == b'+' || b == b'*'
}

/// Whether a character separates tokens: whitespace or a few punctuation marks that never sit
/// inside a reference.
fn separates(c: char) -> bool {
    c.is_whitespace() || matches!(c, ',' | ';' | ':' | '(' | ')' | '"' | '\'' | '[' | ']')
}

/// [`separates`] for an ASCII byte, without decoding a character: the whitespace of
/// `char::is_whitespace` below 128 (tab to carriage return, and space), and the marks.
fn separates_ascii(b: u8) -> bool {
    // A table: one load per byte of every remittance text, where the comparisons were a dozen.
    const TABLE: [bool; 256] = {
        let mut table = [false; 256];
        let mut b = 0u8;
        while b < 0x80 {
            table[b as usize] = matches!(b, b'\t'..=b'\r' | b' ' | b',' | b';' | b':' | b'(' | b')' | b'"' | b'\'' | b'[' | b']');
            b += 1;
        }
        table
    };
    TABLE[usize::from(b)]
}

/// The tokens of a text: maximal runs of characters that do not separate. Byte by byte for ASCII
/// text (almost all remittance text), which is several times faster than decoding characters.
fn tokens(text: &str) -> smallvec::SmallVec<[&str; 16]> {
    let mut out = smallvec::SmallVec::new();
    if !text.is_ascii() {
        out.extend(text.split(separates).filter(|t| !t.is_empty()));
        return out;
    }
    let mut start: Option<usize> = None;
    for (i, &b) in text.as_bytes().iter().enumerate() {
        if separates_ascii(b) {
            if let Some(s) = start.take() {
                out.push(&text[s..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

/// Tokens joined into one reference candidate, on the stack up to 64 bytes.
type Joined = SmallVec<[u8; 64]>;

/// `skip_words`: pass over tokens that cannot start a reference without checking them (tests
/// compare with the full checks).
fn extract_from_tokens(tokens: &[&str], out: &mut Refs, skip_words: bool) {
    let push = |r: RefKey, out: &mut Refs| push_key(out, r);
    let mut i = 0;
    while i < tokens.len() {
        // Every kind below starts with a digit-bearing token or a Belgian `+++`/`***`: a word
        // ("Invoice", "thank") is passed over without the checks, as they would pass it over.
        if skip_words && !tokens[i].bytes().any(may_start_reference) {
            i += 1;
            continue;
        }
        let tok = tokens[i].trim_matches(|c: char| c == '.' || c == '!' || c == '?');
        // Belgian structured communication.
        if tok.starts_with("+++") || tok.starts_with("***") {
            let mut joined = tok.to_owned();
            let mut j = i;
            while !(joined.len() > 3 && (joined.ends_with("+++") || joined.ends_with("***"))) && j + 1 < tokens.len() && j < i + 4 {
                j += 1;
                joined.push_str(tokens[j]);
            }
            if is_valid_belgian_structured(&joined) {
                push(RefKey { value: normalize_key(&joined), kind: ReferenceKind::BelgianStructured }, out);
                i = j + 1;
                continue;
            }
        }
        // RF reference, possibly in groups of four.
        let tb = tok.as_bytes();
        if tb.len() >= 4 && tb[..2].eq_ignore_ascii_case(b"RF") && tb[2..4].iter().all(u8::is_ascii_digit) {
            // The joins, then the longest that validates: checked from the longest down, most
            // often once, where checking each join as it grew checked every one.
            // Joined on the stack: an RF reference of 21 characters and its groups fit, where a
            // `CompactString` past 24 bytes would allocate. Only ASCII letters change case, so the
            // bytes stay UTF-8 and each join ends on a token boundary.
            let mut joined: Joined = tb.iter().map(u8::to_ascii_uppercase).collect();
            let mut joins: smallvec::SmallVec<[(usize, usize); 8]> = smallvec::smallvec![(joined.len(), i)];
            let mut j = i;
            while j + 1 < tokens.len() && joined.len() < 25 {
                let next = tokens[j + 1].trim_end_matches(['.', ',']);
                if next.is_empty() || next.len() > 4 || !next.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    break;
                }
                j += 1;
                joined.extend(next.bytes().map(|b| b.to_ascii_uppercase()));
                joins.push((joined.len(), j));
            }
            let text = |len: usize| std::str::from_utf8(&joined[..len]).unwrap_or_default();
            if let Some(&(len, end)) = joins.iter().rev().find(|&&(len, _)| is_valid_rf(text(len))) {
                push(RefKey { value: CompactString::from(text(len)), kind: ReferenceKind::CreditorReference }, out);
                i = end + 1;
                continue;
            }
            // A mistyped RF reference fails its check; kept whole (unvalidated) so that a
            // one-character difference from the book reference can still be recognised.
            if j > i && joined.len() >= 8 {
                push(RefKey { value: CompactString::from(text(joined.len())), kind: ReferenceKind::Document }, out);
            }
        }
        // Digit groups separated by single spaces: join while the result validates.
        if tok.bytes().all(|b| b.is_ascii_digit()) && !tok.is_empty() {
            // On the stack, as above: a Swiss QR reference is 27 digits.
            let mut joined: Joined = tok.bytes().collect();
            let mut joins: smallvec::SmallVec<[(usize, usize); 8]> = smallvec::SmallVec::new();
            let mut j = i;
            while j + 1 < tokens.len() && joined.len() < 27 {
                let next = tokens[j + 1].trim_end_matches(['.', ',']);
                if next.is_empty() || !next.bytes().all(|b| b.is_ascii_digit()) || next.len() > 6 {
                    break;
                }
                j += 1;
                joined.extend_from_slice(next.as_bytes());
                joins.push((joined.len(), j));
            }
            // Digits only: ASCII.
            let text = |len: usize| std::str::from_utf8(&joined[..len]).unwrap_or_default();
            // The longest join that validates, checked from the longest down (as above).
            let best = joins.iter().rev().find_map(|&(len, end)| {
                let kind = classify_digits(text(len));
                (kind != ReferenceKind::Document).then_some((len, end, kind))
            });
            if let Some((len, end, kind)) = best {
                push(RefKey { value: normalize_key(text(len)), kind }, out);
                i = end + 1;
                continue;
            }
            // Groups that do not validate joined (a mistyped QR or OCR number): kept whole and
            // unvalidated, next to the groups themselves.
            if j > i && joined.len() >= 10 {
                push(RefKey { value: normalize_key(text(joined.len())), kind: ReferenceKind::Document }, out);
            }
            let kind = classify_digits(tok);
            push(RefKey { value: normalize_key(tok), kind }, out);
            i += 1;
            continue;
        }
        // Any other token with a digit.
        let core = tok.trim_matches(|c: char| !c.is_alphanumeric());
        if core.bytes().any(|b| b.is_ascii_digit()) {
            push(RefKey { value: normalize_key(core), kind: ReferenceKind::Document }, out);
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RF check without the early rejection on the first two characters: spaces dropped,
    /// letters upper-cased, then the check of the whole.
    fn rf_check(chars: impl Iterator<Item = char>) -> bool {
        let mut buf = [0u8; 25];
        let mut len = 0;
        for c in chars.filter(|c| !c.is_whitespace()) {
            if !c.is_ascii_alphanumeric() || len == buf.len() {
                return false;
            }
            buf[len] = c.to_ascii_uppercase() as u8;
            len += 1;
        }
        rf_compact_ok(&buf[..len])
    }

    /// [`classify_digits`] as the checks one by one decide it.
    fn classify_digits_by_scheme(digits: &str) -> ReferenceKind {
        let Some(d) = digits_of(digits) else { return ReferenceKind::Document };
        if qr_ok(d) {
            return ReferenceKind::SwissQr;
        }
        if finnish_ok(d) {
            return ReferenceKind::FinnishReference;
        }
        let luhn = (2..=25).contains(&d.len()) && luhn_ok(d);
        if !luhn && kid_digits(d) == Some(11) {
            ReferenceKind::NorwegianKid
        } else if luhn {
            ReferenceKind::SwedishOcr
        } else {
            ReferenceKind::Document
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 5000, ..proptest::prelude::ProptestConfig::default() })]

        /// The one pass decides as the checks one by one do, at every length.
        #[test]
        fn classify_digits_agrees_with_the_schemes(digits in "[0-9]{0,30}") {
            proptest::prop_assert_eq!(classify_digits(&digits), classify_digits_by_scheme(&digits));
        }
    }

    proptest::proptest! {
        /// A document key is the classified key's value, the kind set to document.
        #[test]
        fn document_key_is_the_classified_value(text in "[ +*/rRfF0-9a-zA-Z\u{a0}-]{0,30}") {
            let expected = classify_key(&text).map(|r| RefKey { kind: ReferenceKind::Document, ..r });
            proptest::prop_assert_eq!(document_key(&text), expected);
        }
    }

    #[test]
    fn document_key_of_every_kind() {
        for text in [
            "RF18 5390 0754 7034",
            "RF04 0000 0000 0000 0000 0000",
            "rf74 0000 0000 1",
            "+++000/0000/00101+++",
            "RF05 0000 1234",
            "+++090/9337/55493+++",
            "000/0000/09797",
            "210000000003139471430009017",
            "00012345",
            "INV-2025-000123",
            "12",
            " 4711 ",
        ] {
            assert_eq!(document_key(text), classify_key(text).map(|r| RefKey { kind: ReferenceKind::Document, ..r }), "{text}");
        }
    }

    #[test]
    fn separates_ascii_agrees_with_separates() {
        for b in 0u8..128 {
            assert_eq!(separates_ascii(b), separates(char::from(b)), "byte {b}");
        }
    }

    #[test]
    fn classify_digits_agrees_on_every_scheme() {
        // Valid numbers of each scheme and their neighbours (one digit changed) at each length.
        for digits in ["1232", "1234567897", "23", "12345678903", "210000000003139471430009017", "90933755493", "0000", "00"] {
            for k in 0..digits.len() {
                for v in b'0'..=b'9' {
                    let mut d = digits.as_bytes().to_vec();
                    d[k] = v;
                    let d = String::from_utf8(d).expect("digits");
                    assert_eq!(classify_digits(&d), classify_digits_by_scheme(&d), "{d}");
                }
            }
        }
    }

    #[test]
    fn rf_known_values() {
        // Examples from ISO 11649 and the EPC guidance.
        for valid in ["RF18539007547034", "RF18 5390 0754 7034", "rf18539007547034", "RF712348231", "RF45G72UUR"] {
            assert!(is_valid_rf(valid), "{valid}");
        }
        for invalid in ["RF19539007547034", "RF18539007547035", "RF1", "XX18539007547034", "RF18-5390"] {
            assert!(!is_valid_rf(invalid), "{invalid}");
        }
    }

    #[test]
    fn finnish_known_values() {
        for valid in ["1232", "1245", "12345672", "1234 5672", "11112"] {
            assert!(is_valid_finnish_reference(valid), "{valid}");
        }
        for invalid in ["1233", "123", "12345678", "abcd", "1234567890123456789012"] {
            assert!(!is_valid_finnish_reference(invalid), "{invalid}");
        }
    }

    #[test]
    fn kid_known_values() {
        assert_eq!(kid_scheme("1234567897"), Some(10));
        assert_eq!(kid_scheme("1234567892"), Some(11));
        assert_eq!(kid_scheme("0001023"), Some(11));
        assert_eq!(kid_scheme("0000000018"), Some(10));
        assert!(!is_valid_kid("1234567890"));
        assert!(!is_valid_kid("1"));
        assert!(!is_valid_kid("12A4"));
    }

    #[test]
    fn ocr_known_values() {
        for valid in ["1234567897", "79927398713", "49927398716"] {
            assert!(is_valid_swedish_ocr(valid), "{valid}");
        }
        for invalid in ["1234567898", "79927398710", "7", "12a4"] {
            assert!(!is_valid_swedish_ocr(invalid), "{invalid}");
        }
    }

    #[test]
    fn swiss_qr_known_values() {
        // From the Swiss Payment Standards implementation guidelines.
        for valid in ["210000000003139471430009017", "21 00000 00003 13947 14300 09017", "000000000000000000000000000"] {
            assert!(is_valid_swiss_qr_reference(valid), "{valid}");
        }
        for invalid in ["210000000003139471430009018", "21000000000313947143000901", "x10000000003139471430009017"] {
            assert!(!is_valid_swiss_qr_reference(invalid), "{invalid}");
        }
    }

    #[test]
    fn belgian_known_values() {
        for valid in ["+++090/9337/55493+++", "***090/9337/55493***", "090933755493", "+++000/0000/09797+++"] {
            assert!(is_valid_belgian_structured(valid), "{valid}");
        }
        for invalid in ["+++090/9337/55494+++", "+++090/9337/5549+++", "abc/9337/55493"] {
            assert!(!is_valid_belgian_structured(invalid), "{invalid}");
        }
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalize_reference("inv-000 42"), "INV42");
        assert_eq!(normalize_reference("000123"), "123");
        assert_eq!(normalize_reference("0000"), "0");
        assert_eq!(normalize_reference("AB-12/CD"), "AB12CD");
        assert_eq!(normalize_reference("RF18 5390 0754 7034"), "RF18539007547034");
    }

    #[test]
    fn extraction_from_text() {
        let refs = extract_references("Ihre Rechnung Nr. 2024-0042 / QR 21 00000 00003 13947 14300 09017");
        let values: Vec<&str> = refs.iter().map(|r| r.value.as_str()).collect();
        assert!(values.contains(&"20240042"), "{values:?}");
        assert!(refs.iter().any(|r| r.kind == ReferenceKind::SwissQr && r.value == "210000000003139471430009017"), "{refs:?}");

        let refs = extract_references("Mededeling +++090/9337/55493+++ dank u");
        assert_eq!(refs[0].kind, ReferenceKind::BelgianStructured);
        assert_eq!(refs[0].value, "90933755493");

        let refs = extract_references("viite 1234 5672");
        assert_eq!(refs[0].value, "12345672");
        assert_eq!(refs[0].kind, ReferenceKind::FinnishReference);

        // Too short or without digits: nothing.
        assert!(extract_references("thanks for lunch 12").is_empty());
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_text(text in ".{0,80}") {
            let _ = extract_references(&text);
            let _ = classify_reference(&text);
            let _ = normalize_reference(&text);
            for f in [is_valid_rf, is_valid_finnish_reference, is_valid_kid, is_valid_swedish_ocr, is_valid_swiss_qr_reference, is_valid_belgian_structured] {
                let _ = f(&text);
            }
        }

        #[test]
        fn rf_fast_rejection_agrees_with_the_full_check(text in "[ \t\x0b\x0cRrFf0-9a-z]{0,14}", rf in "[ \x0b]{0,2}RF[0-9 ]{2,12}") {
            proptest::prop_assert_eq!(is_valid_rf(&text), rf_check(text.chars()));
            proptest::prop_assert_eq!(is_valid_rf(&rf), rf_check(rf.chars()));
        }

        #[test]
        fn ascii_path_agrees_with_the_general_one(text in "[ -~]{0,64}", rf in "[RFrf0 ]{0,3}[0-9 -]{0,30}") {
            proptest::prop_assert_eq!(normalize_key(&text), normalize_chars(&text));
            proptest::prop_assert_eq!(normalize_key(&rf), normalize_chars(&rf));
        }

        /// Digit groups: the longest join that validates, as a search checking each join as it
        /// grows finds it.
        #[test]
        fn digit_groups_join_to_the_longest_valid_number(groups in proptest::collection::vec("[0-9]{1,6}", 2..7)) {
            let mut joined = groups[0].clone();
            let mut forward = None;
            for g in &groups[1..] {
                if joined.len() >= 27 {
                    break;
                }
                joined.push_str(g);
                if classify_digits(&joined) != ReferenceKind::Document {
                    forward = Some(joined.clone());
                }
            }
            let refs = extract_references(&groups.join(" "));
            // Shorter values are not references at all.
            if let Some(best) = forward.filter(|b| normalize_key(b).len() >= MIN_REFERENCE_LEN) {
                proptest::prop_assert_eq!(refs.first().map(|r| r.value.clone()), Some(normalize_key(&best).to_string()));
            }
        }

        /// RF groups: the longest join that passes the check.
        #[test]
        fn rf_groups_join_to_the_longest_valid_reference(body in proptest::collection::vec("[0-9A-Z]{1,4}", 1..6), check in 0u32..100, valid: bool) {
            // Half of them with the check digits of the whole body, so that some join validates.
            let all = body.concat();
            let check = if valid { 98 - mod97(all.bytes().chain(*b"RF00")) } else { check };
            let tokens: Vec<String> = std::iter::once(format!("RF{check:02}")).chain(body).collect();
            let mut joined = tokens[0].clone();
            let mut forward = is_valid_rf(&joined).then(|| joined.clone());
            for t in &tokens[1..] {
                if joined.len() >= 25 {
                    break;
                }
                joined.push_str(t);
                if is_valid_rf(&joined) {
                    forward = Some(joined.clone());
                }
            }
            let refs = extract_references(&tokens.join(" "));
            if let Some(best) = forward {
                proptest::prop_assert_eq!(&refs[0].value, &best);
                proptest::prop_assert_eq!(refs[0].kind, ReferenceKind::CreditorReference);
            }
        }

        /// Words passed over unchecked are words the checks would pass over.
        #[test]
        fn skipping_words_changes_nothing(
            words in proptest::collection::vec("[a-zA-Z.!?]{1,8}|RF[0-9]{2}|[0-9]{1,6}|\\+\\+\\+[0-9/]{0,8}|[0-9/]{1,8}\\*\\*\\*|[A-Z]{2,4}-[0-9]{2,6}|[.!?]RF18", 0..10)
        ) {
            let toks: Vec<&str> = words.iter().map(String::as_str).collect();
            let (mut fast, mut full) = (Refs::new(), Refs::new());
            extract_from_tokens(&toks, &mut fast, true);
            extract_from_tokens(&toks, &mut full, false);
            proptest::prop_assert_eq!(fast, full);
        }

        #[test]
        fn never_panics_on_reference_like_text(text in "[RF+*/0-9 a-zé-]{0,40}") {
            let _ = extract_references(&text);
            let _ = classify_reference(&text);
            let _ = is_valid_rf(&text);
        }
    }

    #[test]
    fn rf_after_any_whitespace() {
        for text in
            ["RF18 5390 0754 7034", " \tRF18 5390 0754 7034", "\u{b}RF18 5390 0754 7034", "\u{a0}RF18 5390 0754 7034", "rf18539007547034"]
        {
            assert!(is_valid_rf(text), "{text:?}");
        }
        assert!(!is_valid_rf("R\u{b}X18 5390 0754 7034"));
    }

    #[test]
    fn classify_fields() {
        assert_eq!(classify_reference("RF18 5390 0754 7034").map(|r| r.kind), Some(ReferenceKind::CreditorReference));
        assert_eq!(classify_reference("+++090/9337/55493+++").map(|r| r.kind), Some(ReferenceKind::BelgianStructured));
        assert_eq!(classify_reference("210000000003139471430009017").map(|r| r.kind), Some(ReferenceKind::SwissQr));
        assert_eq!(classify_reference("INV-0042").map(|r| r.kind), Some(ReferenceKind::Document));
        assert_eq!(classify_reference("A1"), None);
    }
}
