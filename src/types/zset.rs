//! Sorted sets: a member-to-score map for O(1) ZSCORE plus a [`SkipList`] with spans for
//! O(log n) rank and O(log n + m) ranges by rank, score and lex.
//!
//! Why a skiplist with spans: ZRANK / ZREVRANK on a leaderboard must not be O(n), and
//! `crossbeam-skiplist` keeps no spans (no rank). Redis's own structure is this one; the
//! arena layout (nodes in a `Vec`, links as `u32`) needs no `unsafe`.

use bytes::Bytes;
use hashbrown::HashMap;

use super::skiplist::SkipList;
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
    fn value(self) -> f64 {
        match self {
            ScoreBound::Inclusive(v) | ScoreBound::Exclusive(v) => v,
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

/// One step along the list: `SkipList::next` or `SkipList::prev`.
type Step = fn(&SkipList, u32) -> Option<u32>;

#[derive(Debug, Clone)]
pub(crate) struct ZSet {
    scores: HashMap<Bytes, f64, ahash::RandomState>,
    list: SkipList,
}

fn member_bytes(m: &[u8]) -> usize {
    // The member is stored once and shared (`Bytes`) by the map and the list node.
    ZSET_MEMBER_OVERHEAD + m.len()
}

impl ZSet {
    pub fn new() -> ZSet {
        ZSet {
            scores: HashMap::default(),
            list: SkipList::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.scores.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.scores.get(member).copied()
    }

    /// Sets `member`'s score; returns the previous one. Keeps `bytes` up to date.
    pub fn set(&mut self, member: Bytes, score: f64, bytes: &mut usize) -> Option<f64> {
        match self.scores.get_mut(&member[..]) {
            Some(old) => {
                let prev = *old;
                if prev != score {
                    *old = score;
                    self.list.remove(prev, &member);
                    self.list.insert(score, member);
                }
                Some(prev)
            }
            None => {
                *bytes += member_bytes(&member);
                self.scores.insert(member.clone(), score);
                self.list.insert(score, member);
                None
            }
        }
    }

    /// Removes `member`; returns its score.
    pub fn remove(&mut self, member: &[u8], bytes: &mut usize) -> Option<f64> {
        let score = self.scores.remove(member)?;
        self.list.remove(score, member);
        *bytes -= member_bytes(member);
        Some(score)
    }

    /// 0-based rank, from the lowest score (or the highest with `rev`).
    pub fn rank(&self, member: &[u8], rev: bool) -> Option<(usize, f64)> {
        let score = self.score(member)?;
        let r = self.list.rank(score, member)?;
        Some((if rev { self.len() - 1 - r } else { r }, score))
    }

    /// Members from rank `start` to `end` inclusive (0-based, already clamped), in order
    /// or reversed.
    pub fn by_rank(&self, start: usize, end: usize, rev: bool) -> Vec<(Bytes, f64)> {
        if start > end || start >= self.len() {
            return Vec::new();
        }
        let end = end.min(self.len() - 1);
        let (first, step): (usize, Step) = if rev {
            (self.len() - 1 - start, SkipList::prev)
        } else {
            (start, SkipList::next)
        };
        self.walk(self.list.by_rank(first), end - start + 1, step)
    }

    fn walk(
        &self,
        from: Option<u32>,
        n: usize,
        step: fn(&SkipList, u32) -> Option<u32>,
    ) -> Vec<(Bytes, f64)> {
        let mut out = Vec::with_capacity(n.min(1024));
        let mut cur = from;
        while let Some(x) = cur {
            if out.len() == n {
                break;
            }
            let (m, s) = self.list.get(x);
            out.push((m.clone(), s));
            cur = step(&self.list, x);
        }
        out
    }

    /// First and last node of a score range.
    fn score_span(&self, min: ScoreBound, max: ScoreBound) -> Option<(u32, u32)> {
        if min.value() > max.value()
            || (min.value() == max.value()
                && (matches!(min, ScoreBound::Exclusive(_))
                    || matches!(max, ScoreBound::Exclusive(_))))
        {
            return None;
        }
        let first = self.list.first_not(|s, _| !min.above_min(s))?;
        if !max.below_max(self.list.get(first).1) {
            return None;
        }
        let last = self.list.last_with(|s, _| max.below_max(s))?;
        Some((first, last))
    }

    fn lex_span(&self, min: &LexBound, max: &LexBound) -> Option<(u32, u32)> {
        let member = |n: u32| &self.list.get(n).0[..];
        let first = self.list.first_not(|_, n| !min.above_min(member(n)))?;
        if !max.below_max(member(first)) {
            return None;
        }
        let last = self.list.last_with(|_, n| max.below_max(member(n)))?;
        Some((first, last))
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
        span: Option<(u32, u32)>,
        rev: bool,
        offset: usize,
        count: Option<usize>,
    ) -> Vec<(Bytes, f64)> {
        let Some((first, last)) = span else {
            return Vec::new();
        };
        let (lo, hi) = (self.list.rank_of(first), self.list.rank_of(last));
        let n = hi - lo + 1;
        if offset >= n {
            return Vec::new();
        }
        let take = count.unwrap_or(usize::MAX).min(n - offset);
        if rev {
            self.walk(self.list.by_rank(hi - offset), take, SkipList::prev)
        } else {
            self.walk(self.list.by_rank(lo + offset), take, SkipList::next)
        }
    }

    pub fn count_score(&self, min: ScoreBound, max: ScoreBound) -> usize {
        self.score_span(min, max)
            .map_or(0, |(a, b)| self.list.rank_of(b) - self.list.rank_of(a) + 1)
    }

    pub fn count_lex(&self, min: &LexBound, max: &LexBound) -> usize {
        self.lex_span(min, max)
            .map_or(0, |(a, b)| self.list.rank_of(b) - self.list.rank_of(a) + 1)
    }

    /// Every member and score in order (for ZSCAN, unions and copies).
    pub fn iter(&self) -> impl Iterator<Item = (&Bytes, f64)> {
        let mut cur = self.list.first();
        std::iter::from_fn(move || {
            let x = cur?;
            cur = self.list.next(x);
            Some(self.list.get(x))
        })
    }
}
