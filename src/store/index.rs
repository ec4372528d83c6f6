//! The hash index of one shard: a key's hash to its item (a 4-byte reference; see
//! `items.rs`), in 64-byte chunks that each hold 12 one-byte tags and the 12 references
//! they stand for. A lookup reads one cache line of index before the item itself (F14's
//! chunked layout; Segcache's bucketed table), where a table with its tags and its buckets
//! in two arrays reads two.
//!
//! A key's home chunk is chosen by the hash's low bits. A full chunk passes a new key on to
//! the next one and counts it (`overflow`), so a lookup stops at the first chunk that passed
//! nothing on. A tag is the hash's top byte (0 marks a free place), so a lookup compares a
//! key only where the tag matches: about one in 255 of the others.

/// Places per chunk.
const WIDTH: usize = 12;
/// Keys per chunk before the table doubles (83% full).
const LOAD: usize = 10;
const FREE: u8 = 0;

/// One cache line: the tags, the overflow count and the slots.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Chunk {
    tags: [u8; WIDTH],
    /// How many keys whose probe went past this chunk, because it was full, live in a
    /// later one. Saturates at 255 and is then never lowered (lookups just probe on).
    overflow: u8,
    _pad: [u8; 3],
    slots: [u32; WIDTH],
}

impl Chunk {
    const EMPTY: Chunk = Chunk {
        tags: [FREE; WIDTH],
        overflow: 0,
        _pad: [0; 3],
        slots: [0; WIDTH],
    };

    /// Bit `j` set where tag `j` equals `tag`: one SSE2 compare of the chunk's first 16
    /// bytes, as hashbrown does for its groups.
    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn matching(&self, tag: u8) -> u16 {
        use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_load_si128, _mm_movemask_epi8, _mm_set1_epi8};
        // SAFETY: SSE2 is part of x86_64's baseline. The load reads the chunk's first 16
        // bytes (tags, overflow, padding), all initialized and in bounds, at an address
        // 16-aligned since a chunk is 64-aligned.
        let bits = unsafe {
            let group = _mm_load_si128((self as *const Chunk).cast());
            _mm_movemask_epi8(_mm_cmpeq_epi8(group, _mm_set1_epi8(tag as i8)))
        };
        bits as u16 & ((1 << WIDTH) - 1)
    }

    /// Bit `j` set where tag `j` equals `tag`.
    #[cfg(not(target_arch = "x86_64"))]
    #[inline]
    fn matching(&self, tag: u8) -> u16 {
        self.matching_scalar(tag)
    }

    /// [`Chunk::matching`] one tag at a time: the other targets' path, and the reference
    /// the vector compare is tested against.
    #[cfg(any(test, not(target_arch = "x86_64")))]
    #[inline]
    fn matching_scalar(&self, tag: u8) -> u16 {
        let mut m = 0u16;
        for (j, &t) in self.tags.iter().enumerate() {
            m |= u16::from(t == tag) << j;
        }
        m
    }
}

/// Maps hashes to slots; the caller says which slot is the key's (`eq`) and how to hash a
/// slot's key again when the table grows (`rehash`).
pub(crate) struct Index {
    /// Empty or a power of two long.
    chunks: Vec<Chunk>,
    len: usize,
}

#[inline]
fn tag(hash: u64) -> u8 {
    ((hash >> 56) as u8).max(1)
}

