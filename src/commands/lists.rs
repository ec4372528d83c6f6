//! List commands, and the blocking pops of lists (the write-behind queue of the lesson:
//! LPUSH by the producer, BRPOP by the worker).

use std::collections::VecDeque;

use bytes::Bytes;

use super::coll::index_range;
use crate::blocking::Take;
use crate::error::{Error, Result};
use crate::notify;
use crate::value::{Kind, Value, LIST_ELEMENT_OVERHEAD};
use crate::Cache;

/// A list end, for LMOVE / BLMOVE / LPOS direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// LEFT: the head.
    Left,
    /// RIGHT: the tail.
    Right,
}

impl End {
    fn push_event(self) -> &'static str {
        match self {
            End::Left => "lpush",
            End::Right => "rpush",
        }
    }

    fn pop_event(self) -> &'static str {
        match self {
            End::Left => "lpop",
            End::Right => "rpop",
        }
    }
}

/// Where LINSERT puts the element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// BEFORE the pivot.
    Before,
    /// AFTER the pivot.
    After,
}

fn new_list() -> Kind {
    Kind::List(VecDeque::new())
}

fn element_bytes(e: &[u8]) -> usize {
    LIST_ELEMENT_OVERHEAD + e.len()
}

fn push(value: &mut Value, end: End, elements: Vec<Bytes>) -> Result<usize> {
    let (list, bytes) = value.as_list_mut()?;
    for e in elements {
        *bytes += element_bytes(&e);
        match end {
            End::Left => list.push_front(e),
            End::Right => list.push_back(e),
        }
    }
    Ok(list.len())
}

fn pop_n(value: &mut Value, end: End, n: usize) -> Result<Vec<Bytes>> {
    let (list, bytes) = value.as_list_mut()?;
    let n = n.min(list.len());
    let out: Vec<Bytes> = match end {
        End::Left => list.drain(..n).collect(),
        End::Right => {
            let mut tail: Vec<Bytes> = list.drain(list.len() - n..).collect();
            tail.reverse();
            tail
        }
    };
    *bytes -= out.iter().map(|e| element_bytes(e)).sum::<usize>();
    Ok(out)
}

/// LPOS's error for RANK 0.
pub(crate) const RANK_ZERO: &str = "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";

impl Cache {
    fn push_impl<V: Into<Bytes>>(
        &self,
        key: &[u8],
        end: End,
        elements: impl IntoIterator<Item = V>,
        only_if_exists: bool,
    ) -> Result<usize> {
        let elements: Vec<Bytes> = elements.into_iter().map(Into::into).collect();
        #[cfg(feature = "remote")]
        if crate::remote::routed(&self.inner).is_some() {
            let name: &[u8] = match (end, only_if_exists) {
                (End::Left, false) => b"LPUSH",
                (End::Right, false) => b"RPUSH",
                (End::Left, true) => b"LPUSHX",
                (End::Right, true) => b"RPUSHX",
            };
            let mut argv: Vec<&[u8]> = vec![name, key];
            argv.extend(elements.iter().map(|e| &e[..]));
            return crate::remote::typed::FromReply::from_reply(self.execute_slices(&argv));
        }
        let grow = elements.iter().map(|e| element_bytes(e)).sum();
        let make = (!only_if_exists).then_some(new_list as fn() -> Kind);
        self.coll_write(
            key,
            grow,
            make,
            (notify::LIST, end.push_event(), false),
            |v| match v {
                Some(v) => push(v, end, elements),
                None => Ok(0),
            },
        )
    }

    /// LPUSH: pushes each element to the head in turn (so the last ends up first); returns
    /// the length.
    ///
    /// ```
    /// let cache = ferricache::Cache::new();
    /// cache.lpush("queue", ["a", "b"]).unwrap();
    /// assert_eq!(cache.lrange("queue", 0, -1).unwrap(), ["b", "a"]);
    /// ```
    pub fn lpush<V: Into<Bytes>>(
        &self,
        key: impl AsRef<[u8]>,
        elements: impl IntoIterator<Item = V>,
    ) -> Result<usize> {
        self.push_impl(key.as_ref(), End::Left, elements, false)
    }

    /// RPUSH: pushes to the tail; returns the length.
    pub fn rpush<V: Into<Bytes>>(
        &self,
        key: impl AsRef<[u8]>,
        elements: impl IntoIterator<Item = V>,
    ) -> Result<usize> {
        self.push_impl(key.as_ref(), End::Right, elements, false)
    }

