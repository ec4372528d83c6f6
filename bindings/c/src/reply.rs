//! `fc_reply`: a command's reply as a tree of plain structs, modelled on hiredis's
//! `redisReply`.

use std::ffi::c_char;
use std::ptr;

use ferricache::Reply;

/// The type of an `fc_reply`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum fc_reply_type {
    /// No value (a missing key, a timed-out blocking pop).
    FC_REPLY_NIL = 0,
    /// `integer` holds the value.
    FC_REPLY_INTEGER = 1,
    /// `dval` holds the value and `str` / `len` its text as Redis formats scores.
    FC_REPLY_DOUBLE = 2,
    /// A binary-safe string in `str` / `len`.
    FC_REPLY_STRING = 3,
    /// A status such as "OK" in `str` / `len`.
    FC_REPLY_STATUS = 4,
    /// An error with Redis's text in `str` / `len` ("WRONGTYPE ...", "ERR ...").
    FC_REPLY_ERROR = 5,
    /// `elements` replies in `element`.
    FC_REPLY_ARRAY = 6,
}

pub use fc_reply_type::*;

/// A reply. Every field not used by `type` is zero or NULL. `str` is NUL-terminated for
/// convenience, but binary-safe: use `len`. The whole tree belongs to the caller and is
/// released by `fc_reply_free` on the root.
#[repr(C)]
#[derive(Debug)]
pub struct fc_reply {
    /// One of `FC_REPLY_*`.
    pub r#type: fc_reply_type,
    /// The value of an integer reply.
    pub integer: i64,
    /// The value of a double reply.
    pub dval: f64,
    /// Length of `str` in bytes, without the terminating NUL.
    pub len: usize,
    /// The bytes of a string, status, error or double reply; NULL otherwise.
    pub str: *mut c_char,
    /// Number of replies in `element`.
    pub elements: usize,
    /// The replies of an array; NULL otherwise.
    pub element: *mut *mut fc_reply,
}

fn text(bytes: &[u8]) -> (*mut c_char, usize) {
    let mut buf = Vec::with_capacity(bytes.len() + 1);
    buf.extend_from_slice(bytes);
    buf.push(0);
    let len = bytes.len();
    (Box::into_raw(buf.into_boxed_slice()).cast::<c_char>(), len)
}

/// Builds the C tree of a reply; the caller owns it (see `free_tree`).
pub(crate) fn to_c(reply: &Reply) -> *mut fc_reply {
    let mut node = fc_reply {
        r#type: FC_REPLY_NIL,
        integer: 0,
        dval: 0.0,
        len: 0,
        str: ptr::null_mut(),
        elements: 0,
        element: ptr::null_mut(),
    };
    let with_text = |node: &mut fc_reply, t: fc_reply_type, bytes: &[u8]| {
        node.r#type = t;
        (node.str, node.len) = text(bytes);
    };
    match reply {
        Reply::Integer(i) => {
            node.r#type = FC_REPLY_INTEGER;
            node.integer = *i;
        }
        Reply::Double(d) => {
            with_text(
                &mut node,
                FC_REPLY_DOUBLE,
                &reply.to_bytes().unwrap_or_default(),
            );
            node.dval = *d;
        }
        Reply::Bulk(b) => with_text(&mut node, FC_REPLY_STRING, b),
        Reply::Status(s) => with_text(&mut node, FC_REPLY_STATUS, s.as_bytes()),
        Reply::Error(e) => with_text(&mut node, FC_REPLY_ERROR, e.as_bytes()),
        Reply::Array(items) => {
            node.r#type = FC_REPLY_ARRAY;
            let children: Box<[*mut fc_reply]> = items.iter().map(to_c).collect();
            node.elements = children.len();
            node.element = Box::into_raw(children).cast::<*mut fc_reply>();
        }
        // Nil, and any reply type a later core adds before this layer learns it.
        _ => {}
    }
    Box::into_raw(Box::new(node))
}

/// Frees a tree made by `to_c`.
///
/// # Safety
/// `reply` is NULL or the root of a tree from `to_c` not yet freed.
unsafe fn free_tree(reply: *mut fc_reply) {
    if reply.is_null() {
        return;
    }
    // SAFETY: allocated by `to_c` as a Box, freed once.
    let node = unsafe { Box::from_raw(reply) };
    if !node.str.is_null() {
        let bytes = ptr::slice_from_raw_parts_mut(node.str.cast::<u8>(), node.len + 1);
        // SAFETY: `text` allocated `len + 1` bytes as a boxed slice.
        drop(unsafe { Box::from_raw(bytes) });
    }
    if !node.element.is_null() {
        let children = ptr::slice_from_raw_parts_mut(node.element, node.elements);
        // SAFETY: `to_c` allocated `elements` child pointers as a boxed slice.
        let children = unsafe { Box::from_raw(children) };
        for &child in children.iter() {
            // SAFETY: each child is a tree from `to_c`, owned by this node.
            unsafe { free_tree(child) };
        }
    }
}

/// Releases a reply and everything in it; NULL is ignored. Pass only the root.
///
/// # Safety
/// `reply` is NULL or a root reply from `fc_command`, not yet freed, whose fields the
/// caller has not changed.
#[no_mangle]
pub unsafe extern "C" fn fc_reply_free(reply: *mut fc_reply) {
    // Freeing allocates nothing and cannot panic.
    // SAFETY: forwarded contract.
    unsafe { free_tree(reply) }
}
