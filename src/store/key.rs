//! Keys stored inline when short, so most entries need no heap allocation for the key.

use std::fmt;
use std::hash::{BuildHasher, Hasher};

/// The keyspace's hash of a key: one seeded ahash pass over its bytes, inlined (the
/// generic `hash_one` of a slice adds a length prefix and a call on every lookup).
#[derive(Clone)]
pub(crate) struct KeyHasher(ahash::RandomState);

impl KeyHasher {
    pub fn new() -> KeyHasher {
        KeyHasher(ahash::RandomState::new())
    }

    #[inline]
    pub fn hash(&self, key: &[u8]) -> u64 {
        let mut h = self.0.build_hasher();
        h.write(key);
        h.finish()
    }

    /// A seeded hash of a number (the shards' sampling seeds).
    pub fn hash_u64(&self, n: u64) -> u64 {
        self.0.hash_one(n)
    }
}

/// Longest key kept inline; longer keys live in one boxed slice.
const INLINE: usize = 22;

/// An owned key: up to 22 bytes inline, longer ones boxed. 24 bytes either way.
#[derive(Clone)]
pub(crate) enum Key {
    Inline { len: u8, buf: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl Key {
    pub fn new(bytes: &[u8]) -> Key {
        if bytes.len() <= INLINE {
            Key::Inline {
                len: bytes.len() as u8,
                buf: padded(bytes),
            }
        } else {
            Key::Heap(bytes.into())
        }
    }

    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Key::Inline { len, buf } => &buf[..*len as usize],
            Key::Heap(b) => b,
        }
    }

    /// Heap bytes a key of these bytes would own beyond its inline size.
    pub fn heap_size_of(bytes: &[u8]) -> usize {
        if bytes.len() <= INLINE {
            0
        } else {
            bytes.len()
        }
    }
}

/// `bytes` (at most 22 of them) zero-padded to 22, assembled from whole-word loads: a
/// `memcpy` of `len` bytes over a zeroed buffer leaves stores of mixed sizes that stall
/// the wide loads which then move the key or value into its slot.
#[inline]
pub(crate) fn padded(bytes: &[u8]) -> [u8; INLINE] {
    let n = bytes.len();
    assert!(n <= INLINE);
    let w8 = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
    let w4 = |i: usize| u64::from(u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4")));
    let b = |i: usize| u64::from(bytes[i]);
    let (lo, mid, hi) = match n {
        0 => (0, 0, 0),
        1..=3 => (
            b(0) | b(n / 2) << (8 * (n / 2)) | b(n - 1) << (8 * (n - 1)),
            0,
            0,
        ),
        4..=7 => (w4(0) | w4(n - 4) << (8 * (n - 4)), 0, 0),
        8 => (w8(0), 0, 0),
        9..=15 => (w8(0), w8(n - 8) >> (8 * (16 - n)), 0),
        16 => (w8(0), w8(8), 0),
        _ => (w8(0), w8(8), w8(n - 8) >> (8 * (24 - n))),
    };
    let mut out = [0u8; INLINE];
    out[..8].copy_from_slice(&lo.to_le_bytes());
    out[8..16].copy_from_slice(&mid.to_le_bytes());
    out[16..].copy_from_slice(&hi.to_le_bytes()[..INLINE - 16]);
    out
}

/// Byte equality, with the lengths of most keys (4 to 16 bytes) done in two overlapping
/// loads from each side.
#[inline(always)]
pub(crate) fn eq_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let w8 = |s: &[u8], i: usize| u64::from_ne_bytes(s[i..i + 8].try_into().expect("8 bytes"));
    let w4 = |s: &[u8], i: usize| u32::from_ne_bytes(s[i..i + 4].try_into().expect("4 bytes"));
    match n {
        8..=16 => w8(a, 0) == w8(b, 0) && w8(a, n - 8) == w8(b, n - 8),
        4..=7 => w4(a, 0) == w4(b, 0) && w4(a, n - 4) == w4(b, n - 4),
        _ => a == b,
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_keeps_every_byte_and_zeroes_the_rest() {
        for n in 0..=INLINE {
            let a: Vec<u8> = (1..=n as u8).map(|b| b.wrapping_mul(53) | 1).collect();
            let p = padded(&a);
            assert_eq!(&p[..n], &a[..], "len {n}");
            assert!(p[n..].iter().all(|&b| b == 0), "len {n}");
        }
    }

    #[test]
    fn word_compares_agree_with_slice_equality() {
        for n in 0..40usize {
            let a: Vec<u8> = (0..n as u8).map(|b| b.wrapping_mul(37)).collect();
            let key = Key::new(&a);
            assert!(eq_bytes(key.as_bytes(), &a), "len {n}");
            assert!(!eq_bytes(key.as_bytes(), &a[..n.saturating_sub(1)]) || n == 0);
            for i in 0..n {
                let mut b = a.clone();
                b[i] ^= 0x10;
                assert!(!eq_bytes(key.as_bytes(), &b), "len {n}, byte {i} differs");
            }
        }
    }

    #[test]
    fn the_key_hash_is_seeded_and_sees_every_byte() {
        let (h, other) = (KeyHasher::new(), KeyHasher::new());
        assert_eq!(h.hash(b"user:1"), h.clone().hash(b"user:1"));
        assert_ne!(h.hash(b"user:1"), h.hash(b"user:2"));
        assert_ne!(h.hash(b"user:1"), other.hash(b"user:1"));
        assert_ne!(h.hash(b""), h.hash(b"\0"));
    }

    #[test]
    fn inline_and_heap_round_trip() {
        assert_eq!(std::mem::size_of::<Key>(), 24);
        for len in [0, 1, 21, 22, 23, 100] {
            let bytes: Vec<u8> = (0..len as u8).collect();
            let key = Key::new(&bytes);
            assert_eq!(key.as_bytes(), &bytes[..]);
        }
    }
}
