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