    /// LPUSHX: LPUSH only if the list exists; 0 otherwise.
    pub fn lpushx<V: Into<Bytes>>(
        &self,
        key: impl AsRef<[u8]>,
        elements: impl IntoIterator<Item = V>,
    ) -> Result<usize> {
        self.push_impl(key.as_ref(), End::Left, elements, true)
    }

    /// RPUSHX: RPUSH only if the list exists; 0 otherwise.
    pub fn rpushx<V: Into<Bytes>>(
        &self,
        key: impl AsRef<[u8]>,
        elements: impl IntoIterator<Item = V>,
    ) -> Result<usize> {
        self.push_impl(key.as_ref(), End::Right, elements, true)
    }

    /// LPOP: removes and returns the head.
    pub fn lpop(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        near!(self, b"LPOP", key.as_ref());
        Ok(self
            .pop_impl(key.as_ref(), End::Left, 1)?
            .and_then(|v| v.into_iter().next()))
    }

    /// RPOP: removes and returns the tail.
    pub fn rpop(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        near!(self, b"RPOP", key.as_ref());
        Ok(self
            .pop_impl(key.as_ref(), End::Right, 1)?
            .and_then(|v| v.into_iter().next()))
    }

    /// LPOP key count: up to `count` elements from the head; `None` if the key is missing.
    pub fn lpop_count(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Option<Vec<Bytes>>> {
        near!(@argv self, "LPOP" .arg(key.as_ref()) .arg(count));
        self.pop_impl(key.as_ref(), End::Left, count)
    }

    /// LMPOP: up to `count` elements from the `end` of the first non-empty list among
    /// `keys` (checked in order, in one atomic step); (key, elements), or `None`.
    ///
    /// ```
    /// use ferricache::{Cache, End};
    /// let cache = Cache::new();
    /// cache.rpush("jobs:high", ["a", "b"]).unwrap();
    /// let (key, got) = cache.lmpop(&["jobs:urgent", "jobs:high"], End::Left, 5).unwrap().unwrap();
    /// assert_eq!((&key[..], got.len()), (&b"jobs:high"[..], 2));
    /// ```
    pub fn lmpop<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        end: End,
        count: usize,
    ) -> Result<Option<(Bytes, Vec<Bytes>)>> {
        near!(@argv self, "LMPOP" .arg(keys.len()) .args(keys.iter().map(AsRef::as_ref))
            .arg(end) .arg("COUNT") .arg(count));
        let all: Vec<&[u8]> = keys.iter().map(AsRef::as_ref).collect();
        self.pop_first(&all, (notify::LIST, end.pop_event(), false), |v| {
            v.map_or(Ok(Vec::new()), |v| pop_n(v, end, count))
        })
    }

