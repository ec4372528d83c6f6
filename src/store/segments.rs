//! Segment memory: items packed back to back in a shard's segments, and the item format.
//!
//! An item is whole 8-byte words: a header word, a deadline word when the key was given
//! one, then the key's bytes and the value's (or, for a value kept out of line, the 4-byte
//! number of its record in [`super::items`]), padded to a word. It is addressed by a
//! 4-byte reference, its segment's number and its word offset there. Segments are whole
//! cache lines and an item of at most a line never straddles two, so a lookup reads the
//! index chunk and then one line (Segcache's layout; memcached's items).
//!
//! # Who writes what
//! Everything here is changed only through `&mut Segments`, that is under the shard's
//! write lock, with one exception: a reader under the *read* lock may store a new header
//! word ([`Segments::bump_freq`]), the eviction policy's frequency hint. So header words
//! are atomics, read and written with relaxed ordering, and the other words are read as
//! plain bytes: no reader ever writes them, and no writer exists while a reader holds a
//! reference into them.

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;

/// Word-offset bits of an item reference: a segment holds at most 8192 words (64 KiB).
const SEG_SHIFT: u32 = 13;
pub(crate) const MAX_SEG_WORDS: usize = 1 << SEG_SHIFT;
/// The first segments of a shard are small, so a cache of a few keys per shard stays
/// small; each new one is sized to the shard's live items, up to [`MAX_SEG_WORDS`].
const MIN_SEG_WORDS: usize = 128;

/// Freed segments whose memory a shard keeps for reuse.
const SPARES_KEPT: usize = 2;

/// The longest key kept in an item; a longer one is kept out of line.
pub(crate) const MAX_ITEM_KEY: usize = 254;
/// The longest string value kept in an item (copied out on a read); a longer one is a
/// `Bytes` out of line, handed out as a view.
pub(crate) const MAX_ITEM_VALUE: usize = 128;
/// The most words an item takes.
pub(crate) const MAX_ITEM_WORDS: usize = 2 + (MAX_ITEM_KEY + MAX_ITEM_VALUE).div_ceil(8);

// The header word.
const KLEN_SHIFT: u32 = 0;
const VLEN_SHIFT: u32 = 8;
const DB_SHIFT: u32 = 16;
const FREQ_SHIFT: u32 = 24;
/// The S3-FIFO frequency: two bits, saturating at 3.
pub(crate) const FREQ_MASK: u64 = 3 << FREQ_SHIFT;
/// The item holds a key (not yet removed, moved or overwritten).
pub(crate) const LIVE: u64 = 1 << 26;
/// On the main log (else the small one).
pub(crate) const MAIN: u64 = 1 << 27;
/// A deadline word follows the header (its value may be 0: no deadline any more).
pub(crate) const DEADLINE: u64 = 1 << 28;
/// At least one timer for this key is filed in the wheel.
pub(crate) const TIMER: u64 = 1 << 29;
/// The value is out of line: the data ends in the 4-byte number of its record.
pub(crate) const OUT: u64 = 1 << 30;
/// The key is out of line too, in the same record (longer than [`MAX_ITEM_KEY`]).
pub(crate) const LONG_KEY: u64 = 1 << 31;
const ID_SHIFT: u32 = 32;

/// An item's header, decoded from its word.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Header(pub u64);

impl Header {
    /// A live item's header.
    pub fn new(id: u32, db: u8, klen: usize, vlen: usize, flags: u64) -> Header {
        debug_assert!(klen <= MAX_ITEM_KEY && vlen <= MAX_ITEM_VALUE.max(4));
        Header(
            (klen as u64) << KLEN_SHIFT
                | (vlen as u64) << VLEN_SHIFT
                | u64::from(db) << DB_SHIFT
                | flags
                | LIVE
                | u64::from(id) << ID_SHIFT,
        )
    }

    #[inline]
    pub fn klen(self) -> usize {
        (self.0 >> KLEN_SHIFT) as u8 as usize
    }

    /// Bytes of data after the key: the value, or a record number (4).
    #[inline]
    pub fn vlen(self) -> usize {
        (self.0 >> VLEN_SHIFT) as u8 as usize
    }

    #[inline]
    pub fn db(self) -> u8 {
        (self.0 >> DB_SHIFT) as u8
    }

    #[inline]
    pub fn id(self) -> u32 {
        (self.0 >> ID_SHIFT) as u32
    }

    #[inline]
    pub fn freq(self) -> u32 {
        ((self.0 & FREQ_MASK) >> FREQ_SHIFT) as u32
    }

    #[inline]
    pub fn with_freq(self, f: u32) -> Header {
        Header(self.0 & !FREQ_MASK | u64::from(f.min(3)) << FREQ_SHIFT)
    }

