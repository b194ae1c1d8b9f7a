//! Counterparty names for the group passes: each spelling normalised once, each normalised name
//! stored once under a small id (equal names compare as integers), and the name check of the
//! passes (`similarity >= threshold`) answered without the full similarity where cheap bounds
//! decide it.

use std::rc::Rc;

use compact_str::CompactString;
use rustc_hash::FxHashMap;

use crate::name::{containment, jaro_winkler, jaro_winkler_bound, normalize_name, normalized_name_similarity, MAX_FAST_LEN};

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
            let full = normalized_name_similarity(&a, &b);
            if a != b {
                proptest::prop_assert_eq!(similar_at_least(&a, &b, t), full >= t, "{} / {}: {}", a, b, full);
                proptest::prop_assert_eq!(similar_at_least(&a, &b, full), true);
            }
        }
    }
}
