//! Random command sequences against a simple model (a BTreeMap and a mock clock): every
//! reply must match.

mod common;

use common::{getrange_model as range, T0};
use ferricache::{Cache, ExpireCondition, Expiry, MockClock, ScanOptions, SetOptions};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone)]
enum Op {
    Get(u8),
    Set(u8, Vec<u8>, Option<i64>, u8),
    Del(u8, u8),
    Incr(u8, i64),
    Append(u8, Vec<u8>),
    Expire(u8, i64, u8),
    Persist(u8),
    Ttl(u8),
    Rename(u8, u8),
    Copy(u8, u8, bool),
    GetDel(u8),
    GetEx(u8, Option<i64>),
    SetRange(u8, u8, Vec<u8>),
    GetRange(u8, i8, i8),
    MSetNx(u8, u8, Vec<u8>),
    Advance(u16),
    Scan,
}

fn key(k: u8) -> String {
    format!("key:{}", k % 6)
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (0i64..100).prop_map(|n| n.to_string().into_bytes()),
        proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'1'), Just(0u8)], 0..6),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<u8>().prop_map(Op::Get),
        (
            any::<u8>(),
            value(),
            proptest::option::of(-2i64..3000),
            any::<u8>()
        )
            .prop_map(|(k, v, t, f)| Op::Set(k, v, t, f)),
        (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::Del(a, b)),
        (any::<u8>(), -5i64..5).prop_map(|(k, n)| Op::Incr(k, n)),
        (any::<u8>(), value()).prop_map(|(k, v)| Op::Append(k, v)),
        (any::<u8>(), -100i64..3000, any::<u8>()).prop_map(|(k, t, f)| Op::Expire(k, t, f)),
        any::<u8>().prop_map(Op::Persist),
        any::<u8>().prop_map(Op::Ttl),
        (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::Rename(a, b)),
        (any::<u8>(), any::<u8>(), any::<bool>()).prop_map(|(a, b, r)| Op::Copy(a, b, r)),
        any::<u8>().prop_map(Op::GetDel),
        (any::<u8>(), proptest::option::of(1i64..3000)).prop_map(|(k, t)| Op::GetEx(k, t)),
        (any::<u8>(), 0u8..8, value()).prop_map(|(k, o, v)| Op::SetRange(k, o, v)),
        (any::<u8>(), any::<i8>(), any::<i8>()).prop_map(|(k, a, b)| Op::GetRange(
            k,
            a % 10,
            b % 10
        )),
        (any::<u8>(), any::<u8>(), value()).prop_map(|(a, b, v)| Op::MSetNx(a, b, v)),
        (0u16..2500).prop_map(Op::Advance),
        Just(Op::Scan),
    ]
}

/// The model: key -> (value, deadline in ms or 0).
struct Model {
    map: BTreeMap<String, (Vec<u8>, u64)>,
    now: u64,
}

