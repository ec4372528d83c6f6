//! Random command sequences over every collection type against simple models (VecDeque,
//! BTreeMap, BTreeSet, and a sorted Vec for sorted sets); every reply must match,
//! WRONGTYPE included.

use ferricache::{Cache, Error, ScoreBound, ValueType};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

#[derive(Debug, Clone)]
enum Op {
    LPush(u8, u8),
    RPush(u8, u8),
    LPop(u8, u8),
    RPop(u8),
    LRange(u8, i8, i8),
    LRem(u8, i8, u8),
    LTrim(u8, i8, i8),
    LIndex(u8, i8),
    HSet(u8, u8, u8),
    HDel(u8, u8),
    HGet(u8, u8),
    HIncrBy(u8, u8, i8),
    SAdd(u8, u8),
    SRem(u8, u8),
    SInter(u8, u8),
    ZAdd(u8, i8, u8),
    ZRem(u8, u8),
    ZIncrBy(u8, i8, u8),
    ZRank(u8, u8, bool),
    ZRange(u8, i8, i8, bool),
    ZByScore(u8, i8, i8, bool),
    ZPopMin(u8, u8),
    /// Adds 130 elements at once to a hash (0), set (1) or sorted set (2): past the packed
    /// limit, so the table forms are checked too.
    Grow(u8, u8),
    SetStr(u8),
    Del(u8),
}

fn op() -> impl Strategy<Value = Op> {
    let k = 0u8..3;
    // e4 is longer than a packed element may be.
    let e = 0u8..5;
    prop_oneof![
        4 => (k.clone(), e.clone()).prop_map(|(a, b)| Op::LPush(a, b)),
        4 => (k.clone(), e.clone()).prop_map(|(a, b)| Op::RPush(a, b)),
        1 => (k.clone(), 0u8..3).prop_map(|(a, b)| Op::LPop(a, b)),
        1 => k.clone().prop_map(Op::RPop),
        1 => (k.clone(), -6i8..6, -6i8..6).prop_map(|(a, b, c)| Op::LRange(a, b, c)),
        3 => (k.clone(), -2i8..3, e.clone()).prop_map(|(a, b, c)| Op::LRem(a, b, c)),
        1 => (k.clone(), -6i8..6, -6i8..6).prop_map(|(a, b, c)| Op::LTrim(a, b, c)),
        1 => (k.clone(), -6i8..6).prop_map(|(a, b)| Op::LIndex(a, b)),
        1 => (k.clone(), e.clone(), e.clone()).prop_map(|(a, b, c)| Op::HSet(a, b, c)),
        1 => (k.clone(), e.clone()).prop_map(|(a, b)| Op::HDel(a, b)),
        1 => (k.clone(), e.clone()).prop_map(|(a, b)| Op::HGet(a, b)),
        1 => (k.clone(), e.clone(), -3i8..3).prop_map(|(a, b, c)| Op::HIncrBy(a, b, c)),
        1 => (k.clone(), e.clone()).prop_map(|(a, b)| Op::SAdd(a, b)),
        1 => (k.clone(), e.clone()).prop_map(|(a, b)| Op::SRem(a, b)),
        1 => (k.clone(), k.clone()).prop_map(|(a, b)| Op::SInter(a, b)),
        1 => (k.clone(), -3i8..3, e.clone()).prop_map(|(a, b, c)| Op::ZAdd(a, b, c)),
        1 => (k.clone(), e.clone()).prop_map(|(a, b)| Op::ZRem(a, b)),
        1 => (k.clone(), -3i8..3, e.clone()).prop_map(|(a, b, c)| Op::ZIncrBy(a, b, c)),
        1 => (k.clone(), e.clone(), any::<bool>()).prop_map(|(a, b, c)| Op::ZRank(a, b, c)),
        1 => (k.clone(), -6i8..6, -6i8..6, any::<bool>()).prop_map(|(a, b, c, d)| Op::ZRange(a, b, c, d)),
        1 => (k.clone(), -4i8..4, -4i8..4, any::<bool>()).prop_map(|(a, b, c, d)| Op::ZByScore(a, b, c, d)),
        1 => (k.clone(), 0u8..3).prop_map(|(a, b)| Op::ZPopMin(a, b)),
        1 => (k.clone(), 0u8..3).prop_map(|(a, b)| Op::Grow(a, b)),
        1 => k.clone().prop_map(Op::SetStr),
        1 => k.prop_map(Op::Del),
    ]
}

#[derive(Debug, Clone)]
enum M {
    Str,
    List(VecDeque<String>),
    Hash(BTreeMap<String, String>),
    Set(BTreeSet<String>),
    /// Sorted by (score, member).
    ZSet(Vec<(f64, String)>),
}

