//! Reading amounts and dates as banks print them: decimal and thousands separators, signs in
//! front, behind or as parentheses, dates in `strftime`-like formats and Excel serial numbers.
//! No float ever touches an amount read from text.

use rust_decimal::Decimal;
use time::{Date, Month};

/// How numbers are written: the decimal separator and an optional thousands separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NumberStyle {
    pub(crate) decimal: char,
    pub(crate) thousands: Option<char>,
}

impl Default for NumberStyle {
    fn default() -> Self {
        NumberStyle { decimal: '.', thousands: None }
    }
}

/// Reads a decimal number exactly. Accepts a leading `+`/`-`, a trailing `-` (as some ERP systems
/// write credits) and parentheses for negatives; thousands separators only before the decimal one.
pub(crate) fn parse_decimal(text: &str, style: NumberStyle) -> Result<Decimal, &'static str> {
    let mut s = text.trim();
    if s.is_empty() {
        return Err("empty");
    }
    let mut negative = false;
    if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        negative = true;
        s = inner.trim();
    }
    if let Some(rest) = s.strip_prefix('-') {
        negative = !negative;
        s = rest.trim_start();
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest.trim_start();
    } else if let Some(rest) = s.strip_suffix('-') {
        negative = !negative;
        s = rest.trim_end();
    } else if let Some(rest) = s.strip_suffix('+') {
        s = rest.trim_end();
    }
    let mut mantissa: u128 = 0;
    let mut digits = 0u32;
    let mut scale = 0u32;
    let mut seen_decimal = false;
    let mut last_was_separator = false;
    let mut any_digit = false;
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            if digits > 0 || d > 0 {
                digits += 1;
            }
            if digits > 28 {
                return Err("more than 28 significant digits");
            }
            mantissa = mantissa * 10 + u128::from(d);
            if seen_decimal {
                scale += 1;
                if scale > 28 {
                    return Err("more than 28 decimals");
                }
            }
            last_was_separator = false;
            any_digit = true;
        } else if c == style.decimal && !seen_decimal {
            seen_decimal = true;
            last_was_separator = false;
        } else if Some(c) == style.thousands || (style.thousands.is_some_and(is_space_like) && is_space_like(c)) {
            if seen_decimal || last_was_separator || !any_digit {
                return Err("misplaced thousands separator");
            }
            last_was_separator = true;
        } else {
            return Err("not a number");
        }
    }
    if last_was_separator || !any_digit {
        return Err("not a number");
    }
    let signed = if negative { -(mantissa as i128) } else { mantissa as i128 };
    Decimal::try_from_i128_with_scale(signed, scale).map_err(|_| "out of range")
}

fn is_space_like(c: char) -> bool {
    c == ' ' || c == '\u{a0}' || c == '\u{202f}'
}

/// A number held by a spreadsheet cell as a binary float, read through its shortest decimal
/// representation (exact for every amount of up to 15 significant digits).
pub(crate) fn decimal_from_f64(value: f64) -> Result<Decimal, &'static str> {
    if !value.is_finite() {
        return Err("not a finite number");
    }
    let text = format!("{value}");
    parse_decimal(&text, NumberStyle::default())
}

/// One piece of a compiled date format.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DateToken {
    Year4,
    Year2,
    Month,
    MonthName,
    Day,
    /// Hour, minute, second: read and range-checked, then dropped (entries are dated by day).
    Clock(u32),
    /// Fractional digits of a second.
    Fraction,
    Literal(char),
}

/// A date format in `strftime` style: `%Y` (4-digit year), `%y` (2-digit year, 2000-2099),
/// `%m` (month, 1-2 digits), `%b` (English month abbreviation), `%d` (day, 1-2 digits),
/// `%H` `%M` `%S` (time of day, checked and dropped), `%f` (fraction of a second), `%%`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DateFormat {
    tokens: Vec<DateToken>,
}

