//! GET and SET, the hottest calls, against raw Node-API.
//!
//! napi-rs's generated callbacks cost several hundred nanoseconds per call here (argument
//! scopes, borrow tracking, a heap `String` for the key and another for the value). These
//! callbacks do the minimum. `rawGetter(slot)` and `rawSetter(slot)` make JS functions that
//! carry their engine as the callback's data, so a call needs no slot lookup and no lock on
//! the slot table. Short ASCII keys are read through a stack buffer; GET copies a short
//! value out under the shard's read lock and makes the JS string after releasing it, so
//! nothing is allocated on the Rust side. `echo` is the same round trip without the engine,
//! for the benchmark.

use std::borrow::Cow;
use std::ffi::CString;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use ferricache::Cache;
use napi::bindgen_prelude::{FromNapiValue, Object, Unknown};
use napi::{sys, Env, JsValue, Result};
use napi_derive::napi;

/// ASCII keys shorter than this many characters are read without allocating.
const KEY_INLINE: usize = 128;
/// Values up to this many bytes are copied out under the lock and made into a string
/// after it is released: making a string writes to V8's young generation, and releasing
/// the lock (an atomic) would otherwise wait for those writes.
const VALUE_INLINE: usize = 512;

/// Throws a JS Error with `msg` and returns the value a throwing callback returns.
///
/// # Safety
/// `env` must be the live environment of the current callback.
unsafe fn throw(env: sys::napi_env, msg: &str) -> sys::napi_value {
    let msg = CString::new(msg.replace('\0', " ")).unwrap_or_default();
    // SAFETY: `env` is live (the caller's contract) and `msg` is NUL-terminated.
    unsafe { sys::napi_throw_error(env, ptr::null(), msg.as_ptr()) };
    ptr::null_mut()
}

/// Reads the JS string `value` as UTF-16 into `wide` (V8 copies without encoding): its
/// length if it fit and is ASCII, `Some(None)` if not, `None` if `value` is no string.
///
/// # Safety
/// `env` must be the live environment of the current callback and `value` one of its values.
unsafe fn short_ascii(
    env: sys::napi_env,
    value: sys::napi_value,
    wide: &mut [u16],
) -> Option<Option<usize>> {
    let mut len = 0usize;
    // SAFETY: `env` and `value` are live (the caller's contract); `wide` holds the units
    // passed.
    let read = unsafe {
        sys::napi_get_value_string_utf16(env, value, wide.as_mut_ptr(), wide.len(), &mut len)
    };
    if read != sys::Status::napi_ok {
        return None;
    }
    let ascii = len + 1 < wide.len() && wide[..len].iter().all(|&c| c < 0x80);
    Some(ascii.then_some(len))
}

/// The UTF-8 bytes of the JS string `value` in two calls: the length, then the bytes.
///
/// # Safety
/// `env` must be the live environment of the current callback and `value` a string of it.
unsafe fn utf8(env: sys::napi_env, value: sys::napi_value) -> Vec<u8> {
    let (mut full, mut len) = (0usize, 0usize);
    // SAFETY: `env` and `value` are live (the caller's contract); a NULL buffer asks for
    // the length only, and the second call gets a buffer of `full + 1` bytes.
    unsafe {
        sys::napi_get_value_string_utf8(env, value, ptr::null_mut(), 0, &mut full);
        let mut v = vec![0u8; full + 1];
        sys::napi_get_value_string_utf8(env, value, v.as_mut_ptr().cast(), full + 1, &mut len);
        v.truncate(len);
        v
    }
}

/// The UTF-8 bytes of the JS string `value`: into `buf` for a short ASCII string, else into
/// a new `Vec`.
///
/// # Safety
/// `env` must be the live environment of the current callback and `value` one of its values.
unsafe fn str_bytes<'b, const N: usize>(
    env: sys::napi_env,
    value: sys::napi_value,
    buf: &'b mut [u8; N],
) -> Option<Cow<'b, [u8]>> {
    let mut wide = [0u16; N];
    // SAFETY: the caller's contract.
    match unsafe { short_ascii(env, value, &mut wide)? } {
        Some(len) => {
            for (b, &c) in buf.iter_mut().zip(&wide[..len]) {
                *b = c as u8;
            }
            Some(Cow::Borrowed(&buf[..len]))
        }
        // SAFETY: the caller's contract; `value` is a string.
        None => Some(Cow::Owned(unsafe { utf8(env, value) })),
    }
}

