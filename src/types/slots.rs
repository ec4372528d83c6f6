//! A hash table whose elements keep their slot while they stay: what large sets and hashes
//! are stored in, so that SSCAN and HSCAN can use the slot as their cursor.
//!
//! An element is found through a `hashbrown::HashTable` of slot numbers, hashed by its key
//! with ahash. Removal leaves a hole that a later insertion reuses; nothing moves, so a
//! scan returns every element present throughout exactly once, whatever is removed
//! meanwhile (a swap-removing table, such as `IndexMap`'s, moves its last element into the
//! hole, and a scan in progress then returns it twice).
//!
//! Holes cost memory and make random picks retry, so when under half the slots hold an
//! element the table is compacted: elements move to lower slots only, in order. A scan
//! walks from the highest slot down, so one that spans a compaction can return an element
//! twice, never miss one (Redis's dict can do the same when it shrinks).

use hashbrown::HashTable;

use crate::eviction::random_u64;

/// A free slot of `slots` for a new element: a hole from `free` (skipping stale ones, past
/// the end), else a new slot at the end. The slot is left empty, for the caller to fill.
pub(crate) fn claim<T>(slots: &mut Vec<Option<T>>, free: &mut Vec<u32>) -> u32 {
    loop {
        match free.pop() {
            Some(i) if (i as usize) < slots.len() => return i,
            Some(_) => continue,
            None => {
                slots.push(None);
                return (slots.len() - 1) as u32;
            }
        }
    }
}

/// What an element is found by.
pub(crate) trait Keyed {
    fn key(&self) -> &[u8];
}

impl Keyed for bytes::Bytes {
    fn key(&self) -> &[u8] {
        self
    }
}

impl Keyed for (bytes::Bytes, bytes::Bytes) {
    fn key(&self) -> &[u8] {
        &self.0
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Slots<T> {
    /// Elements by slot; `None` is a hole. Never ends with a hole.
    slots: Vec<Option<T>>,
    /// The slot of every element, by the hash of its key.
    index: HashTable<u32>,
    /// Holes (entries at or past `slots.len()` are stale and skipped).
    free: Vec<u32>,
}

/// One hasher for every table: seeded at random once per process, which guards against
/// chosen collisions as well as a seed per table, in 32 fewer bytes a collection.
fn hasher() -> &'static ahash::RandomState {
    static HASHER: std::sync::OnceLock<ahash::RandomState> = std::sync::OnceLock::new();
    HASHER.get_or_init(ahash::RandomState::new)
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots {
            slots: Vec::new(),
            index: HashTable::new(),
            free: Vec::new(),
        }
    }
}

impl<T: Keyed> Slots<T> {
    pub fn with_capacity(n: usize) -> Self {
        Slots {
            slots: Vec::with_capacity(n),
            index: HashTable::with_capacity(n),
            ..Default::default()
        }
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// One past the highest occupied slot: the range of scan cursors.
    pub fn span(&self) -> usize {
        self.slots.len()
    }

    fn find(&self, key: &[u8]) -> Option<u32> {
        let slots = &self.slots;
        self.index
            .find(hasher().hash_one(key), |&i| {
                slots[i as usize].as_ref().is_some_and(|e| e.key() == key)
            })
            .copied()
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        self.find(key).is_some()
    }

    pub fn get(&self, key: &[u8]) -> Option<&T> {
        self.find(key).and_then(|i| self.slots[i as usize].as_ref())
    }

    /// The element of `key`, to change anything but its key.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut T> {
        let i = self.find(key)?;
        self.slots[i as usize].as_mut()
    }

    /// The element in `slot`, if one is there.
    pub fn at(&self, slot: usize) -> Option<&T> {
        self.slots.get(slot).and_then(Option::as_ref)
    }

    /// Adds an element whose key is absent (check with [`Slots::contains`] first).
    pub fn insert_new(&mut self, item: T) {
        let slot = claim(&mut self.slots, &mut self.free);
        let hash = hasher().hash_one(item.key());
        self.slots[slot as usize] = Some(item);
        let slots = &self.slots;
        self.index.insert_unique(hash, slot, |&j| {
            hasher().hash_one(slots[j as usize].as_ref().expect("indexed").key())
        });
    }

