//! A skiplist with spans (Redis's `zskiplist`): ordered by (score, member), with O(log n)
//! insert, delete, rank and access by rank. Nodes live in an arena (`Vec`) and link by
//! `u32` index, so there is no `unsafe` and no pointer per link.

use bytes::Bytes;
use std::cmp::Ordering;

const MAX_LEVEL: usize = 32;
const NIL: u32 = u32::MAX;
const HEAD: u32 = 0;

/// One forward link. It carries what a search needs to decide whether to follow it (the
/// next node's score) and where to continue (the next node's links), so a search step
/// touches one cache line of the link arena and visits a node only to compare members of
/// equal score.
#[derive(Debug, Clone, Copy)]
struct Link {
    /// The next node at this level (`NIL` at the end).
    node: u32,
    /// Nodes skipped by following this link (1 for the next node at level 0).
    span: u32,
    /// Offset of the next node's links in the arena.
    links: u32,
    /// The next node's score.
    score: f64,
}

const END: Link = Link {
    node: NIL,
    span: 0,
    links: NIL,
    score: 0.0,
};

#[derive(Debug, Clone)]
struct Node {
    member: Bytes,
    score: f64,
    backward: u32,
    /// Offset of this node's `height` links in the arena.
    links: u32,
    height: u8,
}

/// The ordered index of a sorted set.
#[derive(Debug, Clone)]
pub(crate) struct SkipList {
    nodes: Vec<Node>,
    free_nodes: Vec<u32>,
    /// Every node's links, each node's contiguous; the head's come first.
    links: Vec<Link>,
    /// Freed link runs, by height.
    free_links: Vec<Vec<u32>>,
    level: usize,
    len: usize,
    tail: u32,
    rng: u64,
}

