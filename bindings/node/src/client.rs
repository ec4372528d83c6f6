//! `NativeClient`: a connection's MULTI queue and WATCHed keys (the core's `Client`), for
//! node-redis's `watch()`, `multi().exec()` and `executeIsolated()`.

use std::sync::{Arc, Mutex};

use ferricache::{Client, Reply};
use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Error, Result, Task};
use napi_derive::napi;

use crate::reply::{arg_bytes, to_js_inline_errors, Arg, JsReply};

#[napi]
pub struct NativeClient {
    /// Shared with the thread-pool task of `executeAsync`; the JS side sends one command
    /// at a time per client, so the lock is never contended.
    client: Arc<Mutex<Client>>,
}

impl NativeClient {
    pub(crate) fn new(client: Client) -> Self {
        NativeClient {
            client: Arc::new(Mutex::new(client)),
        }
    }
}

fn run(client: &Mutex<Client>, argv: &[&[u8]]) -> Result<Reply> {
    let mut client = client
        .lock()
        .map_err(|_| Error::from_reason("ERR the client failed in an earlier call"))?;
    Ok(client.execute_slices(argv))
}

#[napi]
impl NativeClient {
    /// Runs one command on this client: MULTI, EXEC, DISCARD, WATCH and UNWATCH act on its
    /// state; after MULTI other commands answer "QUEUED" (or throw if refused); EXEC
    /// answers the replies (Error objects in place) or null when a watched key changed.
    #[napi]
    pub fn execute(&self, args: Vec<Arg>, buffers: Option<bool>) -> Result<JsReply> {
        let argv: Vec<&[u8]> = args.iter().map(arg_bytes).collect();
        to_js_inline_errors(run(&self.client, &argv)?, buffers.unwrap_or(false))
    }

    /// The database this client works in (SELECT, also inside MULTI, changes it).
    #[napi(getter)]
    pub fn db(&self) -> Result<u32> {
        let client = self
            .client
            .lock()
            .map_err(|_| Error::from_reason("ERR the client failed in an earlier call"))?;
        Ok(client.cache().db() as u32)
    }

    /// As `execute`, on the libuv thread pool (near-cache mode: WATCH and EXEC wait for
    /// the server).
    #[napi]
    pub fn execute_async(&self, args: Vec<Arg>, buffers: Option<bool>) -> AsyncTask<Execute> {
        AsyncTask::new(Execute {
            client: self.client.clone(),
            argv: args.iter().map(|a| arg_bytes(a).to_vec()).collect(),
            buffers: buffers.unwrap_or(false),
        })
    }
}

pub struct Execute {
    client: Arc<Mutex<Client>>,
    argv: Vec<Vec<u8>>,
    buffers: bool,
}

impl Task for Execute {
    type Output = Reply;
    type JsValue = JsReply;

    fn compute(&mut self) -> Result<Reply> {
        let argv: Vec<&[u8]> = self.argv.iter().map(Vec::as_slice).collect();
        run(&self.client, &argv)
    }

    fn resolve(&mut self, _env: Env, reply: Reply) -> Result<JsReply> {
        to_js_inline_errors(reply, self.buffers)
    }
}
