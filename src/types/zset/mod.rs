//! Sorted sets: packed while small, a member-to-score map plus an order-statistic index
//! ([`Ranked`](super::ranked::Ranked)) once they grow.
//!
//! A small sorted set (at most [`PACKED_MAX_ENTRIES`] members of at most
//! [`PACKED_MAX_LEN`] bytes, Redis's listpack limits) keeps its pairs in score order in one
//! buffer, as Redis's listpack does: lookups scan it, which at these sizes costs less than
//! hashing, and the set costs a few bytes per member instead of a slot, two handles, a
//! share of an arena and a hash table. The first write past either limit converts it to
//! the table form for good, as Redis does. The table gives O(1) ZSCORE, O(log n) rank and
//! O(log n + m) ranges by rank, score and lex.

mod packed;
mod table;

use bytes::Bytes;

use packed::Packed;
use table::Table;

pub(crate) use table::member_bytes;

/// Members a packed sorted set holds at most (Redis's `zset-max-listpack-entries`).
pub(crate) const PACKED_MAX_ENTRIES: usize = 128;
/// Longest member a packed sorted set holds (Redis's `zset-max-listpack-value`).
pub(crate) const PACKED_MAX_LEN: usize = 64;

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

#[derive(Debug, Clone)]
enum Repr {
    Packed(Packed),
    /// Boxed: the table form is large, and the box of every collection is sized for the
    /// largest variant.
    Table(Box<Table>),
}

#[derive(Debug, Clone)]
pub(crate) struct ZSet {
    repr: Repr,
    /// Bumped by every change, so callers can tell a score update (same size) happened.
    version: u64,
}

impl ZSet {
    pub fn new() -> ZSet {
        ZSet {
            repr: Repr::Packed(Packed::default()),
            version: 0,
        }
    }

    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Packed(p) => p.len(),
            Repr::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True while the packed encoding is in use (OBJECT ENCODING's `listpack`).
    #[cfg(test)]
    pub fn is_packed(&self) -> bool {
        matches!(self.repr, Repr::Packed(_))
    }

    /// Heap bytes of the table form's box (0 while packed), charged with the collection.
    pub fn boxed_size(&self) -> usize {
        match self.repr {
            Repr::Packed(_) => 0,
            Repr::Table(_) => std::mem::size_of::<Table>(),
        }
    }

    /// The range of ZSCAN cursors over the table form (0 while packed).
    pub fn scan_span(&self) -> usize {
        match &self.repr {
            Repr::Packed(_) => 0,
            Repr::Table(t) => t.span(),
        }
    }

    /// True when a ZSCAN must walk by place (the table form); a packed set is returned
    /// whole in one page, as Redis returns a listpack.
    pub fn scans_by_index(&self) -> bool {
        matches!(self.repr, Repr::Table(_))
    }

    /// The member and score in place `index` of the table form (ZSCAN's walk; places keep
    /// their member while it stays).
    pub fn at(&self, index: usize) -> Option<(&Bytes, f64)> {
        match &self.repr {
            Repr::Packed(_) => None,
            Repr::Table(t) => t.at(index),
        }
    }

    /// Changes so far (see `version`).
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.repr {
            Repr::Packed(p) => p.score(member),
            Repr::Table(t) => t.score(member),
        }
    }

    /// Converts to the table form, re-charging every member at the table's rate.
    fn convert_to_table(&mut self, bytes: &mut usize) {
        if let Repr::Packed(p) = &self.repr {
            let mut t = Table::default();
            for (score, m) in p.iter() {
                *bytes -= packed::member_bytes(m);
                t.set(Bytes::copy_from_slice(m), score, bytes);
            }
            self.repr = Repr::Table(Box::new(t));
        }
    }

    /// Sets `member`'s score; returns the previous one. Keeps `bytes` (the collection's
    /// charge) exact.
    pub fn set(&mut self, member: Bytes, score: f64, bytes: &mut usize) -> Option<f64> {
        // -0 is kept as 0, as Redis replies it.
        let score = if score == 0.0 { 0.0 } else { score };
        if let Repr::Packed(p) = &self.repr {
            let fits = member.len() <= PACKED_MAX_LEN;
            if !fits || (p.len() >= PACKED_MAX_ENTRIES && p.score(&member).is_none()) {
                self.convert_to_table(bytes);
            }
        }
        let prev = match &mut self.repr {
            Repr::Packed(p) => p.set(&member, score, bytes),
            Repr::Table(t) => t.set(member, score, bytes),
        };
        if prev != Some(score) {
            self.version += 1;
        }
        prev
    }

