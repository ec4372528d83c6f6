//! Sorted sets: a member-to-score map for O(1) ZSCORE plus an order-statistic index
//! ([`Ranked`]) for O(log n) rank and O(log n + m) ranges by rank, score and lex.

use bytes::Bytes;
use hashbrown::HashTable;

use super::ranked::Ranked;
use crate::store::key::Key;
use crate::value::ZSET_MEMBER_OVERHEAD;

/// One end of a score range: `-inf` and `+inf` are `f64` infinities.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScoreBound {
    /// The score itself is in the range.
    Inclusive(f64),
    /// `(score`: the score itself is not.
    Exclusive(f64),
}

impl ScoreBound {
    fn above_min(self, s: f64) -> bool {
        match self {
            ScoreBound::Inclusive(m) => s >= m,
            ScoreBound::Exclusive(m) => s > m,
        }
    }
    fn below_max(self, s: f64) -> bool {
        match self {
            ScoreBound::Inclusive(m) => s <= m,
            ScoreBound::Exclusive(m) => s < m,
        }
    }
}

/// One end of a lexicographic range (ZRANGEBYLEX's `-`, `+`, `[a`, `(a`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexBound {
    /// `-`: below every member.
    Min,
    /// `+`: above every member.
    Max,
    /// `[member`.
    Inclusive(Bytes),
    /// `(member`.
    Exclusive(Bytes),
}

impl LexBound {
    fn above_min(&self, m: &[u8]) -> bool {
        match self {
            LexBound::Min => true,
            LexBound::Max => false,
            LexBound::Inclusive(b) => m >= &b[..],
            LexBound::Exclusive(b) => m > &b[..],
        }
    }
    fn below_max(&self, m: &[u8]) -> bool {
        match self {
            LexBound::Min => false,
            LexBound::Max => true,
            LexBound::Inclusive(b) => m <= &b[..],
            LexBound::Exclusive(b) => m < &b[..],
        }
    }
}

/// A member's entry in the score map: the member inline when short (so a lookup compares
/// it without another cache miss), its score, and its place in `ZSet::members`.
#[derive(Debug, Clone)]
struct Slot {
    member: Key,
    score: f64,
    index: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct ZSet {
    /// Member -> score. A ZSCORE is a probe of the control bytes and one bucket: two cache
    /// misses at a million members, where a map of indices into an entry array takes three
    /// and a member behind a pointer four.
    scores: HashTable<Slot>,
    hasher: ahash::RandomState,
    /// The members in insertion order with swap-removal, so ZSCAN can walk them by index
    /// (see `scan_step`); each slot knows its member's index here.
    members: Vec<Bytes>,
    order: Ranked,
    /// Bumped by every change, so callers can tell a score update (same size) happened.
    version: u64,
}

/// What a member is charged: [`ZSET_MEMBER_OVERHEAD`] and its bytes, twice when too long
/// to sit inline in the score map's slot.
pub(crate) fn member_bytes(m: &[u8]) -> usize {
    ZSET_MEMBER_OVERHEAD + m.len() + Key::heap_size_of(m)
}

impl ZSet {
    pub fn new() -> ZSet {
        ZSet {
            scores: HashTable::new(),
            hasher: ahash::RandomState::new(),
            members: Vec::new(),
            order: Ranked::new(),
            version: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
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

    /// Changes so far (see `version`).
    pub fn version(&self) -> u64 {
        self.version
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
                self.version += 1;
                self.order.remove(prev, &member);
                self.order.insert(score, member);
            }
            return Some(prev);
        }
        self.version += 1;
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
        self.version += 1;
        self.order.remove(slot.score, member);
        *bytes -= member_bytes(member);
        Some(slot.score)
    }

    /// 0-based rank, from the lowest score (or the highest with `rev`).
    pub fn rank(&self, member: &[u8], rev: bool) -> Option<(usize, f64)> {
        let score = self.score(member)?;
        let r = self.order.rank(score, member)?;
        Some((if rev { self.len() - 1 - r } else { r }, score))
    }

    /// Members from rank `start` to `end` inclusive (0-based, already clamped), in order
    /// or reversed.
    pub fn by_rank(&self, start: usize, end: usize, rev: bool) -> Vec<(Bytes, f64)> {
        if start > end || start >= self.len() {
            return Vec::new();
        }
        let end = end.min(self.len() - 1);
        let from = if rev { self.len() - 1 - start } else { start };
        self.order.walk(from, end - start + 1, rev)
    }

    /// Ranks `lo..hi` of the pairs with a score in the range.
    fn score_span(&self, min: ScoreBound, max: ScoreBound) -> (usize, usize) {
        let lo = self.order.lower_bound(|s, _| !min.above_min(s));
        let hi = self.order.lower_bound(|s, _| max.below_max(s));
        (lo, hi.max(lo))
    }

    fn lex_span(&self, min: &LexBound, max: &LexBound) -> (usize, usize) {
        let lo = self.order.lower_bound(|_, m| !min.above_min(m));
        let hi = self.order.lower_bound(|_, m| max.below_max(m));
        (lo, hi.max(lo))
    }

    /// Members with a score in `[min, max]`, skipping `offset` and returning at most
    /// `count` (`None`: all); reversed walks from `max` down.
    pub fn by_score(
        &self,
        min: ScoreBound,
        max: ScoreBound,
        rev: bool,
        offset: usize,
        count: Option<usize>,
    ) -> Vec<(Bytes, f64)> {
        self.span_walk(self.score_span(min, max), rev, offset, count)
    }

    pub fn by_lex(
        &self,
        min: &LexBound,
        max: &LexBound,
        rev: bool,
        offset: usize,
        count: Option<usize>,
    ) -> Vec<(Bytes, f64)> {
        self.span_walk(self.lex_span(min, max), rev, offset, count)
    }

    fn span_walk(
        &self,
        (lo, hi): (usize, usize),
        rev: bool,
        offset: usize,
        count: Option<usize>,
    ) -> Vec<(Bytes, f64)> {
        let n = hi - lo;
        if offset >= n {
            return Vec::new();
        }
        let take = count.unwrap_or(usize::MAX).min(n - offset);
        let from = if rev { hi - 1 - offset } else { lo + offset };
        self.order.walk(from, take, rev)
    }

    pub fn count_score(&self, min: ScoreBound, max: ScoreBound) -> usize {
        let (lo, hi) = self.score_span(min, max);
        hi - lo
    }

    pub fn count_lex(&self, min: &LexBound, max: &LexBound) -> usize {
        let (lo, hi) = self.lex_span(min, max);
        hi - lo
    }

    /// Every member and score in order (for unions and copies).
    pub fn iter(&self) -> impl Iterator<Item = (Bytes, f64)> {
        self.order.walk(0, self.len(), false).into_iter()
    }
}
