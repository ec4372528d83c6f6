//! SORT and SORT_RO: the elements of a list, set or sorted set, sorted as numbers or text,
//! optionally by weights read from other keys (`BY weight_*`), with values read from other
//! keys in their place (`GET object_* GET #`), a LIMIT, and STORE into a list.

use std::collections::VecDeque;

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::notify;
use crate::value::{Kind, LIST_ELEMENT_OVERHEAD};
use crate::{Cache, ValueType};

/// SORT's options. `Default` sorts numerically, ascending, everything.
///
/// ```
/// use ferricache::SortOptions;
///
/// let cache = ferricache::Cache::new();
/// cache.rpush("ids", ["3", "1", "2"]).unwrap();
/// cache.mset([("name_1", "ada"), ("name_2", "grace"), ("name_3", "linus")]).unwrap();
/// let opts = SortOptions { get: vec!["name_*".into()], desc: true, ..Default::default() };
/// let names = cache.sort("ids", &opts).unwrap();
/// assert_eq!(names, vec![Some("linus".into()), Some("grace".into()), Some("ada".into())]);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SortOptions {
    /// `BY pattern`: sort by the values of the keys (or `key->field` hash fields) the
    /// pattern names, `*` standing for the element; a pattern without `*` skips sorting.
    pub by: Option<Bytes>,
    /// `LIMIT offset count` (count -1: to the end).
    pub limit: Option<(i64, i64)>,
    /// `GET pattern` (repeatable): reply with these values instead of the elements; `#` is
    /// the element itself. A missing key gives `None`.
    pub get: Vec<Bytes>,
    /// `DESC`.
    pub desc: bool,
    /// `ALPHA`: compare as byte strings instead of numbers.
    pub alpha: bool,
}

/// One element being sorted and what it sorts by.
struct Item {
    element: Bytes,
    score: f64,
    text: Option<Bytes>,
}

impl Cache {
    /// SORT (also SORT_RO): the sorted elements, or with `get` the values of the patterns
    /// for each element in turn. WRONGTYPE unless the key is a list, set or sorted set (a
    /// missing key is empty); elements or weights that are not numbers without `alpha` are
    /// an error. The keys the patterns name are read one by one: run SORT inside a
    /// transaction ([`Cache::client`]) to read them all at one instant.
    pub fn sort(&self, key: impl AsRef<[u8]>, opts: &SortOptions) -> Result<Vec<Option<Bytes>>> {
        near!(@argv self, "SORT" .arg(key.as_ref()) .args(sort_args(opts)));
        self.sorted(key.as_ref(), opts, false)
    }

    /// SORT ... STORE dest: stores the result as a list at `dest` (replacing what was
    /// there; an empty result deletes it, a missing GET value is stored as an empty
    /// string); returns its length.
    pub fn sort_store(
        &self,
        key: impl AsRef<[u8]>,
        dest: impl AsRef<[u8]>,
        opts: &SortOptions,
    ) -> Result<usize> {
        near!(@argv self, "SORT" .arg(key.as_ref()) .args(sort_args(opts)) .arg("STORE") .arg(dest.as_ref()));
        let out = self.sorted(key.as_ref(), opts, true)?;
        let items: VecDeque<Bytes> = out.into_iter().map(Option::unwrap_or_default).collect();
        let len = items.len();
        let bytes = items.iter().map(|b| b.len() + LIST_ELEMENT_OVERHEAD).sum();
        let dest = dest.as_ref();
        self.ks().write(dest, bytes, |tx| {
            self.store_coll(
                tx,
                dest,
                Kind::List(items),
                bytes,
                (notify::LIST, "sortstore", true),
            );
            Ok(len)
        })
    }

