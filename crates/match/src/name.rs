//! Counterparty name similarity: case, accents, punctuation, legal-form suffixes and word order
//! do not matter.

/// Legal forms dropped before comparing (lower case, after punctuation became spaces, so
/// `A/S` arrives as `a s` and is handled as a pair).
const LEGAL_FORMS: &[&str] = &[
    "ab",
    "ag",
    "as",
    "asa",
    "aps",
    "bv",
    "co",
    "company",
    "corp",
    "corporation",
    "eg",
    "ev",
    "gbr",
    "gmbh",
    "inc",
    "incorporated",
    "kb",
    "kg",
    "kgaa",
    "lda",
    "limited",
    "llc",
    "llp",
    "ltd",
    "mbh",
    "nv",
    "oy",
    "oyj",
    "ohg",
    "plc",
    "pty",
    "sa",
    "sarl",
    "sas",
    "se",
    "sl",
    "spa",
    "sprl",
    "srl",
    "ug",
    "the",
];

/// Legal forms also written before the name ("Oy Suomi", "AB Volvo", "The Boring Company").
const LEADING_LEGAL_FORMS: &[&str] = &["ab", "as", "oy", "oyj", "sa", "sia", "the", "uab"];

/// A name in comparable form: ASCII, lower case, legal forms dropped, words sorted.
///
/// ```
/// use bankrec_match::normalize_name;
/// assert_eq!(normalize_name("Müller & Söhne GmbH"), "muller sohne");
/// assert_eq!(normalize_name("SÖHNE, MÜLLER"), "muller sohne");
/// assert_eq!(normalize_name("Bjørn Aps A/S"), "bjorn");
/// ```
pub fn normalize_name(name: &str) -> String {
    let ascii = if name.is_ascii() { std::borrow::Cow::Borrowed(name) } else { std::borrow::Cow::Owned(deunicode::deunicode(name)) };
    // One lower-case buffer with words separated by single spaces; "S.A." and "O'Neil" keep
    // their letters together.
    let mut buf = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            buf.push(c.to_ascii_lowercase());
        } else if c == '.' || c == '\'' {
        } else if !buf.is_empty() && !buf.ends_with(' ') {
            buf.push(' ');
        }
    }
    let mut words: Vec<&str> = buf.split(' ').filter(|w| !w.is_empty()).collect();
    // Legal forms sit at either end ("Oy Suomi Ab", "Nordisk Tre A/S"); in the middle they are
    // part of the name ("Åsa Ström" keeps "asa"). "a s" from "A/S" counts as one.
    let form_at = |w: &[&str], end: bool| -> usize {
        let n = w.len();
        if n >= 2 && end && w[n - 2] == "a" && w[n - 1] == "s" {
            return 2;
        }
        if n >= 2 && !end && w[0] == "a" && w[1] == "s" {
            return 2;
        }
        let word = if end { w.last() } else { w.first() };
        let list = if end { LEGAL_FORMS } else { LEADING_LEGAL_FORMS };
        usize::from(word.is_some_and(|x| list.contains(x)))
    };
    let (mut lo, mut hi) = (0, words.len());
    loop {
        let n = form_at(&words[lo..hi], true);
        if n == 0 || n >= hi - lo {
            break;
        }
        hi -= n;
    }
    loop {
        let n = form_at(&words[lo..hi], false);
        if n == 0 || n >= hi - lo {
            break;
        }
        lo += n;
    }
    let all = lo == 0 && hi == words.len();
    let kept = &mut words[lo..hi];
    if all && kept.windows(2).all(|w| w[0] <= w[1]) {
        // Nothing dropped and already in order: the buffer is the result.
        drop(words);
        let len = buf.trim_end().len();
        buf.truncate(len);
        return buf;
    }
    kept.sort_unstable();
    kept.join(" ")
}

/// Similarity of two names already passed through [`normalize_name`], from 0 to 1: 1 when equal,
/// else the better of the Jaro-Winkler similarity of the sorted words and the share of words of
/// the shorter name found in the longer (scaled to 0.9, since a missing word is a difference).
pub fn normalized_name_similarity(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let jw = strsim::jaro_winkler(a, b);
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let short_words: Vec<&str> = short.split(' ').collect();
    let found =
        short_words.iter().filter(|w| long.split(' ').any(|l| l == **w || (w.len() >= 4 && strsim::levenshtein(w, l) <= 1))).count();
    let containment = 0.9 * found as f64 / short_words.len() as f64;
    jw.max(containment)
}

/// Similarity of two names as written, from 0 to 1 (see [`normalize_name`]).
///
/// ```
/// use bankrec_match::name_similarity;
/// assert_eq!(name_similarity("ACME Oy", "acme"), 1.0);
/// assert_eq!(name_similarity("Meier, Hans", "Hans Meier"), 1.0);
/// assert!(name_similarity("Hans Meier", "Hans Maier") > 0.9);
/// assert!(name_similarity("Hans Meier", "Globex Corporation") < 0.6);
/// ```
pub fn name_similarity(a: &str, b: &str) -> f64 {
    normalized_name_similarity(&normalize_name(a), &normalize_name(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_forms_accents_order() {
        assert_eq!(normalize_name("Nordisk Tre AS"), "nordisk tre");
        assert_eq!(normalize_name("Nordisk Tre A/S"), "nordisk tre");
        assert_eq!(normalize_name("Oy Suomi Ab"), "suomi");
        assert_eq!(normalize_name("ACME Inc."), "acme");
        assert_eq!(normalize_name("S.A. Dupont"), "dupont");
        assert_eq!(normalize_name("Åsa Ström"), "asa strom");
        assert_eq!(normalize_name("AS"), "as");
        assert_eq!(normalize_name("  "), "");
        assert_eq!(name_similarity("Straße GmbH", "STRASSE"), 1.0);
    }

    #[test]
    fn similarity_range() {
        assert_eq!(name_similarity("", "x"), 0.0);
        let s = name_similarity("Globex Nordic", "Globex");
        assert!((0.85..1.0).contains(&s), "{s}");
        assert!(name_similarity("Initech", "Umbrella") < 0.6);
    }
}