    /// Removes and returns the element of `key`.
    pub fn remove(&mut self, key: &[u8]) -> Option<T> {
        let slots = &self.slots;
        let found = self.index.find_entry(hasher().hash_one(key), |&i| {
            slots[i as usize].as_ref().is_some_and(|e| e.key() == key)
        });
        let slot = match found {
            Ok(entry) => entry.remove().0,
            Err(_) => return None,
        };
        let item = self.slots[slot as usize].take();
        self.free.push(slot);
        while matches!(self.slots.last(), Some(None)) {
            self.slots.pop();
        }
        if self.slots.len() > 16 && self.len() * 2 < self.slots.len() {
            self.compact();
        }
        item
    }

    /// Moves every element down to the lowest slots, keeping their order.
    fn compact(&mut self) {
        self.slots.retain(Option::is_some);
        self.free.clear();
        self.index.clear();
        let slots = &self.slots;
        for (i, e) in slots.iter().enumerate() {
            let hash = hasher().hash_one(e.as_ref().expect("kept").key());
            self.index.insert_unique(hash, i as u32, |&j| {
                hasher().hash_one(slots[j as usize].as_ref().expect("indexed").key())
            });
        }
    }

    /// Every element, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.slots.iter().flatten()
    }

    /// A uniformly random occupied slot (the table is at least half full, so this takes
    /// two tries on average).
    pub fn random_slot(&self) -> Option<usize> {
        if self.is_empty() {
            return None;
        }
        loop {
            let i = (random_u64() % self.slots.len() as u64) as usize;
            if self.slots[i].is_some() {
                return Some(i);
            }
        }
    }

    /// Slots of random elements, as SRANDMEMBER and HRANDFIELD count them: `count > 0`
    /// distinct ones (all if fewer), `count < 0` that many with repeats.
    pub fn sample(&self, count: i64) -> Vec<usize> {
        if count < 0 {
            return (0..count.unsigned_abs())
                .filter_map(|_| self.random_slot())
                .collect();
        }
        let n = (count as usize).min(self.len());
        if n * 2 >= self.len() {
            // Most of the table: pick ranks among all the occupied slots.
            let occupied: Vec<usize> = (0..self.slots.len())
                .filter(|&i| self.slots[i].is_some())
                .collect();
            return crate::commands::hashes::random_picks(occupied.len(), n as i64)
                .into_iter()
                .map(|r| occupied[r])
                .collect();
        }
        let mut chosen: hashbrown::HashSet<usize, ahash::RandomState> = Default::default();
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let i = self.random_slot().expect("not empty");
            if chosen.insert(i) {
                out.push(i);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use proptest::prelude::*;

    #[test]
    fn removal_moves_nothing() {
        let mut s: Slots<Bytes> = Slots::default();
        for i in 0..100 {
            s.insert_new(Bytes::from(format!("m{i}")));
        }
        let at_90 = s.at(90).cloned();
        for i in (0..40).step_by(3) {
            assert!(s.remove(format!("m{i}").as_bytes()).is_some());
        }
        assert_eq!(s.at(90).cloned(), at_90);
        assert_eq!(s.span(), 100);
        s.insert_new(Bytes::from_static(b"new"));
        assert_eq!(s.span(), 100, "a hole is reused");
    }

    proptest! {
        /// Against a model: contents, and the table never below half full past 16 slots.
        #[test]
        fn behaves_as_a_set(ops in proptest::collection::vec((any::<bool>(), 0u8..60), 1..400)) {
            let mut s: Slots<Bytes> = Slots::default();
            let mut model = std::collections::BTreeSet::new();
            for (add, k) in ops {
                let key = Bytes::from(vec![k]);
                if add {
                    if !s.contains(&key) {
                        s.insert_new(key.clone());
                    }
                    model.insert(key);
                } else {
                    prop_assert_eq!(s.remove(&key).is_some(), model.remove(&key));
                }
                prop_assert_eq!(s.len(), model.len());
                prop_assert!(s.span() <= 16 || s.len() * 2 >= s.span());
            }
            let got: std::collections::BTreeSet<Bytes> = s.iter().cloned().collect();
            prop_assert_eq!(got, model.clone());
            let picks = s.sample(model.len() as i64 / 2 + 1);
            let distinct: std::collections::BTreeSet<usize> = picks.iter().copied().collect();
            prop_assert_eq!(distinct.len(), picks.len());
            prop_assert!(picks.iter().all(|&i| s.at(i).is_some()));
        }
    }
}