    fn sorted(&self, key: &[u8], opts: &SortOptions, store: bool) -> Result<Vec<Option<Bytes>>> {
        let dontsort = opts.by.as_ref().is_some_and(|b| !b.contains(&b'*'));
        let (mut elements, kind) = self.sort_source(key)?;
        // A set has no order of its own: stored results are sorted (as text) anyway.
        let (dontsort, alpha, by) = if dontsort && kind == Some(ValueType::Set) && store {
            (false, true, None)
        } else {
            (dontsort, opts.alpha, opts.by.as_ref())
        };
        let n = elements.len() as i64;
        let (offset, count) = opts.limit.unwrap_or((0, -1));
        let start = offset.clamp(0, n);
        let count = count.clamp(-1, n);
        let mut end = if count < 0 { n - 1 } else { start + count - 1 };
        let start = if start >= n {
            end = n - 2;
            n - 1
        } else {
            start
        };
        end = end.min(n - 1);
        if dontsort {
            if opts.desc && kind != Some(ValueType::Set) {
                elements.reverse();
            }
        } else {
            let mut items = Vec::with_capacity(elements.len());
            let mut bad = false;
            for element in elements {
                let weight = match by {
                    Some(pattern) => self.by_pattern(pattern, &element)?,
                    None => Some(element.clone()),
                };
                let (score, text) = match (alpha, weight) {
                    (true, w) => (0.0, if by.is_some() { w } else { None }),
                    (false, Some(w)) => match sort_number(&w) {
                        Some(s) => (s, None),
                        None => {
                            bad = true;
                            (0.0, None)
                        }
                    },
                    (false, None) => (0.0, None),
                };
                items.push(Item {
                    element,
                    score,
                    text,
                });
            }
            if bad {
                return Err(Error::Invalid(
                    "One or more scores can't be converted into double",
                ));
            }
            let by_pattern = by.is_some();
            items.sort_by(|a, b| {
                let cmp = if !alpha {
                    a.score
                        .partial_cmp(&b.score)
                        .unwrap_or(std::cmp::Ordering::Equal)
                        .then_with(|| a.element.cmp(&b.element))
                } else if by_pattern {
                    a.text.cmp(&b.text)
                } else {
                    a.element.cmp(&b.element)
                };
                if opts.desc {
                    cmp.reverse()
                } else {
                    cmp
                }
            });
            elements = items.into_iter().map(|i| i.element).collect();
        }
        if end < start {
            return Ok(Vec::new());
        }
        let picked = &elements[start as usize..=end as usize];
        if opts.get.is_empty() {
            return Ok(picked.iter().cloned().map(Some).collect());
        }
        let mut out = Vec::with_capacity(picked.len() * opts.get.len());
        for element in picked {
            for pattern in &opts.get {
                out.push(self.by_pattern(pattern, element)?);
            }
        }
        Ok(out)
    }

    /// The elements of the key to sort (a list's and a sorted set's in their order) and its
    /// type; a missing key is empty.
    fn sort_source(&self, key: &[u8]) -> Result<(Vec<Bytes>, Option<ValueType>)> {
        self.coll_read(key, |v| {
            let Some(v) = v else {
                return Ok((Vec::new(), None));
            };
            let t = v.value_type();
            let elements = match t {
                ValueType::List => v.as_list()?.iter().cloned().collect(),
                ValueType::Set => v.as_set()?.iter().map(Bytes::copy_from_slice).collect(),
                ValueType::ZSet => {
                    let z = v.as_zset()?;
                    z.iter().map(|(m, _)| m).collect()
                }
                _ => return Err(Error::WrongType),
            };
            Ok((elements, Some(t)))
        })
    }

    /// The value a SORT pattern names for `element` (Redis's `lookupKeyByPattern`): `#` is
    /// the element; otherwise the first `*` becomes the element, and `->field` after it
    /// reads a hash field. Missing keys, keys of another type and patterns without `*`
    /// give `None`.
    fn by_pattern(&self, pattern: &[u8], element: &Bytes) -> Result<Option<Bytes>> {
        if pattern == b"#" {
            return Ok(Some(element.clone()));
        }
        let Some(star) = pattern.iter().position(|&b| b == b'*') else {
            return Ok(None);
        };
        let after = &pattern[star + 1..];
        let arrow = after
            .windows(2)
            .position(|w| w == b"->")
            .filter(|&at| at + 2 < after.len());
        let (postfix, field) = match arrow {
            Some(at) => (&after[..at], Some(&after[at + 2..])),
            None => (after, None),
        };
        let mut key = Vec::with_capacity(pattern.len() + element.len());
        key.extend_from_slice(&pattern[..star]);
        key.extend_from_slice(element);
        key.extend_from_slice(postfix);
        self.coll_read(&key, |v| {
            Ok(match (v, field) {
                (Some(v), None) => v.str_bytes().ok(),
                (Some(v), Some(field)) => match v.as_hash() {
                    Ok(h) => h.get_bytes(field),
                    Err(_) => None,
                },
                _ => None,
            })
        })
    }
}

/// A weight as SORT reads it (`strtod`): leading spaces allowed, nothing after the number,
/// not NaN, no overflow; the empty string is 0.
fn sort_number(w: &[u8]) -> Option<f64> {
    let t = std::str::from_utf8(w).ok()?.trim_start();
    if t.is_empty() {
        return Some(0.0);
    }
    super::num::parse_f64(t.as_bytes()).ok()
}

/// SORT's options as arguments (for near-cache mode).
#[cfg(feature = "remote")]
fn sort_args(opts: &SortOptions) -> Vec<Bytes> {
    let mut args: Vec<Bytes> = Vec::new();
    if let Some(by) = &opts.by {
        args.extend([Bytes::from_static(b"BY"), by.clone()]);
    }
    if let Some((offset, count)) = opts.limit {
        args.extend([
            Bytes::from_static(b"LIMIT"),
            Bytes::from(offset.to_string()),
            Bytes::from(count.to_string()),
        ]);
    }
    for g in &opts.get {
        args.extend([Bytes::from_static(b"GET"), g.clone()]);
    }
    if opts.desc {
        args.push(Bytes::from_static(b"DESC"));
    }
    if opts.alpha {
        args.push(Bytes::from_static(b"ALPHA"));
    }
    args
}
