//! Hashes: packed while small, a hash table once they grow.
//!
//! A small hash (at most [`PACKED_MAX_ENTRIES`] fields, none of whose fields or values is
//! longer than [`PACKED_MAX_LEN`] bytes, Redis's listpack limits) keeps its fields and
//! values as length-prefixed byte strings in one buffer: one allocation instead of an
//! index, a bucket array and two `Bytes` allocations per field. Lookups scan the buffer,
//! which at these sizes costs less than hashing. The first write past either limit converts
//! it to a hash table whose fields keep their slot (HSCAN's cursor) for good, as Redis does.

use bytes::Bytes;

use super::slots::Slots;

/// Fields a packed hash holds at most (Redis's `hash-max-listpack-entries`).
pub(crate) const PACKED_MAX_ENTRIES: usize = 128;
/// Longest field or value a packed hash holds (Redis's `hash-max-listpack-value`).
pub(crate) const PACKED_MAX_LEN: usize = 64;
/// Bytes charged per field of a packed hash beyond its payload: two length bytes.
pub(crate) const PACKED_FIELD_OVERHEAD: usize = 2;
/// Bytes charged per field of a hash table beyond its payload: the `Bytes` handles, the
/// bucket and the index slot.
pub(crate) const TABLE_FIELD_OVERHEAD: usize = 80;

type Table = Slots<(Bytes, Bytes)>;

#[derive(Debug, Clone)]
pub(crate) enum HashValue {
    /// `[field len][field][value len][value]` repeated, lengths one byte each.
    Packed {
        buf: Vec<u8>,
        len: usize,
    },
    Table(Table),
}

impl Default for HashValue {
    fn default() -> Self {
        HashValue::Packed {
            buf: Vec::new(),
            len: 0,
        }
    }
}

/// Walks a packed buffer: `(offset of the entry, field, value)`.
fn entries(buf: &[u8]) -> impl Iterator<Item = (usize, &[u8], &[u8])> {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= buf.len() {
            return None;
        }
        let start = at;
        let flen = buf[at] as usize;
        let field = &buf[at + 1..at + 1 + flen];
        at += 1 + flen;
        let vlen = buf[at] as usize;
        let value = &buf[at + 1..at + 1 + vlen];
        at += 1 + vlen;
        Some((start, field, value))
    })
}

fn push_entry(buf: &mut Vec<u8>, field: &[u8], value: &[u8]) {
    buf.push(field.len() as u8);
    buf.extend_from_slice(field);
    buf.push(value.len() as u8);
    buf.extend_from_slice(value);
}

fn packed_cost(field: &[u8], value: &[u8]) -> usize {
    PACKED_FIELD_OVERHEAD + field.len() + value.len()
}

fn table_cost(field: &[u8], value: &[u8]) -> usize {
    TABLE_FIELD_OVERHEAD + field.len() + value.len()
}

