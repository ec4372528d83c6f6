//! Python arguments as bytes, encoded as redis-py's `Encoder` encodes them.

use std::borrow::Cow;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyFloat, PyInt, PyString};

use crate::errors::{from_error, DataError};

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

/// A blocking command's timeout, read as the server reads what redis-py sends (a
/// `timedelta` as its seconds too); `None` is 0 (forever). Errors are the server's.
pub(crate) fn blocking_timeout(obj: Option<&Bound<'_, PyAny>>) -> PyResult<f64> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(0.0);
    };
    let obj = if obj.hasattr("total_seconds")? {
        &obj.call_method0("total_seconds")?
    } else {
        obj
    };
    ferricache::parse::timeout(&encode(obj)?).map_err(from_error)
}

/// An integer argument (INCRBY's amount ...), read as the server reads what redis-py
/// sends: `1.5` or `"x"` is the server's "value is not an integer or out of range", and
/// `"5"` is 5. The error is kept for the method to raise (`Int::get`): raised from here,
/// PyO3 would add a note naming the argument, which the server's reply does not have.
pub(crate) struct Int(PyResult<i64>);

impl Int {
    pub(crate) const fn new(n: i64) -> Self {
        Int(Ok(n))
    }

    pub(crate) fn get(self) -> PyResult<i64> {
        self.0
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for Int {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if !obj.is_instance_of::<PyBool>() {
            if let Ok(n) = obj.extract::<i64>() {
                return Ok(Int::new(n));
            }
        }
        Ok(Int(encode(&obj).and_then(|text| {
            ferricache::parse::int(&text).map_err(from_error)
        })))
    }
}

/// Seconds (int, float or `timedelta`) for options; `None` is 0.
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