    /// BLMPOP: LMPOP that waits up to `timeout` seconds (0: forever) for one of the lists
    /// to have elements. When it had to wait, the first element is served when pushed and
    /// up to `count - 1` more are taken from the same list right after.
    ///
    /// ```
    /// use ferricache::End;
    /// let cache = ferricache::Cache::new();
    /// cache.rpush("jobs", ["a", "b", "c"]).unwrap();
    /// let (key, items) = cache.blmpop(&["none", "jobs"], End::Left, 2, 0.1).unwrap().unwrap();
    /// assert_eq!((&key[..], items.len()), (&b"jobs"[..], 2));
    /// assert_eq!(cache.blmpop(&["none"], End::Left, 2, 0.01).unwrap(), None);
    /// ```
    pub fn blmpop<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        end: End,
        count: usize,
        timeout: f64,
    ) -> Result<Option<(Bytes, Vec<Bytes>)>> {
        near!(@argv self, "BLMPOP" .arg(timeout) .arg(keys.len()) .args(keys.iter().map(AsRef::as_ref))
            .arg(end) .arg("COUNT") .arg(count));
        super::coll::timeout_deadline(timeout)?;
        if let Some(hit) = self.lmpop(keys, end, count)? {
            return Ok(Some(hit));
        }
        let take = match end {
            End::Left => Take::ListHead,
            End::Right => Take::ListTail,
        };
        let Some(served) = self.blocking_pop(keys, take, timeout)? else {
            return Ok(None);
        };
        let mut items = vec![served.element];
        if count > 1 {
            items.extend(
                self.pop_impl(&served.key, end, count - 1)?
                    .unwrap_or_default(),
            );
        }
        Ok(Some((served.key, items)))
    }

    /// RPOP key count.
    pub fn rpop_count(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Option<Vec<Bytes>>> {
        near!(@argv self, "RPOP" .arg(key.as_ref()) .arg(count));
        self.pop_impl(key.as_ref(), End::Right, count)
    }

    fn pop_impl(&self, key: &[u8], end: End, count: usize) -> Result<Option<Vec<Bytes>>> {
        self.coll_write(key, 0, None, (notify::LIST, end.pop_event(), false), |v| {
            v.map(|v| pop_n(v, end, count)).transpose()
        })
    }

    /// LLEN: the length, 0 if missing.
    pub fn llen(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        near!(self, b"LLEN", key.as_ref());
        self.coll_read(key.as_ref(), |v| {
            v.map_or(Ok(0), |v| Ok(v.as_list()?.len()))
        })
    }

    /// LRANGE: elements from `start` to `stop` inclusive; negative indices count from the
    /// end; out-of-range indices are clamped.
    pub fn lrange(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<Vec<Bytes>> {
        near!(
            self,
            b"LRANGE",
            key.as_ref(),
            start.to_string(),
            stop.to_string()
        );
        self.coll_read(key.as_ref(), |v| {
            let Some(v) = v else { return Ok(Vec::new()) };
            let list = v.as_list()?;
            Ok(match index_range(start, stop, list.len()) {
                Some((a, b)) => list.range(a..=b).cloned().collect(),
                None => Vec::new(),
            })
        })
    }

    /// LINDEX: the element at `index` (negative from the end).
    pub fn lindex(&self, key: impl AsRef<[u8]>, index: i64) -> Result<Option<Bytes>> {
        near!(@argv self, "LINDEX" .arg(key.as_ref()) .arg(index));
        self.coll_read(key.as_ref(), |v| {
            let Some(v) = v else { return Ok(None) };
            let list = v.as_list()?;
            let i = if index < 0 {
                list.len() as i64 + index
            } else {
                index
            };
            Ok(usize::try_from(i).ok().and_then(|i| list.get(i)).cloned())
        })
    }

    /// LSET: replaces the element at `index`.
    pub fn lset(&self, key: impl AsRef<[u8]>, index: i64, element: impl Into<Bytes>) -> Result<()> {
        near!(@argv self, "LSET" .arg(key.as_ref()) .arg(index) .arg(element.into()));
        let element = element.into();
        self.coll_write(
            key.as_ref(),
            element.len(),
            None,
            (notify::LIST, "lset", true),
            |v| {
                let (list, bytes) = v.ok_or(Error::NoSuchKey)?.as_list_mut()?;
                let i = if index < 0 {
                    list.len() as i64 + index
                } else {
                    index
                };
                let slot = usize::try_from(i)
                    .ok()
                    .and_then(|i| list.get_mut(i))
                    .ok_or(Error::Invalid("index out of range"))?;
                *bytes = *bytes - slot.len() + element.len();
                *slot = element;
                Ok(())
            },
        )
    }

    /// LREM: removes `count` occurrences of `element` from the head (`count > 0`), from the
    /// tail (`count < 0`) or all of them (0); returns how many went.
    pub fn lrem(
        &self,
        key: impl AsRef<[u8]>,
        count: i64,
        element: impl AsRef<[u8]>,
    ) -> Result<usize> {
        near!(@argv self, "LREM" .arg(key.as_ref()) .arg(count) .arg(element.as_ref()));
        let element = element.as_ref();
        self.coll_write(key.as_ref(), 0, None, (notify::LIST, "lrem", false), |v| {
            let Some(v) = v else { return Ok(0) };
            let (list, bytes) = v.as_list_mut()?;
            let limit = if count == 0 {
                usize::MAX
            } else {
                count.unsigned_abs() as usize
            };
            let mut removed = 0;
            let positions: Vec<usize> = if count < 0 {
                (0..list.len())
                    .rev()
                    .filter(|&i| &list[i][..] == element)
                    .take(limit)
                    .collect()
            } else {
                (0..list.len())
                    .filter(|&i| &list[i][..] == element)
                    .take(limit)
                    .collect()
            };
            let mut keep = vec![true; list.len()];
            for p in positions {
                keep[p] = false;
                removed += 1;
            }
            let mut i = 0;
            list.retain(|_| {
                i += 1;
                keep[i - 1]
            });
            *bytes -= removed * element_bytes(element);
            Ok(removed)
        })
    }

    /// LTRIM: keeps only the elements from `start` to `stop` inclusive.
    pub fn ltrim(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<()> {
        near!(@argv self, "LTRIM" .arg(key.as_ref()) .arg(start) .arg(stop));
        self.coll_write(key.as_ref(), 0, None, (notify::LIST, "ltrim", true), |v| {
            let Some(v) = v else { return Ok(()) };
            let (list, bytes) = v.as_list_mut()?;
            let kept: VecDeque<Bytes> = match index_range(start, stop, list.len()) {
                Some((a, b)) => list.drain(a..=b).collect(),
                None => VecDeque::new(),
            };
            *list = kept;
            *bytes = list.iter().map(|e| element_bytes(e)).sum();
            Ok(())
        })
    }

    /// LINSERT: inserts before or after the first `pivot`; returns the new length, -1 if
    /// the pivot is not there, 0 if the key is missing.
    pub fn linsert(
        &self,
        key: impl AsRef<[u8]>,
        pos: Position,
        pivot: impl AsRef<[u8]>,
        element: impl Into<Bytes>,
    ) -> Result<i64> {
        near!(@argv self, "LINSERT" .arg(key.as_ref()) .arg(pos) .arg(pivot.as_ref()) .arg(element.into()));
        let (pivot, element) = (pivot.as_ref(), element.into());
        self.coll_write(
            key.as_ref(),
            element_bytes(&element),
            None,
            (notify::LIST, "linsert", false),
            |v| {
                let Some(v) = v else { return Ok(0) };
                let (list, bytes) = v.as_list_mut()?;
                let Some(p) = list.iter().position(|e| &e[..] == pivot) else {
                    return Ok(-1);
                };
                *bytes += element_bytes(&element);
                list.insert(if pos == Position::Before { p } else { p + 1 }, element);
                Ok(list.len() as i64)
            },
        )
    }

    /// LPOS: positions of `element`. `rank` picks the n-th match (negative: from the tail),
    /// `count` how many to return (0: all), `maxlen` how many elements to compare (0: all).
    /// Returns at most one position unless `count` is given.
    pub fn lpos(
        &self,
        key: impl AsRef<[u8]>,
        element: impl AsRef<[u8]>,
        rank: i64,
        count: Option<usize>,
        maxlen: usize,
    ) -> Result<Vec<usize>> {
        if rank == 0 {
            return Err(Error::Invalid(RANK_ZERO));
        }
        if rank == i64::MIN {
            return Err(Error::Invalid("value is out of range, value must between -9223372036854775807 and 9223372036854775807"));
        }
        let element = element.as_ref();
        near!(@argv self, "LPOS" .arg(key.as_ref()) .arg(element) .arg("RANK") .arg(rank)
            .args(count.map(|c| ["COUNT".to_string(), c.to_string()]).into_iter().flatten())
            .arg("MAXLEN") .arg(maxlen));
        self.coll_read(key.as_ref(), |v| {
            let Some(v) = v else { return Ok(Vec::new()) };
            let list = v.as_list()?;
            let n = list.len();
            let scan = if maxlen == 0 { n } else { maxlen.min(n) };
            let want = match count {
                Some(0) => usize::MAX,
                Some(c) => c,
                None => 1,
            };
            let indices: Box<dyn Iterator<Item = usize>> = if rank > 0 {
                Box::new(0..scan)
            } else {
                Box::new((n - scan..n).rev())
            };
            Ok(indices
                .filter(|&i| &list[i][..] == element)
                .skip(rank.unsigned_abs() as usize - 1)
                .take(want)
                .collect())
        })
    }

    /// LMOVE: pops from one end of `src` and pushes to one end of `dst`, atomically;
    /// returns the element moved.
    pub fn lmove(
        &self,
        src: impl AsRef<[u8]>,
        dst: impl AsRef<[u8]>,
        from: End,
        to: End,
    ) -> Result<Option<Bytes>> {
        near!(@argv self, "LMOVE" .arg(src.as_ref()) .arg(dst.as_ref()) .arg(from) .arg(to));
        let (src, dst) = (src.as_ref(), dst.as_ref());
        self.ks().write_many(&[src, dst], 64, |m| {
            // As Redis: a missing src answers nil whatever dst is; then both types are
            // checked before anything is taken from src.
            {
                let mut tx = m.key(0);
                let Some(i) = tx.find(src) else {
                    return Ok(None);
                };
                tx.entry(i).value().as_list()?;
            }
            {
                let mut tx = m.key(1);
                if let Some(i) = tx.find(dst) {
                    tx.entry(i).value().as_list()?;
                }
            }
            let popped = self.coll_in(
                &mut m.key(0),
                src,
                None,
                (notify::LIST, from.pop_event(), false),
                |v| v.map(|v| pop_n(v, from, 1)).transpose(),
            )?;
            let Some(element) = popped.and_then(|v| v.into_iter().next()) else {
                return Ok(None);
            };
            self.coll_in(
                &mut m.key(1),
                dst,
                Some(new_list),
                (notify::LIST, to.push_event(), false),
                |v| push(v.expect("created"), to, vec![element.clone()]),
            )?;
            Ok(Some(element))
        })
    }

    /// RPOPLPUSH: LMOVE src dst RIGHT LEFT.
    pub fn rpoplpush(&self, src: impl AsRef<[u8]>, dst: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        self.lmove(src, dst, End::Right, End::Left)
    }

    /// BLPOP: the head of the first non-empty list among `keys`, waiting up to `timeout`
    /// seconds (0: forever) for a push; returns (key, element), or `None` on timeout.
    ///
    /// ```
    /// use ferricache::Cache;
    ///
    /// let cache = Cache::new();
    /// let worker = {
    ///     let cache = cache.clone();
    ///     std::thread::spawn(move || cache.brpop(&["db-write-queue"], 5.0).unwrap())
    /// };
    /// cache.lpush("db-write-queue", [r#"{"car":1}"#]).unwrap();
    /// let (key, job) = worker.join().unwrap().unwrap();
    /// assert_eq!((&key[..], &job[..]), (&b"db-write-queue"[..], &br#"{"car":1}"#[..]));
    /// ```
    pub fn blpop<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        timeout: f64,
    ) -> Result<Option<(Bytes, Bytes)>> {
        near!(@argv self, "BLPOP" .args(keys.iter().map(AsRef::as_ref)) .arg(timeout));
        Ok(self
            .blocking_pop(keys, Take::ListHead, timeout)?
            .map(|s| (s.key, s.element)))
    }

    /// BRPOP: as BLPOP, from the tail.
    pub fn brpop<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        timeout: f64,
    ) -> Result<Option<(Bytes, Bytes)>> {
        near!(@argv self, "BRPOP" .args(keys.iter().map(AsRef::as_ref)) .arg(timeout));
        Ok(self
            .blocking_pop(keys, Take::ListTail, timeout)?
            .map(|s| (s.key, s.element)))
    }

    /// BLMOVE: LMOVE that waits for `src` to have an element. When it had to wait, the
    /// element is taken from `src` when pushed and then pushed to `dst` (two steps).
    pub fn blmove(
        &self,
        src: impl AsRef<[u8]>,
        dst: impl AsRef<[u8]>,
        from: End,
        to: End,
        timeout: f64,
    ) -> Result<Option<Bytes>> {
        near!(@argv self, "BLMOVE" .arg(src.as_ref()) .arg(dst.as_ref()) .arg(from) .arg(to) .arg(timeout));
        let (src, dst) = (src.as_ref(), dst.as_ref());
        if let Some(e) = self.lmove(src, dst, from, to)? {
            return Ok(Some(e));
        }
        let take = if from == End::Left {
            Take::ListHead
        } else {
            Take::ListTail
        };
        let Some(served) = self.blocking_pop(&[src], take, timeout)? else {
            return Ok(None);
        };
        match to {
            End::Left => self.lpush(dst, [served.element.clone()])?,
            End::Right => self.rpush(dst, [served.element.clone()])?,
        };
        Ok(Some(served.element))
    }

    /// BRPOPLPUSH: BLMOVE src dst RIGHT LEFT.
    pub fn brpoplpush(
        &self,
        src: impl AsRef<[u8]>,
        dst: impl AsRef<[u8]>,
        timeout: f64,
    ) -> Result<Option<Bytes>> {
        self.blmove(src, dst, End::Right, End::Left, timeout)
    }
}