impl SkipList {
    pub fn new() -> SkipList {
        let head = Node {
            member: Bytes::new(),
            score: 0.0,
            backward: NIL,
            links: 0,
            height: MAX_LEVEL as u8,
        };
        SkipList {
            nodes: vec![head],
            free_nodes: Vec::new(),
            links: vec![END; MAX_LEVEL],
            free_links: vec![Vec::new(); MAX_LEVEL + 1],
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

    /// Whether the node behind link `l` sorts before (score, member).
    #[inline]
    fn link_before(&self, l: &Link, score: f64, member: &[u8]) -> bool {
        l.node != NIL
            && match l.score.partial_cmp(&score) {
                Some(Ordering::Less) => true,
                Some(Ordering::Equal) => &self.nodes[l.node as usize].member[..] < member,
                _ => false,
            }
    }

    /// The member and score of node `n`.
    pub fn get(&self, n: u32) -> (&Bytes, f64) {
        let node = &self.nodes[n as usize];
        (&node.member, node.score)
    }

    /// The node after `n` in order, if any.
    pub fn next(&self, n: u32) -> Option<u32> {
        Some(self.links[self.nodes[n as usize].links as usize].node).filter(|&x| x != NIL)
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

    /// For each level, the offset of the links of the last node before (score, member),
    /// and for `rank`, the rank of that node.
    fn find_update(
        &self,
        score: f64,
        member: &[u8],
    ) -> ([u32; MAX_LEVEL], [u32; MAX_LEVEL], [u32; MAX_LEVEL]) {
        let mut update = [0u32; MAX_LEVEL];
        let mut update_node = [HEAD; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        let (mut x, mut xl) = (HEAD, 0u32);
        for i in (0..self.level).rev() {
            rank[i] = if i == self.level - 1 { 0 } else { rank[i + 1] };
            loop {
                let l = self.links[(xl as usize) + i];
                if !self.link_before(&l, score, member) {
                    break;
                }
                rank[i] += l.span;
                x = l.node;
                xl = l.links;
            }
            update[i] = xl;
            update_node[i] = x;
        }
        (update, update_node, rank)
    }

    fn alloc_links(&mut self, height: usize) -> u32 {
        match self.free_links[height].pop() {
            Some(off) => off,
            None => {
                let off = self.links.len() as u32;
                self.links.extend(std::iter::repeat_n(END, height));
                off
            }
        }
    }

    /// Inserts a member that is not present.
    pub fn insert(&mut self, score: f64, member: Bytes) {
        let (mut update, mut update_node, mut rank) = self.find_update(score, &member);
        let lvl = self.random_level();
        if lvl > self.level {
            for i in self.level..lvl {
                rank[i] = 0;
                update[i] = 0;
                update_node[i] = HEAD;
                self.links[i].span = self.len as u32;
            }
            self.level = lvl;
        }
        let off = self.alloc_links(lvl);
        let node = Node {
            member,
            score,
            backward: if update_node[0] == HEAD {
                NIL
            } else {
                update_node[0]
            },
            links: off,
            height: lvl as u8,
        };
        let x = match self.free_nodes.pop() {
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
            let u = update[i] as usize + i;
            let old = self.links[u];
            self.links[off as usize + i] = Link {
                span: old.span - (rank[0] - rank[i]),
                ..old
            };
            self.links[u] = Link {
                node: x,
                span: rank[0] - rank[i] + 1,
                links: off,
                score,
            };
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(lvl) {
            self.links[u as usize + i].span += 1;
        }
        match self.links[off as usize].node {
            NIL => self.tail = x,
            f => self.nodes[f as usize].backward = x,
        }
        self.len += 1;
    }

    /// Removes (score, member); false if it is not there.
    pub fn remove(&mut self, score: f64, member: &[u8]) -> bool {
        let (update, _, _) = self.find_update(score, member);
        let l = self.links[update[0] as usize];
        if l.node == NIL {
            return false;
        }
        let node = &self.nodes[l.node as usize];
        if node.score != score || &node.member[..] != member {
            return false;
        }
        self.unlink(l.node, &update);
        true
    }

    fn unlink(&mut self, x: u32, update: &[u32; MAX_LEVEL]) {
        let xoff = self.nodes[x as usize].links as usize;
        for (i, &u) in update.iter().enumerate().take(self.level) {
            let u = u as usize + i;
            if self.links[u].node == x {
                let xl = self.links[xoff + i];
                let span = self.links[u].span + xl.span - 1;
                self.links[u] = Link { span, ..xl };
            } else {
                self.links[u].span -= 1;
            }
        }
        let backward = self.nodes[x as usize].backward;
        match self.links[xoff].node {
            NIL => self.tail = backward,
            f => self.nodes[f as usize].backward = backward,
        }
        while self.level > 1 && self.links[self.level - 1].node == NIL {
            self.level -= 1;
        }
        self.len -= 1;
        let node = &mut self.nodes[x as usize];
        node.member = Bytes::new();
        self.free_links[node.height as usize].push(node.links);
        self.free_nodes.push(x);
    }

    /// 0-based rank of (score, member), if present.
    pub fn rank(&self, score: f64, member: &[u8]) -> Option<usize> {
        let (mut x, mut xl) = (HEAD, 0u32);
        let mut rank = 0u64;
        for i in (0..self.level).rev() {
            loop {
                let l = self.links[xl as usize + i];
                let follow = self.link_before(&l, score, member)
                    || (l.node != NIL
                        && l.score == score
                        && &self.nodes[l.node as usize].member[..] == member);
                if !follow {
                    break;
                }
                rank += l.span as u64;
                x = l.node;
                xl = l.links;
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
        let (mut x, mut xl) = (HEAD, 0u32);
        let mut traversed = 0u64;
        for i in (0..self.level).rev() {
            loop {
                let l = self.links[xl as usize + i];
                if l.node == NIL || traversed + l.span as u64 > target {
                    break;
                }
                traversed += l.span as u64;
                x = l.node;
                xl = l.links;
            }
            if traversed == target {
                return Some(x);
            }
        }
        None
    }

    /// The last node for which `go(score, node)` holds, `go` holding for a prefix of the
    /// list (`HEAD` if for none).
    fn seek(&self, go: impl Fn(f64, u32) -> bool) -> u32 {
        let (mut x, mut xl) = (HEAD, 0u32);
        for i in (0..self.level).rev() {
            loop {
                let l = self.links[xl as usize + i];
                if l.node == NIL || !go(l.score, l.node) {
                    break;
                }
                x = l.node;
                xl = l.links;
            }
        }
        x
    }

    /// The first node for which `below(score, node)` is false (`below` holds for a prefix).
    /// `node` lets a predicate look at the member (lex ranges); score ranges need not.
    pub fn first_not(&self, below: impl Fn(f64, u32) -> bool) -> Option<u32> {
        self.next(self.seek(below))
    }

    /// The last node for which `within(score, node)` holds (it holds for a prefix).
    pub fn last_with(&self, within: impl Fn(f64, u32) -> bool) -> Option<u32> {
        Some(self.seek(within)).filter(|&x| x != HEAD)
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
