//! The native addon of the `ferricache` npm package (napi-rs).
//!
//! A thin translation layer: JavaScript strings and Buffers become bytes, commands run
//! through the core's typed API or its dispatcher, replies become JavaScript values.
//! node-redis's method surface (camelCase names, option objects, reply shapes) is built in
//! JavaScript on top of this (`commands.js`, `client.js`). Blocking pops and pub/sub never
//! park a libuv thread: the engine calls back through a thread-safe function when an
//! element or message is there, and JavaScript collects it.

#![deny(clippy::all)]

mod cache;
mod client;
pub mod fast;
mod near;
mod patterns;
pub mod raw;
mod reply;
mod subscriber;
mod waiter;

pub use cache::NativeCache;
pub use subscriber::NativeSubscriber;
pub use waiter::NativeWaiter;
