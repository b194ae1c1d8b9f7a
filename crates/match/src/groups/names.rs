//! The payer name check of the group passes (`similarity >= threshold`) on interned names
//! ([`Names`]), answered without the full similarity where cheap bounds decide it.

use crate::name::{
    containment_at_least, distinct_word, jaro_winkler, jaro_winkler_bound, normalized_name_similarity, share_at_least, MAX_FAST_LEN,
};
use crate::prepare::{NameId, Names};

impl Names {
    /// True when both name a party and their similarity reaches `threshold`: exactly
    /// `normalized_name_similarity(a, b) >= threshold`, most often without computing it.
    pub(super) fn same_party(&self, a: NameId, b: NameId, threshold: f64) -> bool {
        if a.is_empty() || b.is_empty() {
            return false;
        }
        if a == b {
            return 1.0 >= threshold;
        }
        similar_at_least(self.get(a), &self.words(a), self.get(b), &self.words(b), threshold)
    }
}

/// `normalized_name_similarity(a, b) >= threshold` for two different non-empty normalised names.
/// The similarity is the better of the word containment and the Jaro-Winkler similarity, both
/// computed here on bytes (normalised names are ASCII) with the same operations as
/// `normalized_name_similarity` and `strsim`, without allocating (a test checks they agree
/// bit for bit): the check runs for every payer against every name sharing a word with it.
/// `a_words` and `b_words` are the names split at spaces.
fn similar_at_least(a: &str, a_words: &[&str], b: &str, b_words: &[&str], threshold: f64) -> bool {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !a.is_ascii() || !b.is_ascii() || x.len() > MAX_FAST_LEN || y.len() > MAX_FAST_LEN {
        return normalized_name_similarity(a, b) >= threshold;
    }
    if distinct_word(a_words, b_words) {
        // Names differing in a word score the word share alone, counted from both sides.
        return share_at_least(a_words, b_words, threshold) && share_at_least(b_words, a_words, threshold);
    }
    if containment_at_least(a_words, a.len(), b_words, b.len(), threshold) {
        return true;
    }
    // Float rounding of the bound cannot reach this margin: below it the pair is certainly out.
    if jaro_winkler_bound(x, y) < threshold - 1e-9 {
        return false;
    }
    jaro_winkler(x, y) >= threshold
}

#[cfg(test)]
mod tests {
    use super::*;

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

        /// The shortcut answers as the full similarity does, at any threshold.
        #[test]
        fn agrees_with_the_similarity(a in name(), b in name(), t in 0.0f64..=1.0) {
            // Compared as interned: normalised, with their words stored.
            let mut names = Names::default();
            let (ia, ib) = (names.id(Some(&a)), names.id(Some(&b)));
            let (a, b) = (names.get(ia), names.get(ib));
            let full = normalized_name_similarity(a, b);
            if !a.is_empty() && !b.is_empty() {
                proptest::prop_assert_eq!(names.same_party(ia, ib, t), full >= t, "{} / {}: {}", a, b, full);
                proptest::prop_assert_eq!(names.same_party(ia, ib, full), true);
            }
        }

        /// A name's stored words are its words.
        #[test]
        fn words_are_the_split(raw in "[a-zA-Z .&-]{0,30}") {
            let mut names = Names::default();
            let id = names.id(Some(&raw));
            let split: Vec<&str> = names.get(id).split(' ').collect();
            proptest::prop_assert_eq!(names.words(id).to_vec(), split);
        }
    }
}
