//! Small ordered maps and sets as sorted vectors: the core's per-node state (a producer's
//! partitions and batches, a coordinator's transactions, the network's links) holds a handful to a
//! few hundred entries, where a sorted `Vec` is as fast as a B-tree and its code is a fraction of
//! the size: `BTreeMap`'s node code is instantiated per key and value type and was the largest
//! single part of the wasm (issue #16). Iteration is in key order, as `BTreeMap`'s, so runs stay
//! deterministic. Large or randomly filled collections (the event queue, the search's visited
//! states, the checker's per-record facts, a sink's keys) stay `BTreeMap`/`BTreeSet`.
//! `Debug` and `Serialize` write what `BTreeMap`'s do.

use serde::{Serialize, Serializer};
use std::borrow::Borrow;
use std::fmt;
use std::ops::{Bound, RangeBounds};

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VecMap<K, V> {
    items: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap { items: Vec::new() }
    }
}

impl<K: Ord, V> VecMap<K, V> {
    pub const fn new() -> Self {
        VecMap { items: Vec::new() }
    }

    fn find<Q: Ord + ?Sized>(&self, k: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.items.binary_search_by(|(key, _)| key.borrow().cmp(k))
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn clear(&mut self) {
        self.items.clear();
    }

    pub fn get<Q: Ord + ?Sized>(&self, k: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(k).ok().map(|i| &self.items[i].1)
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, k: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(k).ok().map(move |i| &mut self.items[i].1)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, k: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(k).is_ok()
    }

    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        match self.find(&k) {
            Ok(i) => Some(std::mem::replace(&mut self.items[i].1, v)),
            Err(i) => {
                self.items.insert(i, (k, v));
                None
            }
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, k: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(k).ok().map(|i| self.items.remove(i).1)
    }

    pub fn entry(&mut self, k: K) -> Entry<'_, K, V> {
        let at = self.find(&k);
        Entry {
            map: self,
            key: k,
            at,
        }
    }

    pub fn retain(&mut self, mut f: impl FnMut(&K, &mut V) -> bool) {
        self.items.retain_mut(|(k, v)| f(k, v));
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.items.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (&K, &mut V)> {
        self.items.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.items.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.items.iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> {
        self.items.iter_mut().map(|(_, v)| v)
    }

    pub fn into_values(self) -> impl DoubleEndedIterator<Item = V> {
        self.items.into_iter().map(|(_, v)| v)
    }

    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        self.items.first().map(|(k, v)| (k, v))
    }

    pub fn last_key_value(&self) -> Option<(&K, &V)> {
        self.items.last().map(|(k, v)| (k, v))
    }

    pub fn pop_first(&mut self) -> Option<(K, V)> {
        (!self.items.is_empty()).then(|| self.items.remove(0))
    }

    /// The entries whose keys are in `range`, in order.
    pub fn range<Q: Ord + ?Sized>(
        &self,
        range: impl RangeBounds<Q>,
    ) -> impl DoubleEndedIterator<Item = (&K, &V)>
    where
        K: Borrow<Q>,
    {
        let start = match range.start_bound() {
            Bound::Included(k) => self.find(k).unwrap_or_else(|i| i),
            Bound::Excluded(k) => self.find(k).map_or_else(|i| i, |i| i + 1),
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(k) => self.find(k).map_or_else(|i| i, |i| i + 1),
            Bound::Excluded(k) => self.find(k).unwrap_or_else(|i| i),
            Bound::Unbounded => self.items.len(),
        };
        self.items[start..end.max(start)]
            .iter()
            .map(|(k, v)| (k, v))
    }
}

impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> std::ops::Index<&Q> for VecMap<K, V> {
    type Output = V;
    /// Panics if `k` is not in the map, as `BTreeMap`'s index does.
    fn index(&self, k: &Q) -> &V {
        self.get(k).expect("no entry for this key")
    }
}

/// `map.entry(k)`: the place of `k`, there or not.
pub struct Entry<'a, K, V> {
    map: &'a mut VecMap<K, V>,
    key: K,
    at: Result<usize, usize>,
}

impl<'a, K: Ord, V> Entry<'a, K, V> {
    pub fn or_insert_with(self, f: impl FnOnce() -> V) -> &'a mut V {
        let i = match self.at {
            Ok(i) => i,
            Err(i) => {
                self.map.items.insert(i, (self.key, f()));
                i
            }
        };
        &mut self.map.items[i].1
    }

    pub fn or_insert(self, v: V) -> &'a mut V {
        self.or_insert_with(|| v)
    }

    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for VecMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut m = VecMap::new();
        m.extend(iter);
        m
    }
}

impl<K: Ord, V> Extend<(K, V)> for VecMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, K: Ord, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter().map(|(k, v)| (k, v))
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for VecMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.items.iter().map(|(k, v)| (k, v)))
            .finish()
    }
}