    /// The header with `vlen` bytes of data after the key.
    #[inline]
    pub fn with_vlen(self, vlen: usize) -> Header {
        debug_assert!(vlen <= MAX_ITEM_VALUE);
        Header(self.0 & !(0xff << VLEN_SHIFT) | (vlen as u64) << VLEN_SHIFT)
    }

    #[inline]
    pub fn with_db(self, db: u8) -> Header {
        Header(self.0 & !(0xff << DB_SHIFT) | u64::from(db) << DB_SHIFT)
    }

    #[inline]
    pub fn has(self, flag: u64) -> bool {
        self.0 & flag != 0
    }

    #[inline]
    pub fn set(self, flag: u64, on: bool) -> Header {
        Header(if on { self.0 | flag } else { self.0 & !flag })
    }

    /// Words before the data: the header and the deadline word, if any.
    #[inline]
    pub fn data_at(self) -> usize {
        1 + self.has(DEADLINE) as usize
    }

    /// The item's length in words.
    #[inline]
    pub fn words(self) -> usize {
        self.data_at() + (self.klen() + self.vlen()).div_ceil(8)
    }

    /// The header of a dead filler of `words` words (at most 8), which pads an item to
    /// the next cache line.
    fn filler(words: usize) -> Header {
        Header(((words - 1) * 8) as u64)
    }
}

/// A cache line of a segment.
#[repr(C, align(64))]
struct Line([AtomicU64; 8]);

impl Line {
    fn zero() -> Line {
        Line([const { AtomicU64::new(0) }; 8])
    }
}

/// A shard's segments.
pub(crate) struct Segments {
    /// By segment number; a freed segment's memory is kept for reuse when it is full size
    /// (an empty box otherwise).
    segs: Vec<Box<[Line]>>,
    /// Words written into each segment so far.
    fill: Vec<usize>,
    /// Numbers of segments no log uses.
    spare: Vec<u32>,
}

/// The reference of word `at` of segment `seg`.
#[inline]
pub(crate) fn item_ref(seg: u32, at: usize) -> u32 {
    seg << SEG_SHIFT | at as u32
}

/// The segment of an item reference.
#[inline]
pub(crate) fn seg_of(r: u32) -> u32 {
    r >> SEG_SHIFT
}

#[inline]
fn offset_of(r: u32) -> usize {
    r as usize & (MAX_SEG_WORDS - 1)
}

impl Segments {
    pub fn new() -> Segments {
        Segments {
            segs: Vec::new(),
            fill: Vec::new(),
            spare: Vec::new(),
        }
    }

