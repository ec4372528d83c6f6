//! The table form of a sorted set: a member-to-score hash table for O(1) ZSCORE, the
//! members in insertion order for ZSCAN, and an order-statistic index for ranks and ranges.

use bytes::Bytes;
use hashbrown::HashTable;

use crate::store::key::Key;
use crate::types::ranked::Ranked;
use crate::value::ZSET_MEMBER_OVERHEAD;

/// A member's entry in the score map: the member inline when short (so a lookup compares
/// it without another cache miss), its score, and its place in `ZSet::members`.
#[derive(Debug, Clone)]
struct Slot {
    member: Key,
    score: f64,
    index: u32,
}

/// The table form: a hash table from member to score and an order-statistic index.
#[derive(Debug, Clone, Default)]
pub(super) struct Table {
    /// Member -> score. A ZSCORE is a probe of the control bytes and one bucket: two cache
    /// misses at a million members, where a map of indices into an entry array takes three
    /// and a member behind a pointer four.
    scores: HashTable<Slot>,
    hasher: ahash::RandomState,
    /// The members in insertion order with swap-removal, so ZSCAN can walk them by index
    /// (see `scan_step`); each slot knows its member's index here.
    members: Vec<Bytes>,
    pub(super) order: Ranked,
}

/// What a member is charged: [`ZSET_MEMBER_OVERHEAD`] and its bytes, twice when too long
/// to sit inline in the score map's slot.
pub(crate) fn member_bytes(m: &[u8]) -> usize {
    ZSET_MEMBER_OVERHEAD + m.len() + Key::heap_size_of(m)
}

impl Table {
    pub fn len(&self) -> usize {
        self.members.len()
    }

    fn slot(&self, member: &[u8]) -> Option<&Slot> {
        let hash = self.hasher.hash_one(member);
        self.scores.find(hash, |s| s.member.as_bytes() == member)
    }

    /// The member and score at `index` of the insertion-ordered members (ZSCAN's walk).
    pub fn at(&self, index: usize) -> Option<(&Bytes, f64)> {
        let m = self.members.get(index)?;
        Some((m, self.slot(m)?.score))
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.slot(member).map(|s| s.score)
    }

    /// Sets `member`'s score; returns the previous one. Keeps `bytes` up to date.
    pub fn set(&mut self, member: Bytes, score: f64, bytes: &mut usize) -> Option<f64> {
        let hash = self.hasher.hash_one(&member[..]);
        let found = self
            .scores
            .find_mut(hash, |s| s.member.as_bytes() == &member[..]);
        if let Some(slot) = found {
            let prev = slot.score;
            if prev != score {
                slot.score = score;
                self.order.remove(prev, &member);
                self.order.insert(score, member);
            }
            return Some(prev);
        }
        *bytes += member_bytes(&member);
        let slot = Slot {
            member: Key::new(&member),
            score,
            index: self.members.len() as u32,
        };
        let hasher = &self.hasher;
        self.scores
            .insert_unique(hash, slot, |s| hasher.hash_one(s.member.as_bytes()));
        self.members.push(member.clone());
        self.order.insert(score, member);
        None
    }

    /// Removes `member`; returns its score.
    pub fn remove(&mut self, member: &[u8], bytes: &mut usize) -> Option<f64> {
        let hash = self.hasher.hash_one(member);
        let entry = self
            .scores
            .find_entry(hash, |s| s.member.as_bytes() == member)
            .ok()?;
        let (slot, _) = entry.remove();
        let index = slot.index as usize;
        self.members.swap_remove(index);
        if let Some(moved) = self.members.get(index) {
            let moved_hash = self.hasher.hash_one(&moved[..]);
            if let Some(s) = self
                .scores
                .find_mut(moved_hash, |s| s.member.as_bytes() == &moved[..])
            {
                s.index = index as u32;
            }
        }
        self.order.remove(slot.score, member);
        *bytes -= member_bytes(member);
        Some(slot.score)
    }

    /// 0-based rank from the lowest score, and the score.
    pub fn rank(&self, member: &[u8]) -> Option<(usize, f64)> {
        let score = self.score(member)?;
        Some((self.order.rank(score, member)?, score))
    }
}