impl<K: Serialize, V: Serialize> Serialize for VecMap<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.items.iter().map(|(k, v)| (k, v)))
    }
}

/// A sorted set on a `VecMap` (see the module's note).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VecSet<T> {
    map: VecMap<T, ()>,
}

impl<T> Default for VecSet<T> {
    fn default() -> Self {
        VecSet {
            map: VecMap::default(),
        }
    }
}

impl<T: Ord> VecSet<T> {
    pub const fn new() -> Self {
        VecSet { map: VecMap::new() }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn clear(&mut self) {
        self.map.clear();
    }

    pub fn contains<Q: Ord + ?Sized>(&self, t: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.map.contains_key(t)
    }

    /// True if `t` was not in the set.
    pub fn insert(&mut self, t: T) -> bool {
        self.map.insert(t, ()).is_none()
    }

    /// True if `t` was in the set.
    pub fn remove<Q: Ord + ?Sized>(&mut self, t: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.map.remove(t).is_some()
    }

    pub fn retain(&mut self, mut f: impl FnMut(&T) -> bool) {
        self.map.retain(|t, _| f(t));
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.map.keys()
    }

    pub fn first(&self) -> Option<&T> {
        self.map.first_key_value().map(|(t, _)| t)
    }

    pub fn last(&self) -> Option<&T> {
        self.map.last_key_value().map(|(t, _)| t)
    }

    pub fn pop_first(&mut self) -> Option<T> {
        self.map.pop_first().map(|(t, _)| t)
    }

    pub fn is_subset(&self, other: &VecSet<T>) -> bool {
        self.iter().all(|t| other.contains(t))
    }

    /// Moves every element of `other` into this set.
    pub fn append(&mut self, other: &mut VecSet<T>) {
        for (t, _) in std::mem::take(&mut other.map) {
            self.insert(t);
        }
    }
}

impl<T: Ord> FromIterator<T> for VecSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut s = VecSet::new();
        s.extend(iter);
        s
    }
}

impl<T: Ord> Extend<T> for VecSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for t in iter {
            self.insert(t);
        }
    }
}

impl<T> IntoIterator for VecSet<T> {
    type Item = T;
    type IntoIter = std::iter::Map<std::vec::IntoIter<(T, ())>, fn((T, ())) -> T>;
    fn into_iter(self) -> Self::IntoIter {
        self.map.into_iter().map(|(t, _)| t)
    }
}

impl<'a, T: Ord> IntoIterator for &'a VecSet<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (T, ())>, fn(&'a (T, ())) -> &'a T>;
    fn into_iter(self) -> Self::IntoIter {
        self.map.items.iter().map(|(t, _)| t)
    }
}

impl<T: fmt::Debug> fmt::Debug for VecSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.map.items.iter().map(|(t, _)| t))
            .finish()
    }
}

impl<T: Serialize> Serialize for VecSet<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.map.items.iter().map(|(t, _)| t))
    }
}

/// Sorts a short slice in place, stably (insertion sort; linear on input already in order). For
/// the model's few-element lists — replicas, members, a fetch's aborted transactions, which
/// arrive nearly sorted — where the standard library's sort would instantiate several KB of wasm
/// per element type.
pub fn sort_small<T: Ord>(v: &mut [T]) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && v[j - 1] > v[j] {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// [`sort_small`] by a key.
pub fn sort_small_by_key<T, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && key(&v[j - 1]) > key(&v[j]) {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn behaves_as_btreemap_on_a_mixed_sequence() {
        let (mut v, mut b) = (VecMap::new(), BTreeMap::new());
        let mut x: u64 = 7;
        for _ in 0..2000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let k = (x >> 33) % 97;
            match x % 5 {
                0 | 1 => assert_eq!(v.insert(k, x), b.insert(k, x)),
                2 => assert_eq!(v.remove(&k), b.remove(&k)),
                3 => *v.entry(k).or_default() += 1,
                _ => v.retain(|key, _| key % 7 != k % 7),
            }
            match x % 5 {
                3 => *b.entry(k).or_default() += 1,
                4 => b.retain(|key, _| key % 7 != k % 7),
                _ => {}
            }
            assert!(v.iter().eq(b.iter()));
        }
        assert!(v.range(10..40).eq(b.range(10..40)));
        assert!(v.range(..=50).eq(b.range(..=50)));
        assert_eq!(format!("{:?}", v), format!("{:?}", b));
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
        let s: VecSet<u64> = b.keys().copied().collect();
        let t: BTreeSet<u64> = b.keys().copied().collect();
        assert_eq!(format!("{:?}", s), format!("{:?}", t));
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            serde_json::to_string(&t).unwrap()
        );
    }
}
