//! An order-statistic sequence of (score, member) pairs, the ordered index of a sorted set:
//! sorted blocks of at most [`MAX_BLOCK`] pairs, with the scores of a block in one
//! contiguous array, a Fenwick tree of block lengths for ranks, and the first score of
//! every block in one array for finding a block.
//!
//! Why not a skiplist: at a million members a skiplist search takes some 40 dependent steps,
//! each a cache miss on a cold cache (several microseconds per ZRANK). Here a rank is two
//! binary searches over contiguous arrays and a Fenwick prefix sum: a handful of misses.
//! Inserts move at most a block's worth of pairs; a block that outgrows the limit splits,
//! and an emptied one goes, rebuilding the small per-block arrays (amortised over at least
//! `MAX_BLOCK / 2` inserts or the removal of a whole block).

use std::cmp::Ordering;

use bytes::Bytes;

/// Pairs per block at most; a fuller block splits in two.
const MAX_BLOCK: usize = 256;

#[derive(Debug, Clone, Default)]
struct Block {
    scores: Vec<f64>,
    members: Vec<Bytes>,
}

/// (score, member) order, as Redis sorts sorted sets.
fn cmp(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> Ordering {
    s1.partial_cmp(&s2)
        .unwrap_or(Ordering::Equal)
        .then_with(|| m1.cmp(m2))
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Ranked {
    blocks: Vec<Block>,
    /// First score of each block.
    firsts: Vec<f64>,
    /// Fenwick tree (1-based) over block lengths.
    fenwick: Vec<u32>,
    len: usize,
}

impl Ranked {
    pub fn new() -> Ranked {
        Ranked::default()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    fn rebuild(&mut self) {
        self.firsts = self.blocks.iter().map(|b| b.scores[0]).collect();
        let n = self.blocks.len();
        self.fenwick = vec![0; n + 1];
        for (i, b) in self.blocks.iter().enumerate() {
            let mut j = i + 1;
            while j <= n {
                self.fenwick[j] += b.scores.len() as u32;
                j += j & j.wrapping_neg();
            }
        }
    }

    fn fenwick_add(&mut self, block: usize, delta: i32) {
        let mut j = block + 1;
        while j < self.fenwick.len() {
            self.fenwick[j] = (self.fenwick[j] as i32 + delta) as u32;
            j += j & j.wrapping_neg();
        }
    }

    /// Pairs in the blocks before `block`.
    fn before_block(&self, block: usize) -> usize {
        let (mut j, mut sum) = (block, 0usize);
        while j > 0 {
            sum += self.fenwick[j] as usize;
            j &= j - 1;
        }
        sum
    }

    /// The block and offset of 0-based `rank`.
    fn locate(&self, rank: usize) -> Option<(usize, usize)> {
        if rank >= self.len {
            return None;
        }
        let n = self.blocks.len();
        let (mut pos, mut rem) = (0usize, rank);
        let mut step = n.next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if next <= n && (self.fenwick[next] as usize) <= rem {
                pos = next;
                rem -= self.fenwick[next] as usize;
            }
            step >>= 1;
        }
        Some((pos, rem))
    }

    /// The global position of the first pair for which `below` is false (`below` holds
    /// for a prefix of the order).
    pub fn lower_bound(&self, below: impl Fn(f64, &[u8]) -> bool) -> usize {
        // The last block whose first pair is below: the boundary is in it or right after.
        let b = self
            .blocks
            .partition_point(|blk| below(blk.scores[0], &blk.members[0]));
        if b == 0 {
            return 0;
        }
        let blk = &self.blocks[b - 1];
        let i = partition(blk.scores.len(), |i| below(blk.scores[i], &blk.members[i]));
        self.before_block(b - 1) + i
    }

    /// The block where (score, member) is or would go: the last one starting at or below
    /// it. Members are compared only on equal scores.
    fn find_block(&self, score: f64, member: &[u8]) -> Option<(usize, &Block)> {
        let p = partition(self.blocks.len(), |j| {
            let f = self.firsts[j];
            f < score || (f == score && &self.blocks[j].members[0][..] <= member)
        });
        let b = p.saturating_sub(1);
        self.blocks.get(b).map(|blk| (b, blk))
    }

    /// The position (block, offset) where (score, member) is or would go.
    fn find(&self, score: f64, member: &[u8]) -> (usize, usize) {
        let Some((b, blk)) = self.find_block(score, member) else {
            return (0, 0);
        };
        let i = partition(blk.scores.len(), |i| {
            cmp(blk.scores[i], &blk.members[i], score, member) == Ordering::Less
        });
        (b, i)
    }

    /// 0-based rank of (score, member), if present.
    ///
    /// Members are compared only where scores tie: a score that occurs once in the block
    /// that must hold the pair identifies it from the contiguous score array alone, sparing
    /// the two cache misses of reading a member. The caller takes `score` from the member
    /// map, so the pair is known to be present.
    pub fn rank(&self, score: f64, member: &[u8]) -> Option<usize> {
        let (b, _) = self.find_block(score, member)?;
        let blk = &self.blocks[b];
        let lo = partition(blk.scores.len(), |i| blk.scores[i] < score);
        let ties = blk.scores[lo..].iter().take_while(|&&s| s == score).count();
        let i = match ties {
            0 => return None,
            1 => lo,
            _ => {
                lo + blk.members[lo..lo + ties]
                    .iter()
                    .position(|m| &m[..] == member)?
            }
        };
        debug_assert_eq!(&blk.members[i][..], member);
        Some(self.before_block(b) + i)
    }

    /// The pair at 0-based `rank`.
    #[cfg(test)]
    pub fn get(&self, rank: usize) -> Option<(&Bytes, f64)> {
        let (b, i) = self.locate(rank)?;
        let blk = &self.blocks[b];
        Some((&blk.members[i], blk.scores[i]))
    }

    /// Pairs from rank `from`, walking forwards (or backwards with `rev`), at most `n`.
    pub fn walk(&self, from: usize, n: usize, rev: bool) -> Vec<(Bytes, f64)> {
        let mut out = Vec::with_capacity(n.min(1024));
        let Some((mut b, mut i)) = self.locate(from) else {
            return out;
        };
        while out.len() < n {
            let blk = &self.blocks[b];
            out.push((blk.members[i].clone(), blk.scores[i]));
            if rev {
                if i > 0 {
                    i -= 1;
                } else if b > 0 {
                    b -= 1;
                    i = self.blocks[b].scores.len() - 1;
                } else {
                    break;
                }
            } else if i + 1 < blk.scores.len() {
                i += 1;
            } else if b + 1 < self.blocks.len() {
                b += 1;
                i = 0;
            } else {
                break;
            }
        }
        out
    }

    /// Inserts a pair that is not present.
    pub fn insert(&mut self, score: f64, member: Bytes) {
        if self.blocks.is_empty() {
            self.blocks.push(Block {
                scores: vec![score],
                members: vec![member],
            });
            self.len = 1;
            self.rebuild();
            return;
        }
        let (b, i) = self.find(score, &member);
        let blk = &mut self.blocks[b];
        blk.scores.insert(i, score);
        blk.members.insert(i, member);
        self.len += 1;
        if blk.scores.len() > MAX_BLOCK {
            let half = blk.scores.len() / 2;
            let tail = Block {
                scores: blk.scores.split_off(half),
                members: blk.members.split_off(half),
            };
            self.blocks.insert(b + 1, tail);
            self.rebuild();
        } else {
            if i == 0 {
                self.firsts[b] = score;
            }
            self.fenwick_add(b, 1);
        }
    }

    /// Removes (score, member); false if it is not there.
    pub fn remove(&mut self, score: f64, member: &[u8]) -> bool {
        let (b, i) = self.find(score, member);
        let Some(blk) = self.blocks.get_mut(b) else {
            return false;
        };
        if i >= blk.scores.len() || blk.scores[i] != score || &blk.members[i][..] != member {
            return false;
        }
        blk.scores.remove(i);
        blk.members.remove(i);
        self.len -= 1;
        let small = blk.scores.len() < MAX_BLOCK / 8;
        let mergeable = small
            && b + 1 < self.blocks.len()
            && self.blocks[b].scores.len() + self.blocks[b + 1].scores.len() <= MAX_BLOCK;
        if self.blocks[b].scores.is_empty() {
            self.blocks.remove(b);
            self.rebuild();
        } else if mergeable {
            let next = self.blocks.remove(b + 1);
            let blk = &mut self.blocks[b];
            blk.scores.extend(next.scores);
            blk.members.extend(next.members);
            self.rebuild();
        } else {
            if i == 0 {
                self.firsts[b] = self.blocks[b].scores[0];
            }
            self.fenwick_add(b, -1);
        }
        true
    }
}

/// The first index in `0..n` for which `below` is false (`below` holds for a prefix).
fn partition(n: usize, below: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if below(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Against a sorted Vec: rank, access by rank, walks and lower bounds after random
        /// inserts and removals, across block splits, merges and removals.
        #[test]
        fn matches_a_sorted_vec(ops in proptest::collection::vec((0u16..600, -4i8..4, any::<bool>()), 1..1500)) {
            let mut r = Ranked::new();
            let mut model: Vec<(f64, Vec<u8>)> = Vec::new();
            for (m, s, insert) in ops {
                let member = format!("m{m}").into_bytes();
                let present = model.iter().position(|(_, mm)| *mm == member);
                match (insert, present) {
                    (true, None) => {
                        r.insert(s as f64, Bytes::from(member.clone()));
                        model.push((s as f64, member));
                        model.sort_by(|a, b| cmp(a.0, &a.1, b.0, &b.1));
                    }
                    (false, Some(p)) => {
                        let (sc, mm) = model.remove(p);
                        prop_assert!(r.remove(sc, &mm));
                    }
                    (false, None) => prop_assert!(!r.remove(s as f64, &member)),
                    _ => {}
                }
                prop_assert_eq!(r.len(), model.len());
            }
            for (k, (sc, mm)) in model.iter().enumerate() {
                prop_assert_eq!(r.rank(*sc, mm), Some(k));
                let (gm, gs) = r.get(k).unwrap();
                prop_assert_eq!((&gm[..], gs), (&mm[..], *sc));
            }
            prop_assert!(r.get(model.len()).is_none());
            let all: Vec<(Vec<u8>, f64)> = r.walk(0, usize::MAX, false).into_iter().map(|(m, s)| (m.to_vec(), s)).collect();
            prop_assert_eq!(all.len(), model.len());
            if !model.is_empty() {
                let back = r.walk(model.len() - 1, usize::MAX, true);
                prop_assert_eq!(back.len(), model.len());
                prop_assert_eq!(&back[0].0[..], &model.last().unwrap().1[..]);
            }
            for t in -5i8..5 {
                let want = model.iter().filter(|(s, _)| *s < t as f64).count();
                prop_assert_eq!(r.lower_bound(|s, _| s < t as f64), want);
            }
        }
    }
}
