//! Sets: packed while small, a hash set once they grow.
//!
//! A small set (at most [`PACKED_MAX_ENTRIES`] members of at most [`PACKED_MAX_LEN`]
//! bytes, Redis 7.2's listpack limits for sets) keeps its members as length-prefixed byte
//! strings in one buffer: one allocation instead of an index, a bucket array and a `Bytes`
//! allocation per member. Lookups scan the buffer, which at these sizes costs less than
//! hashing. The first write past either limit converts it to an insertion-ordered hash
//! set (O(1) random members for SPOP and SRANDMEMBER) for good, as Redis does.

use bytes::Bytes;
use indexmap::IndexSet;

/// Members a packed set holds at most (Redis's `set-max-listpack-entries`).
pub(crate) const PACKED_MAX_ENTRIES: usize = 128;
/// Longest member a packed set holds (Redis's `set-max-listpack-value`).
pub(crate) const PACKED_MAX_LEN: usize = 64;
/// Bytes charged per member of a packed set beyond its payload: its length byte.
pub(crate) const PACKED_MEMBER_OVERHEAD: usize = 1;
/// Bytes charged per member of a hash set beyond its payload: the `Bytes` handle, the
/// bucket and the index slot.
pub(crate) const TABLE_MEMBER_OVERHEAD: usize = 48;

type Table = IndexSet<Bytes, ahash::RandomState>;

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
            let mut t = Table::with_capacity_and_hasher(*len + 1, Default::default());
            for (_, m) in entries(buf) {
                *bytes = *bytes - packed_cost(m) + table_cost(m);
                t.insert(Bytes::copy_from_slice(m));
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
                t.insert(member);
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
                if !t.swap_remove(member) {
                    return false;
                }
                table_cost(member)
            }
        };
        *bytes -= gone;
        true
    }

    /// The member at `index` (insertion order, with swap-removal for a hash set).
    pub fn member_at(&self, index: usize) -> Option<Bytes> {
        match self {
            SetValue::Packed { buf, .. } => entries(buf)
                .nth(index)
                .map(|(_, m)| Bytes::copy_from_slice(m)),
            SetValue::Table(t) => t.get_index(index).cloned(),
        }
    }

    /// Removes and returns the member at `index`. Removing from the highest index down
    /// keeps the lower indices valid in both forms.
    pub fn remove_at(&mut self, bytes: &mut usize, index: usize) -> Option<Bytes> {
        let m = self.member_at(index)?;
        self.remove(bytes, &m);
        Some(m)
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
        /// Both forms hold the same members after the same writes, removal by index
        /// included, and keep their charge equal to the sum of their members' charges.
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
                        let i = m as usize % p.len().max(1);
                        if let Some(gone) = p.remove_at(&mut pb, i) {
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
            prop_assert!((0..p.len()).all(|i| p.member_at(i).is_some()) && p.member_at(p.len()).is_none());
        }
    }
}
