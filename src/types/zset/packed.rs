//! The packed form of a small sorted set: its pairs in (score, member) order in one buffer,
//! each as `[score: 8 bytes][member length: 1 byte][member]`.

use bytes::Bytes;

/// Bytes charged per member of a packed sorted set beyond the member: the score and the
/// length byte.
pub(crate) const PACKED_MEMBER_OVERHEAD: usize = 9;

/// What a member of a packed sorted set is charged.
pub(super) fn member_bytes(m: &[u8]) -> usize {
    PACKED_MEMBER_OVERHEAD + m.len()
}

#[derive(Debug, Clone, Default)]
pub(super) struct Packed {
    buf: Vec<u8>,
    len: usize,
}

/// Walks a packed buffer: `(offset of the entry, score, member)`.
fn entries(buf: &[u8]) -> impl Iterator<Item = (usize, f64, &[u8])> {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= buf.len() {
            return None;
        }
        let start = at;
        let score = f64::from_le_bytes(buf[at..at + 8].try_into().expect("8 bytes"));
        let n = buf[at + 8] as usize;
        let member = &buf[at + 9..at + 9 + n];
        at += 9 + n;
        Some((start, score, member))
    })
}

impl Packed {
    pub fn len(&self) -> usize {
        self.len
    }

    /// Every pair in order.
    pub fn iter(&self) -> impl Iterator<Item = (f64, &[u8])> {
        entries(&self.buf).map(|(_, s, m)| (s, m))
    }

    fn find(&self, member: &[u8]) -> Option<(usize, usize, f64)> {
        entries(&self.buf)
            .enumerate()
            .find(|(_, (_, _, m))| *m == member)
            .map(|(rank, (at, s, _))| (rank, at, s))
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.find(member).map(|(_, _, s)| s)
    }

    /// 0-based rank from the lowest score, and the score.
    pub fn rank(&self, member: &[u8]) -> Option<(usize, f64)> {
        self.find(member).map(|(rank, _, s)| (rank, s))
    }

    /// Puts (score, member), which is not present, in its place in the order.
    fn insert(&mut self, score: f64, member: &[u8]) {
        let at = entries(&self.buf)
            .find(|&(_, s, m)| s > score || (s == score && m > member))
            .map_or(self.buf.len(), |(at, _, _)| at);
        let mut entry = Vec::with_capacity(9 + member.len());
        entry.extend_from_slice(&score.to_le_bytes());
        entry.push(member.len() as u8);
        entry.extend_from_slice(member);
        self.buf.splice(at..at, entry);
    }

    /// Sets `member`'s score (the caller checked the packed limits); returns the previous
    /// one. Keeps `bytes` up to date.
    pub fn set(&mut self, member: &[u8], score: f64, bytes: &mut usize) -> Option<f64> {
        match self.find(member) {
            Some((_, _, prev)) if prev == score => Some(prev),
            Some((_, at, prev)) => {
                self.buf.drain(at..at + 9 + member.len());
                self.insert(score, member);
                Some(prev)
            }
            None => {
                self.insert(score, member);
                self.len += 1;
                *bytes += member_bytes(member);
                None
            }
        }
    }

    /// Removes `member`; returns its score.
    pub fn remove(&mut self, member: &[u8], bytes: &mut usize) -> Option<f64> {
        let (_, at, score) = self.find(member)?;
        self.buf.drain(at..at + 9 + member.len());
        self.len -= 1;
        *bytes -= member_bytes(member);
        Some(score)
    }

    /// Pairs from rank `from`, forwards (or backwards with `rev`), at most `n`, copied out.
    pub fn walk(&self, from: usize, n: usize, rev: bool) -> Vec<(Bytes, f64)> {
        if from >= self.len {
            return Vec::new();
        }
        let copy = |(s, m): (f64, &[u8])| (Bytes::copy_from_slice(m), s);
        if rev {
            let upto: Vec<_> = self.iter().take(from + 1).collect();
            upto.into_iter().rev().take(n).map(copy).collect()
        } else {
            self.iter().skip(from).take(n).map(copy).collect()
        }
    }
}
