//! Near-cache mode in front of a Redis Cluster: three masters started with
//! `redis-server --cluster-enabled yes` and joined with `redis-cli --cluster create`.
//! Commands reach the node that serves each key, every node's invalidations reach the
//! copies, keyspace-wide commands cover every node, and a slot moved between nodes (MOVED,
//! and ASK while it moves) never leaves a stale copy or loses a write.
#![cfg(feature = "remote-test-hooks")]

#[path = "support/redis_server.rs"]
mod redis_server;

use std::net::TcpListener;
use std::process::Command;
use std::time::Duration;

use ferricache::{Cache, RemoteOptions, ScanOptions};
use redis::Value;
use redis_server::{eventually, RedisServer};

const BOUND: Duration = Duration::from_secs(2);

/// A port whose cluster-bus port (+10000) is free too.
fn cluster_port() -> u16 {
    loop {
        let p = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if p < 55_000 && TcpListener::bind(("127.0.0.1", p + 10_000)).is_ok() {
            return p;
        }
    }
}

struct Cluster {
    nodes: Vec<RedisServer>,
}

impl Cluster {
    fn start() -> Cluster {
        let nodes: Vec<RedisServer> = (0..3)
            .map(|_| {
                let port = cluster_port();
                RedisServer::start_on(
                    port,
                    &[
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        &format!("nodes-{port}.conf"),
                    ],
                )
            })
            .collect();
        let addrs: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        // Debian's redis-cli creates Valkey clusters too.
        let out = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addrs)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .expect("redis-cli (scripts/test.sh installs it with redis-server)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let cluster = Cluster { nodes };
        assert!(
            eventually(Duration::from_secs(20), || cluster.nodes.iter().all(|n| {
                let info: String = redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query(&mut n.client())
                    .unwrap();
                info.contains("cluster_state:ok")
            })),
            "the cluster did not come up"
        );
        cluster
    }

    fn near(&self) -> Cache {
        Cache::builder()
            .remote(self.nodes[0].url())
            .remote_options(RemoteOptions::new().max_staleness(Duration::from_millis(400)))
            .build()
            .unwrap()
    }

    /// Runs a command on whichever node accepts it (as a cluster client would).
    fn run(&self, argv: &[&str]) -> Value {
        for n in &self.nodes {
            let mut cmd = redis::cmd(argv[0]);
            for a in &argv[1..] {
                cmd.arg(*a);
            }
            match cmd.query::<Value>(&mut n.client()) {
                Err(e) if e.redirect_node().is_some() => continue,
                Ok(v) => return v,
                Err(e) => panic!("{argv:?}: {e}"),
            }
        }
        panic!("no node accepted {argv:?}")
    }

    /// The node that serves `key` (the others answer MOVED).
    fn node_of(&self, key: &str) -> usize {
        (0..3)
            .find(|&i| {
                let r: redis::RedisResult<Value> = redis::cmd("GET")
                    .arg(key)
                    .query(&mut self.nodes[i].client());
                r.is_ok()
            })
            .unwrap()
    }

    fn id(&self, i: usize) -> String {
        redis::cmd("CLUSTER")
            .arg("MYID")
            .query(&mut self.nodes[i].client())
            .unwrap()
    }
}

fn text(v: Option<ferricache::Bytes>) -> String {
    String::from_utf8(v.unwrap_or_default().to_vec()).unwrap()
}