    /// A sorted set of `pairs` (no NaN scores), built in bulk when it takes the table
    /// form, as a snapshot load or RESTORE does. `None` if a member repeats. Adds the
    /// collection's charge to `bytes`.
    pub fn from_pairs(mut pairs: Vec<(Bytes, f64)>, bytes: &mut usize) -> Option<ZSet> {
        let packs = pairs.len() <= PACKED_MAX_ENTRIES
            && pairs.iter().all(|(m, _)| m.len() <= PACKED_MAX_LEN);
        if packs {
            let mut z = ZSet::new();
            for (m, score) in pairs {
                if z.set(m, score, bytes).is_some() {
                    return None;
                }
            }
            return Some(z);
        }
        for (_, score) in &mut pairs {
            // -0 is kept as 0, as in `set`.
            if *score == 0.0 {
                *score = 0.0;
            }
        }
        Some(ZSet {
            repr: Repr::Table(Box::new(Table::from_pairs(pairs, bytes)?)),
            version: 1,
        })
    }

    /// Removes `member`; returns its score.
    pub fn remove(&mut self, member: &[u8], bytes: &mut usize) -> Option<f64> {
        let removed = match &mut self.repr {
            Repr::Packed(p) => p.remove(member, bytes),
            Repr::Table(t) => t.remove(member, bytes),
        };
        if removed.is_some() {
            self.version += 1;
        }
        removed
    }

    /// 0-based rank, from the lowest score (or the highest with `rev`).
    pub fn rank(&self, member: &[u8], rev: bool) -> Option<(usize, f64)> {
        let (r, score) = match &self.repr {
            Repr::Packed(p) => p.rank(member)?,
            Repr::Table(t) => t.rank(member)?,
        };
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
        self.walk(from, end - start + 1, rev)
    }

    /// Ranks `lo..hi` of the pairs with a score in the range.
    fn score_span(&self, min: ScoreBound, max: ScoreBound) -> (usize, usize) {
        let lo = self.lower_bound(|s, _| !min.above_min(s));
        let hi = self.lower_bound(|s, _| max.below_max(s));
        (lo, hi.max(lo))
    }

    /// Ranks `lo..hi` of the members in a lex range. Lex ranges assume equal scores; where
    /// the scores differ, a small set answers as Redis walks a listpack: nothing unless the
    /// last member is above `min` and the first below `max`, then from the first member
    /// above `min` (the last below `max` with `rev`) while the members stay in range.
    fn lex_span(&self, min: &LexBound, max: &LexBound, rev: bool) -> (usize, usize) {
        let Repr::Packed(p) = &self.repr else {
            let lo = self.lower_bound(|_, m| !min.above_min(m));
            let hi = self.lower_bound(|_, m| max.below_max(m));
            return (lo, hi.max(lo));
        };
        let members: Vec<&[u8]> = p.iter().map(|(_, m)| m).collect();
        let (Some(first), Some(last)) = (members.first(), members.last()) else {
            return (0, 0);
        };
        if !min.above_min(last) || !max.below_max(first) {
            return (0, 0);
        }
        if rev {
            let Some(hi) = members.iter().rposition(|m| max.below_max(m)) else {
                return (0, 0);
            };
            let run = members[..=hi].iter().rev().take_while(|m| min.above_min(m));
            let lo = hi + 1 - run.count();
            (lo, hi + 1)
        } else {
            let lo = members
                .iter()
                .position(|m| min.above_min(m))
                .unwrap_or(members.len());
            let run = members[lo..].iter().take_while(|m| max.below_max(m));
            (lo, lo + run.count())
        }
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
        self.span_walk(self.lex_span(min, max, rev), rev, offset, count)
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
        self.walk(from, take, rev)
    }

    pub fn count_score(&self, min: ScoreBound, max: ScoreBound) -> usize {
        let (lo, hi) = self.score_span(min, max);
        hi - lo
    }

    pub fn count_lex(&self, min: &LexBound, max: &LexBound) -> usize {
        let (lo, hi) = self.lex_span(min, max, false);
        hi - lo
    }

    /// Every member and score in order (for unions and copies).
    pub fn iter(&self) -> impl Iterator<Item = (Bytes, f64)> {
        self.walk(0, self.len(), false).into_iter()
    }

    /// The position of the first pair for which `below` is false (`below` holds for a
    /// prefix of the order).
    fn lower_bound(&self, below: impl Fn(f64, &[u8]) -> bool) -> usize {
        match &self.repr {
            Repr::Packed(p) => p.iter().take_while(|&(s, m)| below(s, m)).count(),
            Repr::Table(t) => t.order.lower_bound(below),
        }
    }

