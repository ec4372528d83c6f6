//! `fc_client`: a connection's state (MULTI queue, WATCHed keys) over a cache, for
//! transactions through `fc_client_command`.

use ferricache::Client;

use crate::cache::fc_cache;
use crate::command::run;
use crate::ptr::{get, out_required};
use crate::reply::fc_reply;
use crate::status::{fc_status, guard, Fail};

/// A client of a cache with its own MULTI queue and WATCHed keys, as a Redis connection
/// has. One thread at a time may use it; make one per thread that runs transactions.
pub struct fc_client {
    client: Client,
}

/// Makes a client of `cache` (see `fc_client_command`); release it with
/// `fc_client_free`. The client holds its own reference to the cache.
///
/// # Safety
/// `cache` is a live handle; `out` is a valid place for a pointer.
#[no_mangle]
pub unsafe extern "C" fn fc_client_new(
    cache: *const fc_cache,
    out: *mut *mut fc_client,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract each pointer is NULL or valid for its use.
        let (cache, out) = unsafe { (get(cache, "cache")?, out_required(out, "out")?) };
        *out = Box::into_raw(Box::new(fc_client {
            client: cache.cache.client(),
        }));
        Ok(())
    })
}

/// As `fc_command`, on this client's connection: MULTI, EXEC, DISCARD, WATCH and UNWATCH
/// work as in Redis. After MULTI each command answers the status `QUEUED`; EXEC runs them
/// as one atomic step and answers an array of their replies, nil (`FC_REPLY_NIL`) if a
/// watched key changed, or the error `EXECABORT ...` if a command was refused while
/// queueing (then nothing was applied).
///
/// # Safety
/// `client` is a live client used by no other thread meanwhile; the other arguments as
/// for `fc_command`.
#[no_mangle]
pub unsafe extern "C" fn fc_client_command(
    client: *mut fc_client,
    argc: usize,
    argv: *const *const u8,
    argvlen: *const usize,
    out: *mut *mut fc_reply,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract `client` is NULL or live and not shared.
        let client = unsafe { client.as_mut() }.ok_or_else(|| Fail::null("client"))?;
        // SAFETY: as `fc_command`'s contract, by this function's.
        unsafe {
            run(argc, argv, argvlen, out, |args| {
                client.client.execute_slices(args)
            })
        }
    })
}

/// Releases a client (its watches end; a transaction in progress is discarded); NULL is
/// ignored.
///
/// # Safety
/// `client` is NULL or from `fc_client_new`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn fc_client_free(client: *mut fc_client) {
    if !client.is_null() {
        // SAFETY: from `fc_client_new`, freed once, by contract.
        drop(unsafe { Box::from_raw(client) });
    }
}