#[test]
fn a_near_cache_in_front_of_a_three_master_cluster() {
    let cluster = Cluster::start();
    let cache = cluster.near();
    // Keys on every node: writes land where they belong, reads become local.
    let keys: Vec<String> = (0..60).map(|i| format!("car:{i}")).collect();
    for k in &keys {
        cache.set(k, format!("{k}=1")).unwrap();
    }
    let owners: Vec<usize> = keys.iter().map(|k| cluster.node_of(k)).collect();
    assert!(
        (0..3).all(|n| owners.contains(&n)),
        "keys spread over the 3 masters"
    );
    for k in &keys {
        assert_eq!(
            cluster.run(&["GET", k]),
            Value::BulkString(format!("{k}=1").into_bytes())
        );
        assert_eq!(text(cache.get(k).unwrap()), format!("{k}=1"));
    }
    let fetched = cache.near_cache_stats().unwrap().fetches;
    for k in &keys {
        assert_eq!(text(cache.get(k).unwrap()), format!("{k}=1"));
    }
    assert_eq!(
        cache.near_cache_stats().unwrap().fetches,
        fetched,
        "second reads are local"
    );

    // Another client's writes, on each node, reach the copies.
    for k in &keys {
        cluster.run(&["SET", k, &format!("{k}=2")]);
    }
    for k in &keys {
        assert!(
            eventually(BOUND, || text(cache.get(k).unwrap()) == format!("{k}=2")),
            "{k}"
        );
    }

    // Data structures, hash tags and the distributed patterns across nodes.
    assert_eq!(
        cache
            .zadd("{lb}:scores", [(50.0, "ada"), (70.0, "bob")])
            .unwrap(),
        2
    );
    assert_eq!(cache.zrevrank("{lb}:scores", "ada").unwrap(), Some(1));
    assert_eq!(cache.incr("{lb}:hits").unwrap(), 1);
    assert_eq!(
        cache.mget(&["{lb}:hits", "{lb}:none"]).unwrap(),
        [Some("1".into()), None]
    );
    let limit = cache
        .rate_limit_fixed("rl:ip", 2, Duration::from_secs(60))
        .unwrap();
    assert!(limit.allowed);
    let guard = cache
        .lock("lock:order", Duration::from_secs(10))
        .unwrap()
        .unwrap();
    assert!(cluster
        .near()
        .lock("lock:order", Duration::from_secs(10))
        .unwrap()
        .is_none());
    assert!(guard.release());

    // Keyspace-wide commands cover every master.
    let per_node: Vec<usize> = cluster
        .nodes
        .iter()
        .map(|n| redis::cmd("DBSIZE").query(&mut n.client()).unwrap())
        .collect();
    assert!(per_node.iter().all(|&n| n > 0), "{per_node:?}");
    // The cars, the sorted set, the counter and the limiter's count (the lock is gone).
    assert_eq!(cache.dbsize().unwrap(), keys.len() + 3);
    assert_eq!(cache.dbsize().unwrap(), per_node.iter().sum::<usize>());
    assert_eq!(cache.keys("car:*").unwrap().len(), keys.len());
    let scanned: Vec<_> = cache
        .scan_iter(ScanOptions::new().pattern("car:*").count(7))
        .map(Result::unwrap)
        .collect();
    let mut scanned: Vec<String> = scanned.iter().map(|k| text(Some(k.clone()))).collect();
    scanned.sort();
    scanned.dedup();
    assert_eq!(scanned.len(), keys.len());
    cache.flushall().unwrap();
    assert_eq!(cache.dbsize().unwrap(), 0);
    assert!(cache.get("car:1").unwrap().is_none());
}

#[test]
fn a_slot_that_moves_leaves_no_stale_copy_and_loses_no_write() {
    let cluster = Cluster::start();
    let cache = cluster.near();
    let writer = cluster.near(); // knows the slot map from before the move
    cache.set("{moving}:a", "before").unwrap();
    assert_eq!(text(cache.get("{moving}:a").unwrap()), "before"); // a local copy now
    let src = cluster.node_of("{moving}:a");
    let dst = (src + 1) % 3;
    let slot: i64 = redis::cmd("CLUSTER")
        .arg("KEYSLOT")
        .arg("{moving}:a")
        .query(&mut cluster.nodes[0].client())
        .unwrap();
    let (src_id, dst_id) = (cluster.id(src), cluster.id(dst));
    let on = |i: usize, argv: &[&str]| {
        let mut cmd = redis::cmd(argv[0]);
        for a in &argv[1..] {
            cmd.arg(*a);
        }
        cmd.query::<Value>(&mut cluster.nodes[i].client()).unwrap()
    };
    let slot = slot.to_string();
    on(dst, &["CLUSTER", "SETSLOT", &slot, "IMPORTING", &src_id]);
    on(src, &["CLUSTER", "SETSLOT", &slot, "MIGRATING", &dst_id]);
    // While the slot migrates, a key that is not on the source any more gets ASK: this
    // write must land on the destination.
    assert!(cache.set_nx("{moving}:b", "asked").unwrap());
    let on_dst: redis::RedisResult<String> = {
        let mut con = cluster.nodes[dst].client();
        redis::cmd("ASKING").query::<Value>(&mut con).unwrap();
        redis::cmd("GET").arg("{moving}:b").query(&mut con)
    };
    assert_eq!(on_dst.unwrap(), "asked");
    // Move the old key, then hand the slot over on every node.
    let dst_port = cluster.nodes[dst].port.to_string();
    on(
        src,
        &[
            "MIGRATE",
            "127.0.0.1",
            &dst_port,
            "",
            "0",
            "5000",
            "KEYS",
            "{moving}:a",
        ],
    );
    for i in 0..3 {
        on(i, &["CLUSTER", "SETSLOT", &slot, "NODE", &dst_id]);
    }
    // Writes reach the new owner through MOVED; the copy went with the migration (the
    // source reported the key gone), so no read sees the old value.
    writer.set("{moving}:a", "after").unwrap();
    assert_eq!(
        on(dst, &["GET", "{moving}:a"]),
        Value::BulkString(b"after".to_vec())
    );
    assert!(eventually(BOUND, || text(cache.get("{moving}:a").unwrap()) == "after"));
    assert_eq!(text(writer.get("{moving}:a").unwrap()), "after");
    assert_eq!(text(cache.get("{moving}:b").unwrap()), "asked");
    // A write by another client on the new owner reaches the copy.
    on(dst, &["SET", "{moving}:a", "third"]);
    assert!(eventually(BOUND, || text(cache.get("{moving}:a").unwrap()) == "third"));
}
