//! Records lent by the caller without copying: what the engine and the reports read.

/// Records lent to the engine or the reports: a slice of them, or a slice of references to
/// records kept elsewhere (a map, a statement archive), so that a caller need not copy a million
/// entries into a vector first.
///
/// ```
/// use bankrec_model::{Currency, Decimal, LedgerEntry, Records};
/// use std::collections::BTreeMap;
/// use time::macros::date;
///
/// let mut books = BTreeMap::new();
/// books.insert("L1", LedgerEntry::new("L1", date!(2024-03-01), "1200", Decimal::new(12000, 2), Currency::EUR));
/// let lent: Vec<&LedgerEntry> = books.values().collect();
/// let ledger: Records<'_, LedgerEntry> = Records::from(&lent);
/// assert_eq!(ledger.len(), 1);
/// assert_eq!(ledger.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(), ["L1"]);
/// assert!(matches!(ledger, Records::Refs(_)));
/// ```
#[derive(Debug)]
pub enum Records<'a, T> {
    /// The records themselves.
    Slice(&'a [T]),
    /// References to records kept elsewhere.
    Refs(&'a [&'a T]),
}

// By hand: a derive would ask `T: Clone`, and the records are only borrowed.
impl<T> Clone for Records<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Records<'_, T> {}

impl<'a, T> Records<'a, T> {
    /// How many records.
    pub fn len(&self) -> usize {
        match self {
            Records::Slice(s) => s.len(),
            Records::Refs(s) => s.len(),
        }
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The record at a position.
    pub fn get(&self, index: usize) -> Option<&'a T> {
        match *self {
            Records::Slice(s) => s.get(index),
            Records::Refs(s) => s.get(index).copied(),
        }
    }

    /// The records in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a T> + Clone + 'a {
        let (slice, refs): (&'a [T], &'a [&'a T]) = match *self {
            Records::Slice(s) => (s, &[]),
            Records::Refs(s) => (&[], s),
        };
        slice.iter().chain(refs.iter().copied())
    }
}

impl<'a, T> From<&'a [T]> for Records<'a, T> {
    fn from(records: &'a [T]) -> Self {
        Records::Slice(records)
    }
}

impl<'a, T> From<&'a Vec<T>> for Records<'a, T> {
    fn from(records: &'a Vec<T>) -> Self {
        Records::Slice(records)
    }
}

impl<'a, T, const N: usize> From<&'a [T; N]> for Records<'a, T> {
    fn from(records: &'a [T; N]) -> Self {
        Records::Slice(records)
    }
}

impl<'a, T> From<&'a [&'a T]> for Records<'a, T> {
    fn from(records: &'a [&'a T]) -> Self {
        Records::Refs(records)
    }
}

impl<'a, T> From<&'a Vec<&'a T>> for Records<'a, T> {
    fn from(records: &'a Vec<&'a T>) -> Self {
        Records::Refs(records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_and_references_read_alike() {
        let owned = [10, 20, 30];
        let refs: Vec<&i32> = owned.iter().rev().collect();
        let (a, b) = (Records::from(&owned), Records::from(&refs));
        assert_eq!((a.len(), b.len()), (3, 3));
        assert_eq!(a.iter().copied().collect::<Vec<_>>(), [10, 20, 30]);
        assert_eq!(b.iter().copied().collect::<Vec<_>>(), [30, 20, 10]);
        assert_eq!((a.get(1), b.get(1), b.get(3)), (Some(&20), Some(&20), None));
        let none: Records<'_, i32> = Records::from(&[]);
        assert!(none.is_empty() && none.iter().next().is_none());
    }
}
