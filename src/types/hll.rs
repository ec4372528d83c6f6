//! HyperLogLog in Redis's own string format, so PFCOUNT gives Redis's counts and a value
//! moves between the engine and Redis with GET/SET (or DUMP/RESTORE) unchanged.
//!
//! A value is a 16-byte header (`HYLL`, the encoding, 3 zero bytes, the cached cardinality
//! in little endian with bit 63 set when stale) and 16384 six-bit registers, either dense
//! (12288 bytes) or sparse: run-length opcodes `ZERO` (`00xxxxxx`, 1 to 64 zero
//! registers), `XZERO` (`01xxxxxx yyyyyyyy`, up to 16384) and `VAL` (`1vvvvvxx`, 1 to 4
//! registers of value 1 to 32). A sparse value turns dense when a register exceeds 32 or
//! the value would pass 3000 bytes (`hll-sparse-max-bytes`). The code follows Redis 7.0's
//! `hyperloglog.c` step for step, opcode merging included, so the bytes are Redis's too.

/// Registers: 2^14.
const P: u32 = 14;
const REGISTERS: usize = 1 << P;
/// Hash bits left after the register index.
const Q: u32 = 64 - P;
const HEADER: usize = 16;
/// Bytes of a dense value.
pub(crate) const DENSE_SIZE: usize = HEADER + (REGISTERS * 6).div_ceil(8);
const DENSE: u8 = 0;
const SPARSE: u8 = 1;
/// Redis's `hll-sparse-max-bytes` default.
const SPARSE_MAX_BYTES: usize = 3000;
const VAL_MAX_VALUE: u8 = 32;
const VAL_MAX_LEN: usize = 4;
const ZERO_MAX_LEN: usize = 64;
const XZERO_MAX_LEN: usize = 16384;

/// A value whose opcodes do not cover the registers exactly (`INVALIDOBJ` in Redis).
#[derive(Debug)]
pub(crate) struct Corrupt;

