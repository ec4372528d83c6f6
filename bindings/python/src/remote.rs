//! Near-cache mode's settings from Python keywords: `remote="redis://..."` (or
//! `remote=True` with redis-py's connection keywords forming the URL), and the core's
//! `RemoteOptions` by their names (durations in seconds, as redis-py's timeouts).

use std::time::Duration;

use ferricache::{RemoteOptions, Tracking, WhenStale};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::args::timeout_seconds;
use crate::errors::DataError;

/// The keywords that configure near-cache mode, besides `remote`.
pub(crate) const REMOTE_OPTIONS: &[&str] = &[
    "local_prefixes",
    "max_value_bytes",
    "max_elements",
    "max_staleness",
    "when_stale",
    "connect_timeout",
    "command_timeout",
    "pool_size",
    "negative_entries",
    "fill_lock_ttl",
    "tracking",
    "tls_root_certificate",
];

/// A server URL and its options, or `None` without `remote`.
pub(crate) fn remote_settings(
    remote: Option<&Bound<'_, PyAny>>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Option<(String, RemoteOptions)>> {
    let get = |name: &str| -> PyResult<Option<Bound<'_, PyAny>>> {
        match kwargs {
            Some(k) => Ok(k.get_item(name)?.filter(|v| !v.is_none())),
            None => Ok(None),
        }
    };
    let url = match remote.filter(|r| !r.is_none()) {
        None => None,
        Some(r) if r.is_instance_of::<pyo3::types::PyBool>() => {
            if r.extract::<bool>()? {
                Some(url_from_connection(&get)?)
            } else {
                None
            }
        }
        Some(r) => Some(r.extract::<String>().map_err(|_| {
            DataError::new_err("remote must be a redis:// or rediss:// URL, or True")
        })?),
    };
    let Some(url) = url else {
        if let Some(k) = kwargs {
            for name in REMOTE_OPTIONS {
                if k.contains(*name)? {
                    return Err(DataError::new_err(format!("{name} needs remote=")));
                }
            }
        }
        return Ok(None);
    };
    let secs = |v: &Bound<'_, PyAny>, name: &str| -> PyResult<Duration> {
        let s = timeout_seconds(Some(v))?;
        Duration::try_from_secs_f64(s)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                DataError::new_err(format!("{name} must be a positive number of seconds"))
            })
    };
    let mut o = RemoteOptions::new();
    if let Some(p) = get("local_prefixes")? {
        let prefixes: Vec<Vec<u8>> = p
            .try_iter()?
            .map(|p| crate::args::encode(&p?).map(|c| c.into_owned()))
            .collect::<PyResult<_>>()?;
        o = o.local_prefixes(prefixes);
    }
    if let Some(v) = get("max_value_bytes")? {
        o = o.max_value_bytes(v.extract()?);
    }
    if let Some(v) = get("max_elements")? {
        o = o.max_elements(v.extract()?);
    }
    if let Some(v) = get("max_staleness")? {
        o = o.max_staleness(secs(&v, "max_staleness")?);
    }
    if let Some(v) = get("when_stale")? {
        o = o.when_stale(match v.extract::<String>()?.as_str() {
            "fail_fast" => WhenStale::FailFast,
            "serve_stale" => WhenStale::ServeStale,
            other => {
                return Err(DataError::new_err(format!(
                    "when_stale must be 'fail_fast' or 'serve_stale', not {other:?}"
                )))
            }
        });
    }
    if let Some(v) = get("connect_timeout")?.or(get("socket_connect_timeout")?) {
        o = o.connect_timeout(secs(&v, "connect_timeout")?);
    }
    if let Some(v) = get("command_timeout")?.or(get("socket_timeout")?) {
        o = o.command_timeout(secs(&v, "command_timeout")?);
    }
    if let Some(v) = get("pool_size")?.or(get("max_connections")?) {
        o = o.pool_size(v.extract()?);
    }
    if let Some(v) = get("negative_entries")? {
        o = o.negative_entries(v.extract()?);
    }
    if let Some(v) = get("fill_lock_ttl")? {
        o = o.fill_lock_ttl(secs(&v, "fill_lock_ttl")?);
    }
    if let Some(v) = get("tracking")? {
        o = o.tracking(match v.extract::<String>()?.as_str() {
            "per_key" => Tracking::PerKey,
            "broadcast" => {
                let prefixes = match get("local_prefixes")? {
                    Some(p) => p
                        .try_iter()?
                        .map(|p| {
                            crate::args::encode(&p?).map(|c| bytes::Bytes::from(c.into_owned()))
                        })
                        .collect::<PyResult<_>>()?,
                    None => Vec::new(),
                };
                Tracking::Broadcast(prefixes)
            }
            other => {
                return Err(DataError::new_err(format!(
                    "tracking must be 'per_key' or 'broadcast', not {other:?}"
                )))
            }
        });
    }
    if let Some(v) = get("tls_root_certificate")? {
        o = o.tls_root_certificate(v.extract::<Vec<u8>>()?);
    } else if let Some(path) = get("ssl_ca_certs")? {
        let path: String = path.extract()?;
        let pem = std::fs::read(&path)
            .map_err(|e| DataError::new_err(format!("ssl_ca_certs {path}: {e}")))?;
        o = o.tls_root_certificate(pem);
    }
    Ok(Some((url, o)))
}

/// `remote=True`: the URL that redis-py's `host`, `port`, `db`, `username`, `password`
/// and `ssl` describe.
fn url_from_connection<'py>(
    get: &dyn Fn(&str) -> PyResult<Option<Bound<'py, PyAny>>>,
) -> PyResult<String> {
    let text = |name: &str, default: &str| -> PyResult<String> {
        Ok(match get(name)? {
            Some(v) => v.str()?.to_string(),
            None => default.to_string(),
        })
    };
    let scheme = match get("ssl")? {
        Some(v) if v.is_truthy()? => "rediss",
        _ => "redis",
    };
    let auth = match (get("username")?, get("password")?) {
        (Some(u), Some(p)) => format!(
            "{}:{}@",
            enc(&u.str()?.to_string()),
            enc(&p.str()?.to_string())
        ),
        (None, Some(p)) => format!(":{}@", enc(&p.str()?.to_string())),
        (Some(u), None) => format!("{}@", enc(&u.str()?.to_string())),
        (None, None) => String::new(),
    };
    Ok(format!(
        "{scheme}://{auth}{}:{}/{}",
        text("host", "localhost")?,
        text("port", "6379")?,
        text("db", "0")?
    ))
}

/// Percent-encodes what a URL's user information cannot hold as is.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
