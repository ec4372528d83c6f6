//! HyperLogLog: PFADD, PFCOUNT and PFMERGE over string values in Redis's format (see
//! [`crate::types::hll`]), so counts and bytes are Redis's.

use bytes::Bytes;

use super::strings::grow_of;
use crate::error::{Error, Result};
use crate::notify;
use crate::store::Tx;
use crate::types::hll;
use crate::value::Value;
use crate::Cache;

/// The HyperLogLog at `i` as bytes, or the error Redis gives for another value.
fn checked<'a>(tx: &'a Tx, i: u32) -> Result<&'a [u8]> {
    let s = tx.entry(i).value().as_str()?;
    if hll::is_valid(s) {
        Ok(s)
    } else {
        Err(Error::NotHyperLogLog)
    }
}

fn corrupt(_: hll::Corrupt) -> Error {
    Error::CorruptHyperLogLog
}

/// Changes the HyperLogLog string `value` in place through `f` (no copy when the bytes are
/// not shared).
fn edit<R>(value: &mut Value, f: impl FnOnce(&mut Vec<u8>) -> R) -> Result<R> {
    let mut v = Vec::from(std::mem::take(value.as_str_mut()?));
    let r = f(&mut v);
    *value = Value::string(Bytes::from(v));
    Ok(r)
}

impl Cache {
    /// PFADD: adds the elements to the HyperLogLog at `key` (creating it); true if its
    /// estimate may have changed (or the key was created).
    ///
    /// ```
    /// let cache = ferricache::Cache::new();
    /// assert!(cache.pfadd("visitors", &["ada", "grace", "ada"]).unwrap());
    /// assert!(!cache.pfadd("visitors", &["grace"]).unwrap());
    /// assert_eq!(cache.pfcount(&["visitors"]).unwrap(), 2);
    /// ```
    pub fn pfadd<E: AsRef<[u8]>>(&self, key: impl AsRef<[u8]>, elements: &[E]) -> Result<bool> {
        near!(@argv self, "PFADD" .arg(key.as_ref()) .args(elements.iter().map(AsRef::as_ref)));
        let key = key.as_ref();
        let grow = grow_of(key, hll::DENSE_SIZE);
        self.ks().write(key, grow, |tx| {
            let updated = match tx.find(key) {
                Some(i) => {
                    checked(tx, i)?;
                    tx.update(i, |value| {
                        edit(value, |v| {
                            let mut updated = false;
                            for el in elements {
                                updated |= hll::add(v, el.as_ref()).map_err(corrupt)?;
                            }
                            if updated {
                                hll::changed(v);
                            }
                            Ok::<_, Error>(updated)
                        })?
                    })?
                }
                None => {
                    let mut v = hll::new_empty();
                    for el in elements {
                        hll::add(&mut v, el.as_ref()).map_err(corrupt)?;
                    }
                    hll::changed(&mut v);
                    let deadline = self.default_deadline(tx);
                    tx.insert(key, Value::string(Bytes::from(v)), deadline);
                    true
                }
            };
            if updated {
                tx.notify(notify::STRING, "pfadd", key);
            }
            Ok(updated)
        })
    }

    /// PFCOUNT: the estimated number of distinct elements added to the HyperLogLog at
    /// `keys[0]`, or to the union of several (missing keys count as empty). One key's
    /// estimate is cached in its value, as Redis caches it.
    pub fn pfcount<K: AsRef<[u8]>>(&self, keys: &[K]) -> Result<u64> {
        near!(@argv self, "PFCOUNT" .args(keys.iter().map(AsRef::as_ref)));
        if let [key] = keys {
            let key = key.as_ref();
            return self.ks().write(key, 0, |tx| {
                let Some(i) = tx.find(key) else { return Ok(0) };
                let v = checked(tx, i)?;
                if let Some(card) = hll::cached(v) {
                    return Ok(card);
                }
                let mut registers = [0; 1 << 14];
                hll::merge_into(&mut registers, v).map_err(corrupt)?;
                let card = hll::count(&registers);
                tx.update(i, |value| {
                    let _ = edit(value, |v| hll::set_cache(v, card));
                });
                Ok(card)
            });
        }
        let all: Vec<&[u8]> = keys.iter().map(AsRef::as_ref).collect();
        self.ks().write_many(&all, 0, |m| {
            let mut registers = [0; 1 << 14];
            for (k, key) in all.iter().enumerate() {
                let mut tx = m.key(k);
                if let Some(i) = tx.find(key) {
                    hll::merge_into(&mut registers, checked(&tx, i)?).map_err(corrupt)?;
                }
            }
            Ok(hll::count(&registers))
        })
    }

    /// PFMERGE: makes the HyperLogLog at `dest` (created if missing) the union of itself
    /// and the ones at `sources`.
    ///
    /// ```
    /// let cache = ferricache::Cache::new();
    /// cache.pfadd("mon", &["ada", "grace"]).unwrap();
    /// cache.pfadd("tue", &["grace", "linus"]).unwrap();
    /// cache.pfmerge("week", &["mon", "tue"]).unwrap();
    /// assert_eq!(cache.pfcount(&["week"]).unwrap(), 3);
    /// ```
    pub fn pfmerge<K: AsRef<[u8]>>(&self, dest: impl AsRef<[u8]>, sources: &[K]) -> Result<()> {
        near!(@argv self, "PFMERGE" .arg(dest.as_ref()) .args(sources.iter().map(AsRef::as_ref)));
        let dest = dest.as_ref();
        let mut all: Vec<&[u8]> = vec![dest];
        all.extend(sources.iter().map(AsRef::as_ref));
        let grow = grow_of(dest, hll::DENSE_SIZE);
        self.ks().write_many(&all, grow, |m| {
            // The destination is an input too, as in Redis; a dense input makes it dense.
            let (mut registers, mut dense) = ([0; 1 << 14], false);
            for (k, key) in all.iter().enumerate() {
                let mut tx = m.key(k);
                if let Some(i) = tx.find(key) {
                    let v = checked(&tx, i)?;
                    dense |= hll::is_dense(v);
                    hll::merge_into(&mut registers, v).map_err(corrupt)?;
                }
            }
            let mut tx = m.key(0);
            match tx.find(dest) {
                Some(i) => tx.update(i, |value| {
                    edit(value, |v| hll::write_registers(v, &registers, dense))?.map_err(corrupt)
                })?,
                None => {
                    let mut v = hll::new_empty();
                    hll::write_registers(&mut v, &registers, dense).map_err(corrupt)?;
                    let deadline = self.default_deadline(&tx);
                    tx.insert(dest, Value::string(Bytes::from(v)), deadline);
                }
            }
            tx.notify(notify::STRING, "pfadd", dest);
            Ok(())
        })
    }
}
