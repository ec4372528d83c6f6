//! Sets: packed while small, a hash set once they grow.
//!
//! A small set (at most [`PACKED_MAX_ENTRIES`] members of at most [`PACKED_MAX_LEN`]
//! bytes, Redis 7.2's listpack limits for sets) keeps its members as length-prefixed byte
//! strings in one buffer: one allocation instead of an index, a bucket array and a `Bytes`
//! allocation per member. Lookups scan the buffer, which at these sizes costs less than
//! hashing. The first write past either limit converts it to an insertion-ordered hash
//! set (O(1) random members for SPOP and SRANDMEMBER; members keep their slot, SSCAN's cursor)
//! for good, as Redis does.

use bytes::Bytes;

use super::slots::Slots;

/// Members a packed set holds at most (Redis's `set-max-listpack-entries`).
pub(crate) const PACKED_MAX_ENTRIES: usize = 128;
/// Longest member a packed set holds (Redis's `set-max-listpack-value`).
pub(crate) const PACKED_MAX_LEN: usize = 64;
/// Bytes charged per member of a packed set beyond its payload: its length byte.
pub(crate) const PACKED_MEMBER_OVERHEAD: usize = 1;
/// SSCAN cursors from here up are places in the hash order of a packed set's walk; below
/// are hash-set slots.
const HASH_CURSORS: u64 = 1 << 52;

/// A member's place in a packed set's SSCAN walk: a fixed hash (so that a cursor keeps its
/// meaning between calls) folded into [2^52, 2^53).
fn scan_place(m: &[u8]) -> u64 {
    static ORDER: ahash::RandomState =
        ahash::RandomState::with_seeds(0x5ca1_ab1e, 0xf00d, 0x00c0_ffee, 0x5eed);
    HASH_CURSORS | (ORDER.hash_one(m) >> 12)
}

/// Bytes charged per member of a hash set beyond its payload: the `Bytes` handle, the
/// bucket and the index slot.
pub(crate) const TABLE_MEMBER_OVERHEAD: usize = 48;

type Table = Slots<Bytes>;

#[derive(Debug, Clone)]
pub(crate) enum SetValue {
    /// `[member len][member]` repeated, the length one byte, in insertion order.
    Packed {
        buf: Vec<u8>,
        len: usize,
    },
    Table(Table),
}

impl Default for SetValue {
    fn default() -> Self {
        SetValue::Packed {
            buf: Vec::new(),
            len: 0,
        }
    }
}

/// Walks a packed buffer: `(offset of the entry, member)`.
fn entries(buf: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= buf.len() {
            return None;
        }
        let start = at;
        let n = buf[at] as usize;
        at += 1 + n;
        Some((start, &buf[start + 1..at]))
    })
}

fn packed_cost(m: &[u8]) -> usize {
    PACKED_MEMBER_OVERHEAD + m.len()
}

fn table_cost(m: &[u8]) -> usize {
    TABLE_MEMBER_OVERHEAD + m.len()
}

impl SetValue {
    /// A set of `members` (distinct), charged to `bytes`: packed if they fit.
    pub fn from_members(members: impl IntoIterator<Item = Bytes>, bytes: &mut usize) -> Self {
        let mut s = SetValue::default();
        for m in members {
            s.insert(bytes, m);
        }
        s
    }

