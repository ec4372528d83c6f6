//! `fc_command`: any command as Redis argv.

use ferricache::{Error, Reply};

use crate::cache::fc_cache;
use crate::ptr::{bytes, get, out_required};
use crate::reply::{fc_reply, to_c};
use crate::status::{fc_status, guard, Fail};

/// Runs one command given as Redis argv: `argc` arguments, `argv[i]` pointing to
/// `argvlen[i]` bytes (binary-safe; names case-insensitive). On `FC_OK`, `*out` holds the
/// reply, to release with `fc_reply_free`. A command error (WRONGTYPE, syntax, arity,
/// unknown command) is `FC_OK` with a reply of type `FC_REPLY_ERROR`, as hiredis reports
/// it; a status other than `FC_OK` means the call itself was malformed (NULL pointers,
/// `argc` of 0) or, in near-cache mode, that the server could not answer
/// (`FC_REMOTE_UNAVAILABLE`, `FC_REMOTE_TIMEOUT`).
///
/// Blocking commands (BLPOP, BZPOPMIN, ...) block the calling thread.
///
/// # Safety
/// `cache` is a live handle; `argv` and `argvlen` point to `argc` entries each, and every
/// `argv[i]` to `argvlen[i]` readable bytes (NULL allowed for a length of 0); `out` is a
/// valid place for a pointer.
#[no_mangle]
pub unsafe extern "C" fn fc_command(
    cache: *mut fc_cache,
    argc: usize,
    argv: *const *const u8,
    argvlen: *const usize,
    out: *mut *mut fc_reply,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract each pointer is NULL or valid for its use.
        let cache = unsafe { get(cache, "cache")? };
        // SAFETY: as above.
        unsafe {
            run(argc, argv, argvlen, out, |args| {
                cache.cache.execute_slices(args)
            })
        }
    })
}

/// The argv and reply handling that `fc_command` and `fc_client_command` share: checks
/// and borrows argv, runs `execute`, and stores the reply in `*out` (a near-cache fault
/// becomes the call's status).
///
/// # Safety
/// As `fc_command`'s contract for `argc`, `argv`, `argvlen` and `out`.
pub(crate) unsafe fn run(
    argc: usize,
    argv: *const *const u8,
    argvlen: *const usize,
    out: *mut *mut fc_reply,
    execute: impl FnOnce(&[&[u8]]) -> Reply,
) -> Result<(), Fail> {
    // SAFETY: by the caller's contract `out` is NULL or valid for a write.
    let out = unsafe { out_required(out, "out")? };
    if argc == 0 {
        return Err(Fail::invalid(
            "argc is 0: a command needs at least its name",
        ));
    }
    if argv.is_null() || argvlen.is_null() {
        return Err(Fail::null(if argv.is_null() { "argv" } else { "argvlen" }));
    }
    // SAFETY: `argv` and `argvlen` hold `argc` entries each, by contract.
    let (ptrs, lens) = unsafe {
        (
            std::slice::from_raw_parts(argv, argc),
            std::slice::from_raw_parts(argvlen, argc),
        )
    };
    let args = ptrs
        .iter()
        .zip(lens)
        .enumerate()
        // SAFETY: each `argv[i]` holds `argvlen[i]` bytes, by contract.
        .map(|(i, (&p, &n))| unsafe { bytes(p, n, &format!("argv[{i}]")) })
        .collect::<Result<Vec<&[u8]>, Fail>>()?;
    let reply = execute(&args);
    // Near-cache mode: a server that could not answer is the call's failure, not a
    // command's error reply (as hiredis reports I/O errors on its context).
    if let Reply::Error(text) = &reply {
        for fault in [
            Error::RemoteUnavailable(String::new()),
            Error::RemoteTimeout(String::new()),
        ] {
            if text.starts_with(&fault.to_string()) {
                return Err(Fail(Fail::from(fault).0, text.clone()));
            }
        }
    }
    *out = to_c(&reply);
    Ok(())
}
