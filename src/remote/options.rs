//! What a near cache is told about its server: [`RemoteOptions`].

use std::time::Duration;

use bytes::Bytes;

/// How the server reports changes to the keys this process holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tracking {
    /// Redis's default mode: the server remembers each key this process read and reports
    /// a change to exactly those keys. Precise; costs server memory per tracked key.
    PerKey,
    /// BCAST: the server reports every change to keys under these prefixes (all keys when
    /// empty), read or not. No server memory per key; more messages.
    Broadcast(Vec<Bytes>),
}

/// What a read does while the invalidation stream is down (copies may then be stale).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WhenStale {
    /// Ask the server (and fail fast if it is down too). The default.
    FailFast,
    /// Keep answering from local copies, counted as stale serves.
    ServeStale,
}

/// The settings of near-cache mode beyond the URL, for
/// [`CacheBuilder::remote_options`](crate::CacheBuilder::remote_options).
///
/// ```
/// use std::time::Duration;
/// use ferricache::RemoteOptions;
///
/// let options = RemoteOptions::new()
///     .local_prefixes(["user:", "car:"])    // other keys always go to the server
///     .max_value_bytes(64 << 10)
///     .max_staleness(Duration::from_millis(500));
/// ```
#[derive(Debug, Clone)]
pub struct RemoteOptions {
    pub(crate) tracking: Tracking,
    pub(crate) local_prefixes: Vec<Bytes>,
    pub(crate) max_value_bytes: usize,
    pub(crate) max_elements: usize,
    pub(crate) max_staleness: Duration,
    pub(crate) when_stale: WhenStale,
    pub(crate) connect_timeout: Duration,
    pub(crate) command_timeout: Duration,
    pub(crate) pool_size: usize,
    pub(crate) backoff: (Duration, Duration),
    pub(crate) negative_entries: usize,
    pub(crate) fill_lock_ttl: Duration,
    pub(crate) tls_root: Option<Vec<u8>>,
    pub(crate) tls_client: Option<(Vec<u8>, PrivateKey)>,
}

/// A private key, kept out of `Debug` output.
#[derive(Clone)]
pub(crate) struct PrivateKey(pub(crate) Vec<u8>);

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(..)")
    }
}

impl Default for RemoteOptions {
    fn default() -> Self {
        RemoteOptions {
            tracking: Tracking::PerKey,
            local_prefixes: Vec::new(),
            max_value_bytes: 1 << 20,
            max_elements: 10_000,
            max_staleness: Duration::from_secs(1),
            when_stale: WhenStale::FailFast,
            connect_timeout: Duration::from_secs(2),
            command_timeout: Duration::from_secs(2),
            pool_size: 8,
            backoff: (Duration::from_millis(50), Duration::from_secs(2)),
            negative_entries: 100_000,
            fill_lock_ttl: Duration::from_secs(5),
            tls_root: None,
            tls_client: None,
        }
    }
}

impl RemoteOptions {
    /// The defaults: per-key tracking, every key cacheable, values up to 1 MiB and 10,000
    /// elements kept locally, 1 s maximum staleness with fail-fast, 2 s timeouts, 8
    /// connections, reconnects backing off from 50 ms to 2 s, fill locks held 5 s at most.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tracking mode.
    pub fn tracking(mut self, mode: Tracking) -> Self {
        self.tracking = mode;
        self
    }

    /// Keeps local copies only of keys under these prefixes; other keys' commands always
    /// go to the server. Empty (the default): every key.
    pub fn local_prefixes<P: AsRef<[u8]>>(mut self, prefixes: impl IntoIterator<Item = P>) -> Self {
        self.local_prefixes = prefixes
            .into_iter()
            .map(|p| Bytes::copy_from_slice(p.as_ref()))
            .collect();
        self
    }

    /// The largest string kept locally, in bytes; larger keys are served by the server.
    pub fn max_value_bytes(mut self, bytes: usize) -> Self {
        self.max_value_bytes = bytes;
        self
    }

    /// The most elements of a collection kept locally; larger ones are served by the server.
    pub fn max_elements(mut self, n: usize) -> Self {
        self.max_elements = n;
        self
    }

    /// The safety net: once the invalidation stream has been silent this long (its
    /// heartbeat included), local copies are no longer trusted (see [`WhenStale`]).
    pub fn max_staleness(mut self, d: Duration) -> Self {
        self.max_staleness = d;
        self
    }

    /// What reads do while copies cannot be trusted.
    pub fn when_stale(mut self, policy: WhenStale) -> Self {
        self.when_stale = policy;
        self
    }

    /// How long a connection attempt may take.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// How long a command may wait for its reply (blocking commands get their own timeout
    /// on top).
    pub fn command_timeout(mut self, d: Duration) -> Self {
        self.command_timeout = d;
        self
    }

    /// How many connections carry commands and fills.
    pub fn pool_size(mut self, n: usize) -> Self {
        self.pool_size = n;
        self
    }

    /// The first and the longest wait between reconnection attempts (doubling between).
    pub fn reconnect_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.backoff = (first, max);
        self
    }

    /// How many known-missing keys are remembered (so their lookups cost no round trip).
    pub fn negative_entries(mut self, n: usize) -> Self {
        self.negative_entries = n;
        self
    }

    /// How long [`Cache::get_or_set_with`](crate::Cache::get_or_set_with)'s loader holds
    /// its key's lock on the server, which makes one process load while the others wait
    /// for the value. A loader that runs longer (or a process that dies while loading) lets
    /// another process load too once it passes.
    pub fn fill_lock_ttl(mut self, d: Duration) -> Self {
        self.fill_lock_ttl = d;
        self
    }

    /// For `rediss://` URLs: the certificate authority (PEM) that signed the server's
    /// certificate, when it is not in the system's trust store (which is used otherwise,
    /// as for ElastiCache's public CAs).
    pub fn tls_root_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls_root = Some(pem.into());
        self
    }

    /// For `rediss://` URLs to a server that authenticates clients (mutual TLS): this
    /// client's certificate and private key, both PEM.
    pub fn tls_client_certificate(
        mut self,
        cert_pem: impl Into<Vec<u8>>,
        key_pem: impl Into<Vec<u8>>,
    ) -> Self {
        self.tls_client = Some((cert_pem.into(), PrivateKey(key_pem.into())));
        self
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        let positive = [
            ("fill_lock_ttl", self.fill_lock_ttl),
            ("max_staleness", self.max_staleness),
            ("connect_timeout", self.connect_timeout),
            ("command_timeout", self.command_timeout),
            ("reconnect backoff", self.backoff.0),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, d)| d.is_zero()) {
            return Err(format!("{name} must be positive"));
        }
        if self.pool_size == 0 {
            return Err("pool_size must be positive".into());
        }
        if self.backoff.1 < self.backoff.0 {
            return Err("the longest reconnect backoff is shorter than the first".into());
        }
        Ok(())
    }

    /// Whether copies of `key` may be kept locally.
    pub(crate) fn cacheable(&self, key: &[u8]) -> bool {
        self.local_prefixes.is_empty() || self.local_prefixes.iter().any(|p| key.starts_with(p))
    }
}
