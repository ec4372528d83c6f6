//! A skiplist with spans (Redis's `zskiplist`): ordered by (score, member), with O(log n)
//! insert, delete, rank and access by rank. Nodes live in an arena (`Vec`) and link by
//! `u32` index, so there is no `unsafe` and no pointer per link.

use bytes::Bytes;
use std::cmp::Ordering;

const MAX_LEVEL: usize = 32;
const NIL: u32 = u32::MAX;
const HEAD: u32 = 0;

#[derive(Debug, Clone, Copy)]
struct Link {
    forward: u32,
    /// Nodes skipped by following `forward` (1 for the next node at level 0).
    span: u32,
}

#[derive(Debug, Clone)]
struct Node {
    member: Bytes,
    score: f64,
    backward: u32,
    levels: Vec<Link>,
}

/// The ordered index of a sorted set.
#[derive(Debug, Clone)]
pub(crate) struct SkipList {
    nodes: Vec<Node>,
    free: Vec<u32>,
    level: usize,
    len: usize,
    tail: u32,
    rng: u64,
}

/// (score, member) order, as Redis sorts sorted sets.
fn before(score: f64, member: &[u8], other_score: f64, other_member: &[u8]) -> bool {
    match score.partial_cmp(&other_score) {
        Some(Ordering::Less) => true,
        Some(Ordering::Equal) => member < other_member,
        _ => false,
    }
}

impl SkipList {
    pub fn new() -> SkipList {
        let head = Node {
            member: Bytes::new(),
            score: 0.0,
            backward: NIL,
            levels: vec![
                Link {
                    forward: NIL,
                    span: 0
                };
                MAX_LEVEL
            ],
        };
        SkipList {
            nodes: vec![head],
            free: Vec::new(),
            level: 1,
            len: 0,
            tail: NIL,
            rng: 0x2545_F491_4F6C_DD1D,
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    fn random_level(&mut self) -> usize {
        let mut level = 1;
        loop {
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            // p = 1/4 per extra level, as Redis.
            if self.rng & 3 != 0 || level == MAX_LEVEL {
                return level;
            }
            level += 1;
        }
    }

    fn fwd(&self, n: u32, i: usize) -> u32 {
        self.nodes[n as usize].levels[i].forward
    }

    /// The member and score of node `n`.
    pub fn get(&self, n: u32) -> (&Bytes, f64) {
        let node = &self.nodes[n as usize];
        (&node.member, node.score)
    }

    /// The node after `n` in order, if any.
    pub fn next(&self, n: u32) -> Option<u32> {
        Some(self.fwd(n, 0)).filter(|&x| x != NIL)
    }

    /// The node before `n` in order, if any.
    pub fn prev(&self, n: u32) -> Option<u32> {
        Some(self.nodes[n as usize].backward).filter(|&x| x != NIL)
    }

    pub fn first(&self) -> Option<u32> {
        self.next(HEAD)
    }

    #[cfg(test)]
    pub fn last(&self) -> Option<u32> {
        Some(self.tail).filter(|&x| x != NIL)
    }

    /// Inserts a member that is not present.
    pub fn insert(&mut self, score: f64, member: Bytes) {
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            rank[i] = if i == self.level - 1 { 0 } else { rank[i + 1] };
            loop {
                let f = self.fwd(x, i);
                if f == NIL {
                    break;
                }
                let fnode = &self.nodes[f as usize];
                if !before(fnode.score, &fnode.member, score, &member) {
                    break;
                }
                rank[i] += self.nodes[x as usize].levels[i].span;
                x = f;
            }
            update[i] = x;
        }
        let lvl = self.random_level();
        if lvl > self.level {
            for i in self.level..lvl {
                rank[i] = 0;
                update[i] = HEAD;
                self.nodes[HEAD as usize].levels[i].span = self.len as u32;
            }
            self.level = lvl;
        }
        let node = Node {
            member,
            score,
            backward: if update[0] == HEAD { NIL } else { update[0] },
            levels: vec![
                Link {
                    forward: NIL,
                    span: 0
                };
                lvl
            ],
        };
        let x = match self.free.pop() {
            Some(slot) => {
                self.nodes[slot as usize] = node;
                slot
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        for i in 0..lvl {
            let u = update[i] as usize;
            let ulink = self.nodes[u].levels[i];
            self.nodes[x as usize].levels[i] = Link {
                forward: ulink.forward,
                span: ulink.span - (rank[0] - rank[i]),
            };
            self.nodes[u].levels[i] = Link {
                forward: x,
                span: rank[0] - rank[i] + 1,
            };
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(lvl) {
            self.nodes[u as usize].levels[i].span += 1;
        }
        match self.fwd(x, 0) {
            NIL => self.tail = x,
            f => self.nodes[f as usize].backward = x,
        }
        self.len += 1;
    }

    /// Removes (score, member); false if it is not there.
    pub fn remove(&mut self, score: f64, member: &[u8]) -> bool {
        let mut update = [HEAD; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f == NIL {
                    break;
                }
                let fnode = &self.nodes[f as usize];
                if !before(fnode.score, &fnode.member, score, member) {
                    break;
                }
                x = f;
            }
            update[i] = x;
        }
        let x = self.fwd(x, 0);
        if x == NIL {
            return false;
        }
        let node = &self.nodes[x as usize];
        if node.score != score || &node.member[..] != member {
            return false;
        }
        self.unlink(x, &update);
        true
    }

    fn unlink(&mut self, x: u32, update: &[u32; MAX_LEVEL]) {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            let u = u as usize;
            if self.nodes[u].levels[i].forward == x {
                let xl = self.nodes[x as usize].levels[i];
                let ul = &mut self.nodes[u].levels[i];
                ul.span = ul.span + xl.span - 1;
                ul.forward = xl.forward;
            } else {
                self.nodes[u].levels[i].span -= 1;
            }
        }
        let backward = self.nodes[x as usize].backward;
        match self.fwd(x, 0) {
            NIL => self.tail = backward,
            f => self.nodes[f as usize].backward = backward,
        }
        while self.level > 1 && self.nodes[HEAD as usize].levels[self.level - 1].forward == NIL {
            self.level -= 1;
        }
        self.len -= 1;
        let node = &mut self.nodes[x as usize];
        node.member = Bytes::new();
        node.levels = Vec::new();
        self.free.push(x);
    }

    /// 0-based rank of (score, member), if present.
    pub fn rank(&self, score: f64, member: &[u8]) -> Option<usize> {
        let mut x = HEAD;
        let mut rank = 0u64;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f == NIL {
                    break;
                }
                let fnode = &self.nodes[f as usize];
                let le = before(fnode.score, &fnode.member, score, member)
                    || (fnode.score == score && &fnode.member[..] == member);
                if !le {
                    break;
                }
                rank += self.nodes[x as usize].levels[i].span as u64;
                x = f;
            }
            if x != HEAD {
                let node = &self.nodes[x as usize];
                if node.score == score && &node.member[..] == member {
                    return Some(rank as usize - 1);
                }
            }
        }
        None
    }

