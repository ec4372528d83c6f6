//! Reading past what the engine does not hold, for a lenient load
//! ([`crate::CacheBuilder::snapshot_lenient`]): streams, module values and module data,
//! and function libraries, following Redis 7.4's `rdbLoadObject` and `rdbLoadRio` field
//! by field, so the records after them load as usual.

use super::{bad, Reader};
use crate::error::Result;

pub(crate) const TYPE_MODULE_2: u8 = 7;
pub(crate) const TYPE_STREAM_LISTPACKS: u8 = 15;
pub(crate) const TYPE_STREAM_LISTPACKS_2: u8 = 19;
pub(crate) const TYPE_STREAM_LISTPACKS_3: u8 = 21;

/// A stream of RDB type `t` (15, 19 or 21): its listpacks, metadata and consumer groups.
pub(crate) fn stream(t: u8, r: &mut Reader) -> Result<()> {
    for _ in 0..r.count()? {
        r.string_ref()?; // the master ID
        r.string_ref()?; // the listpack
    }
    // Length and last ID; then first ID, max deleted ID and entries added since 7.0.
    let fields = if t >= TYPE_STREAM_LISTPACKS_2 { 8 } else { 3 };
    for _ in 0..fields {
        r.len()?;
    }
    for _ in 0..r.count()? {
        r.string_ref()?; // the group's name
        r.len()?; // its last-delivered ID
        r.len()?;
        if t >= TYPE_STREAM_LISTPACKS_2 {
            r.len()?; // entries read
        }
        for _ in 0..r.count()? {
            r.take(16 + 8)?; // a pending entry's raw ID and delivery time
            r.len()?; // its delivery count
        }
        for _ in 0..r.count()? {
            r.string_ref()?; // the consumer's name
            r.take(8)?; // seen time
            if t >= TYPE_STREAM_LISTPACKS_3 {
                r.take(8)?; // active time
            }
            for _ in 0..r.count()? {
                r.take(16)?; // a pending entry's raw ID
            }
        }
    }
    Ok(())
}

/// A module value (RDB type 7, whose fields are annotated): the module ID, then fields
/// up to the end marker.
pub(crate) fn module_value(r: &mut Reader) -> Result<()> {
    r.len()?;
    module_fields(r)
}

/// A module's auxiliary data (opcode 0xF7): the module ID, when it loads, then fields.
pub(crate) fn module_aux(r: &mut Reader) -> Result<()> {
    r.len()?;
    if r.len()? != OPCODE_UINT {
        return Err(bad("module data: bad when opcode"));
    }
    r.len()?;
    module_fields(r)
}

const OPCODE_EOF: u64 = 0;
const OPCODE_SINT: u64 = 1;
const OPCODE_UINT: u64 = 2;
const OPCODE_FLOAT: u64 = 3;
const OPCODE_DOUBLE: u64 = 4;
const OPCODE_STRING: u64 = 5;

fn module_fields(r: &mut Reader) -> Result<()> {
    loop {
        match r.len()? {
            OPCODE_EOF => return Ok(()),
            OPCODE_SINT | OPCODE_UINT => {
                r.len()?;
            }
            OPCODE_FLOAT => {
                r.take(4)?;
            }
            OPCODE_DOUBLE => {
                r.take(8)?;
            }
            OPCODE_STRING => {
                r.string_ref()?;
            }
            _ => return Err(bad("module data: unknown field opcode")),
        }
    }
}

