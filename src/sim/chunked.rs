//! A vector kept in shared chunks and copied on write: cloning one copies a pointer per chunk,
//! and a write copies only the chunk it lands in when a clone still shares it. A run's largest
//! state grows with the records a file sends (the checker's per-record facts, the partitions'
//! batches, the idempotent sink's keys: ~20 MB on the largest file the validator accepts); its
//! timeline checkpoints are clones of the run, so with plain vectors each one cost that much,
//! the budget allowed three, far apart, and a step back replayed ~30,000 steps. Shared, a
//! checkpoint costs the chunks written since the one before. `PartialEq`, `Hash`, `Debug` and `Serialize` see the
//! elements, as a `Vec`'s do.

use serde::{Serialize, Serializer};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Index, IndexMut};
use std::rc::Rc;

/// Elements per chunk: small enough that a write to a shared chunk copies little, large enough
/// that a clone copies few pointers (400,000 records: 782 chunks).
const CHUNK: usize = 512;

#[derive(Clone)]
pub struct Chunked<T> {
    chunks: Vec<Rc<Vec<T>>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunked<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i / CHUNK)?.get(i % CHUNK)
    }

    pub fn last(&self) -> Option<&T> {
        self.chunks.last()?.last()
    }

    // Iterators index rather than flatten the chunks: a `Flatten`'s two-sided state costs the
    // wasm build kilobytes across its monomorphisations, and an index is a shift and a mask.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator + '_ {
        self.iter_from(0)
    }

    /// The elements from index `start` on.
    pub fn iter_from(
        &self,
        start: usize,
    ) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator + '_ {
        (start.min(self.len)..self.len).map(|i| &self[i])
    }

    /// The index of the first element for which `pred` is false, the elements being partitioned
    /// by it (`slice::partition_point`).
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        // The first chunk whose last element fails, then the point inside it.
        let k = self
            .chunks
            .partition_point(|c| c.last().is_some_and(&mut pred));
        match self.chunks.get(k) {
            Some(c) => k * CHUNK + c.partition_point(pred),
            None => self.len,
        }
    }

    /// Bytes of the chunks this holds and `older` (a clone it was made from, or was made from
    /// the same run as) does not share at the same place: what keeping this one beside `older`
    /// costs. A chunk never comes back once written, so across a run's successive clones the
    /// sum of these over neighbours counts every chunk once.
    pub fn bytes_beyond(&self, older: Option<&Self>) -> usize {
        self.chunks
            .iter()
            .enumerate()
            .filter(|(i, c)| {
                older
                    .and_then(|o| o.chunks.get(*i))
                    .is_none_or(|o| !Rc::ptr_eq(c, o))
            })
            .map(|(_, c)| c.capacity() * std::mem::size_of::<T>())
            .sum()
    }
}

impl<T: Clone> Chunked<T> {
    /// `n` copies of `value`.
    pub fn filled(value: T, n: usize) -> Self {
        let chunks = (0..n.div_ceil(CHUNK))
            .map(|i| Rc::new(vec![value.clone(); CHUNK.min(n - i * CHUNK)]))
            .collect();
        Chunked { chunks, len: n }
    }

    /// The element, its chunk first copied if a clone shares it.
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        Rc::make_mut(self.chunks.get_mut(i / CHUNK)?).get_mut(i % CHUNK)
    }

    pub fn push(&mut self, value: T) {
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK => Rc::make_mut(c).push(value),
            _ => {
                let mut c = Vec::with_capacity(CHUNK);
                c.push(value);
                self.chunks.push(Rc::new(c));
            }
        }
        self.len += 1;
    }

    /// Keeps the first `n` elements.
    pub fn truncate(&mut self, n: usize) {
        if n >= self.len {
            return;
        }
        self.chunks.truncate(n.div_ceil(CHUNK));
        if let Some(c) = self.chunks.last_mut() {
            if !n.is_multiple_of(CHUNK) {
                Rc::make_mut(c).truncate(n % CHUNK);
            }
        }
        self.len = n;
    }

    /// Sets every element to `value`.
    pub fn fill(&mut self, value: T) {
        for c in &mut self.chunks {
            Rc::make_mut(c).fill(value.clone());
        }
    }

    pub fn to_vec(&self) -> Vec<T> {
        self.iter().cloned().collect()
    }
}

impl<T> Index<usize> for Chunked<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        &self.chunks[i / CHUNK][i % CHUNK]
    }
}

impl<T: Clone> IndexMut<usize> for Chunked<T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        &mut Rc::make_mut(&mut self.chunks[i / CHUNK])[i % CHUNK]
    }
}

impl<T: PartialEq> PartialEq for Chunked<T> {
    fn eq(&self, other: &Self) -> bool {
        // Chunks are all full but the last, so equal lengths mean equal chunk boundaries.
        self.len == other.len
            && self
                .chunks
                .iter()
                .zip(&other.chunks)
                .all(|(a, b)| Rc::ptr_eq(a, b) || a == b)
    }
}

impl<T: Eq> Eq for Chunked<T> {}

impl<T: Hash> Hash for Chunked<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.len);
        for c in &self.chunks {
            T::hash_slice(c, state);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Chunked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Serialize> Serialize for Chunked<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_as_a_vec_across_chunk_boundaries() {
        let n = CHUNK * 3 + 7;
        let mut c = Chunked::default();
        let mut v = Vec::new();
        for i in 0..n as u32 {
            c.push(i);
            v.push(i);
        }
        assert_eq!(c.len(), v.len());
        assert_eq!(c.iter().copied().collect::<Vec<_>>(), v);
        assert_eq!(c.iter().next_back(), v.last());
        for start in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, n - 1, n, n + 5] {
            let got: Vec<u32> = c.iter_from(start).copied().collect();
            assert_eq!(got, v.get(start..).unwrap_or_default(), "from {start}");
        }
        for x in [
            0,
            1,
            CHUNK as u32,
            CHUNK as u32 * 2 + 3,
            n as u32,
            n as u32 + 9,
        ] {
            assert_eq!(
                c.partition_point(|e| *e < x),
                v.partition_point(|e| *e < x),
                "{x}"
            );
        }
        for n2 in [n, n - 1, CHUNK * 2, CHUNK * 2 + 1, 1, 0] {
            let mut c2 = c.clone();
            let mut v2 = v.clone();
            c2.truncate(n2);
            v2.truncate(n2);
            assert_eq!(c2.iter().copied().collect::<Vec<_>>(), v2);
            c2.push(99);
            v2.push(99);
            assert_eq!(c2.iter().copied().collect::<Vec<_>>(), v2);
            assert_eq!(c2.last(), v2.last());
        }
    }

    #[test]
    fn a_write_copies_only_its_chunk_and_leaves_the_clone_as_it_was() {
        let mut a = Chunked::filled(0u8, CHUNK * 4);
        let b = a.clone();
        a[CHUNK + 3] = 7;
        *a.get_mut(CHUNK + 4).unwrap() = 8;
        assert_eq!(b[CHUNK + 3], 0);
        assert_eq!((a[CHUNK + 3], a[CHUNK + 4]), (7, 8));
        assert_ne!(a, b);
        assert_eq!(b.bytes_beyond(None), CHUNK * 4);
        assert_eq!(b.bytes_beyond(Some(&b.clone())), 0);
        // Only the chunk written to is a's own.
        assert_eq!(a.bytes_beyond(Some(&b)), CHUNK);
        a.fill(0);
        assert_eq!(a, b);
    }
}
