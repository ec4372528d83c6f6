//! Python arguments as bytes, encoded as redis-py's `Encoder` encodes them.

use std::borrow::Cow;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyFloat, PyInt, PyString};

use crate::errors::DataError;

/// `bytes` as they are, `str` as UTF-8, `int` and `float` as their `repr`, `bytearray` and
/// `memoryview` (any buffer) copied; anything else (bool and None included) is a DataError,
/// as in redis-py.
pub(crate) fn encode<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Cow::Borrowed(b.as_bytes()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Cow::Borrowed(s.to_str()?.as_bytes()));
    }
    if obj.is_instance_of::<PyBool>() {
        return Err(invalid(obj));
    }
    if obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyFloat>() {
        return Ok(Cow::Owned(obj.repr()?.to_str()?.as_bytes().to_vec()));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(Cow::Owned(b.to_vec()));
    }
    if obj.hasattr("__buffer__").unwrap_or(false) || obj.get_type().name()? == "memoryview" {
        let bytes = obj.py().get_type::<PyBytes>().call1((obj,))?;
        return Ok(Cow::Owned(bytes.cast::<PyBytes>()?.as_bytes().to_vec()));
    }
    Err(invalid(obj))
}

fn invalid(obj: &Bound<'_, PyAny>) -> PyErr {
    let name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into());
    DataError::new_err(format!(
        "Invalid input of type: '{name}'. Convert to a bytes, string, int or float first."
    ))
}

/// Seconds (int, float or `timedelta`) for blocking timeouts; `None` is 0 (forever).
pub(crate) fn timeout_seconds(obj: Option<&Bound<'_, PyAny>>) -> PyResult<f64> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(0.0);
    };
    let secs: f64 = if obj.hasattr("total_seconds")? {
        obj.call_method0("total_seconds")?.extract()?
    } else {
        obj.extract()
            .map_err(|_| DataError::new_err("timeout must be a number of seconds"))?
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(DataError::new_err(
            "timeout must be a non-negative number of seconds",
        ));
    }
    Ok(secs)
}
