//! Single-flight loading for cache-aside: concurrent misses on one key run the loader once.

use std::sync::Arc;

use bytes::Bytes;
use hashbrown::HashMap;
use parking_lot::{Condvar, Mutex};

use crate::error::{Error, Result};

/// One load in progress; waiters block on `done` until `result` is set.
#[derive(Default)]
pub(crate) struct Flight {
    result: Mutex<Option<Result<Bytes>>>,
    done: Condvar,
}

impl Flight {
    pub fn wait(&self) -> Result<Bytes> {
        let mut r = self.result.lock();
        while r.is_none() {
            self.done.wait(&mut r);
        }
        r.clone().expect("set before notify")
    }

    fn finish(&self, result: Result<Bytes>) {
        *self.result.lock() = Some(result);
        self.done.notify_all();
    }
}

/// The loads in progress, by key. The mutex is held only to look up, insert or remove a
/// flight, never while a loader runs.
#[derive(Default)]
pub(crate) struct Flights {
    map: Mutex<HashMap<Box<[u8]>, Arc<Flight>, ahash::RandomState>>,
}

/// What [`Flights::join`] found: a load to run (the caller leads) or one to wait for.
pub(crate) enum Role {
    Leader(LeaderGuard),
    Follower(Arc<Flight>),
}

/// Held by the caller that runs the loader; finishing (or dropping, if the loader panics)
/// wakes every follower and forgets the flight.
pub(crate) struct LeaderGuard {
    flights: Arc<Flights>,
    key: Box<[u8]>,
    flight: Arc<Flight>,
    finished: bool,
}

impl Flights {
    pub fn join(self: &Arc<Self>, key: &[u8]) -> Role {
        let mut map = self.map.lock();
        if let Some(f) = map.get(key) {
            return Role::Follower(f.clone());
        }
        let flight = Arc::new(Flight::default());
        map.insert(key.into(), flight.clone());
        Role::Leader(LeaderGuard {
            flights: self.clone(),
            key: key.into(),
            flight,
            finished: false,
        })
    }
}

impl LeaderGuard {
    pub fn finish(mut self, result: Result<Bytes>) -> Result<Bytes> {
        self.complete(result.clone());
        result
    }

    fn complete(&mut self, result: Result<Bytes>) {
        self.flights.map.lock().remove(&self.key);
        self.flight.finish(result);
        self.finished = true;
    }
}

impl Drop for LeaderGuard {
    fn drop(&mut self) {
        if !self.finished {
            let msg: Box<dyn std::error::Error + Send + Sync> = "loader panicked".into();
            self.complete(Err(Error::Loader(Arc::from(msg))));
        }
    }
}
