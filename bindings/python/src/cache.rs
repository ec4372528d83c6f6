//! `NativeCache`: the engine handle behind `ferricache.Cache`. It runs any command through
//! the dispatcher (`execute`) and implements the hottest redis-py methods directly, with
//! redis-py's signatures, so that they cost one native call.

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;
use ferricache::{Cache, End, EvictionPolicy, Expiry, SetCondition, SetOptions, Take};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};
use pyo3::IntoPyObjectExt;

use crate::args::{blocking_timeout, encode, timeout_seconds, Int};
use crate::errors::{from_error, DataError};
use crate::pubsub::NativeSubscription;
use crate::remote::{remote_settings, REMOTE_OPTIONS};
use crate::reply::{bytes_obj, to_py};
use crate::shared::{construction_error, shared, EngineOptions};
use crate::waiter::NativeWaiter;

/// redis-py connection options: accepted so that `Redis(...)` arguments carry over, and
/// ignored, since there is no connection.
const CONNECTION_OPTIONS: &[&str] = &[
    "host",
    "port",
    "db",
    "password",
    "username",
    "socket_timeout",
    "socket_connect_timeout",
    "socket_keepalive",
    "socket_keepalive_options",
    "connection_pool",
    "unix_socket_path",
    "encoding",
    "encoding_errors",
    "retry_on_timeout",
    "retry_on_error",
    "ssl",
    "ssl_keyfile",
    "ssl_certfile",
    "ssl_cert_reqs",
    "ssl_ca_certs",
    "ssl_ca_path",
    "ssl_ca_data",
    "ssl_check_hostname",
    "ssl_password",
    "ssl_validate_ocsp",
    "max_connections",
    "single_connection_client",
    "health_check_interval",
    "client_name",
    "lib_name",
    "lib_version",
    "protocol",
    "retry",
    "redis_connect_func",
    "credential_provider",
    "auto_close_connection_pool",
    "errors",
    "charset",
    "cache_config",
];

/// Commands that wait: run through the waiter path, which releases the GIL.
const BLOCKING: &[&str] = &[
    "blpop",
    "brpop",
    "bzpopmin",
    "bzpopmax",
    "blmove",
    "brpoplpush",
];

/// Long operations that walk the whole keyspace: run with the GIL released.
const LONG: &[&str] = &["keys", "flushall", "flushdb", "info"];

/// Blocking pops that take a count: run by the engine, in slices (see `blocking_sliced`).
const SLICED: &[&str] = &["blmpop", "bzmpop"];

#[pyclass(subclass, frozen, module = "ferricache._native")]
pub struct NativeCache {
    pub(crate) cache: Cache,
    decode: bool,
    /// Near-cache mode: a call may wait on the server, so it must not hold the GIL then.
    near: bool,
}

