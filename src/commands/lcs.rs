//! LCS: the longest common subsequence of two strings, with Redis's choice among equal
//! ones and its list of matching ranges.

use bytes::Bytes;

use super::strings::MAX_STRING_LEN;
use crate::error::{Error, Result};
use crate::Cache;

const NOT_STRINGS: Error = Error::Invalid("The specified keys must contain string values");

/// One run of LCS IDX: where it sits in each string (inclusive ranges) and its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LcsMatch {
    /// First and last index in the first string.
    pub a: (usize, usize),
    /// First and last index in the second string.
    pub b: (usize, usize),
    /// The run's length.
    pub len: usize,
}

/// What LCS computes: the subsequence, and its runs from the end (IDX).
struct Lcs {
    text: Vec<u8>,
    matches: Vec<LcsMatch>,
}

/// Redis's `lcsCommand`: the dynamic-programming table, then a walk back from the end that
/// prefers moving in `a` when the two ways are equal, emitting runs of `min_len` or more.
fn compute(a: &[u8], b: &[u8], min_len: usize) -> Result<Lcs> {
    let cells = (a.len() + 1)
        .checked_mul(b.len() + 1)
        .filter(|n| n.saturating_mul(4) <= MAX_STRING_LEN)
        .ok_or(Error::Invalid(
            "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        ))?;
    let w = b.len() + 1;
    let mut t = vec![0u32; cells];
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            t[i * w + j] = if a[i - 1] == b[j - 1] {
                t[(i - 1) * w + j - 1] + 1
            } else {
                t[(i - 1) * w + j].max(t[i * w + j - 1])
            };
        }
    }
    let mut idx = t[a.len() * w + b.len()] as usize;
    let mut text = vec![0u8; idx];
    let mut matches = Vec::new();
    // The current run, from its first to its last index, in each string.
    let mut run: Option<((usize, usize), (usize, usize))> = None;
    let (mut i, mut j) = (a.len(), b.len());
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            text[idx - 1] = a[i - 1];
            match &mut run {
                None => run = Some(((i - 1, i - 1), (j - 1, j - 1))),
                Some((ra, rb)) if ra.0 == i && rb.0 == j => {
                    ra.0 -= 1;
                    rb.0 -= 1;
                }
                Some(_) => emit = true,
            }
            if let Some((ra, rb)) = run {
                if ra.0 == 0 || rb.0 == 0 {
                    emit = true;
                }
            }
            idx -= 1;
            i -= 1;
            j -= 1;
        } else {
            if t[(i - 1) * w + j] > t[i * w + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
            emit = run.is_some();
        }
        if emit {
            if let Some((ra, rb)) = run.take() {
                let len = ra.1 - ra.0 + 1;
                if len >= min_len {
                    matches.push(LcsMatch { a: ra, b: rb, len });
                }
            }
        }
    }
    Ok(Lcs { text, matches })
}

impl Cache {
    /// Both strings of an LCS, missing keys as empty strings.
    fn lcs_inputs(&self, a: &[u8], b: &[u8]) -> Result<(Bytes, Bytes)> {
        let read = |k: &[u8]| {
            self.ks().read(k, true, |e| {
                e.map_or(Ok(Bytes::new()), |e| {
                    e.value().str_bytes().map_err(|_| NOT_STRINGS)
                })
            })
        };
        let (x, y) = (read(a), read(b));
        Ok((x?, y?))
    }

    /// LCS: the longest common subsequence of the strings at `a` and `b` (missing keys are
    /// empty strings).
    ///
    /// ```
    /// let cache = ferricache::Cache::new();
    /// cache.set("a", "ohmytext").unwrap();
    /// cache.set("b", "mynewtext").unwrap();
    /// assert_eq!(cache.lcs("a", "b").unwrap(), "mytext");
    /// assert_eq!(cache.lcs_len("a", "b").unwrap(), 6);
    /// ```
    pub fn lcs(&self, a: impl AsRef<[u8]>, b: impl AsRef<[u8]>) -> Result<Bytes> {
        near!(self, b"LCS", a.as_ref(), b.as_ref());
        let (x, y) = self.lcs_inputs(a.as_ref(), b.as_ref())?;
        Ok(Bytes::from(compute(&x, &y, 0)?.text))
    }

    /// LCS LEN: the length of the longest common subsequence.
    pub fn lcs_len(&self, a: impl AsRef<[u8]>, b: impl AsRef<[u8]>) -> Result<usize> {
        near!(self, b"LCS", a.as_ref(), b.as_ref(), "LEN");
        let (x, y) = self.lcs_inputs(a.as_ref(), b.as_ref())?;
        Ok(compute(&x, &y, 0)?.text.len())
    }

    /// LCS IDX [MINMATCHLEN n]: the matching runs, last first (as Redis lists them), of at
    /// least `min_match_len`, and the subsequence's length.
    pub fn lcs_idx(
        &self,
        a: impl AsRef<[u8]>,
        b: impl AsRef<[u8]>,
        min_match_len: usize,
    ) -> Result<(Vec<LcsMatch>, usize)> {
        near!(@argv self, "LCS" .arg(a.as_ref()) .arg(b.as_ref()) .arg("IDX")
            .arg("MINMATCHLEN") .arg(min_match_len) .arg("WITHMATCHLEN"));
        let (x, y) = self.lcs_inputs(a.as_ref(), b.as_ref())?;
        let lcs = compute(&x, &y, min_match_len)?;
        Ok((lcs.matches, lcs.text.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_redis_documentation_example() {
        let lcs = compute(b"ohmytext", b"mynewtext", 0).unwrap();
        assert_eq!(lcs.text, b"mytext");
        let runs: Vec<_> = lcs.matches.iter().map(|m| (m.a, m.b, m.len)).collect();
        assert_eq!(runs, vec![((4, 7), (5, 8), 4), ((2, 3), (0, 1), 2)]);
        let long = compute(b"ohmytext", b"mynewtext", 4).unwrap();
        assert_eq!(long.matches.len(), 1);
    }
}