impl HashValue {
    pub fn len(&self) -> usize {
        match self {
            HashValue::Packed { len, .. } => *len,
            HashValue::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True while the packed encoding is in use (OBJECT ENCODING's `listpack`).
    #[cfg(test)]
    pub fn is_packed(&self) -> bool {
        matches!(self, HashValue::Packed { .. })
    }

    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            HashValue::Packed { buf, .. } => entries(buf)
                .find(|(_, f, _)| *f == field)
                .map(|(_, _, v)| v),
            HashValue::Table(t) => t.get(field).map(|(_, v)| &v[..]),
        }
    }

    /// The value as an owned `Bytes` (a reference count for a table, a copy when packed).
    pub fn get_bytes(&self, field: &[u8]) -> Option<Bytes> {
        match self {
            HashValue::Table(t) => t.get(field).map(|(_, v)| v.clone()),
            packed => packed.get(field).map(Bytes::copy_from_slice),
        }
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Converts to a hash table, re-charging every field at the table's rate.
    fn convert_to_table(&mut self, bytes: &mut usize) {
        if let HashValue::Packed { buf, len } = self {
            let mut t = Table::with_capacity(*len + 1);
            for (_, f, v) in entries(buf) {
                *bytes = *bytes - packed_cost(f, v) + table_cost(f, v);
                t.insert_new((Bytes::copy_from_slice(f), Bytes::copy_from_slice(v)));
            }
            *self = HashValue::Table(t);
        }
    }

    /// Sets `field` to `value`, keeping `bytes` (the collection's charge) exact; true if the
    /// field is new.
    pub fn set(&mut self, bytes: &mut usize, field: Bytes, value: Bytes) -> bool {
        if let HashValue::Packed { len, .. } = self {
            let fits = field.len() <= PACKED_MAX_LEN && value.len() <= PACKED_MAX_LEN;
            let room = *len < PACKED_MAX_ENTRIES || self.contains(&field);
            if !(fits && room) {
                self.convert_to_table(bytes);
            }
        }
        match self {
            HashValue::Packed { buf, len } => {
                let found = entries(buf)
                    .find(|(_, f, _)| *f == &field[..])
                    .map(|(at, f, v)| (at, 2 + f.len() + v.len(), v.len()));
                match found {
                    Some((at, size, old_len)) => {
                        let mut entry = Vec::with_capacity(2 + field.len() + value.len());
                        push_entry(&mut entry, &field, &value);
                        buf.splice(at..at + size, entry);
                        *bytes = *bytes + value.len() - old_len;
                        false
                    }
                    None => {
                        push_entry(buf, &field, &value);
                        *len += 1;
                        *bytes += packed_cost(&field, &value);
                        true
                    }
                }
            }
            HashValue::Table(t) => match t.get_mut(&field[..]) {
                Some((_, slot)) => {
                    *bytes = *bytes + value.len() - slot.len();
                    *slot = value;
                    false
                }
                None => {
                    *bytes += table_cost(&field, &value);
                    t.insert_new((field, value));
                    true
                }
            },
        }
    }

    /// Removes `field`; true if it was there.
    pub fn remove(&mut self, bytes: &mut usize, field: &[u8]) -> bool {
        match self {
            HashValue::Packed { buf, len } => {
                let Some((at, f, v)) = entries(buf).find(|(_, f, _)| *f == field) else {
                    return false;
                };
                let (size, cost) = (2 + f.len() + v.len(), packed_cost(f, v));
                buf.drain(at..at + size);
                *len -= 1;
                *bytes -= cost;
                true
            }
            HashValue::Table(t) => match t.remove(field) {
                Some((f, v)) => {
                    *bytes -= table_cost(&f, &v);
                    true
                }
                None => false,
            },
        }
    }

    /// Every field and value, in order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = (&[u8], &[u8])> + '_> {
        match self {
            HashValue::Packed { buf, .. } => Box::new(entries(buf).map(|(_, f, v)| (f, v))),
            HashValue::Table(t) => Box::new(t.iter().map(|(f, v)| (&f[..], &v[..]))),
        }
    }

    /// Every field and value as owned `Bytes`.
    pub fn to_pairs(&self) -> Vec<(Bytes, Bytes)> {
        match self {
            HashValue::Table(t) => t.iter().map(|(f, v)| (f.clone(), v.clone())).collect(),
            packed => packed
                .iter()
                .map(|(f, v)| (Bytes::copy_from_slice(f), Bytes::copy_from_slice(v)))
                .collect(),
        }
    }

    /// Random fields with their values, as HRANDFIELD counts them: `count > 0` distinct
    /// ones (all if fewer), `count < 0` that many with repeats.
    pub fn random_pairs(&self, count: i64) -> Vec<(Bytes, Bytes)> {
        match self {
            HashValue::Table(t) => t
                .sample(count)
                .into_iter()
                .map(|i| t.at(i).expect("sampled").clone())
                .collect(),
            packed => {
                let pairs = packed.to_pairs();
                crate::commands::hashes::random_picks(pairs.len(), count)
                    .into_iter()
                    .map(|i| pairs[i].clone())
                    .collect()
            }
        }
    }

    /// One page of HSCAN over a table from `cursor` (0: the start): the slots it walks,
    /// from the highest down, never move while their field stays (see `types::slots`), so
    /// a field present throughout the scan is returned exactly once. The cursor to pass
    /// next comes back with the page (0: done).
    pub fn scan_page(&self, cursor: u64, count: usize) -> (u64, Vec<(Bytes, Bytes)>) {
        let HashValue::Table(t) = self else {
            return (0, self.to_pairs());
        };
        let (places, next) = crate::commands::coll::scan_step(t.span(), cursor, count);
        (
            next,
            places.rev().filter_map(|i| t.at(i)).cloned().collect(),
        )
    }

    /// True when a SCAN must walk by index (a table); a packed hash is returned whole in one
    /// page, as Redis returns a listpack.
    pub fn scans_by_index(&self) -> bool {
        matches!(self, HashValue::Table(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cost(h: &HashValue) -> usize {
        let per = if h.is_packed() {
            packed_cost
        } else {
            table_cost
        };
        h.iter().map(|(f, v)| per(f, v)).sum()
    }

    #[test]
    fn converts_past_the_limits_and_charges_exactly() {
        let mut h = HashValue::default();
        let mut bytes = 0;
        for i in 0..PACKED_MAX_ENTRIES {
            h.set(&mut bytes, format!("f{i}").into(), "v".into());
        }
        assert!(h.is_packed());
        assert_eq!(bytes, cost(&h));
        h.set(&mut bytes, "one-more".into(), "v".into());
        assert!(!h.is_packed());
        assert_eq!(bytes, cost(&h));
        let mut long = HashValue::default();
        let mut b2 = 0;
        long.set(
            &mut b2,
            "f".into(),
            Bytes::from(vec![b'x'; PACKED_MAX_LEN + 1]),
        );
        assert!(!long.is_packed());
        assert_eq!(b2, cost(&long));
    }

    proptest! {
        /// Any sequence of sets and removes matches an ordered map model, in both
        /// encodings, with the charge always equal to the recomputed cost.
        #[test]
        fn matches_a_map(ops in prop::collection::vec((0u8..40, 0usize..80, any::<bool>()), 0..400)) {
            let mut h = HashValue::default();
            let mut bytes = 0;
            let mut model = std::collections::BTreeMap::new();
            for (f, vlen, remove) in ops {
                let field = format!("field:{f}").into_bytes();
                if remove {
                    prop_assert_eq!(h.remove(&mut bytes, &field), model.remove(&field).is_some());
                } else {
                    let value = vec![b'v'; vlen];
                    let new = h.set(&mut bytes, Bytes::from(field.clone()), Bytes::from(value.clone()));
                    prop_assert_eq!(new, model.insert(field, value).is_none());
                }
                prop_assert_eq!(h.len(), model.len());
                prop_assert_eq!(bytes, cost(&h));
            }
            let mut got: Vec<(Vec<u8>, Vec<u8>)> = h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
            got.sort();
            prop_assert_eq!(got, model.into_iter().collect::<Vec<_>>());
        }
    }
}
