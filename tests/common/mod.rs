#![allow(dead_code)]

use ferricache::{Cache, MockClock, Subscription};

/// A Unix time comfortably in the present, in ms.
pub const T0: u64 = 1_700_000_000_000;

/// A cache on a mock clock standing at `T0`.
pub fn mock_cache() -> (Cache, MockClock) {
    let clock = MockClock::new(T0);
    let cache = Cache::builder().clock(clock.clone()).build().unwrap();
    (cache, clock)
}

pub fn s(b: Option<bytes::Bytes>) -> Option<String> {
    b.map(|b| String::from_utf8(b.to_vec()).unwrap())
}

/// Every message waiting on `s`, as (channel, payload) strings, in order.
pub fn drain(s: &Subscription) -> Vec<(String, String)> {
    let mut out = Vec::new();
    while let Some(m) = s.try_recv().unwrap() {
        out.push((
            String::from_utf8(m.channel.to_vec()).unwrap(),
            String::from_utf8(m.payload.to_vec()).unwrap(),
        ));
    }
    out
}

/// GETRANGE as Redis defines it, on plain bytes (the model the property tests compare with).
pub fn getrange_model(v: &[u8], start: i64, end: i64) -> Vec<u8> {
    let len = v.len() as i64;
    if (start < 0 && end < 0 && start > end) || len == 0 {
        return vec![];
    }
    let s = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    let e = if end < 0 {
        (len + end).max(0)
    } else {
        end.min(len - 1)
    };
    if s > e || s >= len {
        return vec![];
    }
    v[s as usize..=e as usize].to_vec()
}
