//! A runnable tour of ferricache through the caching patterns that AWS teaches for
//! ElastiCache (Redis) in front of a database: cache-aside with TTL, write-through, a
//! SET NX EX lock, an INCR + EXPIRE rate limiter, SCAN pattern invalidation, bounded
//! memory, and the stats that monitor it all. Here the cache lives in the process.
//!
//! Run it with `cargo run --release --example tour`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferricache::{Cache, EvictionPolicy, ScanOptions, SetOptions};

/// Stands in for the database behind the cache: slow (20 ms a query), and it counts queries.
struct Database {
    queries: AtomicUsize,
}

impl Database {
    fn car(&self, id: u32) -> Result<Bytes, std::io::Error> {
        self.queries.fetch_add(1, Ordering::Relaxed);
        thread::sleep(Duration::from_millis(20));
        Ok(format!(r#"{{"id":{id},"make":"Tata","model":"Nexon"}}"#).into())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cache = Cache::builder()
        .max_memory(64 << 20)
        .eviction_policy(EvictionPolicy::S3Fifo)
        .background_expiry(Duration::from_millis(100))
        .build()?;
    let db = Database {
        queries: AtomicUsize::new(0),
    };

    println!("== 1. Cache-aside with a TTL of one hour");
    for _ in 0..3 {
        let t = Instant::now();
        let car =
            cache.get_or_set_with("car:123", Some(Duration::from_secs(3600)), || db.car(123))?;
        println!(
            "   {:<45} in {:>9.1?}",
            String::from_utf8_lossy(&car),
            t.elapsed()
        );
    }
    println!(
        "   database queries: {}, TTL left: {} s",
        db.queries.load(Ordering::Relaxed),
        cache.ttl("car:123")?
    );

    println!("\n== 2. Single flight: 8 threads miss on car:7 at once");
    thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    cache.get_or_set_with("car:7", Some(Duration::from_secs(3600)), || db.car(7))
                })
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().expect("thread").map(drop))
    })?;
    println!(
        "   database queries for car:7: {}",
        db.queries.load(Ordering::Relaxed) - 1
    );

    println!("\n== 3. Write-through: update the database, then the cache");
    let updated: Bytes = r#"{"id":123,"make":"Tata","model":"Harrier"}"#.into();
    cache.set_with("car:123", updated, &SetOptions::new().ex(3600))?;
    println!(
        "   car:123 = {}",
        String::from_utf8_lossy(&cache.get("car:123")?.unwrap_or_default())
    );

    println!("\n== 4. A lock: SET lock:order:42 <token> NX EX 30");
    let opts = SetOptions::new().nx().ex(30);
    let a = cache.set_with("lock:order:42", "worker-a", &opts)?;
    let b = cache.set_with("lock:order:42", "worker-b", &opts)?;
    println!(
        "   worker-a acquired: {}, worker-b acquired: {}",
        a.written, b.written
    );
    if cache.get("lock:order:42")?.as_deref() == Some(&b"worker-a"[..]) {
        cache.del(&["lock:order:42"]).unwrap();
    }
    println!(
        "   after release, worker-b acquires: {}",
        cache.set_with("lock:order:42", "worker-b", &opts)?.written
    );

    println!("\n== 5. Rate limiting: 100 requests a minute per IP (INCR + EXPIRE)");
    let allow = |ip: &str| -> Result<bool, ferricache::Error> {
        let key = format!("rate:{ip}");
        let n = cache.incr(&key)?;
        if n == 1 {
            cache.expire(&key, 60)?;
        }
        Ok(n <= 100)
    };
    let allowed = (0..120)
        .filter(|_| allow("10.0.0.1").unwrap_or(false))
        .count();
    println!(
        "   120 requests from 10.0.0.1: {allowed} allowed, {} refused; window resets in {} s",
        120 - allowed,
        cache.ttl("rate:10.0.0.1")?
    );

    println!("\n== 6. Pattern invalidation with SCAN (never KEYS on a big cache)");
    for id in 0..10_000 {
        cache.set_ex(format!("car:{id}"), 3600, "{}")?;
    }
    cache.set("user:1", "{}")?;
    let (mut cursor, mut deleted) = (0, 0);
    loop {
        let (next, keys) = cache.scan(cursor, &ScanOptions::new().pattern("car:*").count(500))?;
        deleted += cache.del(&keys).unwrap();
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    let mut left: Vec<String> = cache
        .keys("*")?
        .iter()
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect();
    left.sort();
    println!(
        "   deleted {deleted} car:* keys; {} keys left: {}",
        left.len(),
        left.join(", ")
    );

    println!("\n== 7. Bounded memory: write 200 MB into a 64 MB cache");
    for i in 0..200_000 {
        cache.set(format!("blob:{i}"), vec![b'x'; 1000])?;
    }
    let s = cache.stats();
    println!(
        "   used {:.1} MiB of 64 MiB, {} keys, {} evicted",
        s.used_memory as f64 / (1 << 20) as f64,
        s.keys,
        s.evictions
    );

    println!("\n== 8. Hit-rate monitoring");
    for i in 0..1000 {
        cache.get(format!("blob:{}", 199_000 + i % 2000))?;
    }
    let s = cache.stats();
    println!(
        "   hits {} misses {} hit ratio {:.1}%  commands {}  keys with TTL {}  expirations {}",
        s.hits,
        s.misses,
        s.hit_ratio() * 100.0,
        s.commands,
        s.keys_with_ttl,
        s.expirations
    );
    Ok(())
}