impl DateFormat {
    /// Compiles a format; says what is wrong when it cannot.
    pub(crate) fn compile(format: &str) -> Result<DateFormat, String> {
        let mut tokens = Vec::new();
        let mut chars = format.chars();
        let (mut year, mut month, mut day) = (false, false, false);
        while let Some(c) = chars.next() {
            if c != '%' {
                tokens.push(DateToken::Literal(c));
                continue;
            }
            let token = match chars.next() {
                Some('Y') => {
                    year = true;
                    DateToken::Year4
                }
                Some('y') => {
                    year = true;
                    DateToken::Year2
                }
                Some('m') => {
                    month = true;
                    DateToken::Month
                }
                Some('b') => {
                    month = true;
                    DateToken::MonthName
                }
                Some('d') | Some('e') => {
                    day = true;
                    DateToken::Day
                }
                Some('H') => DateToken::Clock(23),
                Some('M') => DateToken::Clock(59),
                Some('S') => DateToken::Clock(60),
                Some('f') => DateToken::Fraction,
                Some('%') => DateToken::Literal('%'),
                Some(other) => return Err(format!("date format {format:?}: unknown directive %{other}")),
                None => return Err(format!("date format {format:?} ends with a lone %")),
            };
            tokens.push(token);
        }
        if !(year && month && day) {
            return Err(format!("date format {format:?} needs a year (%Y or %y), a month (%m or %b) and a day (%d)"));
        }
        Ok(DateFormat { tokens })
    }

    /// Reads a date written in this format; the whole text must match.
    pub(crate) fn parse(&self, text: &str) -> Option<Date> {
        let bytes = text.trim().as_bytes();
        let mut pos = 0usize;
        let (mut year, mut month, mut day) = (0i32, 0u8, 0u8);
        for token in &self.tokens {
            match token {
                DateToken::Year4 => year = take_digits(bytes, &mut pos, 4, 4)? as i32,
                DateToken::Year2 => year = 2000 + take_digits(bytes, &mut pos, 2, 2)? as i32,
                DateToken::Month => month = take_digits(bytes, &mut pos, 1, 2)? as u8,
                DateToken::Day => day = take_digits(bytes, &mut pos, 1, 2)? as u8,
                DateToken::MonthName => {
                    let name = bytes.get(pos..pos + 3)?;
                    month = month_from_abbreviation(name)?;
                    pos += 3;
                }
                DateToken::Clock(max) => {
                    if take_digits(bytes, &mut pos, 1, 2)? > *max {
                        return None;
                    }
                }
                DateToken::Fraction => {
                    take_digits(bytes, &mut pos, 1, 9)?;
                }
                DateToken::Literal(c) => {
                    let mut buf = [0u8; 4];
                    let lit = c.encode_utf8(&mut buf).as_bytes();
                    if bytes.get(pos..pos + lit.len())? != lit {
                        return None;
                    }
                    pos += lit.len();
                }
            }
        }
        if pos != bytes.len() {
            return None;
        }
        Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
    }
}

fn take_digits(bytes: &[u8], pos: &mut usize, min: usize, max: usize) -> Option<u32> {
    let mut value = 0u32;
    let mut n = 0;
    while n < max {
        match bytes.get(*pos + n) {
            Some(b) if b.is_ascii_digit() => value = value * 10 + u32::from(b - b'0'),
            _ => break,
        }
        n += 1;
    }
    if n < min {
        return None;
    }
    *pos += n;
    Some(value)
}

