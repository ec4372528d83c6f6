//! GET, the hottest call, against raw Node-API.
//!
//! napi-rs's generated callbacks cost several hundred nanoseconds per call here (argument
//! scopes, borrow tracking, a heap `String` for the key and another for the value). This
//! one callback does the minimum: it reads the slot and the key (into a stack buffer when
//! short), and makes the JS string straight from the stored bytes while the shard's read
//! lock is held, so nothing is allocated on the Rust side.

use std::ffi::CString;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use napi::bindgen_prelude::Object;
use napi::{sys, Env, JsValue, Result};
use napi_derive::napi;

/// Keys up to this many bytes are read without allocating.
const KEY_INLINE: usize = 256;

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

/// `rawGet(slot, key)`: the value as a string, or null.
///
/// # Safety
/// Called by Node-API only, with a live `env` and `info` for this call.
unsafe extern "C" fn raw_get(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let body = || -> std::result::Result<sys::napi_value, String> {
        let mut argc = 2usize;
        let mut argv = [ptr::null_mut(); 2];
        let mut slot = 0u32;
        let mut key_buf = [0u8; KEY_INLINE];
        let mut len = 0usize;
        // SAFETY: `env` and `info` are the live ones of this call; the out-pointers are
        // valid locals sized as the calls require (argv holds `argc` = 2 values, the key
        // buffer KEY_INLINE bytes).
        unsafe {
            if sys::napi_get_cb_info(
                env,
                info,
                &mut argc,
                argv.as_mut_ptr(),
                ptr::null_mut(),
                ptr::null_mut(),
            ) != sys::Status::napi_ok
                || argc < 2
            {
                return Err("rawGet(slot, key) takes two arguments".into());
            }
            if sys::napi_get_value_uint32(env, argv[0], &mut slot) != sys::Status::napi_ok {
                return Err("rawGet: the slot must be a number".into());
            }
            if sys::napi_get_value_string_utf8(
                env,
                argv[1],
                key_buf.as_mut_ptr().cast(),
                KEY_INLINE,
                &mut len,
            ) != sys::Status::napi_ok
            {
                return Err("rawGet: the key must be a string".into());
            }
        }
        let long_key;
        let key: &[u8] = if len + 1 < KEY_INLINE {
            &key_buf[..len]
        } else {
            // Possibly cut short: ask for the full length, then read it all.
            let mut full = 0usize;
            // SAFETY: as above; a NULL buffer asks for the length only, and the second
            // call gets a buffer of `full + 1` bytes.
            long_key = unsafe {
                sys::napi_get_value_string_utf8(env, argv[1], ptr::null_mut(), 0, &mut full);
                let mut v = vec![0u8; full + 1];
                sys::napi_get_value_string_utf8(
                    env,
                    argv[1],
                    v.as_mut_ptr().cast(),
                    full + 1,
                    &mut len,
                );
                v.truncate(len);
                v
            };
            &long_key
        };
        let mut out = ptr::null_mut();
        let found = crate::fast::with(slot, |c| {
            c.get_with(key, |v| {
                // SAFETY: `env` is live; `v` is valid for `v.len()` bytes while the read
                // lock is held, which covers this call; V8 copies them. ASCII is valid
                // Latin-1, which V8 copies without decoding.
                unsafe {
                    if v.is_ascii() {
                        sys::napi_create_string_latin1(
                            env,
                            v.as_ptr().cast(),
                            v.len() as isize,
                            &mut out,
                        )
                    } else {
                        sys::napi_create_string_utf8(
                            env,
                            v.as_ptr().cast(),
                            v.len() as isize,
                            &mut out,
                        )
                    }
                }
            })
            .map_err(crate::reply::engine_error)
        })
        .map_err(|e| e.reason.clone())?;
        match found {
            Some(sys::Status::napi_ok) => Ok(out),
            Some(_) => Err("rawGet: could not make the string".into()),
            None => {
                // SAFETY: `env` is live; `out` is a valid out-pointer.
                unsafe { sys::napi_get_null(env, &mut out) };
                Ok(out)
            }
        }
    };
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(v)) => v,
        // SAFETY: `env` is the live environment of this call.
        Ok(Err(msg)) => unsafe { throw(env, &msg) },
        // SAFETY: as above.
        Err(_) => unsafe { throw(env, "rawGet: internal error (panic caught)") },
    }
}

/// Adds `rawGet` to the module's exports.
#[napi(module_exports)]
pub fn init(exports: Object, env: Env) -> Result<()> {
    let mut f = ptr::null_mut();
    let name = c"rawGet";
    // SAFETY: `env` is the live environment of module initialisation; `raw_get` has the
    // callback signature Node-API expects; `f` and the name are valid.
    unsafe {
        napi::check_status!(sys::napi_create_function(
            env.raw(),
            name.as_ptr(),
            name.to_bytes().len() as isize,
            Some(raw_get),
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