/// A function library: opcode 0xF5 (Redis 7.0 GA and later) holds its code as one
/// string; 0xF6 (7.0's release candidates) its name, engine, optional description and
/// code.
pub(crate) fn function(op: u8, r: &mut Reader) -> Result<()> {
    if op == 0xF6 {
        r.string_ref()?;
        r.string_ref()?;
        if r.len()? != 0 {
            r.string_ref()?;
        }
    }
    r.string_ref()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::file::{read, Sink};
    use super::super::{put_len, put_string, CRC64};
    use super::*;
    use crate::value::Value;

    #[derive(Default)]
    struct Keys(Vec<Vec<u8>>);
    impl Sink for Keys {
        fn key(&mut self, _db: u8, key: &[u8], _value: Value, _expire_at: u64) {
            self.0.push(key.to_vec());
        }
    }

    fn module_fields(out: &mut Vec<u8>) {
        put_len(out, OPCODE_UINT);
        put_len(out, 7);
        put_len(out, OPCODE_STRING);
        put_string(out, b"module state");
        put_len(out, OPCODE_DOUBLE);
        out.extend_from_slice(&1.5f64.to_le_bytes());
        put_len(out, OPCODE_FLOAT);
        out.extend_from_slice(&2.5f32.to_le_bytes());
        put_len(out, OPCODE_SINT);
        put_len(out, 3);
        put_len(out, OPCODE_EOF);
    }

    /// A stream of type `t` with one listpack and, if `groups`, a group holding a pending
    /// entry and a consumer.
    fn stream(out: &mut Vec<u8>, t: u8, key: &[u8], groups: bool) {
        out.push(t);
        put_string(out, key);
        put_len(out, 1);
        put_string(out, &[0u8; 16]);
        put_string(out, b"not parsed: a listpack's bytes");
        for _ in 0..if t >= TYPE_STREAM_LISTPACKS_2 { 8 } else { 3 } {
            put_len(out, 1);
        }
        put_len(out, u64::from(groups));
        if groups {
            put_string(out, b"group");
            put_len(out, 1);
            put_len(out, 0);
            if t >= TYPE_STREAM_LISTPACKS_2 {
                put_len(out, 1);
            }
            put_len(out, 1);
            out.extend_from_slice(&[1u8; 16]);
            out.extend_from_slice(&1000u64.to_le_bytes());
            put_len(out, 1);
            put_len(out, 1);
            put_string(out, b"consumer");
            out.extend_from_slice(&1000u64.to_le_bytes());
            if t >= TYPE_STREAM_LISTPACKS_3 {
                out.extend_from_slice(&1000u64.to_le_bytes());
            }
            put_len(out, 1);
            out.extend_from_slice(&[1u8; 16]);
        }
    }

    /// Module data and values (which need a module to make with a real server) and the
    /// stream encodings of Redis 5 and 7.2 (the test beside redis-server 7.0 covers its
    /// own): each is read past, and the keys after them load.
    #[test]
    fn a_lenient_read_passes_modules_and_every_stream_encoding() {
        let mut f = b"REDIS0011".to_vec();
        f.push(0xF7);
        put_len(&mut f, 12345);
        put_len(&mut f, OPCODE_UINT);
        put_len(&mut f, 2);
        module_fields(&mut f);
        f.push(0xFE);
        put_len(&mut f, 0);
        f.push(TYPE_MODULE_2);
        put_string(&mut f, b"module key");
        put_len(&mut f, 12345);
        module_fields(&mut f);
        stream(&mut f, TYPE_STREAM_LISTPACKS, b"s15", true);
        stream(&mut f, TYPE_STREAM_LISTPACKS_2, b"s19", false);
        stream(&mut f, TYPE_STREAM_LISTPACKS_3, b"s21", true);
        f.push(0);
        put_string(&mut f, b"after");
        put_string(&mut f, b"ok");
        f.push(0xFF);
        let crc = CRC64.checksum(&f);
        f.extend_from_slice(&crc.to_le_bytes());

        let mut keys = Keys::default();
        let skipped = read(&f, 0, 16, true, &mut keys).unwrap();
        assert_eq!(keys.0, [b"after".to_vec()]);
        assert_eq!(
            (skipped.streams, skipped.modules, skipped.functions),
            (3, 2, 0)
        );
        let strict = read(&f, 0, 16, false, &mut Keys::default());
        assert!(strict.unwrap_err().to_string().contains("module data"));
    }
}