    pub fn len(&self) -> usize {
        match self {
            SetValue::Packed { len, .. } => *len,
            SetValue::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True while the packed encoding is in use (OBJECT ENCODING's `listpack`).
    #[cfg(test)]
    pub fn is_packed(&self) -> bool {
        matches!(self, SetValue::Packed { .. })
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        match self {
            SetValue::Packed { buf, .. } => entries(buf).any(|(_, m)| m == member),
            SetValue::Table(t) => t.contains(member),
        }
    }

    /// Converts to a hash set, re-charging every member at the table's rate.
    fn convert_to_table(&mut self, bytes: &mut usize) {
        if let SetValue::Packed { buf, len } = self {
            let mut t = Table::with_capacity(*len + 1);
            for (_, m) in entries(buf) {
                *bytes = *bytes - packed_cost(m) + table_cost(m);
                t.insert_new(Bytes::copy_from_slice(m));
            }
            *self = SetValue::Table(t);
        }
    }

    /// Adds `member`, keeping `bytes` (the collection's charge) exact; true if it is new.
    pub fn insert(&mut self, bytes: &mut usize, member: Bytes) -> bool {
        if self.contains(&member) {
            return false;
        }
        if let SetValue::Packed { len, .. } = self {
            if member.len() > PACKED_MAX_LEN || *len >= PACKED_MAX_ENTRIES {
                self.convert_to_table(bytes);
            }
        }
        match self {
            SetValue::Packed { buf, len } => {
                *bytes += packed_cost(&member);
                buf.push(member.len() as u8);
                buf.extend_from_slice(&member);
                *len += 1;
            }
            SetValue::Table(t) => {
                *bytes += table_cost(&member);
                t.insert_new(member);
            }
        }
        true
    }

    /// Removes `member`; true if it was there.
    pub fn remove(&mut self, bytes: &mut usize, member: &[u8]) -> bool {
        let gone = match self {
            SetValue::Packed { buf, len } => {
                let Some((at, _)) = entries(buf).find(|(_, m)| *m == member) else {
                    return false;
                };
                buf.drain(at..at + 1 + member.len());
                *len -= 1;
                packed_cost(member)
            }
            SetValue::Table(t) => {
                if t.remove(member).is_none() {
                    return false;
                }
                table_cost(member)
            }
        };
        *bytes -= gone;
        true
    }

    /// Random members, as SRANDMEMBER counts them: `count > 0` distinct ones (all if
    /// fewer), `count < 0` that many with repeats.
    pub fn random_members(&self, count: i64) -> Vec<Bytes> {
        match self {
            SetValue::Packed { buf, len } => {
                let members: Vec<&[u8]> = entries(buf).map(|(_, m)| m).collect();
                crate::commands::hashes::random_picks(*len, count)
                    .into_iter()
                    .map(|i| Bytes::copy_from_slice(members[i]))
                    .collect()
            }
            SetValue::Table(t) => t
                .sample(count)
                .into_iter()
                .map(|i| t.at(i).expect("sampled").clone())
                .collect(),
        }
    }

    /// Removes up to `count` random members and returns them (SPOP).
    pub fn pop_random(&mut self, bytes: &mut usize, count: usize) -> Vec<Bytes> {
        let picked = self.random_members(count.min(i64::MAX as usize) as i64);
        for m in &picked {
            self.remove(bytes, m);
        }
        picked
    }

    /// One page of SSCAN from `cursor` (0: the start): up to `count` members and the
    /// cursor to pass next (0: done). Members present for the whole scan are returned
    /// exactly once, whatever is added or removed meanwhile:
    /// - a hash set walks its slots, which never move (see `types::slots`), from the
    ///   highest down; the cursor is a slot;
    /// - a packed set walks its members in the order of a fixed hash of each, and the
    ///   cursor is the next member's place in that order, from 2^52 up (under 2^53, so
    ///   node-redis's Number cursors stay exact). A set that grows into a hash set during
    ///   such a scan goes on in that order.
    pub fn scan_page(&self, cursor: u64, count: usize) -> (u64, Vec<&[u8]>) {
        let count = count.max(1);
        match self {
            SetValue::Table(t) if cursor < HASH_CURSORS => {
                let (places, next) = crate::commands::coll::scan_step(t.span(), cursor, count);
                let page = places.rev().filter_map(|i| t.at(i)).map(|m| &m[..]);
                (next, page.collect())
            }
            _ => {
                let from = if cursor < HASH_CURSORS { 0 } else { cursor };
                let mut members: Vec<(u64, &[u8])> = self
                    .iter()
                    .map(|m| (scan_place(m), m))
                    .filter(|&(h, _)| h >= from)
                    .collect();
                members.sort_unstable();
                let next = members.get(count).map_or(0, |&(h, _)| h);
                // Members of one place stay on one page, so the next one starts clean.
                let end = members.partition_point(|&(h, _)| next == 0 || h < next);
                (next, members[..end].iter().map(|&(_, m)| m).collect())
            }
        }
    }

    /// Every member, in order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = &[u8]> + '_> {
        match self {
            SetValue::Packed { buf, .. } => Box::new(entries(buf).map(|(_, m)| m)),
            SetValue::Table(t) => Box::new(t.iter().map(|m| &m[..])),
        }
    }

    /// Every member as an owned `Bytes` (a reference count for a hash set, a copy when
    /// packed).
    pub fn to_members(&self) -> Vec<Bytes> {
        match self {
            SetValue::Table(t) => t.iter().cloned().collect(),
            packed => packed.iter().map(Bytes::copy_from_slice).collect(),
        }
    }

    /// True when an SSCAN must walk by index (a hash set); a packed set is returned whole
    /// in one page, as Redis returns a listpack.
    pub fn scans_by_index(&self) -> bool {
        matches!(self, SetValue::Table(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn table() -> SetValue {
        let mut s = SetValue::default();
        s.convert_to_table(&mut 0);
        s
    }

    #[test]
    fn converts_past_either_limit_and_keeps_everything() {
        let mut bytes = 0;
        let mut s = SetValue::default();
        for i in 0..PACKED_MAX_ENTRIES {
            assert!(s.insert(&mut bytes, Bytes::from(format!("m{i:03}"))));
        }
        assert!(!s.insert(&mut bytes, Bytes::from_static(b"m000")));
        assert!(s.is_packed());
        assert_eq!(bytes, PACKED_MAX_ENTRIES * (PACKED_MEMBER_OVERHEAD + 4));
        assert!(s.insert(&mut bytes, Bytes::from_static(b"one more")));
        assert!(!s.is_packed());
        assert_eq!(bytes, s.iter().map(table_cost).sum::<usize>());
        assert!((0..PACKED_MAX_ENTRIES).all(|i| s.contains(format!("m{i:03}").as_bytes())));

        let mut bytes = 0;
        let mut s = SetValue::default();
        s.insert(&mut bytes, Bytes::from(vec![b'x'; PACKED_MAX_LEN]));
        assert!(s.is_packed());
        s.insert(&mut bytes, Bytes::from(vec![b'y'; PACKED_MAX_LEN + 1]));
        assert!(!s.is_packed());
        assert_eq!(s.len(), 2);
    }

    proptest! {
        /// Both forms hold the same members after the same writes, random pops included,
        /// and keep their charge equal to the sum of their members' charges.
        #[test]
        fn packed_and_table_agree(ops in proptest::collection::vec((0u8..50, 0u8..3), 1..300)) {
            let (mut p, mut t) = (SetValue::default(), table());
            let (mut pb, mut tb) = (0, 0);
            for (m, op) in ops {
                let member = Bytes::from(format!("m{m}"));
                match op {
                    0 => prop_assert_eq!(p.insert(&mut pb, member.clone()), t.insert(&mut tb, member)),
                    1 => prop_assert_eq!(p.remove(&mut pb, &member), t.remove(&mut tb, &member)),
                    _ => {
                        // The same member leaves both, wherever each keeps it.
                        for gone in p.pop_random(&mut pb, 1 + m as usize % 3) {
                            prop_assert!(t.remove(&mut tb, &gone));
                        }
                    }
                }
                prop_assert_eq!(p.len(), t.len());
            }
            prop_assert!(p.is_packed() && !t.is_packed());
            let mut a = p.to_members();
            let mut b = t.to_members();
            a.sort();
            b.sort();
            prop_assert_eq!(&a, &b);
            prop_assert!(a.iter().all(|m| p.contains(m) && t.contains(m)));
            prop_assert_eq!(pb, p.iter().map(packed_cost).sum::<usize>());
            prop_assert_eq!(tb, t.iter().map(table_cost).sum::<usize>());
            let n = p.len() as i64;
            for form in [&p, &t] {
                let picks = form.random_members(n / 2 + 1);
                let distinct: std::collections::BTreeSet<&Bytes> = picks.iter().collect();
                prop_assert_eq!(distinct.len(), picks.len().min(p.len()));
                prop_assert!(picks.iter().all(|m| form.contains(m)));
                prop_assert_eq!(form.random_members(-5).len(), if n == 0 { 0 } else { 5 });
            }
        }

        /// A scan returns every member present throughout exactly once, whatever is
        /// removed and added between its pages, in both forms.
        #[test]
        fn scans_return_each_lasting_member_once(
            start in 1usize..300,
            churn in proptest::collection::vec((any::<bool>(), 0usize..400), 0..200),
            count in 1usize..20,
        ) {
            let mut bytes = 0;
            let mut s = SetValue::default();
            for i in 0..start {
                s.insert(&mut bytes, Bytes::from(format!("m{i}")));
            }
            let touched: std::collections::BTreeSet<String> =
                churn.iter().map(|&(_, i)| format!("m{i}")).collect();
            let lasting: std::collections::BTreeSet<String> = (0..start)
                .map(|i| format!("m{i}"))
                .filter(|m| !touched.contains(m))
                .collect();
            let (mut cursor, mut seen, mut churn) = (0u64, Vec::new(), churn.into_iter());
            loop {
                let (next, page) = s.scan_page(cursor, count);
                seen.extend(page.into_iter().map(|m| String::from_utf8(m.to_vec()).unwrap()));
                if let Some((add, i)) = churn.next() {
                    let m = Bytes::from(format!("m{i}"));
                    if add { s.insert(&mut bytes, m); } else { s.remove(&mut bytes, &m); }
                }
                if next == 0 { break; }
                cursor = next;
            }
            for m in &lasting {
                prop_assert_eq!(seen.iter().filter(|s| *s == m).count(), 1, "{}", m);
            }
        }
    }
}
