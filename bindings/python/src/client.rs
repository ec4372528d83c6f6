//! `NativeClient`: a connection's MULTI queue and WATCHed keys (the core's `Client`), for
//! redis-py's transactional pipelines.

use ferricache::Client;
use parking_lot::Mutex;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::args::encode;
use crate::cache::NativeCache;
use crate::errors::DataError;
use crate::reply::to_py_inline_errors;

/// The commands that act on the client's own state.
const OWN: [&str; 5] = ["multi", "exec", "discard", "watch", "unwatch"];

#[pyclass(module = "ferricache._native", frozen)]
pub struct NativeClient {
    cache: Py<NativeCache>,
    /// One connection is used by one thread at a time; the lock makes sharing it safe.
    client: Mutex<Client>,
    decode: bool,
}

impl NativeClient {
    pub(crate) fn new(cache: Py<NativeCache>, client: Client, decode: bool) -> Self {
        NativeClient {
            cache,
            client: Mutex::new(client),
            decode,
        }
    }
}

#[pymethods]
impl NativeClient {
    /// Runs one command on this client: MULTI, EXEC, DISCARD, WATCH and UNWATCH act on
    /// its state; after MULTI other commands answer `QUEUED`; EXEC answers the list of
    /// replies (errors in place, as exception objects) or None when a watched key
    /// changed. Outside MULTI other commands run as `Cache.execute` runs them.
    #[pyo3(signature = (*args))]
    fn execute(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        let encoded: Vec<Vec<u8>> = args
            .iter()
            .map(|a| encode(&a).map(|c| c.into_owned()))
            .collect::<PyResult<_>>()?;
        if encoded.is_empty() {
            return Err(DataError::new_err("a command needs at least its name"));
        }
        let argv: Vec<&[u8]> = encoded.iter().map(|c| &c[..]).collect();
        let name = String::from_utf8_lossy(argv[0]).to_ascii_lowercase();
        if !OWN.contains(&name.as_str()) && !self.client.lock().in_multi() {
            // Blocking commands wait without the GIL there.
            return self.cache.get().run(py, &argv);
        }
        let reply = py.detach(|| self.client.lock().execute_slices(&argv));
        to_py_inline_errors(py, &reply, self.decode)
    }

    /// True between MULTI and EXEC or DISCARD.
    #[getter]
    fn in_multi(&self) -> bool {
        self.client.lock().in_multi()
    }
}
