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
    /// The members by slot, so ZSCAN can walk them by slot: a removed member leaves a hole
    /// that a later one reuses, and nothing moves (as in `types::slots`, whose rules this
    /// follows), so a scan returns a member present throughout exactly once. Each score-map
    /// slot knows its member's place here. Never ends with a hole.
    members: Vec<Option<Bytes>>,
    /// Holes in `members` (entries at or past its length are stale).
    free: Vec<u32>,
    pub(super) order: Ranked,
}

/// What a member is charged: [`ZSET_MEMBER_OVERHEAD`] and its bytes, twice when too long
/// to sit inline in the score map's slot.
pub(crate) fn member_bytes(m: &[u8]) -> usize {
    ZSET_MEMBER_OVERHEAD + m.len() + Key::heap_size_of(m)
}

impl Table {
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    /// One past the highest occupied place: the range of ZSCAN cursors.
    pub fn span(&self) -> usize {
        self.members.len()
    }

    fn slot(&self, member: &[u8]) -> Option<&Slot> {
        let hash = self.hasher.hash_one(member);
        self.scores.find(hash, |s| s.member.as_bytes() == member)
    }

    /// The member and score in place `index` (ZSCAN's walk), if one is there.
    pub fn at(&self, index: usize) -> Option<(&Bytes, f64)> {
        let m = self.members.get(index)?.as_ref()?;
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
        let index = crate::types::slots::claim(&mut self.members, &mut self.free);
        self.members[index as usize] = Some(member.clone());
        let slot = Slot {
            member: Key::new(&member),
            score,
            index,
        };
        let hasher = &self.hasher;
        self.scores
            .insert_unique(hash, slot, |s| hasher.hash_one(s.member.as_bytes()));
        self.order.insert(score, member);
        None
    }

    /// The table form of distinct `pairs` (scores neither NaN nor -0), built in bulk: the
    /// order index from one sort rather than a split every few dozen inserts. `None` if a
    /// member repeats. Adds the members' charge to `bytes`.
    pub fn from_pairs(pairs: Vec<(Bytes, f64)>, bytes: &mut usize) -> Option<Table> {
        let mut t = Table::default();
        let hasher = t.hasher.clone();
        t.scores
            .reserve(pairs.len(), |s| hasher.hash_one(s.member.as_bytes()));
        t.members.reserve_exact(pairs.len());
        let mut charge = 0;
        for (member, score) in &pairs {
            let hash = hasher.hash_one(&member[..]);
            let entry = t.scores.entry(
                hash,
                |s| s.member.as_bytes() == &member[..],
                |s| hasher.hash_one(s.member.as_bytes()),
            );
            let hashbrown::hash_table::Entry::Vacant(place) = entry else {
                return None;
            };
            charge += member_bytes(member);
            place.insert(Slot {
                member: Key::new(member),
                score: *score,
                index: t.members.len() as u32,
            });
            t.members.push(Some(member.clone()));
        }
        let mut sorted: Vec<(f64, Bytes)> = pairs.into_iter().map(|(m, s)| (s, m)).collect();
        // Scores are not NaN, so the order is total.
        sorted.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        t.order = Ranked::from_sorted(sorted.into_iter());
        *bytes += charge;
        Some(t)
    }

    /// Removes `member`; returns its score.
    pub fn remove(&mut self, member: &[u8], bytes: &mut usize) -> Option<f64> {
        let hash = self.hasher.hash_one(member);
        let entry = self
            .scores
            .find_entry(hash, |s| s.member.as_bytes() == member)
            .ok()?;
        let (slot, _) = entry.remove();
        self.members[slot.index as usize] = None;
        self.free.push(slot.index);
        while matches!(self.members.last(), Some(None)) {
            self.members.pop();
        }
        if self.members.len() > 16 && self.scores.len() * 2 < self.members.len() {
            self.compact();
        }
        self.order.remove(slot.score, member);
        *bytes -= member_bytes(member);
        Some(slot.score)
    }

    /// Moves every member down to the lowest places, keeping their order (only downward:
    /// a ZSCAN spanning this may return a member twice, never miss one).
    fn compact(&mut self) {
        self.members.retain(Option::is_some);
        self.free.clear();
        for (i, m) in self.members.iter().enumerate() {
            let m = m.as_ref().expect("kept");
            let hash = self.hasher.hash_one(&m[..]);
            if let Some(s) = self
                .scores
                .find_mut(hash, |s| s.member.as_bytes() == &m[..])
            {
                s.index = i as u32;
            }
        }
    }

    /// 0-based rank from the lowest score, and the score.
    pub fn rank(&self, member: &[u8]) -> Option<(usize, f64)> {
        let score = self.score(member)?;
        Some((self.order.rank(score, member)?, score))
    }
}