/// Makes a JS string of `bytes` (Latin-1 when ASCII, which V8 copies without decoding).
///
/// # Safety
/// `env` must be the live environment of the current callback.
unsafe fn make_string(env: sys::napi_env, bytes: &[u8], out: &mut sys::napi_value) -> bool {
    let (p, n) = (bytes.as_ptr().cast(), bytes.len() as isize);
    // SAFETY: `env` is live (the caller's contract); `bytes` is valid for `n` bytes and
    // V8 copies them.
    let status = unsafe {
        if bytes.is_ascii() {
            sys::napi_create_string_latin1(env, p, n, out)
        } else {
            sys::napi_create_string_utf8(env, p, n, out)
        }
    };
    status == sys::Status::napi_ok
}

/// What a read of the value left: a copy on the stack, or the string itself.
enum Read {
    Copied(usize),
    Made(bool),
}

/// A getter's `key => value | null`.
///
/// # Safety
/// Called by Node-API only, with a live `env` and `info` for this call, on a function made
/// by [`raw_getter`], whose data is a `Box<Cache>` that lives as long as the function.
unsafe extern "C" fn raw_get(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: the caller's contract, passed on.
    unsafe { get(env, info, false) }
}

/// A local getter's `key => value | null | undefined`: `undefined` when the answer needs a
/// round trip to the server (near-cache mode), having done nothing.
///
/// # Safety
/// As [`raw_get`], on a function made by [`raw_local_getter`].
unsafe extern "C" fn raw_get_local(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: the caller's contract, passed on.
    unsafe { get(env, info, true) }
}

/// The getters' body; `local` forbids round trips.
///
/// # Safety
/// As [`raw_get`].
unsafe fn get(env: sys::napi_env, info: sys::napi_callback_info, local: bool) -> sys::napi_value {
    let body = || -> std::result::Result<sys::napi_value, String> {
        let mut argc = 1usize;
        let mut arg = ptr::null_mut();
        let mut data = ptr::null_mut();
        // SAFETY: `env` and `info` are the live ones of this call; `arg` holds `argc` = 1
        // value.
        let ok = unsafe {
            sys::napi_get_cb_info(env, info, &mut argc, &mut arg, ptr::null_mut(), &mut data)
        };
        if ok != sys::Status::napi_ok || argc < 1 {
            return Err("get(key) takes one argument".into());
        }
        let mut key_buf = [0u8; KEY_INLINE];
        // SAFETY: `env` is live and `arg` is this call's argument.
        let key =
            unsafe { str_bytes(env, arg, &mut key_buf) }.ok_or("get: the key must be a string")?;
        // SAFETY: the function's data is the `Box<Cache>` that `raw_getter` attached, freed
        // only by the function's finalizer, which cannot run while the function is being
        // called.
        let cache: &Cache = unsafe { &*data.cast::<Cache>() };
        let mut out = ptr::null_mut();
        let mut copy = [0u8; VALUE_INLINE];
        let read = |v: &[u8]| {
            if v.len() <= VALUE_INLINE {
                copy[..v.len()].copy_from_slice(v);
                Read::Copied(v.len())
            } else {
                // SAFETY: `env` is live; `v` is valid while the read lock is held, which
                // covers this call.
                Read::Made(unsafe { make_string(env, v, &mut out) })
            }
        };
        let read = match local {
            false => cache.get_with(&key, read),
            true => match cache.without_waiting(|| cache.get_with(&key, read)) {
                Err(ferricache::Error::WouldBlock) => {
                    // SAFETY: `env` is live; `out` is a valid out-pointer.
                    let ok = unsafe { sys::napi_get_undefined(env, &mut out) };
                    return (ok == sys::Status::napi_ok)
                        .then_some(out)
                        .ok_or_else(|| "get: could not make undefined".into());
                }
                other => other,
            },
        }
        .map_err(|e| crate::reply::engine_error(e).reason.clone())?;
        let made = match read {
            // SAFETY: `env` is live; `copy` holds the `n` bytes read.
            Some(Read::Copied(n)) => unsafe { make_string(env, &copy[..n], &mut out) },
            Some(Read::Made(made)) => made,
            // SAFETY: `env` is live; `out` is a valid out-pointer.
            None => unsafe { sys::napi_get_null(env, &mut out) == sys::Status::napi_ok },
        };
        if made {
            Ok(out)
        } else {
            Err("get: could not make the string".into())
        }
    };
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(v)) => v,
        // SAFETY: `env` is the live environment of this call.
        Ok(Err(msg)) => unsafe { throw(env, &msg) },
        // SAFETY: as above.
        Err(_) => unsafe { throw(env, "get: internal error (panic caught)") },
    }
}

