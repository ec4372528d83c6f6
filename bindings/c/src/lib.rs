//! The C ABI of ferricache, in the conventions of rustls-ffi:
//!
//! - opaque handles with `_new` / `_free` pairs; every `_free` accepts NULL;
//! - every fallible function returns an [`fc_status`] (`FC_OK` is 0; the numbers are stable)
//!   and writes its results through out-parameters, only on success;
//! - after a failure, [`fc_last_error`] gives a message for the calling thread;
//! - no panic crosses the boundary: each entry point catches them and returns `FC_PANIC`;
//! - one `fc_cache` may be used from many threads at once.
//!
//! The header `include/ferricache.h` is generated from this crate by cbindgen
//! (`scripts/build-c.sh`). The Rust core knows nothing of C: this crate only translates.
#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]

mod cache;
mod client;
mod command;
mod ptr;
mod pubsub;
mod reply;
mod status;
mod typed;

pub use cache::{fc_cache, fc_cache_free, fc_cache_new, fc_options};
pub use client::{fc_client, fc_client_command, fc_client_free, fc_client_new};
pub use command::fc_command;
pub use pubsub::{
    fc_message, fc_message_cb, fc_message_free, fc_psubscribe, fc_publish, fc_punsubscribe,
    fc_subscribe, fc_subscriber, fc_subscriber_free, fc_subscriber_new, fc_subscriber_poll,
    fc_subscriber_set_callback, fc_unsubscribe,
};
pub use reply::{fc_reply, fc_reply_free, fc_reply_type};
pub use status::{fc_last_error, fc_status, fc_status_str};
pub use typed::{
    fc_bytes_free, fc_del, fc_exists, fc_expire, fc_get, fc_get_owned, fc_incr, fc_set, fc_ttl,
    fc_zadd, fc_zrevrank, fc_zscore, FC_SET_KEEPTTL, FC_SET_NX, FC_SET_XX,
};