/// MurmurHash64A with Redis's seed, as `hllPatLen` hashes elements.
fn murmur64a(key: &[u8]) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h: u64 = 0xadc8_3b19 ^ (key.len() as u64).wrapping_mul(M);
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        let mut k = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element maps to and the length of its `0...01` pattern.
fn pattern(element: &[u8]) -> (usize, u8) {
    let hash = murmur64a(element);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    let rest = (hash >> P) | (1 << Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

/// Whether `v` is a HyperLogLog value (Redis's `isHLLObjectOrReply`).
pub(crate) fn is_valid(v: &[u8]) -> bool {
    v.len() >= HEADER
        && &v[..4] == b"HYLL"
        && v[4] <= SPARSE
        && (v[4] != DENSE || v.len() == DENSE_SIZE)
}

/// An empty HyperLogLog: sparse, one XZERO opcode over every register, cache valid at 0.
pub(crate) fn new_empty() -> Vec<u8> {
    let mut v = vec![0; HEADER];
    v[..4].copy_from_slice(b"HYLL");
    v[4] = SPARSE;
    let mut left = REGISTERS;
    while left > 0 {
        let n = left.min(XZERO_MAX_LEN);
        push_xzero(&mut v, n);
        left -= n;
    }
    v
}

fn push_xzero(v: &mut Vec<u8>, len: usize) {
    let l = len - 1;
    v.push((l >> 8) as u8 | 0x40);
    v.push((l & 0xff) as u8);
}

fn val_op(value: u8, len: usize) -> u8 {
    ((value - 1) << 2 | (len as u8 - 1)) | 0x80
}

/// What a sparse opcode covers: (registers, value, bytes).
fn opcode(v: &[u8], at: usize) -> (usize, u8, usize) {
    let b = v[at];
    if b & 0xc0 == 0 {
        (usize::from(b & 0x3f) + 1, 0, 1)
    } else if b & 0xc0 == 0x40 {
        let next = usize::from(v.get(at + 1).copied().unwrap_or(0));
        ((usize::from(b & 0x3f) << 8 | next) + 1, 0, 2)
    } else {
        (usize::from(b & 0x3) + 1, ((b >> 2) & 0x1f) + 1, 1)
    }
}

fn dense_get(regs: &[u8], i: usize) -> u8 {
    let (byte, fb) = (i * 6 / 8, (i * 6) & 7);
    let b0 = u16::from(regs[byte]);
    let b1 = u16::from(regs.get(byte + 1).copied().unwrap_or(0));
    (((b0 >> fb) | (b1 << (8 - fb))) & 63) as u8
}

fn dense_set(regs: &mut [u8], i: usize, val: u8) {
    let (byte, fb) = (i * 6 / 8, (i * 6) & 7);
    let v = u16::from(val);
    regs[byte] &= !((63u16 << fb) as u8);
    regs[byte] |= (v << fb) as u8;
    if let Some(next) = regs.get_mut(byte + 1) {
        *next &= !((63u16 >> (8 - fb)) as u8);
        *next |= (v >> (8 - fb)) as u8;
    }
}

/// Marks the cached cardinality stale.
fn invalidate(v: &mut [u8]) {
    v[15] |= 0x80;
}

/// The registers, whatever the encoding (a max-merge into `max`).
pub(crate) fn merge_into(max: &mut [u8; REGISTERS], v: &[u8]) -> Result<(), Corrupt> {
    if v[4] == DENSE {
        for (i, m) in max.iter_mut().enumerate() {
            *m = (*m).max(dense_get(&v[HEADER..], i));
        }
        return Ok(());
    }
    let (mut at, mut i) = (HEADER, 0);
    while at < v.len() {
        let (run, value, bytes) = opcode(v, at);
        if value > 0 {
            if i + run > REGISTERS {
                return Err(Corrupt);
            }
            for m in &mut max[i..i + run] {
                *m = (*m).max(value);
            }
        }
        i += run;
        at += bytes;
    }
    if i == REGISTERS {
        Ok(())
    } else {
        Err(Corrupt)
    }
}

/// Rewrites a sparse value as dense (`hllSparseToDense`); the header, cache included, kept.
fn to_dense(v: &mut Vec<u8>) -> Result<(), Corrupt> {
    if v[4] == DENSE {
        return Ok(());
    }
    let mut regs = [0u8; REGISTERS];
    merge_into(&mut regs, v)?;
    let mut dense = vec![0u8; DENSE_SIZE];
    dense[..HEADER].copy_from_slice(&v[..HEADER]);
    dense[4] = DENSE;
    for (i, &r) in regs.iter().enumerate() {
        if r > 0 {
            dense_set(&mut dense[HEADER..], i, r);
        }
    }
    *v = dense;
    Ok(())
}

/// Raises register `index` to `count` if it is lower (`hllSparseSet` / `hllDenseSet`);
/// whether it changed. Leaves the cache alone.
pub(crate) fn set_register(v: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Corrupt> {
    if v[4] == DENSE {
        let regs = &mut v[HEADER..];
        if dense_get(regs, index) >= count {
            return Ok(false);
        }
        dense_set(regs, index, count);
        return Ok(true);
    }
    if count > VAL_MAX_VALUE {
        return promote(v, index, count);
    }
    // Step 1: the opcode covering `index`, with the one before it.
    let (mut at, mut first, mut prev) = (HEADER, 0usize, None);
    let mut found = None;
    while at < v.len() {
        let (span, value, bytes) = opcode(v, at);
        if index < first + span {
            found = Some((span, value, bytes));
            break;
        }
        prev = Some(at);
        at += bytes;
        first += span;
    }
    let Some((span, value, oplen)) = found else {
        return Err(Corrupt);
    };
    let is_val = v[at] & 0x80 != 0;
    // Step 2: cases A, B and C update in place; D splits the opcode.
    let mut seq: Vec<u8> = Vec::with_capacity(5);
    if is_val && value >= count {
        return Ok(false);
    }
    if (is_val || v[at] & 0xc0 == 0) && span == 1 {
        v[at] = val_op(count, 1);
    } else {
        let last = first + span - 1;
        let zeros = |seq: &mut Vec<u8>, len: usize| {
            if len > ZERO_MAX_LEN {
                push_xzero(seq, len);
            } else {
                seq.push((len - 1) as u8);
            }
        };
        if is_val {
            if index != first {
                seq.push(val_op(value, index - first));
            }
            seq.push(val_op(count, 1));
            if index != last {
                seq.push(val_op(value, last - index));
            }
        } else {
            if index != first {
                zeros(&mut seq, index - first);
            }
            seq.push(val_op(count, 1));
            if index != last {
                zeros(&mut seq, last - index);
            }
        }
        // Step 3: the new sequence replaces the opcode, unless that makes it too long.
        if seq.len() > oplen && v.len() + seq.len() - oplen > SPARSE_MAX_BYTES {
            return promote(v, index, count);
        }
        v.splice(at..at + oplen, seq);
    }
    // Step 4: merge adjacent VAL opcodes of one value, over up to 5 opcodes from `prev`.
    let mut p = prev.unwrap_or(HEADER);
    let mut scan = 5;
    while p < v.len() && scan > 0 {
        scan -= 1;
        let b = v[p];
        if b & 0xc0 == 0x40 {
            p += 2;
            continue;
        }
        if b & 0xc0 == 0 {
            p += 1;
            continue;
        }
        if p + 1 < v.len() && v[p + 1] & 0x80 != 0 {
            let (len1, v1, _) = opcode(v, p);
            let (len2, v2, _) = opcode(v, p + 1);
            if v1 == v2 && len1 + len2 <= VAL_MAX_LEN {
                v[p + 1] = val_op(v1, len1 + len2);
                v.remove(p);
                continue;
            }
        }
        p += 1;
    }
    Ok(true)
}

fn promote(v: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Corrupt> {
    to_dense(v)?;
    set_register(v, index, count)
}

/// PFADD of one element; whether a register changed.
pub(crate) fn add(v: &mut Vec<u8>, element: &[u8]) -> Result<bool, Corrupt> {
    let (index, count) = pattern(element);
    set_register(v, index, count)
}

/// Marks the cache stale after registers changed.
pub(crate) fn changed(v: &mut [u8]) {
    invalidate(v);
}

/// Merges `max` into `v` as PFMERGE writes its destination: dense first if `dense`.
pub(crate) fn write_registers(
    v: &mut Vec<u8>,
    max: &[u8; REGISTERS],
    dense: bool,
) -> Result<(), Corrupt> {
    if dense {
        to_dense(v)?;
    }
    for (i, &m) in max.iter().enumerate() {
        if m > 0 {
            set_register(v, i, m)?;
        }
    }
    invalidate(v);
    Ok(())
}

/// Whether `v` is dense.
pub(crate) fn is_dense(v: &[u8]) -> bool {
    v[4] == DENSE
}

/// The cached cardinality, if valid.
pub(crate) fn cached(v: &[u8]) -> Option<u64> {
    let card = u64::from_le_bytes(v[8..16].try_into().expect("8 bytes"));
    (v[15] & 0x80 == 0).then_some(card)
}

/// Stores `card` as the cached cardinality.
pub(crate) fn set_cache(v: &mut [u8], card: u64) {
    v[8..16].copy_from_slice(&card.to_le_bytes());
}

/// Redis's estimate from the registers (Ertl's improved estimator, as `hllCount`).
pub(crate) fn count(registers: &[u8; REGISTERS]) -> u64 {
    let mut histogram = [0u32; 64];
    for &r in registers {
        histogram[usize::from(r)] += 1;
    }
    let m = REGISTERS as f64;
    let mut z = m * tau((m - f64::from(histogram[Q as usize + 1])) / m);
    for j in (1..=Q as usize).rev() {
        z += f64::from(histogram[j]);
        z *= 0.5;
    }
    z += m * sigma(f64::from(histogram[0]) / m);
    (0.721_347_520_444_481_7 * m * m / z).round() as u64
}

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let (mut y, mut z) = (1.0, x);
    loop {
        x *= x;
        let before = z;
        z += x * y;
        y += y;
        if z == before {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let (mut y, mut z) = (1.0, 1.0 - x);
    loop {
        x = x.sqrt();
        let before = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
        if z == before {
            return z / 3.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registers(v: &[u8]) -> [u8; REGISTERS] {
        let mut r = [0; REGISTERS];
        merge_into(&mut r, v).unwrap();
        r
    }

    #[test]
    fn sparse_and_dense_hold_the_same_registers() {
        let mut sparse = new_empty();
        for i in 0..2000 {
            add(&mut sparse, format!("e{i}").as_bytes()).unwrap();
        }
        let mut dense = sparse.clone();
        to_dense(&mut dense).unwrap();
        assert!(is_valid(&sparse) && is_valid(&dense) && is_dense(&dense));
        assert_eq!(registers(&sparse), registers(&dense));
        let n = count(&registers(&dense));
        assert!((1900..2100).contains(&n), "{n}");
    }

    #[test]
    fn an_empty_value_counts_zero_and_is_redis_bytes() {
        let v = new_empty();
        assert_eq!(v.len(), HEADER + 2);
        assert_eq!(&v[16..], &[0x7f, 0xff]);
        assert_eq!(count(&registers(&v)), 0);
        assert_eq!(cached(&v), Some(0));
    }

    #[test]
    fn a_truncated_value_is_corrupt() {
        let mut v = new_empty();
        add(&mut v, b"a").unwrap();
        v.pop();
        let mut r = [0; REGISTERS];
        assert!(merge_into(&mut r, &v).is_err());
    }
}
