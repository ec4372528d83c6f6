//! redis-py's exception classes, created here so that the native code can raise them.

use ferricache::Error;
use pyo3::prelude::*;

pyo3::create_exception!(
    ferricache.exceptions,
    RedisError,
    pyo3::exceptions::PyException,
    "Base class of ferricache's (and redis-py's) errors."
);
pyo3::create_exception!(
    ferricache.exceptions,
    ResponseError,
    RedisError,
    "An error reply: Redis's text, with the `ERR ` prefix removed as redis-py removes it."
);
pyo3::create_exception!(
    ferricache.exceptions,
    DataError,
    RedisError,
    "An argument that cannot be sent: a wrong type or an invalid option."
);
pyo3::create_exception!(
    ferricache.exceptions,
    OutOfMemoryError,
    ResponseError,
    "The cache is at max_memory and its policy can evict nothing."
);
pyo3::create_exception!(
    ferricache.exceptions,
    PubSubError,
    RedisError,
    "A pub/sub misuse, or a subscriber cut off for falling behind."
);

pyo3::create_exception!(
    ferricache.exceptions,
    ConnectionError,
    RedisError,
    "Near-cache mode: the server could not be reached, or the connection broke."
);
pyo3::create_exception!(
    ferricache.exceptions,
    TimeoutError,
    RedisError,
    "Near-cache mode: the server did not answer within the command timeout."
);
pyo3::create_exception!(
    ferricache.exceptions,
    WouldBlockError,
    RedisError,
    "Near-cache mode, inside a no-wait call: the call needs the server and did nothing \
     (the asyncio client then runs it on a thread)."
);

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("RedisError", py.get_type::<RedisError>())?;
    m.add("ResponseError", py.get_type::<ResponseError>())?;
    m.add("DataError", py.get_type::<DataError>())?;
    m.add("OutOfMemoryError", py.get_type::<OutOfMemoryError>())?;
    m.add("PubSubError", py.get_type::<PubSubError>())?;
    m.add("ConnectionError", py.get_type::<ConnectionError>())?;
    m.add("TimeoutError", py.get_type::<TimeoutError>())?;
    m.add("WouldBlockError", py.get_type::<WouldBlockError>())?;
    Ok(())
}

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