/// A setter's `(key, value) => undefined`: SET without options.
///
/// # Safety
/// Called by Node-API only, with a live `env` and `info` for this call, on a function made
/// by [`raw_setter`], whose data is a `Box<Cache>` that lives as long as the function.
unsafe extern "C" fn raw_set(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let body = || -> std::result::Result<(), String> {
        let mut argc = 2usize;
        let mut args = [ptr::null_mut(); 2];
        let mut data = ptr::null_mut();
        // SAFETY: `env` and `info` are the live ones of this call; `args` holds `argc` = 2
        // values.
        let ok = unsafe {
            sys::napi_get_cb_info(
                env,
                info,
                &mut argc,
                args.as_mut_ptr(),
                ptr::null_mut(),
                &mut data,
            )
        };
        if ok != sys::Status::napi_ok || argc < 2 {
            return Err("set(key, value) takes two arguments".into());
        }
        let (mut key_buf, mut value_buf) = ([0u8; KEY_INLINE], [0u8; VALUE_INLINE]);
        // SAFETY: `env` is live and `args` are this call's arguments. A short value is
        // read onto the stack and copied into the entry from there (one of up to 22
        // bytes allocates nothing).
        let (key, value) = unsafe {
            let key =
                str_bytes(env, args[0], &mut key_buf).ok_or("set: the key must be a string")?;
            let value =
                str_bytes(env, args[1], &mut value_buf).ok_or("set: the value must be a string")?;
            (key, value)
        };
        // SAFETY: the function's data is the `Box<Cache>` that `raw_setter` attached, freed
        // only by the function's finalizer, which cannot run while the function is being
        // called.
        let cache: &Cache = unsafe { &*data.cast::<Cache>() };
        cache
            .set(&key[..], value)
            .map_err(|e| crate::reply::engine_error(e).reason.clone())
    };
    let mut undefined = ptr::null_mut();
    match catch_unwind(AssertUnwindSafe(body)) {
        // SAFETY: `env` is the live environment of this call.
        Ok(Ok(())) => unsafe {
            sys::napi_get_undefined(env, &mut undefined);
            undefined
        },
        // SAFETY: as above.
        Ok(Err(msg)) => unsafe { throw(env, &msg) },
        // SAFETY: as above.
        Err(_) => unsafe { throw(env, "set: internal error (panic caught)") },
    }
}

/// `echo(key)`: the key back as a new string, read and made as a getter reads keys and
/// makes values. It measures the Node-API round trip a getter cannot avoid (the benchmark
/// prints it beside `get`).
///
/// # Safety
/// Called by Node-API only, with a live `env` and `info` for this call.
unsafe extern "C" fn raw_echo(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    let mut argc = 1usize;
    let mut arg = ptr::null_mut();
    let mut out = ptr::null_mut();
    let mut key_buf = [0u8; KEY_INLINE];
    // SAFETY: `env` and `info` are the live ones of this call; `arg` holds `argc` = 1 value;
    // `env` is live for the string calls.
    unsafe {
        let ok = sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            &mut arg,
            ptr::null_mut(),
            ptr::null_mut(),
        );
        if ok != sys::Status::napi_ok || argc < 1 {
            return throw(env, "echo(key) takes one argument");
        }
        match str_bytes(env, arg, &mut key_buf) {
            Some(key) if make_string(env, &key, &mut out) => out,
            _ => throw(env, "echo: the key must be a string"),
        }
    }
}

