//! The one error type of the engine. Its `Display` text is Redis 7's reply text, so every
//! binding can hand it to users unchanged.

use std::fmt;
use std::sync::Arc;

/// A failed command. Messages match Redis 7's error replies byte for byte.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// The key holds a value of another type.
    WrongType,
    /// The value (or argument) is not a 64-bit signed integer.
    NotInteger,
    /// The value (or argument) is not a valid float.
    NotFloat,
    /// An INCR-family result would not fit in 64 bits.
    Overflow,
    /// An INCRBYFLOAT result would be NaN or infinite.
    NanOrInfinity,
    /// The key does not exist (RENAME of a missing key).
    NoSuchKey,
    /// A malformed option combination.
    Syntax,
    /// A TTL that is zero, negative or too large for the given command (`"set"`, `"expire"`, ...).
    InvalidExpireTime(&'static str),
    /// `maxmemory` is reached and the policy cannot (or may not) evict anything.
    OutOfMemory,
    /// A string would grow beyond the 512 MiB limit Redis enforces.
    StringTooLong,
    /// A SETRANGE offset outside `0..512 MiB`.
    OffsetOutOfRange,
    /// A SCAN cursor that was not issued by this engine.
    InvalidCursor,
    /// PFADD, PFCOUNT or PFMERGE on a string that is not a HyperLogLog.
    NotHyperLogLog,
    /// A HyperLogLog string whose registers do not add up (Redis's `INVALIDOBJ`).
    CorruptHyperLogLog,
    /// RESTORE without REPLACE onto a key that exists.
    BusyKey,
    /// Any other `ERR` reply; the text is Redis's (for example options that contradict each
    /// other, or `decrement would overflow`).
    Invalid(&'static str),
    /// An `ERR` reply whose text names the arguments (an unknown command or option, a wrong
    /// number of arguments), as the command dispatcher reports them.
    Command(String),
    /// A builder or CONFIG value that is not acceptable.
    InvalidConfig(String),
    /// A subscriber fell behind its queue limit and was disconnected, as Redis disconnects
    /// a client over its pub/sub output-buffer limit.
    Disconnected,
    /// The loader of [`Cache::get_or_set_with`](crate::Cache::get_or_set_with) failed;
    /// every waiter of the same flight receives the same error.
    Loader(Arc<dyn std::error::Error + Send + Sync>),
    /// Near-cache mode: the server cannot be reached (or its connection broke); the
    /// command was not run, or a write's outcome is unknown.
    RemoteUnavailable(String),
    /// Near-cache mode: the server did not answer within the command timeout; a write may
    /// or may not have been applied.
    RemoteTimeout(String),
    /// Near-cache mode: an error reply of the server that names no engine error; the text
    /// is the server's.
    Remote(String),
    /// Near-cache mode, inside [`Cache::without_waiting`](crate::Cache::without_waiting):
    /// the call needs the server, so it did nothing. Run it again where waiting is fine.
    WouldBlock,
}

impl Error {
    /// The error an error reply's text stands for (the inverse of `Display` for the
    /// variants without free text; others become [`Error::Remote`] with the text). Near-cache
    /// mode reads the server's errors with it, and bindings classify `execute`'s error
    /// replies with it.
    ///
    /// ```
    /// use ferricache::Error;
    ///
    /// let e = Error::from_reply_text("WRONGTYPE Operation against a key holding the wrong kind of value");
    /// assert!(matches!(e, Error::WrongType));
    /// ```
    pub fn from_reply_text(text: &str) -> Error {
        Error::from_reply(text.to_string())
    }

    pub(crate) fn from_reply(text: String) -> Error {
        let known = [
            Error::WrongType,
            Error::NotInteger,
            Error::NotFloat,
            Error::Overflow,
            Error::NanOrInfinity,
            Error::NoSuchKey,
            Error::Syntax,
            Error::OutOfMemory,
            Error::StringTooLong,
            Error::OffsetOutOfRange,
            Error::InvalidCursor,
            Error::NotHyperLogLog,
            Error::CorruptHyperLogLog,
            Error::BusyKey,
            Error::WouldBlock,
        ];
        // A fault of this process's own link, passed through a reply (`execute`).
        for (prefix, make) in [
            (
                "ERR remote server unavailable: ",
                Error::RemoteUnavailable as fn(String) -> Error,
            ),
            ("ERR remote server timed out: ", Error::RemoteTimeout),
        ] {
            if let Some(rest) = text.strip_prefix(prefix) {
                return make(rest.to_string());
            }
        }
        // An error raised inside a script carries where: "<error> script: <sha>, on ...".
        let core = text.split(" script: ").next().unwrap_or(&text);
        known
            .into_iter()
            .find(|e| e.to_string() == core)
            .unwrap_or(Error::Remote(text))
    }
}

/// Shorthand for results of cache commands.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::WrongType => {
                f.write_str("WRONGTYPE Operation against a key holding the wrong kind of value")
            }
            Error::NotInteger => f.write_str("ERR value is not an integer or out of range"),
            Error::NotFloat => f.write_str("ERR value is not a valid float"),
            Error::Overflow => f.write_str("ERR increment or decrement would overflow"),
            Error::NanOrInfinity => f.write_str("ERR increment would produce NaN or Infinity"),
            Error::NoSuchKey => f.write_str("ERR no such key"),
            Error::BusyKey => f.write_str("BUSYKEY Target key name already exists."),
            Error::Syntax => f.write_str("ERR syntax error"),
            Error::InvalidExpireTime(cmd) => {
                write!(f, "ERR invalid expire time in '{cmd}' command")
            }
            Error::OutOfMemory => {
                f.write_str("OOM command not allowed when used memory > 'maxmemory'.")
            }
            Error::StringTooLong => {
                f.write_str("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
            }
            Error::OffsetOutOfRange => f.write_str("ERR offset is out of range"),
            Error::InvalidCursor => f.write_str("ERR invalid cursor"),
            Error::NotHyperLogLog => {
                f.write_str("WRONGTYPE Key is not a valid HyperLogLog string value.")
            }
            Error::CorruptHyperLogLog => f.write_str("INVALIDOBJ Corrupted HLL object detected"),
            Error::Invalid(what) => write!(f, "ERR {what}"),
            Error::Command(msg) | Error::InvalidConfig(msg) => write!(f, "ERR {msg}"),
            Error::Disconnected => {
                f.write_str("ERR subscriber disconnected: its queue exceeded the pub/sub limit")
            }
            Error::Loader(e) => write!(f, "ERR loader failed: {e}"),
            Error::RemoteUnavailable(m) => write!(f, "ERR remote server unavailable: {m}"),
            Error::RemoteTimeout(m) => write!(f, "ERR remote server timed out: {m}"),
            Error::Remote(text) => f.write_str(text),
            Error::WouldBlock => f.write_str("WOULDBLOCK this call needs the server"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Loader(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_redis_reply_texts() {
        assert_eq!(
            Error::WrongType.to_string(),
            "WRONGTYPE Operation against a key holding the wrong kind of value"
        );
        assert_eq!(
            Error::InvalidExpireTime("set").to_string(),
            "ERR invalid expire time in 'set' command"
        );
        assert_eq!(
            Error::OutOfMemory.to_string(),
            "OOM command not allowed when used memory > 'maxmemory'."
        );
    }
}