impl Index {
    pub fn new() -> Index {
        Index {
            chunks: Vec::new(),
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// The chunks a probe for `hash` visits, in order, starting at its home.
    #[inline]
    fn probe(&self, hash: u64) -> impl Iterator<Item = usize> {
        let mask = self.chunks.len().wrapping_sub(1);
        let home = hash as usize & mask;
        (0..self.chunks.len()).map(move |k| (home + k) & mask)
    }

    /// The slot of the key with `hash` for which `eq` holds (inlined into each lookup, so
    /// the key compare is not a call through a closure).
    #[inline(always)]
    pub fn find(&self, hash: u64, mut eq: impl FnMut(u32) -> bool) -> Option<u32> {
        let tag = tag(hash);
        for c in self.probe(hash) {
            let chunk = &self.chunks[c];
            let mut m = chunk.matching(tag);
            while m != 0 {
                let slot = chunk.slots[m.trailing_zeros() as usize];
                if eq(slot) {
                    return Some(slot);
                }
                m &= m - 1;
            }
            if chunk.overflow == 0 {
                return None;
            }
        }
        None
    }

    /// Adds `slot`, whose key is not present, under `hash`.
    pub fn insert(&mut self, hash: u64, slot: u32, rehash: impl Fn(u32) -> u64) {
        if self.len + 1 > self.chunks.len() * LOAD {
            self.grow(self.len + 1, &rehash);
        }
        self.place(hash, slot);
        self.len += 1;
    }

    fn place(&mut self, hash: u64, slot: u32) {
        let tag = tag(hash);
        let mask = self.chunks.len() - 1;
        let mut c = hash as usize & mask;
        loop {
            let chunk = &mut self.chunks[c];
            let free = chunk.matching(FREE);
            if free != 0 {
                let j = free.trailing_zeros() as usize;
                chunk.tags[j] = tag;
                chunk.slots[j] = slot;
                return;
            }
            chunk.overflow = chunk.overflow.saturating_add(1);
            c = (c + 1) & mask;
        }
    }

    /// Points the entry of `old`, indexed under `hash`, at `new` (the item moved); false
    /// if `old` was not there.
    pub fn replace(&mut self, hash: u64, old: u32, new: u32) -> bool {
        let tag = tag(hash);
        let mask = self.chunks.len().wrapping_sub(1);
        let home = hash as usize & mask;
        for k in 0..self.chunks.len() {
            let chunk = &mut self.chunks[(home + k) & mask];
            let mut m = chunk.matching(tag);
            while m != 0 {
                let j = m.trailing_zeros() as usize;
                if chunk.slots[j] == old {
                    chunk.slots[j] = new;
                    return true;
                }
                m &= m - 1;
            }
            if chunk.overflow == 0 {
                return false;
            }
        }
        false
    }

    /// Removes `slot`, indexed under `hash`; false if it was not there.
    pub fn remove(&mut self, hash: u64, slot: u32) -> bool {
        let tag = tag(hash);
        let mask = self.chunks.len().wrapping_sub(1);
        let home = hash as usize & mask;
        let found = self.probe(hash).find_map(|c| {
            let chunk = &self.chunks[c];
            let mut m = chunk.matching(tag);
            while m != 0 {
                let j = m.trailing_zeros() as usize;
                if chunk.slots[j] == slot {
                    return Some((c, j));
                }
                m &= m - 1;
            }
            None
        });
        let Some((at, j)) = found else { return false };
        self.chunks[at].tags[j] = FREE;
        // The chunks the key was passed through on its way in count it no more.
        let mut c = home;
        while c != at {
            let o = &mut self.chunks[c].overflow;
            if *o != u8::MAX {
                *o -= 1;
            }
            c = (c + 1) & mask;
        }
        self.len -= 1;
        true
    }

    /// Makes room for `more` keys beyond those present without growing again.
    pub fn reserve(&mut self, more: usize, rehash: impl Fn(u32) -> u64) {
        if self.len + more > self.chunks.len() * LOAD {
            self.grow(self.len + more, &rehash);
        }
    }

    /// Rebuilds the table with room for `want` keys (at least twice the chunks).
    fn grow(&mut self, want: usize, rehash: &impl Fn(u32) -> u64) {
        let mut n = (self.chunks.len() * 2).max(1);
        while n * LOAD < want {
            n *= 2;
        }
        let old = std::mem::replace(&mut self.chunks, vec![Chunk::EMPTY; n]);
        for chunk in &old {
            for (j, &t) in chunk.tags.iter().enumerate() {
                if t != FREE {
                    let slot = chunk.slots[j];
                    self.place(rehash(slot), slot);
                }
            }
        }
    }

    /// Bytes the table takes.
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.chunks.len() * std::mem::size_of::<Chunk>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[test]
    fn a_chunk_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<Chunk>(), 64);
        assert_eq!(std::mem::align_of::<Chunk>(), 64);
    }