fn key(k: u8) -> String {
    format!("k{k}")
}
fn el(e: u8) -> String {
    match e {
        4 => format!("e4{}", "-".repeat(70)),
        _ => format!("e{e}"),
    }
}

fn range(len: usize, a: i64, b: i64) -> Option<(usize, usize)> {
    let n = len as i64;
    let s = if a < 0 { (n + a).max(0) } else { a };
    let e = if b < 0 { n + b } else { b.min(n - 1) };
    (s <= e && s < n && e >= 0).then_some((s as usize, e as usize))
}

fn strs(v: Vec<bytes::Bytes>) -> Vec<String> {
    v.into_iter()
        .map(|b| String::from_utf8(b.to_vec()).unwrap())
        .collect()
}

fn zsort(z: &mut [(f64, String)]) {
    z.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap().then_with(|| a.1.cmp(&b.1)));
}

/// The model's entry of `k` as `T`, `Err(WrongType)` for another type.
macro_rules! typed {
    ($m:expr, $k:expr, $variant:ident, $new:expr) => {
        match $m.entry(key($k)).or_insert_with(|| M::$variant($new)) {
            M::$variant(v) => Ok(v),
            _ => Err(()),
        }
    };
}

fn check_wrongtype<T: std::fmt::Debug>(got: Result<T, Error>) -> Result<(), TestCaseError> {
    prop_assert!(
        matches!(got, Err(Error::WrongType)),
        "expected WRONGTYPE, got {:?}",
        got
    );
    Ok(())
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let c = Cache::builder().shards(2).build().unwrap();
    let mut m: BTreeMap<String, M> = BTreeMap::new();
    for op in ops {
        // Whether the key existed, so a typed! that created an empty entry can be undone.
        let existed = |m: &BTreeMap<String, M>, k: u8| m.contains_key(&key(k));
        match op {
            Op::LPush(k, e) | Op::RPush(k, e) => {
                let left = matches!(op, Op::LPush(..));
                let got = if left {
                    c.lpush(key(k), [el(e)])
                } else {
                    c.rpush(key(k), [el(e)])
                };
                match typed!(m, k, List, VecDeque::new()) {
                    Ok(l) => {
                        if left {
                            l.push_front(el(e))
                        } else {
                            l.push_back(el(e))
                        }
                        prop_assert_eq!(got.unwrap(), l.len());
                    }
                    Err(()) => check_wrongtype(got)?,
                }
            }
            Op::LPop(k, n) => {
                let had = existed(&m, k);
                let got = c.lpop_count(key(k), n as usize);
                match typed!(m, k, List, VecDeque::new()) {
                    Ok(l) => {
                        let want: Vec<String> = (0..n).filter_map(|_| l.pop_front()).collect();
                        prop_assert_eq!(got.unwrap().map(strs), had.then_some(want));
                    }
                    Err(()) => check_wrongtype(got)?,
                }
            }
            Op::RPop(k) => {
                let got = c.rpop(key(k));
                match typed!(m, k, List, VecDeque::new()) {
                    Ok(l) => prop_assert_eq!(
                        got.unwrap().map(|b| String::from_utf8(b.to_vec()).unwrap()),
                        l.pop_back()
                    ),
                    Err(()) => check_wrongtype(got)?,
                }
            }
            Op::LRange(k, a, b) => {
                let got = c.lrange(key(k), a as i64, b as i64);
                match typed!(m, k, List, VecDeque::new()) {
                    Ok(l) => {
                        let want: Vec<String> = range(l.len(), a as i64, b as i64)
                            .map_or(vec![], |(s, e)| l.range(s..=e).cloned().collect());
                        prop_assert_eq!(strs(got.unwrap()), want);
                    }
                    Err(()) => check_wrongtype(got)?,
                }
            }
            Op::LRem(k, n, e) => {
                let got = c.lrem(key(k), n as i64, el(e));
                match typed!(m, k, List, VecDeque::new()) {
                    Ok(l) => {
                        let limit = if n == 0 {
                            usize::MAX
                        } else {
                            n.unsigned_abs() as usize
                        };
                        let mut idx: Vec<usize> = (0..l.len()).filter(|&i| l[i] == el(e)).collect();
                        if n < 0 {
                            idx.reverse();
                        }
                        idx.truncate(limit);
                        idx.sort_unstable_by(|a, b| b.cmp(a));
                        for &i in &idx {
                            l.remove(i);
                        }
                        prop_assert_eq!(got.unwrap(), idx.len());
                    }
                    Err(()) => check_wrongtype(got)?,
                }
            }
            Op::LTrim(k, a, b) => {
                let got = c.ltrim(key(k), a as i64, b as i64);
                match typed!(m, k, List, VecDeque::new()) {
                    Ok(l) => {
                        *l = range(l.len(), a as i64, b as i64)
                            .map_or(VecDeque::new(), |(s, e)| l.range(s..=e).cloned().collect());
                        prop_assert!(got.is_ok());
                    }
                    Err(()) => check_wrongtype(got)?,
                }
            }
            Op::LIndex(k, i) => {
                let got = c.lindex(key(k), i as i64);
                match typed!(m, k, List, VecDeque::new()) {
                    Ok(l) => {
                        let j = if i < 0 {
                            l.len() as i64 + i as i64
                        } else {
                            i as i64
                        };
                        let want = usize::try_from(j).ok().and_then(|j| l.get(j)).cloned();
                        prop_assert_eq!(
                            got.unwrap().map(|b| String::from_utf8(b.to_vec()).unwrap()),
                            want
                        );
                    }
                    Err(()) => check_wrongtype(got)?,
                }
            }
            Op::HSet(k, f, v) => {
                let got = c.hset(key(k), [(el(f), el(v))]);
                match typed!(m, k, Hash, BTreeMap::new()) {
                    Ok(h) => {
                        prop_assert_eq!(got.unwrap(), h.insert(el(f), el(v)).is_none() as usize)
                    }
                    Err(()) => check_wrongtype(got)?,
                }
            }
            Op::HDel(k, f) => {
                let got = c.hdel(key(k), &[el(f)]);
                match typed!(m, k, Hash, BTreeMap::new()) {
                    Ok(h) => prop_assert_eq!(got.unwrap(), h.remove(&el(f)).is_some() as usize),
                    Err(()) => check_wrongtype(got)?,
                }
            }
            Op::HGet(k, f) => {
                let got = c.hget(key(k), el(f));
                match typed!(m, k, Hash, BTreeMap::new()) {
                    Ok(h) => prop_assert_eq!(
                        got.unwrap().map(|b| String::from_utf8(b.to_vec()).unwrap()),
                        h.get(&el(f)).cloned()
                    ),
                    Err(()) => check_wrongtype(got)?,
                }
            }
            Op::HIncrBy(k, f, by) => {
                let got = c.hincrby(key(k), el(f), by as i64);
                match typed!(m, k, Hash, BTreeMap::new()) {
                    Ok(h) => match h.get(&el(f)).map(|v| v.parse::<i64>()) {
                        Some(Err(_)) => prop_assert!(got.is_err()),
                        cur => {
                            let n = cur.map_or(0, |r| r.unwrap()) + by as i64;
                            h.insert(el(f), n.to_string());
                            prop_assert_eq!(got.unwrap(), n);
                        }
                    },
                    Err(()) => check_wrongtype(got)?,
                }
            }
            Op::Grow(k, kind) => {
                let els: Vec<String> = (0..130).map(|i| format!("g{i}")).collect();
                let added = match kind {
                    0 => c.hset(key(k), els.iter().map(|e| (e.clone(), "v".to_string()))),
                    1 => c.sadd(key(k), els.clone()),
                    _ => c.zadd(
                        key(k),
                        els.iter()
                            .enumerate()
                            .map(|(i, e)| ((i % 5) as f64 - 2.0, e.clone())),
                    ),
                };
                let model = match kind {
                    0 => typed!(m, k, Hash, BTreeMap::new()).map(|h| {
                        els.iter()
                            .filter(|e| h.insert(e.to_string(), "v".into()).is_none())
                            .count()
                    }),
                    1 => typed!(m, k, Set, BTreeSet::new())
                        .map(|s| els.iter().filter(|e| s.insert(e.to_string())).count()),
                    _ => typed!(m, k, ZSet, Vec::new()).map(|z| {
                        let mut new = 0;
                        for (i, e) in els.iter().enumerate() {
                            let score = (i % 5) as f64 - 2.0;
                            match z.iter_mut().find(|(_, m)| m == e) {
                                Some(p) => p.0 = score,
                                None => {
                                    z.push((score, e.clone()));
                                    new += 1;
                                }
                            }
                        }
                        zsort(z);
                        new
                    }),
                };
                match model {
                    Ok(n) => prop_assert_eq!(added.unwrap(), n),
                    Err(()) => check_wrongtype(added)?,
                }
            }
            Op::SAdd(k, e) => {
                let got = c.sadd(key(k), [el(e)]);
                match typed!(m, k, Set, BTreeSet::new()) {
                    Ok(s) => prop_assert_eq!(got.unwrap(), s.insert(el(e)) as usize),
                    Err(()) => check_wrongtype(got)?,
                }
            }
            Op::SRem(k, e) => {
                let got = c.srem(key(k), &[el(e)]);
                match typed!(m, k, Set, BTreeSet::new()) {
                    Ok(s) => prop_assert_eq!(got.unwrap(), s.remove(&el(e)) as usize),
                    Err(()) => check_wrongtype(got)?,
                }
            }
            Op::SInter(a, b) => {
                let got = c.sinter(&[key(a), key(b)]);
                let is_set = |v: Option<&M>| matches!(v, Some(M::Set(_)) | None);
                match (is_set(m.get(&key(a))), is_set(m.get(&key(b)))) {
                    (true, true) => {
                        let x = x_or_empty(m.get(&key(a)));
                        let y = x_or_empty(m.get(&key(b)));
                        let mut got = strs(got.unwrap());
                        got.sort();
                        let want: Vec<String> = x.intersection(&y).cloned().collect();
                        prop_assert_eq!(got, want);
                    }
                    _ => check_wrongtype(got)?,
                }
            }
            Op::ZAdd(k, s, e) => {
                let got = c.zadd(key(k), [(s as f64, el(e))]);
                match typed!(m, k, ZSet, Vec::new()) {
                    Ok(z) => {
                        let added = match z.iter_mut().find(|(_, mm)| *mm == el(e)) {
                            Some(p) => {
                                p.0 = s as f64;
                                0
                            }
                            None => {
                                z.push((s as f64, el(e)));
                                1
                            }
                        };
                        zsort(z);
                        prop_assert_eq!(got.unwrap(), added);
                    }
                    Err(()) => check_wrongtype(got)?,
                }
            }
            Op::ZIncrBy(k, s, e) => {
                let got = c.zincrby(key(k), s as f64, el(e));
                match typed!(m, k, ZSet, Vec::new()) {
                    Ok(z) => {
                        let new = match z.iter_mut().find(|(_, mm)| *mm == el(e)) {
                            Some(p) => {
                                p.0 += s as f64;
                                p.0
                            }
                            None => {
                                z.push((s as f64, el(e)));
                                s as f64
                            }
                        };
                        zsort(z);
                        prop_assert_eq!(got.unwrap(), new);
                    }
                    Err(()) => check_wrongtype(got)?,
                }
            }
            Op::ZRem(k, e) => {
                let got = c.zrem(key(k), &[el(e)]);
                match typed!(m, k, ZSet, Vec::new()) {
                    Ok(z) => {
                        let before = z.len();
                        z.retain(|(_, mm)| *mm != el(e));
                        prop_assert_eq!(got.unwrap(), before - z.len());
                    }
                    Err(()) => check_wrongtype(got)?,
                }
            }
            Op::ZRank(k, e, rev) => {
                let got = if rev {
                    c.zrevrank(key(k), el(e))
                } else {
                    c.zrank(key(k), el(e))
                };
                match typed!(m, k, ZSet, Vec::new()) {
                    Ok(z) => {
                        let r = z.iter().position(|(_, mm)| *mm == el(e)).map(|r| {
                            if rev {
                                z.len() - 1 - r
                            } else {
                                r
                            }
                        });
                        prop_assert_eq!(got.unwrap(), r);
                    }
                    Err(()) => check_wrongtype(got)?,
                }
            }
            Op::ZRange(k, a, b, rev) => {
                let got = if rev {
                    c.zrevrange_withscores(key(k), a as i64, b as i64)
                } else {
                    c.zrange_withscores(key(k), a as i64, b as i64)
                };
                match typed!(m, k, ZSet, Vec::new()) {
                    Ok(z) => {
                        let mut ordered = z.clone();
                        if rev {
                            ordered.reverse();
                        }
                        let want: Vec<(f64, String)> = range(ordered.len(), a as i64, b as i64)
                            .map_or(vec![], |(s, e)| ordered[s..=e].to_vec());
                        let got: Vec<(f64, String)> = got
                            .unwrap()
                            .into_iter()
                            .map(|(mm, s)| (s, String::from_utf8(mm.to_vec()).unwrap()))
                            .collect();
                        prop_assert_eq!(got, want);
                    }
                    Err(()) => check_wrongtype(got)?,
                }
            }
            Op::ZByScore(k, lo, hi, excl) => {
                let (min, max) = if excl {
                    (
                        ScoreBound::Exclusive(lo as f64),
                        ScoreBound::Exclusive(hi as f64),
                    )
                } else {
                    (
                        ScoreBound::Inclusive(lo as f64),
                        ScoreBound::Inclusive(hi as f64),
                    )
                };
                let got = c.zrangebyscore(key(k), min, max, None);
                let count = c.zcount(key(k), min, max);
                match typed!(m, k, ZSet, Vec::new()) {
                    Ok(z) => {
                        let inside = |s: f64| {
                            if excl {
                                s > lo as f64 && s < hi as f64
                            } else {
                                s >= lo as f64 && s <= hi as f64
                            }
                        };
                        let want: Vec<String> = z
                            .iter()
                            .filter(|(s, _)| inside(*s))
                            .map(|(_, mm)| mm.clone())
                            .collect();
                        prop_assert_eq!(count.unwrap(), want.len());
                        prop_assert_eq!(
                            got.unwrap()
                                .into_iter()
                                .map(|(mm, _)| String::from_utf8(mm.to_vec()).unwrap())
                                .collect::<Vec<_>>(),
                            want
                        );
                    }
                    Err(()) => {
                        check_wrongtype(got)?;
                        check_wrongtype(count)?;
                    }
                }
            }
            Op::ZPopMin(k, n) => {
                let got = c.zpopmin(key(k), n as usize);
                match typed!(m, k, ZSet, Vec::new()) {
                    Ok(z) => {
                        let take = (n as usize).min(z.len());
                        let want: Vec<(f64, String)> = z.drain(..take).collect();
                        let got: Vec<(f64, String)> = got
                            .unwrap()
                            .into_iter()
                            .map(|(mm, s)| (s, String::from_utf8(mm.to_vec()).unwrap()))
                            .collect();
                        prop_assert_eq!(got, want);
                    }
                    Err(()) => check_wrongtype(got)?,
                }
            }
            Op::SetStr(k) => {
                c.set(key(k), "s").unwrap();
                m.insert(key(k), M::Str);
            }
            Op::Del(k) => {
                prop_assert_eq!(
                    c.del(&[key(k)]).unwrap(),
                    m.remove(&key(k)).is_some() as usize
                );
            }
        }
        // Empty collections do not exist, in the model as in Redis.
        m.retain(|_, v| match v {
            M::Str => true,
            M::List(l) => !l.is_empty(),
            M::Hash(h) => !h.is_empty(),
            M::Set(s) => !s.is_empty(),
            M::ZSet(z) => !z.is_empty(),
        });
        for k in 0..3 {
            let want = m.get(&key(k)).map(|v| match v {
                M::Str => ValueType::String,
                M::List(_) => ValueType::List,
                M::Hash(_) => ValueType::Hash,
                M::Set(_) => ValueType::Set,
                M::ZSet(_) => ValueType::ZSet,
            });
            prop_assert_eq!(c.key_type(key(k)).unwrap(), want, "TYPE {}", key(k));
            // The whole content matches after every step, so a divergence shows at once.
            match m.get(&key(k)) {
                Some(M::List(l)) => prop_assert_eq!(
                    strs(c.lrange(key(k), 0, -1).unwrap()),
                    l.iter().cloned().collect::<Vec<_>>()
                ),
                Some(M::Hash(h)) => {
                    let mut got: Vec<(String, String)> = c
                        .hgetall(key(k))
                        .unwrap()
                        .into_iter()
                        .map(|(f, v)| {
                            (
                                String::from_utf8(f.to_vec()).unwrap(),
                                String::from_utf8(v.to_vec()).unwrap(),
                            )
                        })
                        .collect();
                    got.sort();
                    prop_assert_eq!(got, h.clone().into_iter().collect::<Vec<_>>());
                }
                Some(M::Set(set)) => {
                    let mut got = strs(c.smembers(key(k)).unwrap());
                    got.sort();
                    prop_assert_eq!(got, set.iter().cloned().collect::<Vec<_>>());
                }
                Some(M::ZSet(z)) => {
                    let got: Vec<(f64, String)> = c
                        .zrange_withscores(key(k), 0, -1)
                        .unwrap()
                        .into_iter()
                        .map(|(mm, sc)| (sc, String::from_utf8(mm.to_vec()).unwrap()))
                        .collect();
                    prop_assert_eq!(&got, z);
                }
                _ => {}
            }
        }
        prop_assert_eq!(c.dbsize().unwrap(), m.len());
    }
    c.flushall().unwrap();
    prop_assert_eq!(c.stats().used_memory, 0);
    Ok(())
}

fn x_or_empty(v: Option<&M>) -> BTreeSet<String> {
    match v {
        Some(M::Set(s)) => s.clone(),
        _ => BTreeSet::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn collections_match_their_models(ops in proptest::collection::vec(op(), 1..150)) {
        run(ops)?;
    }
}