fn month_from_abbreviation(name: &[u8]) -> Option<u8> {
    const MONTHS: [&[u8; 3]; 12] = [b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec"];
    let lower = [name[0].to_ascii_lowercase(), name[1].to_ascii_lowercase(), name[2].to_ascii_lowercase()];
    MONTHS.iter().position(|m| **m == lower).map(|i| i as u8 + 1)
}

/// The date of an Excel serial number in the 1900 date system (day 1 = 1900-01-01; Excel's
/// phantom 1900-02-29, serial 60, is refused). The time of day is dropped.
pub(crate) fn date_from_excel_serial(serial: f64) -> Option<Date> {
    if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    if days == 60 {
        return None;
    }
    let base = if days < 60 { time::macros::date!(1899 - 12 - 31) } else { time::macros::date!(1899 - 12 - 30) };
    base.checked_add(time::Duration::days(days))
}

/// Reads `true`/`false` as ERP exports write them.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "x" | "ja" | "oui" | "si" | "sí" => Some(true),
        "false" | "no" | "n" | "0" | "" | "nein" | "non" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn d(text: &str, decimal: char, thousands: Option<char>) -> Result<Decimal, &'static str> {
        parse_decimal(text, NumberStyle { decimal, thousands })
    }

    #[test]
    fn golden_amounts() {
        let table: &[(&str, char, Option<char>, &str)] = &[
            ("1.234,56", ',', Some('.'), "1234.56"),
            ("-1.234,56", ',', Some('.'), "-1234.56"),
            ("+1,23", ',', Some('.'), "1.23"),
            ("1,533.50", '.', Some(','), "1533.50"),
            ("20'827.00", '.', Some('\''), "20827.00"),
            ("1 234,5", ',', Some(' '), "1234.5"),
            ("1\u{a0}234,5", ',', Some(' '), "1234.5"),
            ("12,50-", ',', None, "-12.50"),
            ("(12.50)", '.', None, "-12.50"),
            ("8.850", '.', None, "8.850"),
            ("0,00", ',', None, "0.00"),
            ("-0.01", '.', None, "-0.01"),
            ("2500", ',', Some('.'), "2500"),
            ("29.000", '.', None, "29.000"),
        ];
        for (text, dec, th, want) in table {
            let got = d(text, *dec, *th).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(got.to_string(), *want, "{text}");
        }
    }

    #[test]
    fn bad_amounts_are_refused() {
        for (text, dec, th) in [
            ("", '.', None),
            ("abc", '.', None),
            ("1.2.3", '.', None),
            ("1,234.56", '.', None),
            ("1.234,5.6", ',', Some('.')),
            ("1..234", ',', Some('.')),
            ("12e3", '.', None),
            ("-", '.', None),
            ("1,", '.', Some(',')),
            ("99999999999999999999999999999", '.', None),
        ] {
            assert!(d(text, dec, th).is_err(), "{text} should be refused");
        }
    }

    #[test]
    fn floats_from_spreadsheets_read_exactly() {
        assert_eq!(decimal_from_f64(0.1).map(|d| d.to_string()), Ok("0.1".into()));
        assert_eq!(decimal_from_f64(-1234.56).map(|d| d.to_string()), Ok("-1234.56".into()));
        assert!(decimal_from_f64(f64::NAN).is_err());
    }

    #[test]
    fn golden_dates() {
        let table: &[(&str, &str, Date)] = &[
            ("%d.%m.%Y", "31.12.2013", date!(2013 - 12 - 31)),
            ("%Y-%m-%d", "2026-04-02", date!(2026 - 04 - 02)),
            ("%m/%d/%Y", "9/4/2018", date!(2018 - 09 - 04)),
            ("%d/%m/%Y", "2/1/2020", date!(2020 - 01 - 02)),
            ("%Y%m%d", "20200213", date!(2020 - 02 - 13)),
            ("%Y-%m-%d %H:%M:%S", "2025-03-01 15:12:22", date!(2025 - 03 - 01)),
            ("%d-%b-%y", "05-Jan-21", date!(2021 - 01 - 05)),
        ];
        for (fmt, text, want) in table {
            let f = DateFormat::compile(fmt).expect("valid format");
            assert_eq!(f.parse(text), Some(*want), "{fmt} {text}");
        }
        let f = DateFormat::compile("%d.%m.%Y").expect("valid");
        assert_eq!(f.parse("31.02.2013"), None);
        assert_eq!(f.parse("31.12.2013 x"), None);
        assert!(DateFormat::compile("%d.%m").is_err());
        assert!(DateFormat::compile("%Y-%q-%d").is_err());
    }

    #[test]
    fn excel_serials() {
        assert_eq!(date_from_excel_serial(45000.0), Some(date!(2023 - 03 - 15)));
        assert_eq!(date_from_excel_serial(1.0), Some(date!(1900 - 01 - 01)));
        assert_eq!(date_from_excel_serial(61.5), Some(date!(1900 - 03 - 01)));
        assert_eq!(date_from_excel_serial(60.0), None);
        assert_eq!(date_from_excel_serial(-3.0), None);
    }

    proptest::proptest! {
        #[test]
        fn any_cents_round_trip_through_european_format(cents in -10_000_000_000i64..10_000_000_000i64) {
            let value = Decimal::new(cents, 2);
            let plain = value.abs().to_string();
            let (int, frac) = plain.split_once('.').expect("two decimals");
            let mut grouped = String::new();
            for (i, c) in int.chars().enumerate() {
                if i > 0 && (int.len() - i) % 3 == 0 {
                    grouped.push('.');
                }
                grouped.push(c);
            }
            let text = format!("{}{grouped},{frac}", if cents < 0 { "-" } else { "" });
            proptest::prop_assert_eq!(d(&text, ',', Some('.')), Ok(value));
        }

        #[test]
        fn parse_decimal_never_panics(text in "\\PC{0,40}") {
            let _ = d(&text, ',', Some('.'));
            let _ = d(&text, '.', Some(' '));
        }
    }
}
