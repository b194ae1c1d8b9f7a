//! Counterparty names for the group passes: each spelling normalised once, each normalised name
//! stored once under a small id (equal names compare as integers), and the name check of the
//! passes (`similarity >= threshold`) answered without the full similarity where cheap bounds
//! decide it.

use std::rc::Rc;

use compact_str::CompactString;
use rustc_hash::FxHashMap;

use crate::name::{normalize_name, normalized_name_similarity};

/// A normalised name in a [`Names`] table; [`NameId::EMPTY`] is the empty name (no party).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct NameId(u32);

impl NameId {
    pub(super) const EMPTY: NameId = NameId(0);

    pub(super) fn is_empty(self) -> bool {
        self == NameId::EMPTY
    }
}

/// Normalised names by spelling: payers repeat, and normalising (transliteration, legal forms,
/// word order) was the costliest step of a view.
pub(super) struct Names {
    /// Spellings copied inline (almost all fit): a key borrowed from its entry would cost a cache
    /// miss per comparison, the entries lying far apart.
    by_spelling: FxHashMap<CompactString, NameId>,
    by_name: FxHashMap<Rc<str>, NameId>,
    names: Vec<Rc<str>>,
}

impl Default for Names {
    fn default() -> Self {
        let empty: Rc<str> = Rc::from("");
        let mut by_name = FxHashMap::default();
        by_name.insert(empty.clone(), NameId::EMPTY);
        Names { by_spelling: FxHashMap::default(), by_name, names: vec![empty] }
    }
}

impl Names {
    /// The id of the normalised `raw` name ([`NameId::EMPTY`] for none).
    pub(super) fn id(&mut self, raw: Option<&str>) -> NameId {
        let Some(raw) = raw else { return NameId::EMPTY };
        if let Some(&id) = self.by_spelling.get(raw) {
            return id;
        }
        let normalized = normalize_name(raw);
        let id = match self.by_name.get(normalized.as_str()) {
            Some(&id) => id,
            None => {
                let id = NameId(u32::try_from(self.names.len()).unwrap_or(u32::MAX));
                let name: Rc<str> = Rc::from(normalized);
                self.names.push(name.clone());
                self.by_name.insert(name, id);
                id
            }
        };
        self.by_spelling.insert(CompactString::from(raw), id);
        id
    }

    /// The normalised name.
    pub(super) fn get(&self, id: NameId) -> &str {
        self.names.get(id.0 as usize).map_or("", |n| n)
    }

    /// True when both name a party and their similarity reaches `threshold`: exactly
    /// `normalized_name_similarity(a, b) >= threshold`, most often without computing it.
    pub(super) fn same_party(&self, a: NameId, b: NameId, threshold: f64) -> bool {
        if a.is_empty() || b.is_empty() {
            return false;
        }
        if a == b {
            return 1.0 >= threshold;
        }
        similar_at_least(self.get(a), self.get(b), threshold)
    }
}

/// `normalized_name_similarity(a, b) >= threshold` for two different non-empty normalised names.
/// The similarity is the better of the word containment and the Jaro-Winkler similarity, both
/// computed here on bytes (normalised names are ASCII) with the same operations as
/// `normalized_name_similarity` and `strsim`, without allocating (a test checks they agree
/// bit for bit): the check runs for every payer against every name sharing a word with it.
fn similar_at_least(a: &str, b: &str, threshold: f64) -> bool {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !a.is_ascii() || !b.is_ascii() || x.len() > MAX_FAST_LEN || y.len() > MAX_FAST_LEN {
        return normalized_name_similarity(a, b) >= threshold;
    }
    if containment(a, b) >= threshold {
        return true;
    }
    // Float rounding of the bound cannot reach this margin: below it the pair is certainly out.
    if jaro_winkler_bound(x, y) < threshold - 1e-9 {
        return false;
    }
    jaro_winkler(x, y) >= threshold
}

/// Longest name (bytes) the byte-level Jaro-Winkler takes; longer ones go to `strsim`.
const MAX_FAST_LEN: usize = 128;

/// `strsim::jaro_winkler` on ASCII bytes of at most [`MAX_FAST_LEN`]: the same matching window,
/// greedy matching, transposition count and float expression.
fn jaro_winkler(a: &[u8], b: &[u8]) -> f64 {
    let sim = jaro(a, b);
    if sim > 0.7 {
        let prefix_length = a.iter().take(4).zip(b).take_while(|(x, y)| x == y).count();
        sim + 0.1 * prefix_length as f64 * (1.0 - sim)
    } else {
        sim
    }
}