    /// Pairs from rank `from`, forwards (or backwards with `rev`), at most `n`.
    fn walk(&self, from: usize, n: usize, rev: bool) -> Vec<(Bytes, f64)> {
        match &self.repr {
            Repr::Packed(p) => p.walk(from, n, rev),
            Repr::Table(t) => t.order.walk(from, n, rev),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    #[test]
    fn table_box_size_quoted_in_the_crate_docs() {
        assert_eq!(std::mem::size_of::<Table>(), 288);
        assert!(std::mem::size_of::<ZSet>() <= 40);
    }

    /// A sorted set in the table form from the start.
    fn table() -> ZSet {
        let mut z = ZSet::new();
        z.convert_to_table(&mut 0);
        z
    }

    #[test]
    fn converts_past_either_limit_and_keeps_everything() {
        let mut bytes = 0;
        let mut z = ZSet::new();
        for i in 0..PACKED_MAX_ENTRIES {
            z.set(Bytes::from(format!("m{i:03}")), (i % 7) as f64, &mut bytes);
        }
        assert!(z.is_packed());
        // Updating a member of a full packed set keeps it packed.
        assert_eq!(
            z.set(Bytes::from_static(b"m000"), 99.0, &mut bytes),
            Some(0.0)
        );
        assert!(z.is_packed());
        let before = z.by_rank(0, usize::MAX, false);
        z.set(Bytes::from_static(b"one more"), 3.5, &mut bytes);
        assert!(!z.is_packed());
        let expected: usize = z.iter().map(|(m, _)| member_bytes(&m)).sum();
        assert_eq!(bytes, expected, "re-charged at the table's rate");
        assert_eq!(z.len(), PACKED_MAX_ENTRIES + 1);
        let after: Vec<_> = z
            .by_rank(0, usize::MAX, false)
            .into_iter()
            .filter(|(m, _)| &m[..] != b"one more")
            .collect();
        assert_eq!(after, before);

        let mut bytes = 0;
        let mut z = ZSet::new();
        z.set(Bytes::from_static(b"short"), 1.0, &mut bytes);
        z.set(Bytes::from(vec![b'x'; PACKED_MAX_LEN]), 2.0, &mut bytes);
        assert!(z.is_packed());
        assert_eq!(
            bytes,
            2 * packed::PACKED_MEMBER_OVERHEAD + 5 + PACKED_MAX_LEN
        );
        z.set(Bytes::from(vec![b'y'; PACKED_MAX_LEN + 1]), 3.0, &mut bytes);
        assert!(!z.is_packed());
        assert_eq!(z.rank(b"short", true), Some((2, 1.0)));
    }

    proptest! {
        /// The packed and table forms answer every read alike after the same writes, and
        /// each keeps its charge equal to the sum of its members' charges.
        #[test]
        fn packed_and_table_agree(
            ops in proptest::collection::vec((0u8..40, -3i8..4, any::<bool>()), 1..200),
            lo in -4i8..5, hi in -4i8..5, excl in any::<bool>(), off in 0usize..5,
            same in any::<bool>(),
        ) {
            let (mut p, mut t) = (ZSet::new(), table());
            let (mut pb, mut tb) = (0, 0);
            for (m, s, add) in ops {
                // Lex ranges are defined when all scores are equal, as in Redis.
                let s = if same { 0 } else { s };
                let m = Bytes::from(format!("m{m}"));
                if add {
                    prop_assert_eq!(p.set(m.clone(), s as f64, &mut pb), t.set(m, s as f64, &mut tb));
                } else {
                    prop_assert_eq!(p.remove(&m, &mut pb), t.remove(&m, &mut tb));
                }
            }
            prop_assert!(p.is_packed() && !t.is_packed());
            prop_assert_eq!(pb, p.iter().map(|(m, _)| packed::member_bytes(&m)).sum::<usize>());
            prop_assert_eq!(tb, t.iter().map(|(m, _)| member_bytes(&m)).sum::<usize>());
            prop_assert_eq!(p.len(), t.len());
            prop_assert_eq!(p.by_rank(0, usize::MAX, false), t.by_rank(0, usize::MAX, false));
            prop_assert_eq!(p.by_rank(1, 5, true), t.by_rank(1, 5, true));
            for m in 0u8..40 {
                let m = format!("m{m}");
                prop_assert_eq!(p.score(m.as_bytes()), t.score(m.as_bytes()));
                prop_assert_eq!(p.rank(m.as_bytes(), false), t.rank(m.as_bytes(), false));
                prop_assert_eq!(p.rank(m.as_bytes(), true), t.rank(m.as_bytes(), true));
            }
            let min = if excl { ScoreBound::Exclusive(lo as f64) } else { ScoreBound::Inclusive(lo as f64) };
            let max = ScoreBound::Inclusive(hi as f64);
            for rev in [false, true] {
                prop_assert_eq!(p.by_score(min, max, rev, off, Some(3)), t.by_score(min, max, rev, off, Some(3)));
            }
            prop_assert_eq!(p.count_score(min, max), t.count_score(min, max));
            if same {
                let (a, b) = (LexBound::Inclusive(Bytes::from(format!("m{lo}"))), LexBound::Exclusive(Bytes::from(format!("m{hi}"))));
                for rev in [false, true] {
                    prop_assert_eq!(p.by_lex(&a, &LexBound::Max, rev, off, None), t.by_lex(&a, &LexBound::Max, rev, off, None));
                }
                prop_assert_eq!(p.count_lex(&LexBound::Min, &b), t.count_lex(&LexBound::Min, &b));
                prop_assert_eq!(p.count_lex(&a, &b), t.count_lex(&a, &b));
            }
        }
    }
}
