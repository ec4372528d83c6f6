//! Starting the redis-server the benchmarks compare against (the main binary's near-cache
//! run and the snapshot binary share it).

use std::path::Path;
use std::process::{Child, Command, Stdio};

/// redis-server on loopback `port`, working in `dir`, saving nothing on its own; `extra`
/// arguments follow.
pub fn spawn(port: u16, dir: &Path, extra: &[&str]) -> Child {
    Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir)
        .args(extra)
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server (Debian's package redis-server) on the PATH")
}
