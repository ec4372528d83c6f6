//! redis-py's exception classes, created here so that the native code can raise them.

use ferricache::Error;
use pyo3::prelude::*;

// The classes live in Python (ferricache/exceptions.py): redis-py's own when redis-py is
// importable, so `except redis.exceptions.ResponseError` catches ferricache's errors, and
// same-named classes with redis-py's hierarchy when it is not. The native code raises them
// by name; the module is imported at the first error.
pyo3::import_exception!(ferricache.exceptions, RedisError);
pyo3::import_exception!(ferricache.exceptions, ResponseError);
pyo3::import_exception!(ferricache.exceptions, DataError);
pyo3::import_exception!(ferricache.exceptions, OutOfMemoryError);
pyo3::import_exception!(ferricache.exceptions, ExecAbortError);
pyo3::import_exception!(ferricache.exceptions, PubSubError);
pyo3::import_exception!(ferricache.exceptions, ConnectionError);
pyo3::import_exception!(ferricache.exceptions, TimeoutError);
pyo3::import_exception!(ferricache.exceptions, WouldBlockError);

/// The exception redis-py raises for an error reply with this text.
pub(crate) fn from_reply_text(text: &str) -> PyErr {
    match Error::from_reply_text(text) {
        Error::RemoteUnavailable(_) => return ConnectionError::new_err(text.to_string()),
        Error::RemoteTimeout(_) => return TimeoutError::new_err(text.to_string()),
        Error::WouldBlock => return WouldBlockError::new_err(text.to_string()),
        _ => {}
    }
    if let Some(rest) = text.strip_prefix("ERR ") {
        ResponseError::new_err(rest.to_string())
    } else if let Some(rest) = text.strip_prefix("OOM ") {
        OutOfMemoryError::new_err(rest.to_string())
    } else if let Some(rest) = text.strip_prefix("EXECABORT ") {
        ExecAbortError::new_err(rest.to_string())
    } else {
        ResponseError::new_err(text.to_string())
    }
}

pub(crate) fn from_error(e: Error) -> PyErr {
    match e {
        Error::Disconnected => PubSubError::new_err(e.to_string()),
        e => from_reply_text(&e.to_string()),
    }
}