    /// The node at 0-based `rank`.
    pub fn by_rank(&self, rank: usize) -> Option<u32> {
        let target = rank as u64 + 1;
        let mut x = HEAD;
        let mut traversed = 0u64;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                let span = self.nodes[x as usize].levels[i].span as u64;
                if f == NIL || traversed + span > target {
                    break;
                }
                traversed += span;
                x = f;
            }
            if traversed == target {
                return Some(x);
            }
        }
        None
    }

    /// The first node for which `below` is false (the list is ordered so that `below`
    /// holds for a prefix), if any.
    pub fn first_not(&self, below: impl Fn(f64, &[u8]) -> bool) -> Option<u32> {
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f == NIL {
                    break;
                }
                let n = &self.nodes[f as usize];
                if !below(n.score, &n.member) {
                    break;
                }
                x = f;
            }
        }
        self.next(x)
    }

    /// The last node for which `within` is true (`within` holds for a prefix), if any.
    pub fn last_with(&self, within: impl Fn(f64, &[u8]) -> bool) -> Option<u32> {
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f == NIL {
                    break;
                }
                let n = &self.nodes[f as usize];
                if !within(n.score, &n.member) {
                    break;
                }
                x = f;
            }
        }
        (x != HEAD).then_some(x)
    }

    /// 0-based rank of node `n` (O(log n) through its key).
    pub fn rank_of(&self, n: u32) -> usize {
        let (member, score) = self.get(n);
        self.rank(score, member).expect("node is in the list")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Against a sorted Vec: order, rank and access by rank after random inserts and
        /// removals.
        #[test]
        fn matches_a_sorted_vec(ops in proptest::collection::vec((0u8..40, -5i8..5, any::<bool>()), 1..300)) {
            let mut sl = SkipList::new();
            let mut model: Vec<(f64, Vec<u8>)> = Vec::new();
            for (m, s, insert) in ops {
                let member = vec![b'a' + m % 26, m];
                let score = s as f64;
                let present = model.iter().position(|(_, mm)| *mm == member);
                match (insert, present) {
                    (true, None) => {
                        sl.insert(score, Bytes::from(member.clone()));
                        model.push((score, member));
                    }
                    (false, Some(p)) => {
                        let (sc, mm) = model.remove(p);
                        prop_assert!(sl.remove(sc, &mm));
                    }
                    (false, None) => prop_assert!(!sl.remove(score, &member)),
                    _ => {}
                }
                model.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap().then_with(|| a.1.cmp(&b.1)));
                prop_assert_eq!(sl.len(), model.len());
                let mut walked = Vec::new();
                let mut n = sl.first();
                while let Some(x) = n {
                    let (mm, sc) = sl.get(x);
                    walked.push((sc, mm.to_vec()));
                    n = sl.next(x);
                }
                prop_assert_eq!(&walked, &model);
                for (r, (sc, mm)) in model.iter().enumerate() {
                    prop_assert_eq!(sl.rank(*sc, mm), Some(r));
                    let x = sl.by_rank(r).unwrap();
                    prop_assert_eq!(&sl.get(x).0[..], &mm[..]);
                }
                prop_assert_eq!(sl.by_rank(model.len()), None);
                if let Some(last) = sl.last() {
                    prop_assert_eq!(&sl.get(last).0[..], &model.last().unwrap().1[..]);
                    prop_assert_eq!(sl.prev(sl.first().unwrap()), None);
                }
            }
        }
    }
}
