//! The native module of the `ferricache` Python package (`ferricache._native`).
//!
//! A thin translation layer: Python arguments become bytes, commands run through the
//! core's typed API or its dispatcher, replies become Python objects. redis-py's method
//! surface (names, keyword arguments, return shapes) is built in Python on top of this, in
//! `python/ferricache/`. Blocking pops and pub/sub waits release the GIL.

use pyo3::prelude::*;

mod args;
mod cache;
mod client;
mod errors;
mod patterns;
mod pubsub;
mod remote;
mod reply;
mod shared;
mod waiter;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<cache::NativeCache>()?;
    m.add_class::<client::NativeClient>()?;
    m.add_class::<waiter::NativeWaiter>()?;
    m.add_class::<pubsub::NativeSubscription>()?;
    m.add_class::<patterns::NativeLock>()?;
    m.add(
        "__all__",
        [
            "NativeCache",
            "NativeClient",
            "NativeLock",
            "NativeSubscription",
            "NativeWaiter",
        ],
    )?;
    Ok(())
}