impl Model {
    fn live(&mut self) -> &mut BTreeMap<String, (Vec<u8>, u64)> {
        let now = self.now;
        self.map.retain(|_, (_, d)| *d == 0 || *d > now);
        &mut self.map
    }
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let clock = MockClock::new(T0);
    let c = Cache::builder()
        .clock(clock.clone())
        .shards(4)
        .build()
        .unwrap();
    let mut m = Model {
        map: BTreeMap::new(),
        now: T0,
    };
    for op in ops {
        match op {
            Op::Get(k) => {
                let want = m.live().get(&key(k)).map(|(v, _)| v.clone());
                prop_assert_eq!(c.get(key(k)).unwrap().map(|b| b.to_vec()), want);
            }
            Op::Set(k, v, ttl, flags) => {
                let mut opts = SetOptions::new();
                if let Some(t) = ttl {
                    opts = opts.px(t);
                }
                if flags & 1 != 0 {
                    opts = opts.nx();
                } else if flags & 2 != 0 {
                    opts = opts.xx();
                }
                if flags & 4 != 0 {
                    opts = opts.get();
                }
                let got = c.set_with(key(k), v.clone(), &opts);
                if ttl.is_some_and(|t| t <= 0) {
                    prop_assert!(got.is_err());
                    continue;
                }
                let now = m.now;
                let live = m.live();
                let prev = live.get(&key(k)).map(|(v, _)| v.clone());
                let write = match opts.condition {
                    ferricache::SetCondition::Nx => prev.is_none(),
                    ferricache::SetCondition::Xx => prev.is_some(),
                    _ => true,
                };
                if write {
                    live.insert(key(k), (v, ttl.map_or(0, |t| now + t as u64)));
                }
                let got = got.unwrap();
                prop_assert_eq!(got.written, write);
                prop_assert_eq!(
                    got.previous.map(|b| b.to_vec()),
                    if opts.get { prev } else { None }
                );
            }
            Op::Del(a, b) => {
                let live = m.live();
                let mut n = live.remove(&key(a)).is_some() as usize;
                n += live.remove(&key(b)).is_some() as usize;
                prop_assert_eq!(c.del(&[key(a), key(b)]).unwrap(), n);
            }
            Op::Incr(k, by) => {
                let live = m.live();
                let cur = live.get(&key(k)).cloned();
                let parsed = match &cur {
                    None => Some(0),
                    Some((v, _)) => std::str::from_utf8(v).ok().and_then(|s| {
                        let ok = s == "0"
                            || (!s.starts_with('0')
                                && !s.starts_with("-0")
                                && !s.starts_with('+')
                                && !s.is_empty());
                        if ok {
                            s.parse::<i64>().ok()
                        } else {
                            None
                        }
                    }),
                };
                let got = c.incr_by(key(k), by);
                match parsed {
                    Some(n) => {
                        prop_assert_eq!(got.unwrap(), n + by);
                        let d = cur.map_or(0, |(_, d)| d);
                        live.insert(key(k), ((n + by).to_string().into_bytes(), d));
                    }
                    None => prop_assert!(got.is_err()),
                }
            }
            Op::Append(k, v) => {
                let live = m.live();
                let e = live.entry(key(k)).or_insert((vec![], 0));
                e.0.extend_from_slice(&v);
                prop_assert_eq!(c.append(key(k), &v).unwrap(), e.0.len());
            }
            Op::Expire(k, ms, f) => {
                let cond = match f % 5 {
                    0 => ExpireCondition::new(),
                    1 => ExpireCondition::new().nx(),
                    2 => ExpireCondition::new().xx(),
                    3 => ExpireCondition::new().gt(),
                    _ => ExpireCondition::new().lt(),
                };
                let now = m.now;
                let deadline = (now as i64 + ms) as u64;
                let live = m.live();
                let want = match live.get(&key(k)).map(|(_, d)| *d) {
                    None => false,
                    Some(cur) => {
                        let has = cur != 0;
                        let allowed = !(cond.nx && has
                            || cond.xx && !has
                            || cond.gt && (!has || deadline <= cur)
                            || cond.lt && has && deadline >= cur);
                        if allowed {
                            if deadline <= now {
                                live.remove(&key(k));
                            } else {
                                live.get_mut(&key(k)).unwrap().1 = deadline;
                            }
                        }
                        allowed
                    }
                };
                prop_assert_eq!(c.expire_with(key(k), Expiry::Px(ms), cond).unwrap(), want);
            }
            Op::Persist(k) => {
                let want = match m.live().get_mut(&key(k)) {
                    Some((_, d)) if *d != 0 => {
                        *d = 0;
                        true
                    }
                    _ => false,
                };
                prop_assert_eq!(c.persist(key(k)).unwrap(), want);
            }
            Op::Ttl(k) => {
                let now = m.now;
                let want = match m.live().get(&key(k)) {
                    None => -2,
                    Some((_, 0)) => -1,
                    Some((_, d)) => (d - now) as i64,
                };
                prop_assert_eq!(c.pttl(key(k)).unwrap(), want);
            }
            Op::Rename(a, b) => {
                let live = m.live();
                let got = c.rename(key(a), key(b));
                match live.remove(&key(a)) {
                    None => prop_assert!(got.is_err()),
                    Some(e) => {
                        live.insert(key(b), e);
                        prop_assert!(got.is_ok());
                    }
                }
            }
            Op::Copy(a, b, replace) => {
                let got = c.copy(key(a), key(b), replace);
                if key(a) == key(b) {
                    prop_assert!(got.is_err());
                    continue;
                }
                let live = m.live();
                let want = match live.get(&key(a)).cloned() {
                    Some(e) if replace || !live.contains_key(&key(b)) => {
                        live.insert(key(b), e);
                        true
                    }
                    _ => false,
                };
                prop_assert_eq!(got.unwrap(), want);
            }
            Op::GetDel(k) => {
                let want = m.live().remove(&key(k)).map(|(v, _)| v);
                prop_assert_eq!(c.getdel(key(k)).unwrap().map(|b| b.to_vec()), want);
            }
            Op::GetEx(k, ttl) => {
                let now = m.now;
                let want = m.live().get_mut(&key(k)).map(|e| {
                    if let Some(t) = ttl {
                        e.1 = now + t as u64;
                    }
                    e.0.clone()
                });
                prop_assert_eq!(
                    c.getex(key(k), ttl.map(Expiry::Px))
                        .unwrap()
                        .map(|b| b.to_vec()),
                    want
                );
            }
            Op::SetRange(k, off, v) => {
                let live = m.live();
                let want = if v.is_empty() {
                    live.get(&key(k)).map_or(0, |e| e.0.len())
                } else {
                    let e = live.entry(key(k)).or_insert((vec![], 0));
                    let end = off as usize + v.len();
                    if e.0.len() < end {
                        e.0.resize(end, 0);
                    }
                    e.0[off as usize..end].copy_from_slice(&v);
                    e.0.len()
                };
                prop_assert_eq!(c.setrange(key(k), off as usize, &v).unwrap(), want);
            }
            Op::GetRange(k, a, b) => {
                let want = m
                    .live()
                    .get(&key(k))
                    .map_or(vec![], |e| range(&e.0, a as i64, b as i64));
                prop_assert_eq!(
                    c.getrange(key(k), a as i64, b as i64).unwrap().to_vec(),
                    want
                );
            }
            Op::MSetNx(a, b, v) => {
                let live = m.live();
                let want = !live.contains_key(&key(a)) && !live.contains_key(&key(b));
                if want {
                    live.insert(key(a), (v.clone(), 0));
                    live.insert(key(b), (v.clone(), 0));
                }
                prop_assert_eq!(c.msetnx([(key(a), v.clone()), (key(b), v)]).unwrap(), want);
            }
            Op::Advance(ms) => {
                clock.advance(Duration::from_millis(ms as u64));
                m.now += ms as u64;
            }
            Op::Scan => {
                let mut got: Vec<String> = c
                    .scan_iter(ScanOptions::new().count(2))
                    .map(|k| String::from_utf8(k.unwrap().to_vec()).unwrap())
                    .collect();
                got.sort();
                let want: Vec<String> = m.live().keys().cloned().collect();
                prop_assert_eq!(got, want);
            }
        }
        // Bookkeeping matches too, once expired keys are reclaimed.
        c.run_pending_tasks();
        prop_assert_eq!(c.dbsize().unwrap(), m.live().len());
        prop_assert_eq!(
            c.stats().keys_with_ttl,
            m.live().values().filter(|(_, d)| *d != 0).count()
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn commands_match_the_model(ops in proptest::collection::vec(op(), 1..120)) {
        run(ops)?;
    }
}
