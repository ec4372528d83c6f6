//! Turning the caller's pointers into references and slices, with NULL and length checks.

use crate::status::Fail;

/// The bytes at `ptr..ptr+len`. NULL is accepted for an empty slice.
///
/// # Safety
/// Unless NULL, `ptr` must be valid for reads of `len` bytes for the call's duration.
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize, what: &str) -> Result<&'a [u8], Fail> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(Fail::null(what))
        };
    }
    if len > isize::MAX as usize {
        return Err(Fail::invalid(format!("{what}: length {len} is too large")));
    }
    // SAFETY: non-NULL, the length fits in isize, and the caller promises `len` readable
    // bytes that outlive the call (the function's contract).
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// The value behind a handle or input pointer.
///
/// # Safety
/// Unless NULL, `ptr` must point to a live `T` for the call's duration.
pub(crate) unsafe fn get<'a, T>(ptr: *const T, what: &str) -> Result<&'a T, Fail> {
    // SAFETY: the caller promises a live `T` when non-NULL.
    unsafe { ptr.as_ref() }.ok_or_else(|| Fail::null(what))
}

/// An optional out-parameter.
///
/// # Safety
/// Unless NULL, `ptr` must be valid for writes of `T` for the call's duration.
pub(crate) unsafe fn out<'a, T>(ptr: *mut T) -> Option<&'a mut T> {
    // SAFETY: the caller promises a writable `T` when non-NULL.
    unsafe { ptr.as_mut() }
}

/// A required out-parameter: NULL is `FC_NULL_ARGUMENT`, before any work is done.
///
/// # Safety
/// Unless NULL, `ptr` must be valid for writes of `T` for the call's duration.
pub(crate) unsafe fn out_required<'a, T>(ptr: *mut T, what: &str) -> Result<&'a mut T, Fail> {
    // SAFETY: the caller promises a writable `T` when non-NULL.
    unsafe { ptr.as_mut() }.ok_or_else(|| Fail::null(what))
}
