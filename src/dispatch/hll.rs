//! HyperLogLog commands.

use super::args::Args;
use super::reply::{bool_int, int as integer, Reply};
use crate::error::Result;
use crate::Cache;

pub(super) fn pfadd(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bool_int(c.pfadd(a[0], &a[1..])?))
}

pub(super) fn pfcount(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.pfcount(a)?))
}

pub(super) fn pfmerge(c: &Cache, a: Args) -> Result<Reply> {
    c.pfmerge(a[0], &a[1..]).map(|_| Reply::OK)
}
