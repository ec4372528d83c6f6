//! Status codes, the thread-local error message, and the guard every entry point runs in.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use ferricache::Error;

/// The result of every fallible function. `FC_OK` is 0; the numbers are stable and never
/// reused. On any other value the out-parameters are untouched (except where a function
/// documents otherwise) and `fc_last_error()` holds a message.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum fc_status {
    /// Success.
    FC_OK = 0,
    /// A required pointer argument was NULL.
    FC_NULL_ARGUMENT = 1,
    /// An argument is out of range or malformed (a negative TTL, an unknown option, text
    /// that is not UTF-8 where text is required, a NaN score).
    FC_INVALID_ARGUMENT = 2,
    /// The cache is at `max_memory` and its policy can evict nothing (Redis's OOM).
    FC_OUT_OF_MEMORY = 3,
    /// The key holds a value of another type (Redis's WRONGTYPE).
    FC_WRONG_TYPE = 4,
    /// The key, member or message was not there.
    FC_NOT_FOUND = 5,
    /// The caller's buffer is too small; the length needed was reported.
    FC_BUFFER_TOO_SMALL = 6,
    /// A panic inside ferricache was caught at the boundary; the call had no effect that
    /// can be relied on, but the cache stays usable.
    FC_PANIC = 7,
    /// The value is not an integer or the operation would overflow (INCR).
    FC_NOT_INTEGER = 8,
    /// A subscriber fell behind its queue limit and was disconnected.
    FC_DISCONNECTED = 9,
    /// Any other command error; `fc_last_error()` has Redis's text.
    FC_COMMAND_ERROR = 10,
    /// Near-cache mode: the server could not be reached (or the connection broke); the
    /// command may not have run. Nothing stale was served.
    FC_REMOTE_UNAVAILABLE = 11,
    /// Near-cache mode: the server did not answer within the command timeout; the
    /// command may or may not have run.
    FC_REMOTE_TIMEOUT = 12,
}

pub use fc_status::*;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

pub(crate) fn set_last_error(msg: &str) {
    let msg = CString::new(msg.replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = msg);
}

/// The message of the last failing call on this thread (an empty string if none failed).
/// The pointer stays valid until the next failing call on the same thread; copy it to keep
/// it.
#[no_mangle]
pub extern "C" fn fc_last_error() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// A fixed, static description of a status code (never NULL). It takes the code as an
/// integer, so any value is safe to pass.
#[no_mangle]
pub extern "C" fn fc_status_str(status: u32) -> *const c_char {
    let known = [
        FC_OK,
        FC_NULL_ARGUMENT,
        FC_INVALID_ARGUMENT,
        FC_OUT_OF_MEMORY,
        FC_WRONG_TYPE,
        FC_NOT_FOUND,
        FC_BUFFER_TOO_SMALL,
        FC_PANIC,
        FC_NOT_INTEGER,
        FC_DISCONNECTED,
        FC_COMMAND_ERROR,
        FC_REMOTE_UNAVAILABLE,
        FC_REMOTE_TIMEOUT,
    ];
    let s: &'static [u8] = match known.into_iter().find(|s| *s as u32 == status) {
        Some(FC_OK) => b"ok\0",
        Some(FC_NULL_ARGUMENT) => b"a required argument is NULL\0",
        Some(FC_INVALID_ARGUMENT) => b"invalid argument\0",
        Some(FC_OUT_OF_MEMORY) => b"out of memory\0",
        Some(FC_WRONG_TYPE) => b"wrong type\0",
        Some(FC_NOT_FOUND) => b"not found\0",
        Some(FC_BUFFER_TOO_SMALL) => b"buffer too small\0",
        Some(FC_PANIC) => b"internal error (panic caught)\0",
        Some(FC_NOT_INTEGER) => b"not an integer or out of range\0",
        Some(FC_DISCONNECTED) => b"subscriber disconnected\0",
        Some(FC_COMMAND_ERROR) => b"command error\0",
        Some(FC_REMOTE_UNAVAILABLE) => b"remote server unavailable\0",
        Some(FC_REMOTE_TIMEOUT) => b"remote server timed out\0",
        None => b"unknown status\0",
    };
    s.as_ptr().cast()
}

/// A failure: its status and message.
pub(crate) struct Fail(pub fc_status, pub String);

impl Fail {
    pub fn null(what: &str) -> Fail {
        Fail(FC_NULL_ARGUMENT, format!("{what} is NULL"))
    }
    pub fn invalid(msg: impl Into<String>) -> Fail {
        Fail(FC_INVALID_ARGUMENT, msg.into())
    }
}

impl From<Error> for Fail {
    fn from(e: Error) -> Fail {
        let status = match e {
            Error::WrongType => FC_WRONG_TYPE,
            Error::NotInteger | Error::Overflow => FC_NOT_INTEGER,
            Error::OutOfMemory => FC_OUT_OF_MEMORY,
            Error::NoSuchKey => FC_NOT_FOUND,
            Error::Disconnected => FC_DISCONNECTED,
            Error::RemoteUnavailable(_) => FC_REMOTE_UNAVAILABLE,
            Error::RemoteTimeout(_) => FC_REMOTE_TIMEOUT,
            Error::NotFloat
            | Error::InvalidExpireTime(_)
            | Error::Syntax
            | Error::StringTooLong
            | Error::OffsetOutOfRange
            | Error::InvalidConfig(_) => FC_INVALID_ARGUMENT,
            _ => FC_COMMAND_ERROR,
        };
        Fail(status, e.to_string())
    }
}

/// Runs an entry point's body: a failure or a caught panic becomes its status, with the
/// message kept for `fc_last_error()`.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Fail>) -> fc_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => FC_OK,
        Ok(Err(Fail(status, msg))) => {
            set_last_error(&msg);
            status
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            set_last_error(&format!("panic inside ferricache: {what}"));
            FC_PANIC
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn last_error() -> String {
        // SAFETY: `fc_last_error` returns a NUL-terminated string owned by this thread.
        unsafe { CStr::from_ptr(fc_last_error()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn a_panic_becomes_a_status_with_its_message() {
        let status = guard(|| panic!("boom"));
        assert_eq!(status, FC_PANIC);
        assert!(last_error().contains("boom"), "{}", last_error());
        // The boundary still works afterwards.
        assert_eq!(guard(|| Ok(())), FC_OK);
    }

    #[test]
    fn engine_errors_map_to_distinct_statuses() {
        for (e, s) in [
            (Error::WrongType, FC_WRONG_TYPE),
            (Error::NotInteger, FC_NOT_INTEGER),
            (Error::Overflow, FC_NOT_INTEGER),
            (Error::OutOfMemory, FC_OUT_OF_MEMORY),
            (Error::Syntax, FC_INVALID_ARGUMENT),
            (
                Error::RemoteUnavailable("refused".into()),
                FC_REMOTE_UNAVAILABLE,
            ),
            (Error::RemoteTimeout("2 s".into()), FC_REMOTE_TIMEOUT),
        ] {
            let text = e.to_string();
            assert_eq!(guard(|| Err(e.into())), s);
            assert_eq!(last_error(), text);
        }
    }

    #[test]
    fn every_status_has_a_description() {
        for code in 0..=12u32 {
            // SAFETY: `fc_status_str` returns a static NUL-terminated string.
            let s = unsafe { CStr::from_ptr(fc_status_str(code)) };
            assert_ne!(s.to_str().unwrap(), "unknown status", "code {code}");
        }
    }
}
