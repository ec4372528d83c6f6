//! Replies as Python objects: None, int, float, bytes (or str with decode_responses), lists.

use ferricache::Reply;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};
use pyo3::IntoPyObjectExt;

use crate::errors::from_reply_text;

pub(crate) fn bytes_obj(py: Python<'_>, b: &[u8], decode: bool) -> PyResult<Py<PyAny>> {
    if decode {
        let Ok(s) = std::str::from_utf8(b) else {
            // Python's own decode raises the error, with Python's text, as in redis-py.
            return Ok(PyBytes::new(py, b)
                .call_method1("decode", ("utf-8",))?
                .unbind());
        };
        Ok(PyString::new(py, s).into_any().unbind())
    } else {
        Ok(PyBytes::new(py, b).into_any().unbind())
    }
}

/// A reply as a Python object; an error reply raises redis-py's exception for it.
pub(crate) fn to_py(py: Python<'_>, reply: &Reply, decode: bool) -> PyResult<Py<PyAny>> {
    convert(py, reply, decode, false)
}

/// As [`to_py`], with errors inside arrays (EXEC's replies) as exception objects in their
/// place, as redis-py's parser returns them.
pub(crate) fn to_py_inline_errors(
    py: Python<'_>,
    reply: &Reply,
    decode: bool,
) -> PyResult<Py<PyAny>> {
    convert(py, reply, decode, true)
}

fn convert(py: Python<'_>, reply: &Reply, decode: bool, inline: bool) -> PyResult<Py<PyAny>> {
    Ok(match reply {
        Reply::Nil => py.None(),
        Reply::Integer(i) => i.into_py_any(py)?,
        Reply::Double(d) => d.into_py_any(py)?,
        Reply::Bulk(b) => bytes_obj(py, b, decode)?,
        Reply::Status(s) => bytes_obj(py, s.as_bytes(), decode)?,
        Reply::Error(e) => return Err(from_reply_text(e)),
        Reply::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                match item {
                    Reply::Error(e) if inline => {
                        list.append(from_reply_text(e).into_value(py))?;
                    }
                    item => list.append(convert(py, item, decode, inline)?)?,
                }
            }
            list.into_any().unbind()
        }
        other => {
            return Err(crate::errors::ResponseError::new_err(format!(
                "unsupported reply {other:?}"
            )))
        }
    })
}