/// Drops the engine handle of a collected getter.
///
/// # Safety
/// Called by Node-API once, when a function made by [`bound`] is collected; `data` is the
/// `Box<Cache>` it carried.
unsafe extern "C" fn drop_cache(
    _env: sys::napi_env,
    data: *mut std::ffi::c_void,
    _hint: *mut std::ffi::c_void,
) {
    // SAFETY: `data` came from `Box::into_raw` in `bound` and is freed only here.
    drop(unsafe { Box::from_raw(data.cast::<Cache>()) });
}

/// A JS function named `name` calling `callback` with a handle on the slot's engine as
/// its data, freed when the function is collected.
fn bound<'env>(
    env: &'env Env,
    slot: u32,
    name: &std::ffi::CStr,
    callback: unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value,
) -> Result<Unknown<'env>> {
    let cache = Box::into_raw(Box::new(crate::fast::with(slot, |c| Ok(c.clone()))?));
    let mut f = ptr::null_mut();
    // SAFETY: `env` is live; `callback` has the signature Node-API expects and reads its
    // data as the `Box<Cache>` passed here; the finalizer frees that box once, when the
    // function is collected. If either call fails the box is freed here instead.
    unsafe {
        let made = sys::napi_create_function(
            env.raw(),
            name.as_ptr(),
            name.to_bytes().len() as isize,
            Some(callback),
            cache.cast(),
            &mut f,
        );
        if made != sys::Status::napi_ok
            || sys::napi_add_finalizer(
                env.raw(),
                f,
                cache.cast(),
                Some(drop_cache),
                ptr::null_mut(),
                ptr::null_mut(),
            ) != sys::Status::napi_ok
        {
            drop(Box::from_raw(cache));
            return Err(napi::Error::from_reason("could not make a bound function"));
        }
        Unknown::from_napi_value(env.raw(), f)
    }
}

/// `rawGetter(slot)`: a function `key => value | null` bound to the slot's engine.
#[napi(ts_return_type = "(key: string) => string | null")]
pub fn raw_getter(env: &Env, slot: u32) -> Result<Unknown<'_>> {
    bound(env, slot, c"get", raw_get)
}

/// `rawLocalGetter(slot)`: a function `key => value | null | undefined` bound to the
/// slot's engine, `undefined` where near-cache mode would need the server (the async
/// client then sends the command on the thread pool). The function keeps its own handle
/// on the engine, so the slot may be released as soon as it is made.
#[napi(ts_return_type = "(key: string) => string | null | undefined")]
pub fn raw_local_getter(env: &Env, slot: u32) -> Result<Unknown<'_>> {
    bound(env, slot, c"get", raw_get_local)
}

/// `rawSetter(slot)`: a function `(key, value) => undefined` (SET without options, both
/// strings) bound to the slot's engine.
#[napi(ts_return_type = "(key: string, value: string) => void")]
pub fn raw_setter(env: &Env, slot: u32) -> Result<Unknown<'_>> {
    bound(env, slot, c"set", raw_set)
}

/// Adds `echo` to the module's exports.
#[napi(module_exports)]
pub fn init(exports: Object, env: Env) -> Result<()> {
    let mut f = ptr::null_mut();
    let name = c"echo";
    // SAFETY: `env` is the live environment of module initialisation; `raw_echo` has the
    // callback signature Node-API expects; `f` and the name are valid.
    unsafe {
        napi::check_status!(sys::napi_create_function(
            env.raw(),
            name.as_ptr(),
            name.to_bytes().len() as isize,
            Some(raw_echo),
            ptr::null_mut(),
            &mut f,
        ))?;
        napi::check_status!(sys::napi_set_named_property(
            env.raw(),
            exports.raw(),
            name.as_ptr(),
            f
        ))?;
    }
    Ok(())
}
