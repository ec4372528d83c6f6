//! Which server node holds a key: one node for a plain server; for a Redis Cluster, the
//! masters and the slot map that `CLUSTER SLOTS` gives, refreshed when a node answers
//! MOVED. Each node has its own connections and its own invalidation stream, since
//! tracking lives on the node that served the read.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use redis::Value;

use super::link::Link;
use super::options::RemoteOptions;
use crate::error::{Error, Result};

/// Redis Cluster's hash slots.
pub(crate) const SLOTS: usize = 16_384;

const CRC16: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_XMODEM);

/// The slot of `key`: CRC16 of its hash tag (the part between the first `{` and the next
/// `}`, when not empty) or of the whole key, modulo 16384.
pub(crate) fn slot(key: &[u8]) -> u16 {
    let tagged = key.iter().position(|&b| b == b'{').and_then(|open| {
        let rest = &key[open + 1..];
        let close = rest.iter().position(|&b| b == b'}')?;
        (close > 0).then(|| &rest[..close])
    });
    CRC16.checksum(tagged.unwrap_or(key)) % SLOTS as u16
}

/// One server node: its connections and whether its invalidation stream is up.
pub(crate) struct Node {
    pub addr: String,
    pub link: Link,
    /// Set by the node's tracker while its stream is up: copies may be trusted.
    pub healthy: AtomicBool,
    /// Set when a topology refresh drops the node: its tracker then ends.
    pub retired: AtomicBool,
}

impl Node {
    fn new(addr: String, url: &str, options: &RemoteOptions) -> Result<Arc<Node>> {
        Ok(Arc::new(Node {
            link: Link::new(url, options)?,
            addr,
            healthy: AtomicBool::new(false),
            retired: AtomicBool::new(false),
        }))
    }
}

/// The nodes and, for a cluster, which node serves each slot.
pub(crate) struct Topology {
    pub nodes: Vec<Arc<Node>>,
    /// Slot -> index in `nodes`; `None` for a plain (non-cluster) server.
    slots: Option<Box<[u16]>>,
}

impl Topology {
    /// The node that serves `key` (the first node without a key, or without a cluster).
    pub fn node(&self, key: Option<&[u8]>) -> &Arc<Node> {
        match (&self.slots, key) {
            (Some(slots), Some(k)) => &self.nodes[slots[slot(k) as usize] as usize],
            _ => &self.nodes[0],
        }
    }

    pub fn is_cluster(&self) -> bool {
        self.slots.is_some()
    }

    /// Asks the server at `url` for the topology: one node if it is not a cluster, else
    /// its masters, reusing the nodes of `known` whose address is unchanged.
    pub fn discover(url: &str, options: &RemoteOptions, known: &[Arc<Node>]) -> Result<Topology> {
        let seed = Link::new(url, options)?;
        let _held = super::signals::hold();
        let mut con = seed.connect().map_err(Error::from)?;
        let reply: Value =
            redis::cmd("CLUSTER")
                .arg("SLOTS")
                .query(&mut con)
                .or_else(|e| match e.kind() {
                    redis::ErrorKind::Server(_) => Ok(Value::Nil), // cluster support disabled
                    _ => Err(Error::RemoteUnavailable(e.to_string())),
                })?;
        let Value::Array(ranges) = reply else {
            let node = match known.first() {
                Some(n) if known.len() == 1 => n.clone(),
                _ => Node::new(host_port(url).to_string(), url, options)?,
            };
            return Ok(Topology {
                nodes: vec![node],
                slots: None,
            });
        };
        let seed_host = host_port(url)
            .rsplit_once(':')
            .map_or("", |(h, _)| h)
            .to_string();
        let mut nodes: Vec<Arc<Node>> = Vec::new();
        let mut slots = vec![u16::MAX; SLOTS].into_boxed_slice();
        for range in ranges {
            let bad = || Error::Remote(format!("ERR unexpected CLUSTER SLOTS reply: {range:?}"));
            let Value::Array(parts) = &range else {
                return Err(bad());
            };
            let (Some(Value::Int(start)), Some(Value::Int(end)), Some(Value::Array(master))) =
                (parts.first(), parts.get(1), parts.get(2))
            else {
                return Err(bad());
            };
            let host = match master.first() {
                Some(Value::BulkString(h)) if !h.is_empty() && h != b"?" => {
                    String::from_utf8_lossy(h).into_owned()
                }
                _ => seed_host.clone(),
            };
            let Some(Value::Int(port)) = master.get(1) else {
                return Err(bad());
            };
            let addr = format!("{host}:{port}");
            let index = match nodes.iter().position(|n| n.addr == addr) {
                Some(i) => i,
                None => {
                    let node = match known.iter().find(|n| n.addr == addr) {
                        Some(n) => n.clone(),
                        None => Node::new(addr.clone(), &with_host_port(url, &addr), options)?,
                    };
                    nodes.push(node);
                    nodes.len() - 1
                }
            };
            for s in (*start as usize)..=(*end as usize).min(SLOTS - 1) {
                slots[s] = index as u16;
            }
        }
        if nodes.is_empty() || slots.contains(&u16::MAX) {
            return Err(Error::RemoteUnavailable(
                "the cluster does not cover every slot yet (CLUSTER SLOTS)".into(),
            ));
        }
        Ok(Topology {
            nodes,
            slots: Some(slots),
        })
    }

    /// Marks the nodes of `self` that `next` no longer has as retired.
    pub fn retire_missing(&self, next: &Topology) {
        for n in &self.nodes {
            if !next.nodes.iter().any(|m| Arc::ptr_eq(n, m)) {
                n.retired.store(true, Ordering::SeqCst);
            }
        }
    }
}

/// The `host:port` of a redis:// or rediss:// URL.
fn host_port(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

/// `url` with its `host:port` replaced (scheme, credentials and options kept).
pub(crate) fn with_host_port(url: &str, addr: &str) -> String {
    let hp = host_port(url);
    match url.find(hp) {
        Some(at) if !hp.is_empty() => format!("{}{addr}{}", &url[..at], &url[at + hp.len()..]),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_match_redis() {
        // From the Redis Cluster specification and CLUSTER KEYSLOT.
        assert_eq!(slot(b"123456789"), 12739);
        assert_eq!(slot(b"foo"), 12182);
        assert_eq!(slot(b"{user1000}.following"), slot(b"user1000"));
        assert_eq!(slot(b"foo{}{bar}"), slot(b"foo{}{bar}"));
        assert_ne!(slot(b"foo{}{bar}"), slot(b"bar"));
        assert_eq!(slot(b"foo{{bar}}zap"), slot(b"{bar"));
    }

    #[test]
    fn node_urls_keep_scheme_and_credentials() {
        let url = "rediss://ada:secret@10.0.0.1:6379/0";
        assert_eq!(host_port(url), "10.0.0.1:6379");
        assert_eq!(
            with_host_port(url, "10.0.0.2:7000"),
            "rediss://ada:secret@10.0.0.2:7000/0"
        );
        assert_eq!(host_port("redis://localhost:7000"), "localhost:7000");
    }
}
