#![allow(dead_code)]

use ferricache::{Cache, MockClock};

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