fn encode_all(items: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<u8>>> {
    // A single str or bytes is one key, as redis-py's `list_or_args` has it.
    if items.is_instance_of::<PyString>() || items.is_instance_of::<PyBytes>() {
        return Ok(vec![encode(items)?.into_owned()]);
    }
    items
        .try_iter()?
        .map(|i| Ok(encode(&i?)?.into_owned()))
        .collect()
}

fn encode_each(items: &Bound<'_, PyTuple>) -> PyResult<Vec<Vec<u8>>> {
    items.iter().map(|i| Ok(encode(&i)?.into_owned())).collect()
}

fn keys_and_args(keys: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>) -> PyResult<Vec<Vec<u8>>> {
    let mut all = encode_all(keys)?;
    for a in args.iter() {
        all.push(encode(&a)?.into_owned());
    }
    Ok(all)
}

/// SET's `ex` / `px` as redis-py 8 takes them: an int or a `timedelta` (for `ex` also a
/// string of digits), else its DataError.
fn relative_time(obj: &Bound<'_, PyAny>, what: &str, millis: bool) -> PyResult<i64> {
    let digits = obj
        .extract::<String>()
        .ok()
        .filter(|s| !millis && !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    if let Some(d) = digits {
        return d.parse().map_err(|_| {
            crate::errors::ResponseError::new_err("value is not an integer or out of range")
        });
    }
    if obj.extract::<i64>().is_ok() || obj.hasattr("total_seconds")? {
        return time_arg(obj, what, millis);
    }
    Err(DataError::new_err(format!(
        "{what} must be datetime.timedelta or int"
    )))
}

/// An int, or a `timedelta` / `datetime` converted with `f` (seconds or milliseconds).
fn time_arg(obj: &Bound<'_, PyAny>, what: &str, millis: bool) -> PyResult<i64> {
    if let Ok(i) = obj.extract::<i64>() {
        if obj.is_instance_of::<pyo3::types::PyBool>() {
            return Err(DataError::new_err(format!(
                "{what} must be an int, timedelta or datetime"
            )));
        }
        return Ok(i);
    }
    let secs: f64 = if obj.hasattr("total_seconds")? {
        obj.call_method0("total_seconds")?.extract()?
    } else if obj.hasattr("timestamp")? {
        obj.call_method0("timestamp")?.extract()?
    } else {
        return Err(DataError::new_err(format!(
            "{what} must be an int, timedelta or datetime"
        )));
    };
    Ok(if millis {
        (secs * 1000.0) as i64
    } else {
        secs as i64
    })
}

/// Whether a call made with round trips forbidden was refused for needing one.
fn would_block<T>(r: &ferricache::Result<T>) -> bool {
    matches!(r, Err(ferricache::Error::WouldBlock))
}

impl NativeCache {
    /// Near-cache mode's two tries: `local` runs with round trips forbidden, so a local
    /// hit keeps the GIL (releasing it costs more than the hit); if it was `refused` for
    /// needing the server, `remote` runs without the GIL, so other threads go on during
    /// the round trip. A forbidden round trip fails before doing anything, so the second
    /// try repeats nothing.
    fn hit_or_detach<T: Send>(
        &self,
        py: Python<'_>,
        local: impl FnOnce() -> T,
        refused: impl FnOnce(&T) -> bool,
        remote: impl FnOnce() -> T + Send,
    ) -> T {
        let r = self.cache.without_waiting(local);
        if refused(&r) {
            py.detach(remote)
        } else {
            r
        }
    }

    /// Runs a typed call, in near-cache mode through [`NativeCache::hit_or_detach`].
    fn call<R: Send>(
        &self,
        py: Python<'_>,
        f: impl Fn(&Cache) -> ferricache::Result<R> + Send + Sync,
    ) -> PyResult<R> {
        if !self.near {
            return f(&self.cache).map_err(from_error);
        }
        self.hit_or_detach(py, || f(&self.cache), would_block, || f(&self.cache))
            .map_err(from_error)
    }

    /// GET, the Python object made from the value in place (no copy in between): a
    /// local hit is one lookup and one object. Text that is not UTF-8 is decoded after
    /// the lookup, so Python's error is raised with no lock held.
    fn get_as(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        decode: bool,
    ) -> PyResult<Option<Py<PyAny>>> {
        let key = encode(name)?;
        let in_place = |v: &[u8]| match decode {
            true => match std::str::from_utf8(v) {
                Ok(s) => Ok(PyString::new(py, s).into_any().unbind()),
                Err(_) => Err(v.to_vec()),
            },
            false => Ok(PyBytes::new(py, v).into_any().unbind()),
        };
        let got = match self.near {
            false => self.cache.get_with(&key[..], in_place),
            // The object cannot be made without the GIL: the second try copies the bytes.
            true => self.hit_or_detach(
                py,
                || self.cache.get_with(&key[..], in_place),
                would_block,
                || self.cache.get(&key[..]).map(|v| v.map(|v| Err(v.to_vec()))),
            ),
        };
        match got.map_err(from_error)? {
            None => Ok(None),
            Some(Ok(obj)) => Ok(Some(obj)),
            Some(Err(bytes)) => bytes_obj(py, &bytes, decode).map(Some),
        }
    }

    pub(crate) fn run(&self, py: Python<'_>, argv: &[&[u8]]) -> PyResult<Py<PyAny>> {
        let name = argv
            .first()
            .map(|n| n.to_ascii_lowercase())
            .unwrap_or_default();
        let name = std::str::from_utf8(&name).unwrap_or("");
        let near = self.near;
        if BLOCKING.contains(&name) && !near {
            return self.blocking_argv(py, argv);
        }
        if SLICED.contains(&name) && !near {
            return self.blocking_sliced(py, argv);
        }
        let reply = if near {
            self.hit_or_detach(
                py,
                || self.cache.execute_slices(argv),
                |r| {
                    matches!(r, ferricache::Reply::Error(e)
                        if matches!(ferricache::Error::from_reply_text(e), ferricache::Error::WouldBlock))
                },
                || self.cache.execute_slices(argv),
            )
        } else if LONG.contains(&name) {
            py.detach(|| self.cache.execute_slices(argv))
        } else {
            self.cache.execute_slices(argv)
        };
        // A DUMP payload is binary: redis-py never decodes it (NEVER_DECODE).
        to_py(py, &reply, self.decode && name != "dump")
    }

    /// BLPOP, BRPOP, BZPOPMIN, BZPOPMAX, BLMOVE, BRPOPLPUSH given as argv: validated by
    /// the dispatcher's rules, then waited for on the waiter path.
    fn blocking_argv(&self, py: Python<'_>, argv: &[&[u8]]) -> PyResult<Py<PyAny>> {
        let name = String::from_utf8_lossy(argv[0]).to_ascii_lowercase();
        let arity_error = || {
            crate::errors::ResponseError::new_err(format!(
                "wrong number of arguments for '{name}' command"
            ))
        };
        let timeout = |arg: &[u8]| ferricache::parse::timeout(arg).map_err(from_error);
        let end = |arg: &[u8]| -> PyResult<End> {
            match arg.to_ascii_uppercase().as_slice() {
                b"LEFT" => Ok(End::Left),
                b"RIGHT" => Ok(End::Right),
                _ => Err(crate::errors::ResponseError::new_err("syntax error")),
            }
        };
        let flat = |v: Option<Py<PyAny>>| v.unwrap_or_else(|| py.None());
        match name.as_str() {
            "blpop" | "brpop" | "bzpopmin" | "bzpopmax" => {
                if argv.len() < 3 {
                    return Err(arity_error());
                }
                let t = timeout(argv[argv.len() - 1])?;
                let take = match name.as_str() {
                    "blpop" => Take::ListHead,
                    "brpop" => Take::ListTail,
                    "bzpopmin" => Take::ZMin,
                    _ => Take::ZMax,
                };
                let keys = &argv[1..argv.len() - 1];
                let w = NativeWaiter::new(
                    self.cache.pop_waiter(keys, take).map_err(from_error)?,
                    take,
                    self.decode,
                );
                // Through execute_command the reply is a list, as on the wire.
                Ok(flat(self.served_list(py, w.wait_served(py, t)?, take)?))
            }
            "blmove" if argv.len() == 6 => {
                let (from, to, t) = (end(argv[3])?, end(argv[4])?, timeout(argv[5])?);
                self.move_blocking(py, argv[1], argv[2], from, to, t)
            }
            "brpoplpush" if argv.len() == 4 => {
                let t = timeout(argv[3])?;
                self.move_blocking(py, argv[1], argv[2], End::Right, End::Left, t)
            }
            _ => Err(arity_error()),
        }
    }

    /// BLMPOP and BZMPOP (timeout first): the engine's command without the GIL, in slices
    /// of at most 100 ms, so that a signal (Ctrl-C) is seen between them.
    fn blocking_sliced(&self, py: Python<'_>, argv: &[&[u8]]) -> PyResult<Py<PyAny>> {
        let timeout = argv.get(1).map(|t| ferricache::parse::timeout(t));
        let Some(Ok(t)) = timeout else {
            // The engine reports the error, in Redis's order.
            return to_py(py, &self.cache.execute_slices(argv), self.decode);
        };
        let deadline = (t > 0.0)
            .then(|| Duration::try_from_secs_f64(t).ok())
            .flatten()
            .map(|d| std::time::Instant::now() + d);
        let mut slice = String::new();
        loop {
            let left = deadline.map_or(0.1, |d| {
                d.saturating_duration_since(std::time::Instant::now())
                    .as_secs_f64()
                    .min(0.1)
            });
            if left <= 0.0 {
                return Ok(py.None());
            }
            slice.clear();
            slice.push_str(&format!("{left:.6}"));
            let mut args = argv.to_vec();
            args[1] = slice.as_bytes();
            let reply = py.detach(|| self.cache.execute_slices(&args));
            if reply != ferricache::Reply::Nil {
                return to_py(py, &reply, self.decode);
            }
            py.check_signals()?;
        }
    }

    fn served_list(
        &self,
        py: Python<'_>,
        s: Option<ferricache::Served>,
        take: Take,
    ) -> PyResult<Option<Py<PyAny>>> {
        let Some(s) = s else { return Ok(None) };
        let mut items = vec![
            bytes_obj(py, &s.key, self.decode)?,
            bytes_obj(py, &s.element, self.decode)?,
        ];
        if matches!(take, Take::ZMin | Take::ZMax) {
            items.push(s.score.into_py_any(py)?);
        }
        Ok(Some(items.into_py_any(py)?))
    }

    /// BLMOVE: LMOVE at once if the source has an element, else wait for one on the source
    /// and push it to the destination.
    fn move_blocking(
        &self,
        py: Python<'_>,
        src: &[u8],
        dst: &[u8],
        from: End,
        to: End,
        timeout: f64,
    ) -> PyResult<Py<PyAny>> {
        if self.cache.is_near_cache() {
            let reply = py.detach(|| self.cache.blmove(src, dst, from, to, timeout));
            return match reply.map_err(from_error)? {
                Some(v) => bytes_obj(py, &v, self.decode),
                None => Ok(py.None()),
            };
        }
        if let Some(v) = self.cache.lmove(src, dst, from, to).map_err(from_error)? {
            return bytes_obj(py, &v, self.decode);
        }
        let take = if from == End::Left {
            Take::ListHead
        } else {
            Take::ListTail
        };
        let w = NativeWaiter::new(
            self.cache.pop_waiter(&[src], take).map_err(from_error)?,
            take,
            self.decode,
        );
        let Some(s) = w.wait_served(py, timeout)? else {
            return Ok(py.None());
        };
        let pushed = match to {
            End::Left => self.cache.lpush(dst, [s.element.clone()]),
            End::Right => self.cache.rpush(dst, [s.element.clone()]),
        };
        if let Err(e) = pushed {
            // Give the element back where it came from, then report.
            let _ = match from {
                End::Left => self.cache.lpush(src, [s.element]),
                End::Right => self.cache.rpush(src, [s.element]),
            };
            return Err(from_error(e));
        }
        bytes_obj(py, &s.element, self.decode)
    }

    fn blocking_pop(
        &self,
        py: Python<'_>,
        keys: &Bound<'_, PyAny>,
        timeout: Option<&Bound<'_, PyAny>>,
        take: Take,
    ) -> PyResult<Option<Py<PyAny>>> {
        let keys = encode_all(keys)?;
        let t = blocking_timeout(timeout)?;
        if self.cache.is_near_cache() {
            // The pop waits on the server, on a connection of its own, without the GIL.
            let name: &[u8] = match take {
                Take::ListHead => b"BLPOP",
                Take::ListTail => b"BRPOP",
                Take::ZMin => b"BZPOPMIN",
                Take::ZMax => b"BZPOPMAX",
            };
            let t = t.to_string();
            let mut argv: Vec<&[u8]> = vec![name];
            argv.extend(keys.iter().map(|k| &k[..]));
            argv.push(t.as_bytes());
            let reply = py.detach(|| self.cache.execute_slices(&argv));
            return match reply {
                ferricache::Reply::Nil => Ok(None),
                ferricache::Reply::Array(items) => {
                    let mut out: Vec<Py<PyAny>> = Vec::with_capacity(3);
                    for (i, item) in items.iter().enumerate() {
                        out.push(match (i, item) {
                            (2, ferricache::Reply::Bulk(s)) => std::str::from_utf8(s)
                                .ok()
                                .and_then(|s| s.parse::<f64>().ok())
                                .unwrap_or(f64::NAN)
                                .into_py_any(py)?,
                            _ => to_py(py, item, self.decode)?,
                        });
                    }
                    Ok(Some(
                        pyo3::types::PyTuple::new(py, out)?.into_any().unbind(),
                    ))
                }
                other => to_py(py, &other, self.decode).map(Some),
            };
        }
        let w = NativeWaiter::new(
            self.cache.pop_waiter(&keys, take).map_err(from_error)?,
            take,
            self.decode,
        );
        let served = w.wait_served(py, t)?;
        served
            .map(|s| {
                let (k, e) = (
                    bytes_obj(py, &s.key, self.decode)?,
                    bytes_obj(py, &s.element, self.decode)?,
                );
                if matches!(take, Take::ZMin | Take::ZMax) {
                    (k, e, s.score).into_py_any(py)
                } else {
                    (k, e).into_py_any(py)
                }
            })
            .transpose()
    }
}

fn opt<'a, 'py>(o: Option<&'a Bound<'py, PyAny>>) -> Option<&'a Bound<'py, PyAny>> {
    o.filter(|o| !o.is_none())
}

#[pymethods]
impl NativeCache {
    #[new]
    #[pyo3(signature = (*, max_memory=None, max_entries=None, eviction_policy=None, default_ttl=None,
                        notify_keyspace_events=None, shards=None, pubsub_queue_limit=None,
                        active_expiry=None, hz=None, decode_responses=false, private=false, remote=None,
                        snapshot_path=None, snapshot_lenient=false, **connection))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        max_memory: Option<usize>,
        max_entries: Option<usize>,
        eviction_policy: Option<&str>,
        default_ttl: Option<&Bound<'_, PyAny>>,
        notify_keyspace_events: Option<&str>,
        shards: Option<usize>,
        pubsub_queue_limit: Option<usize>,
        active_expiry: Option<bool>,
        hz: Option<usize>,
        decode_responses: bool,
        private: bool,
        remote: Option<&Bound<'_, PyAny>>,
        snapshot_path: Option<std::path::PathBuf>,
        snapshot_lenient: bool,
        connection: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        if let Some(c) = connection {
            for k in c.keys() {
                let k: String = k.extract()?;
                let k = k.as_str();
                if !CONNECTION_OPTIONS.contains(&k) && !REMOTE_OPTIONS.contains(&k) {
                    return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                        "Cache() got an unexpected keyword argument '{k}'"
                    )));
                }
            }
        }
        let eviction_policy = eviction_policy
            .map(|p| {
                p.parse::<EvictionPolicy>()
                    .map(|parsed| (p.to_owned(), parsed))
                    .map_err(|e| DataError::new_err(e.to_string()))
            })
            .transpose()?;
        let default_ttl = opt(default_ttl)
            .map(|t| {
                // Seconds, as an int, a float or a timedelta.
                timeout_seconds(Some(t))
                    .ok()
                    .filter(|s| *s > 0.0)
                    .and_then(|s| Duration::try_from_secs_f64(s).ok())
                    .ok_or_else(|| {
                        DataError::new_err("default_ttl must be a positive number of seconds")
                    })
            })
            .transpose()?;
        let options = EngineOptions {
            max_memory,
            max_entries,
            eviction_policy,
            default_ttl,
            notify_keyspace_events: notify_keyspace_events.map(str::to_owned),
            shards,
            pubsub_queue_limit,
            active_expiry,
            hz,
            snapshot_path,
            snapshot_lenient,
            remote: remote_settings(remote, connection)?,
        };
        let local = options.remote.is_none();
        let cache = if private {
            options.build().map_err(construction_error)?
        } else {
            shared(&options)?
        };
        // redis-py's `db`: the database this handle works in (the URL's in near-cache mode).
        let db = match connection.map(|c| c.get_item("db")).transpose()?.flatten() {
            Some(db) if local && !db.is_none() => db.extract::<i64>().or_else(|_| {
                db.str()?
                    .to_str()?
                    .parse::<i64>()
                    .map_err(|_| DataError::new_err("db must be an integer"))
            })?,
            _ => 0,
        };
        let cache = usize::try_from(db)
            .ok()
            .and_then(|db| cache.select(db).ok())
            .ok_or_else(|| crate::errors::ResponseError::new_err("DB index is out of range"))?;
        Ok(NativeCache {
            near: cache.is_near_cache(),
            cache,
            decode: decode_responses,
        })
    }

    /// The database this handle works in (redis-py's `db`).
    #[getter]
    fn _db(&self) -> usize {
        self.cache.db()
    }

    /// Whether replies are `str` (True) or `bytes`.
    #[getter]
    fn decode_responses(&self) -> bool {
        self.decode
    }

    /// Near-cache mode's counters as a dict (None without `remote`).
    fn near_cache_stats<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(s) = self.cache.near_cache_stats() else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        for (k, v) in [
            ("local_hits", s.local_hits),
            ("round_trips_saved", s.round_trips_saved),
            ("fetches", s.fetches),
            ("negative_hits", s.negative_hits),
            ("forwarded", s.forwarded),
            ("invalidations", s.invalidations),
            ("flushes", s.flushes),
            ("discarded_fills", s.discarded_fills),
            ("stale_serves", s.stale_serves),
            ("reconnects", s.reconnects),
            ("nodes", s.nodes as u64),
        ] {
            d.set_item(k, v)?;
        }
        d.set_item("connected", s.connected)?;
        Ok(Some(d))
    }

    /// Whether this cache is a near cache (made with `remote`).
    #[getter]
    fn is_near_cache(&self) -> bool {
        self.cache.near_cache_stats().is_some()
    }

    /// Calls `f(*args, **kwargs)` with round trips to the server forbidden: a call that
    /// needs one raises `WouldBlockError` having done nothing (the asyncio client then
    /// runs it on a thread).
    #[pyo3(signature = (f, *args, **kwargs))]
    fn _no_wait(
        &self,
        f: &Bound<'_, PyAny>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        self.cache
            .without_waiting(|| f.call(args, kwargs).map(Bound::unbind))
    }

    /// A client of this cache with its own MULTI queue and WATCHed keys (for pipelines).
    fn _client(slf: &Bound<'_, Self>) -> crate::client::NativeClient {
        let me = slf.get();
        crate::client::NativeClient::new(slf.clone().unbind(), me.cache.client(), me.decode)
    }

    /// Runs one command given as arguments (`"ZADD", "lb", 50, "alice"`) and returns the
    /// raw reply.
    #[pyo3(signature = (*args))]
    fn execute(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        let encoded: Vec<Cow<'_, [u8]>> = args
            .iter()
            .map(|a| encode(&a).map(|c| Cow::Owned(c.into_owned())))
            .collect::<PyResult<_>>()?;
        if encoded.is_empty() {
            return Err(DataError::new_err("a command needs at least its name"));
        }
        let argv: Vec<&[u8]> = encoded.iter().map(|c| &c[..]).collect();
        self.run(py, &argv)
    }

    /// GET.
    fn get(&self, py: Python<'_>, name: &Bound<'_, PyAny>) -> PyResult<Option<Py<PyAny>>> {
        self.get_as(py, name, self.decode)
    }

    /// SET with redis-py's options: True when written, None when NX/XX prevented it, the
    /// previous value with `get=True`.
    #[pyo3(signature = (name, value, ex=None, px=None, nx=false, xx=false, keepttl=false, get=false, exat=None, pxat=None))]
    #[allow(clippy::too_many_arguments)]
    fn set(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
        ex: Option<&Bound<'_, PyAny>>,
        px: Option<&Bound<'_, PyAny>>,
        nx: bool,
        xx: bool,
        keepttl: bool,
        get: bool,
        exat: Option<&Bound<'_, PyAny>>,
        pxat: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<Py<PyAny>>> {
        // redis-py 8's order: which options are given, then their values.
        let given = [ex, px, exat, pxat]
            .iter()
            .filter(|o| opt(**o).is_some())
            .count();
        if given + keepttl as usize > 1 {
            return Err(DataError::new_err(
                "``ex``, ``px``, ``exat``, ``pxat``, and ``keepttl`` are mutually exclusive.",
            ));
        }
        if nx && xx {
            return Err(DataError::new_err(
                "``nx``, ``xx``, ``ifeq``, ``ifne``, ``ifdeq``, ``ifdne`` are mutually exclusive.",
            ));
        }
        let key = encode(name)?;
        let value = encode(value)?;
        let mut expiries = Vec::new();
        if let Some(e) = opt(ex) {
            expiries.push(Expiry::Ex(relative_time(e, "ex", false)?));
        }
        if let Some(p) = opt(px) {
            expiries.push(Expiry::Px(relative_time(p, "px", true)?));
        }
        if let Some(e) = opt(exat) {
            expiries.push(Expiry::ExAt(time_arg(e, "exat", false)?));
        }
        if let Some(p) = opt(pxat) {
            expiries.push(Expiry::PxAt(time_arg(p, "pxat", true)?));
        }
        if keepttl {
            expiries.push(Expiry::KeepTtl);
        }
        let opts = SetOptions {
            expiry: expiries.pop(),
            condition: if nx {
                SetCondition::Nx
            } else if xx {
                SetCondition::Xx
            } else {
                SetCondition::Always
            },
            get,
        };
        let out = self.call(py, |c| c.set_with(&key[..], &value[..], &opts))?;
        if get {
            return out
                .previous
                .map(|p| bytes_obj(py, &p, self.decode))
                .transpose();
        }
        out.written.then(|| true.into_py_any(py)).transpose()
    }

    /// INCRBY (redis-py's `incr(name, amount=1)`).
    #[pyo3(signature = (name, amount=Int::new(1)))]
    fn incr(&self, py: Python<'_>, name: &Bound<'_, PyAny>, amount: Int) -> PyResult<i64> {
        let (key, by) = (encode(name)?, amount.get()?);
        self.call(py, |c| c.incr_by(&key[..], by))
    }

    /// INCRBY.
    #[pyo3(signature = (name, amount=Int::new(1)))]
    fn incrby(&self, py: Python<'_>, name: &Bound<'_, PyAny>, amount: Int) -> PyResult<i64> {
        self.incr(py, name, amount)
    }

    /// DECRBY (redis-py's `decr(name, amount=1)`).
    #[pyo3(signature = (name, amount=Int::new(1)))]
    fn decr(&self, py: Python<'_>, name: &Bound<'_, PyAny>, amount: Int) -> PyResult<i64> {
        let (key, by) = (encode(name)?, amount.get()?);
        self.call(py, |c| c.decr_by(&key[..], by))
    }

    /// DECRBY.
    #[pyo3(signature = (name, amount=Int::new(1)))]
    fn decrby(&self, py: Python<'_>, name: &Bound<'_, PyAny>, amount: Int) -> PyResult<i64> {
        self.decr(py, name, amount)
    }

    /// DEL: how many of the keys existed.
    #[pyo3(signature = (*names))]
    fn delete(&self, py: Python<'_>, names: &Bound<'_, PyTuple>) -> PyResult<usize> {
        let keys = encode_each(names)?;
        self.call(py, |c| c.del(&keys))
    }

    /// EXISTS: how many of the keys exist (repeats counted).
    #[pyo3(signature = (*names))]
    fn exists(&self, py: Python<'_>, names: &Bound<'_, PyTuple>) -> PyResult<usize> {
        let keys = encode_each(names)?;
        self.call(py, |c| c.exists(&keys))
    }

    /// MGET: a list with None for missing keys.
    #[pyo3(signature = (keys, *args))]
    fn mget(
        &self,
        py: Python<'_>,
        keys: &Bound<'_, PyAny>,
        args: &Bound<'_, PyTuple>,
    ) -> PyResult<Vec<Option<Py<PyAny>>>> {
        let keys = keys_and_args(keys, args)?;
        self.call(py, |c| c.mget(&keys))?
            .into_iter()
            .map(|v| v.map(|v| bytes_obj(py, &v, self.decode)).transpose())
            .collect()
    }

    /// GET as bytes whatever `decode_responses` says (for pickled payloads).
    fn _get_bytes(&self, py: Python<'_>, name: &Bound<'_, PyAny>) -> PyResult<Option<Py<PyAny>>> {
        self.get_as(py, name, false)
    }

    /// Cache-aside with single flight (the core's `get_or_set_with`): the bytes at `name`,
    /// or `loader()`'s bytes, stored with `px` ms. Concurrent misses run the loader once,
    /// in this process, and in near-cache mode across processes too. The loader's
    /// exception reaches every waiter and nothing is stored.
    #[pyo3(signature = (name, loader, px=None))]
    fn _get_or_set(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        loader: Py<PyAny>,
        px: Option<u64>,
    ) -> PyResult<Py<PyAny>> {
        let key = encode(name)?.into_owned();
        let ttl = px.map(Duration::from_millis);
        let got = py.detach(|| {
            self.cache.get_or_set_with(&key, ttl, || {
                Python::attach(|py| -> Result<Bytes, PyErr> {
                    let v = loader.call0(py)?;
                    let v = v.bind(py);
                    Ok(Bytes::copy_from_slice(v.cast::<PyBytes>()?.as_bytes()))
                })
            })
        });
        match got {
            Ok(v) => bytes_obj(py, &v, false),
            Err(ferricache::Error::Loader(e)) => match e.downcast_ref::<PyErr>() {
                Some(err) => Err(err.clone_ref(py)),
                None => Err(from_error(ferricache::Error::Loader(e))),
            },
            Err(e) => Err(from_error(e)),
        }
    }

    /// HGET.
    fn hget(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        key: &Bound<'_, PyAny>,
    ) -> PyResult<Option<Py<PyAny>>> {
        let (name, key) = (encode(name)?, encode(key)?);
        let v = self.call(py, |c| c.hget(&name[..], &key[..]))?;
        v.map(|v| bytes_obj(py, &v, self.decode)).transpose()
    }

    /// TTL in seconds: -2 for a missing key, -1 for a key without TTL.
    fn ttl(&self, py: Python<'_>, name: &Bound<'_, PyAny>) -> PyResult<i64> {
        let key = encode(name)?;
        self.call(py, |c| c.ttl(&key[..]))
    }

    /// BLPOP: `(key, value)` from the first non-empty list, waiting up to `timeout`
    /// seconds (0: forever) with the GIL released; None on timeout.
    #[pyo3(signature = (keys, timeout=None))]
    fn blpop(
        &self,
        py: Python<'_>,
        keys: &Bound<'_, PyAny>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<Py<PyAny>>> {
        self.blocking_pop(py, keys, timeout, Take::ListHead)
    }

    /// BRPOP, as BLPOP from the tail.
    #[pyo3(signature = (keys, timeout=None))]
    fn brpop(
        &self,
        py: Python<'_>,
        keys: &Bound<'_, PyAny>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<Py<PyAny>>> {
        self.blocking_pop(py, keys, timeout, Take::ListTail)
    }

    /// BZPOPMIN: `(key, member, score)`, or None on timeout.
    #[pyo3(signature = (keys, timeout=None))]
    fn bzpopmin(
        &self,
        py: Python<'_>,
        keys: &Bound<'_, PyAny>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<Py<PyAny>>> {
        self.blocking_pop(py, keys, timeout, Take::ZMin)
    }

    /// BZPOPMAX.
    #[pyo3(signature = (keys, timeout=None))]
    fn bzpopmax(
        &self,
        py: Python<'_>,
        keys: &Bound<'_, PyAny>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<Py<PyAny>>> {
        self.blocking_pop(py, keys, timeout, Take::ZMax)
    }

    /// BLMOVE.
    #[pyo3(signature = (first_list, second_list, timeout, src="LEFT", dest="RIGHT"))]
    fn blmove(
        &self,
        py: Python<'_>,
        first_list: &Bound<'_, PyAny>,
        second_list: &Bound<'_, PyAny>,
        timeout: &Bound<'_, PyAny>,
        src: &str,
        dest: &str,
    ) -> PyResult<Py<PyAny>> {
        let end = |s: &str| match s.to_ascii_uppercase().as_str() {
            "LEFT" => Ok(End::Left),
            "RIGHT" => Ok(End::Right),
            _ => Err(crate::errors::ResponseError::new_err("syntax error")),
        };
        let t = blocking_timeout(Some(timeout))?;
        self.move_blocking(
            py,
            &encode(first_list)?,
            &encode(second_list)?,
            end(src)?,
            end(dest)?,
            t,
        )
    }

    /// BRPOPLPUSH.
    #[pyo3(signature = (src, dst, timeout=None))]
    fn brpoplpush(
        &self,
        py: Python<'_>,
        src: &Bound<'_, PyAny>,
        dst: &Bound<'_, PyAny>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let t = blocking_timeout(timeout)?;
        self.move_blocking(py, &encode(src)?, &encode(dst)?, End::Right, End::Left, t)
    }

    /// A blocking pop that does not wait here: asyncio awaits it through `notify_fd`.
    /// `take` is "lhead", "ltail", "zmin" or "zmax".
    fn _pop_waiter(&self, keys: &Bound<'_, PyAny>, take: &str) -> PyResult<NativeWaiter> {
        let take = match take {
            "lhead" => Take::ListHead,
            "ltail" => Take::ListTail,
            "zmin" => Take::ZMin,
            "zmax" => Take::ZMax,
            _ => return Err(DataError::new_err("unknown pop kind")),
        };
        let keys = encode_all(keys)?;
        let w = self.cache.pop_waiter(&keys, take).map_err(from_error)?;
        Ok(NativeWaiter::new(w, take, self.decode))
    }

    /// Takes the lock `name` for `ttl_ms`; `wait` in seconds (None: one try, negative:
    /// forever). None if not taken.
    #[pyo3(signature = (name, ttl_ms, wait=None))]
    fn _lock(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        ttl_ms: u64,
        wait: Option<f64>,
    ) -> PyResult<Option<crate::patterns::NativeLock>> {
        crate::patterns::lock(py, &self.cache, &encode(name)?, ttl_ms, wait)
    }

    /// A rate limiter: `kind` is "fixed" or "sliding" (`limit` per `period_ms`) or "gcra"
    /// (redis-cell's CL.THROTTLE: `limit` is max_burst, `count` per `period_ms`, weighing
    /// `quantity`).
    #[pyo3(signature = (kind, key, limit, period_ms, count=0, quantity=1))]
    fn _rate_limit(
        &self,
        kind: &str,
        key: &Bound<'_, PyAny>,
        limit: u64,
        period_ms: u64,
        count: u64,
        quantity: u64,
    ) -> PyResult<crate::patterns::Answer> {
        let py = key.py();
        let key = encode(key)?;
        let period = Duration::from_millis(period_ms);
        if !matches!(kind, "fixed" | "sliding" | "gcra") {
            return Err(DataError::new_err("unknown limiter"));
        }
        let r = self.call(py, |c| match kind {
            "fixed" => c.rate_limit_fixed(&key[..], limit, period),
            "sliding" => c.rate_limit_sliding(&key[..], limit, period),
            _ => c.throttle(&key[..], limit, count, period, quantity),
        })?;
        Ok(crate::patterns::answer(r))
    }

    /// A new subscription (the engine of `pubsub()`).
    fn _subscription(&self) -> NativeSubscription {
        NativeSubscription::new(self.cache.subscriber(), self.decode)
    }

    /// The engine's counters: hits, misses, keys, used_memory, evictions, expirations, ...
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.cache.stats();
        let d = PyDict::new(py);
        d.set_item("hits", s.hits)?;
        d.set_item("misses", s.misses)?;
        d.set_item("hit_ratio", s.hit_ratio())?;
        d.set_item("keys", s.keys)?;
        d.set_item("keys_with_ttl", s.keys_with_ttl)?;
        d.set_item("used_memory", s.used_memory)?;
        d.set_item("evictions", s.evictions)?;
        d.set_item("expirations", s.expirations)?;
        d.set_item("commands", s.commands)?;
        d.set_item("blocked_clients", s.blocked_clients)?;
        Ok(d)
    }
}