/// `strsim::jaro` (its `generic_jaro`) on ASCII bytes of at most [`MAX_FAST_LEN`].
fn jaro(a: &[u8], b: &[u8]) -> f64 {
    let (a_len, b_len) = (a.len(), b.len());
    if a_len == 0 && b_len == 0 {
        return 1.0;
    } else if a_len == 0 || b_len == 0 {
        return 0.0;
    }
    let search_range = (a_len.max(b_len) / 2).saturating_sub(1);
    let mut a_flags = [false; MAX_FAST_LEN];
    let mut b_flags = [false; MAX_FAST_LEN];
    let mut matches = 0usize;
    for (i, &c) in a.iter().enumerate() {
        let min_bound = i.saturating_sub(search_range);
        let max_bound = b_len.min(i + search_range + 1);
        for j in min_bound..max_bound {
            if c == b[j] && !b_flags[j] {
                a_flags[i] = true;
                b_flags[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let a_matched = a.iter().zip(&a_flags).filter(|(_, f)| **f).map(|(c, _)| c);
    let b_matched = b.iter().zip(&b_flags).filter(|(_, f)| **f).map(|(c, _)| c);
    let transpositions = a_matched.zip(b_matched).filter(|(x, y)| x != y).count() / 2;
    ((matches as f64 / a_len as f64) + (matches as f64 / b_len as f64) + ((matches - transpositions) as f64 / matches as f64)) / 3.0
}

/// The containment term of `normalized_name_similarity`, the same float operations in the same
/// order.
fn containment(a: &str, b: &str) -> f64 {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let mut words = 0usize;
    let mut found = 0usize;
    for w in short.split(' ') {
        words += 1;
        if long.split(' ').any(|l| l == w || (w.len() >= 4 && within_one_edit(w.as_bytes(), l.as_bytes()))) {
            found += 1;
        }
    }
    0.9 * found as f64 / words as f64
}

/// Levenshtein distance at most one (ASCII: bytes are characters).
fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if short.len() == long.len() {
        // One substitution at most: the rest after the first difference is equal.
        return prefix == short.len() || short[prefix + 1..] == long[prefix + 1..];
    }
    // One insertion into the shorter.
    short[prefix..] == long[prefix + 1..]
}

/// An upper bound of `strsim::jaro_winkler(a, b)`: the matching characters are at most the
/// letters both share (by count), transpositions at least none, and the prefix boost applies.
fn jaro_winkler_bound(a: &[u8], b: &[u8]) -> f64 {
    let mut counts = [0i32; 128];
    for &c in a {
        counts[usize::from(c & 0x7f)] += 1;
    }
    let mut shared = 0usize;
    for &c in b {
        let slot = &mut counts[usize::from(c & 0x7f)];
        if *slot > 0 {
            *slot -= 1;
            shared += 1;
        }
    }
    if shared == 0 {
        return 0.0;
    }
    let m = shared as f64;
    let jaro = (m / a.len() as f64 + m / b.len() as f64 + 1.0) / 3.0;
    let prefix = a.iter().take(4).zip(b).take_while(|(x, y)| x == y).count();
    jaro + 0.1 * prefix as f64 * (1.0 - jaro)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit() {
        assert!(within_one_edit(b"meier", b"maier"));
        assert!(within_one_edit(b"meier", b"meir"));
        assert!(within_one_edit(b"meier", b"meiers"));
        assert!(within_one_edit(b"abcd", b"abcd"));
        assert!(!within_one_edit(b"meier", b"mayer"));
        assert!(!within_one_edit(b"abcd", b"abdc"));
        assert!(!within_one_edit(b"abcd", b"ab"));
        assert!(within_one_edit(b"", b"a"));
    }

    #[test]
    fn ids_are_shared_by_spellings() {
        let mut names = Names::default();
        let a = names.id(Some("ACME Oy"));
        assert_eq!(names.id(Some("acme")), a);
        assert_eq!(names.get(a), "acme");
        assert_eq!(names.id(None), NameId::EMPTY);
        assert_eq!(names.id(Some(" . ")), NameId::EMPTY);
        assert!(names.same_party(a, a, 0.85));
        assert!(!names.same_party(a, NameId::EMPTY, 0.0));
    }

    fn word() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::string::string_regex("[a-f]{1,9}").expect("regex")
    }

    fn name() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::collection::vec(word(), 1..4).prop_map(|w| w.join(" "))
    }

    use proptest::strategy::Strategy as _;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..proptest::prelude::ProptestConfig::default() })]

        /// The shortcut answers as the full similarity does, at any threshold, and computes
        /// Jaro-Winkler bit for bit as `strsim` does.
        #[test]
        fn agrees_with_the_similarity(a in name(), b in name(), t in 0.0f64..=1.0) {
            let full = normalized_name_similarity(&a, &b);
            let jw = strsim::jaro_winkler(&a, &b);
            proptest::prop_assert_eq!(jaro_winkler(a.as_bytes(), b.as_bytes()).to_bits(), jw.to_bits(), "{} / {}", a, b);
            proptest::prop_assert!(jaro_winkler_bound(a.as_bytes(), b.as_bytes()) + 1e-12 >= jw);
            if a != b {
                let mine = jaro_winkler(a.as_bytes(), b.as_bytes()).max(containment(&a, &b));
                proptest::prop_assert_eq!(mine.to_bits(), full.to_bits(), "{} / {}", a, b);
                proptest::prop_assert_eq!(similar_at_least(&a, &b, t), full >= t, "{} / {}: {}", a, b, full);
                proptest::prop_assert_eq!(similar_at_least(&a, &b, full), true);
            }
            let one = strsim::levenshtein(&a, &b) <= 1;
            proptest::prop_assert_eq!(within_one_edit(a.as_bytes(), b.as_bytes()), one);
        }
    }
}