    /// Bytes of segment memory held, in use or spare.
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.segs.iter().map(|s| s.len() * 64).sum()
    }

    /// A segment for a log, of at least `want` words (a spare one when one is big enough).
    pub fn claim(&mut self, want: usize) -> u32 {
        let want = want.next_power_of_two().clamp(MIN_SEG_WORDS, MAX_SEG_WORDS);
        if let Some(k) = self
            .spare
            .iter()
            .position(|&s| self.segs[s as usize].len() * 8 >= want)
        {
            let s = self.spare.swap_remove(k);
            self.fill[s as usize] = 0;
            return s;
        }
        let mem: Box<[Line]> = (0..want / 8).map(|_| Line::zero()).collect();
        if let Some(k) = self.spare.pop() {
            // A spare too small for this log's segments: its number takes the new memory.
            self.segs[k as usize] = mem;
            self.fill[k as usize] = 0;
            return k;
        }
        self.segs.push(mem);
        self.fill.push(0);
        (self.segs.len() - 1) as u32
    }

    /// Gives segment `s` back. Its memory is kept for the next claim while fewer than
    /// [`SPARES_KEPT`] spares hold memory (a log's head frees a segment about as often as
    /// its tail needs one), and freed otherwise, so a shrinking shard gives memory back.
    pub fn release(&mut self, s: u32) {
        let kept = self
            .spare
            .iter()
            .filter(|&&k| !self.segs[k as usize].is_empty())
            .count();
        if kept >= SPARES_KEPT {
            self.segs[s as usize] = Box::new([]);
        }
        self.fill[s as usize] = 0;
        self.spare.push(s);
    }

    /// Words written into segment `s`.
    #[inline]
    pub fn fill(&self, s: u32) -> usize {
        self.fill[s as usize]
    }

    /// The words of segment `s`, as one slice.
    #[inline(always)]
    pub fn words(&self, s: u32) -> &[AtomicU64] {
        let seg = &self.segs[s as usize];
        // SAFETY: a `Line` is `repr(C)` of exactly eight `AtomicU64`s (64 bytes, no
        // padding), so `n` lines are `8 * n` words, in bounds and aligned.
        unsafe { std::slice::from_raw_parts(seg.as_ptr().cast::<AtomicU64>(), seg.len() * 8) }
    }

    #[inline(always)]
    fn word(&self, r: u32) -> &AtomicU64 {
        &self.words(seg_of(r))[offset_of(r)]
    }

    /// The header of the item at `r`.
    #[inline(always)]
    pub fn header(&self, r: u32) -> Header {
        Header(self.word(r).load(Relaxed))
    }

    /// The item at `r`: its header word, its header and its data (the key, then the
    /// value or the record number), read with one lookup of its segment.
    #[inline(always)]
    pub fn item(&self, r: u32) -> (&AtomicU64, Header, &[u8]) {
        let w = self.words(seg_of(r));
        let at = offset_of(r);
        let hw = &w[at];
        let h = Header(hw.load(Relaxed));
        let len = h.klen() + h.vlen();
        let from = at + h.data_at();
        let data = &w[from..from + len.div_ceil(8)];
        // SAFETY: `data` covers `len` bytes (whole words, bounds-checked above) of
        // initialized `u64`s. Data words are written only through `&mut self` (the
        // shard's write lock), so none is written while this shared borrow lives; readers
        // write header words only, never these (see the module docs).
        let bytes = unsafe { std::slice::from_raw_parts(data.as_ptr().cast::<u8>(), len) };
        (hw, h, bytes)
    }

    /// Stores a header changed by a reader (the frequency) into header word `hw`: other
    /// readers may race, and the last store wins, which for a hint is fine; no writer
    /// exists meanwhile.
    #[inline(always)]
    pub fn bump_freq(hw: &AtomicU64, h: Header) {
        let f = h.freq();
        if f < crate::eviction::s3fifo::MAX_FREQ {
            hw.store(h.with_freq(f + 1).0, Relaxed);
        }
    }

    #[inline]
    pub fn set_header(&mut self, r: u32, h: Header) {
        let at = offset_of(r);
        *self.segs[seg_of(r) as usize][at / 8].0[at % 8].get_mut() = h.0;
    }

    /// The word after the header: the deadline of an item with [`DEADLINE`].
    #[inline(always)]
    pub fn deadline(&self, r: u32) -> u64 {
        self.word(r + 1).load(Relaxed)
    }

    pub fn set_deadline(&mut self, r: u32, at: u64) {
        let r = r + 1;
        let o = offset_of(r);
        *self.segs[seg_of(r) as usize][o / 8].0[o % 8].get_mut() = at;
    }

    /// The item's data (key, then value or record number).
    #[inline(always)]
    pub fn data(&self, r: u32) -> &[u8] {
        self.item(r).2
    }

    /// The `words` words of the item at `r`, header first, as bytes to write.
    fn raw_mut(&mut self, r: u32, words: usize) -> &mut [u8] {
        let (s, at) = (seg_of(r) as usize, offset_of(r));
        let seg = &mut self.segs[s];
        assert!(
            (at + words) * 8 <= seg.len() * 64,
            "item within its segment"
        );
        // SAFETY: in bounds (asserted), and `&mut self` excludes every other access to the
        // segment; an `AtomicU64` has the size and alignment of the `u64` it wraps.
        unsafe {
            std::slice::from_raw_parts_mut(seg.as_mut_ptr().cast::<u8>().add(at * 8), words * 8)
        }
    }

    /// Writes an item at `r`: its header, its deadline word (if `h` has [`DEADLINE`]), and
    /// `key` then `tail` as its data, zero-padded to a word.
    pub fn write(&mut self, r: u32, h: Header, deadline: u64, key: &[u8], tail: &[u8]) {
        debug_assert_eq!((key.len(), tail.len()), (h.klen(), h.vlen()));
        let n = h.words();
        let d = h.data_at();
        let bytes = self.raw_mut(r, n);
        bytes[..8].copy_from_slice(&h.0.to_ne_bytes());
        if d == 2 {
            bytes[8..16].copy_from_slice(&deadline.to_ne_bytes());
        }
        let data = &mut bytes[d * 8..];
        // (The padding after them is left as it is: nothing reads it.)
        data[..key.len()].copy_from_slice(key);
        data[key.len()..key.len() + tail.len()].copy_from_slice(tail);
    }

    /// Overwrites the value of the item at `r` in place, where the new one takes as many
    /// words as the old: `h` is the new header.
    pub fn rewrite_value(&mut self, r: u32, h: Header, value: &[u8]) {
        let n = h.words();
        let (d, k) = (h.data_at(), h.klen());
        let bytes = self.raw_mut(r, n);
        bytes[..8].copy_from_slice(&h.0.to_ne_bytes());
        bytes[d * 8 + k..d * 8 + k + value.len()].copy_from_slice(value);
    }

    /// Copies the item at `from` to a fresh place at `to` with header `h` (same lengths,
    /// possibly other flags).
    pub fn copy(&mut self, from: u32, to: u32, h: Header) {
        let old = self.header(from);
        debug_assert_eq!(old.words(), h.words());
        let n = h.words();
        let mut buf = [0u8; MAX_ITEM_WORDS * 8];
        buf[..n * 8].copy_from_slice(self.raw_mut(from, n));
        let dst = self.raw_mut(to, n);
        dst.copy_from_slice(&buf[..n * 8]);
        dst[..8].copy_from_slice(&h.0.to_ne_bytes());
    }

    /// Reserves `words` at the end of segment `s` (which must have room, after padding),
    /// returning the item's reference: an item of at most a cache line starts a new line
    /// if it would straddle one, behind a dead filler. Returns the filler's words too.
    /// Reserves `words` at the end of segment `s` if they fit there, returning the item's
    /// reference and the words of padding before it: an item of at most a cache line
    /// starts a new line if it would straddle one, behind a dead filler.
    #[inline]
    pub fn place(&mut self, s: u32, words: usize) -> Option<(u32, usize)> {
        let (cap, fill) = (self.segs[s as usize].len() * 8, &mut self.fill[s as usize]);
        let at = *fill;
        let room = 8 - at % 8;
        let pad = if words <= 8 && words > room && room < 8 {
            room
        } else {
            0
        };
        if at + pad + words > cap {
            return None;
        }
        *fill = at + pad + words;
        if pad != 0 {
            self.set_header(item_ref(s, at), Header::filler(pad));
        }
        Some((item_ref(s, at + pad), pad))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip() {
        let h = Header::new(0xdead_beef, 7, 254, 128, MAIN | DEADLINE);
        assert_eq!(
            (h.id(), h.db(), h.klen(), h.vlen()),
            (0xdead_beef, 7, 254, 128)
        );
        assert!(h.has(LIVE) && h.has(MAIN) && h.has(DEADLINE) && !h.has(OUT));
        assert_eq!(h.freq(), 0);
        let f = h.with_freq(2);
        assert_eq!(f.freq(), 2);
        assert_eq!(f.with_freq(9).freq(), 3);
        assert_eq!(f.with_db(3).db(), 3);
        assert_eq!(f.with_db(3).id(), 0xdead_beef);
        assert_eq!(h.words(), 2 + (254 + 128usize).div_ceil(8));
        assert_eq!(Header::filler(5).words(), 5);
        assert!(!Header::filler(8).has(LIVE));
    }

    #[test]
    fn small_items_never_straddle_a_line() {
        let mut s = Segments::new();
        let seg = s.claim(MAX_SEG_WORDS);
        for n in [3usize, 5, 8, 2, 7, 1, 8, 20, 4, 6] {
            let (r, _) = s.place(seg, n).expect("room");
            let at = offset_of(r);
            if n <= 8 {
                assert_eq!(at / 8, (at + n - 1) / 8, "{n} words at {at}");
            }
        }
    }

    #[test]
    fn a_full_segment_places_nothing_more() {
        let mut s = Segments::new();
        let seg = s.claim(1);
        assert_eq!(s.fill(seg), 0);
        let mut placed = 0;
        while s.place(seg, 3).is_some() {
            placed += 3;
        }
        // 128 words: 16 lines of two 3-word items and a 2-word filler.
        assert_eq!(placed, 3 * 32);
        assert!(s.fill(seg) <= MIN_SEG_WORDS);
    }

    #[test]
    fn items_read_back_what_was_written() {
        let mut s = Segments::new();
        let seg = s.claim(10);
        for (k, v, dl) in [
            (&b"k"[..], &b""[..], 0u64),
            (b"key:12345678", b"a value of some bytes", 99),
            (&[7u8; 254][..], &[9u8; 128][..], 5),
        ] {
            let h = Header::new(3, 1, k.len(), v.len(), if dl != 0 { DEADLINE } else { 0 });
            let Some((r, _)) = s.place(seg, h.words()) else {
                break;
            };
            s.write(r, h, dl, k, v);
            assert_eq!(s.header(r), h);
            let d = s.data(r);
            assert_eq!(&d[..k.len()], k);
            assert_eq!(&d[k.len()..], v);
            if dl != 0 {
                assert_eq!(s.deadline(r), dl);
            }
        }
    }
}