    proptest! {
        /// The vector and scalar tag matches agree on every tag, whatever the overflow
        /// count and padding beside the tags hold.
        #[test]
        fn vector_and_scalar_tag_matches_agree(
            tags in prop::array::uniform12(prop_oneof![Just(0u8), Just(1u8), Just(7u8), any::<u8>()]),
            overflow in any::<u8>(),
        ) {
            let chunk = Chunk { tags, overflow, ..Chunk::EMPTY };
            for tag in 0..=255u8 {
                prop_assert_eq!(chunk.matching(tag), chunk.matching_scalar(tag), "tag {}", tag);
            }
        }
    }

    /// Hashes drawn from a few home chunks and a few tags, so that chunks fill, pass keys
    /// on (also around the table's end) and tags collide.
    fn crowded_hash() -> impl Strategy<Value = u64> {
        (0u64..4, 0u64..3, any::<u32>())
            .prop_map(|(home, tag, noise)| (tag << 56) | ((noise as u64) << 8) | (home * 5 + 3))
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u64),
        Remove(usize),
        Reserve(usize),
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn agrees_with_a_map(ops in prop::collection::vec(prop_oneof![
            4 => crowded_hash().prop_map(Op::Insert),
            3 => any::<usize>().prop_map(Op::Remove),
            1 => (0usize..40).prop_map(Op::Reserve),
        ], 1..400)) {
            let mut index = Index::new();
            let mut model: HashMap<u32, u64> = HashMap::new();
            let mut next = 0u32;
            for op in ops {
                let hashes = model.clone();
                let rehash = move |s: u32| hashes[&s];
                match op {
                    Op::Insert(h) => {
                        let mut with = model.clone();
                        with.insert(next, h);
                        index.insert(h, next, move |s| with[&s]);
                        model.insert(next, h);
                        next += 1;
                    }
                    Op::Remove(pick) => {
                        if model.is_empty() {
                            prop_assert!(!index.remove(12345, 7));
                            continue;
                        }
                        let mut slots: Vec<u32> = model.keys().copied().collect();
                        slots.sort_unstable();
                        let slot = slots[pick % slots.len()];
                        let h = model.remove(&slot).unwrap();
                        prop_assert!(index.remove(h, slot));
                        prop_assert!(!index.remove(h, slot), "removed twice");
                    }
                    Op::Reserve(n) => {
                        let before = index.bytes();
                        index.reserve(n, rehash);
                        prop_assert!(index.bytes() >= before);
                        prop_assert!(index.len() + n <= index.chunks.len() * LOAD);
                    }
                }
                prop_assert_eq!(index.len(), model.len());
                for (&slot, &h) in &model {
                    prop_assert_eq!(index.find(h, |s| s == slot), Some(slot));
                }
                // A key that is not there is not found, whatever its tag matches.
                prop_assert_eq!(index.find(3, |s| s == u32::MAX), None);
            }
        }
    }

    #[test]
    fn a_lookup_stops_at_the_home_chunk_when_nothing_was_passed_on() {
        let mut index = Index::new();
        let hashes: Vec<u64> = (0..1000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        let h2 = hashes.clone();
        for (i, &h) in hashes.iter().enumerate() {
            let h2 = h2.clone();
            index.insert(h, i as u32, move |s| h2[s as usize]);
        }
        let mut probes = 0;
        for (i, &h) in hashes.iter().enumerate() {
            assert_eq!(index.find(h, |s| s == i as u32), Some(i as u32));
        }
        // With spread hashes nearly every miss reads one chunk.
        for h in hashes.iter().map(|h| h ^ 0x5555) {
            index.find(h, |_| {
                probes += 1;
                false
            });
        }
        assert!(probes < 100, "{probes} tag matches for 1000 absent keys");
        for (i, &h) in hashes.iter().enumerate() {
            assert!(index.remove(h, i as u32));
        }
        assert_eq!(index.len(), 0);
        assert!(index
            .chunks
            .iter()
            .all(|c| c.overflow == 0 && c.tags == [FREE; WIDTH]));
    }
}
