//! The typed API in near-cache mode: a routed method builds its command's argv, runs it
//! through the router (local copies for reads, the server for the rest) and turns the
//! reply back into its own return type.

use bytes::Bytes;

use crate::dispatch::Reply;
use crate::error::{Error, Result};

/// A typed method's result made from its command's reply.
pub(crate) trait FromReply: Sized {
    fn from_reply(r: Reply) -> Result<Self>;
}

fn unexpected(r: &Reply) -> Error {
    Error::Remote(format!("ERR unexpected reply: {r:?}"))
}

fn check(r: Reply) -> Result<Reply> {
    match r {
        Reply::Error(e) => Err(Error::from_reply(e)),
        r => Ok(r),
    }
}

impl FromReply for Reply {
    fn from_reply(r: Reply) -> Result<Self> {
        check(r)
    }
}

impl FromReply for () {
    fn from_reply(r: Reply) -> Result<Self> {
        check(r).map(drop)
    }
}

impl FromReply for i64 {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Integer(n) => Ok(n),
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for u64 {
    fn from_reply(r: Reply) -> Result<Self> {
        u64::try_from(i64::from_reply(r)?).map_err(|_| Error::Remote("ERR negative count".into()))
    }
}

impl FromReply for u8 {
    fn from_reply(r: Reply) -> Result<Self> {
        u8::try_from(i64::from_reply(r)?).map_err(|_| Error::Remote("ERR not a bit".into()))
    }
}

impl FromReply for usize {
    fn from_reply(r: Reply) -> Result<Self> {
        i64::from_reply(r).map(|n| n.max(0) as usize)
    }
}

impl FromReply for bool {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Integer(n) => Ok(n != 0),
            Reply::Nil => Ok(false),
            Reply::Status(_) => Ok(true),
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for Option<Bytes> {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Nil => Ok(None),
            Reply::Bulk(b) => Ok(Some(b)),
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for Option<f64> {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Nil => Ok(None),
            Reply::Double(d) => Ok(Some(d)),
            Reply::Bulk(b) => crate::commands::num::strtod(&b).map(Some),
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for Option<usize> {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Nil => Ok(None),
            Reply::Integer(n) => Ok(Some(n.max(0) as usize)),
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for Vec<Bytes> {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Nil => Ok(Vec::new()),
            Reply::Array(items) => items
                .into_iter()
                .map(|i| match i {
                    Reply::Bulk(b) => Ok(b),
                    r => Err(unexpected(&r)),
                })
                .collect(),
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for Vec<Option<Bytes>> {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Array(items) => items.into_iter().map(Option::<Bytes>::from_reply).collect(),
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for Vec<(Bytes, Bytes)> {
    fn from_reply(r: Reply) -> Result<Self> {
        let flat = Vec::<Bytes>::from_reply(r)?;
        Ok(flat
            .chunks_exact(2)
            .map(|p| (p[0].clone(), p[1].clone()))
            .collect())
    }
}

/// The bytes of one argv item.
pub(crate) fn arg<T: AsRef<[u8]> + ?Sized>(t: &T) -> &[u8] {
    t.as_ref()
}

/// One argv item a typed method contributes: bytes as they are, numbers in the text the
/// server parses back exactly (floats in Rust's shortest round-trip form, `inf`/`-inf`).
pub(crate) trait ToArg {
    fn push_to(self, argv: &mut Vec<Vec<u8>>);
}

macro_rules! to_arg_bytes {
    ($($t:ty),*) => {$(
        impl ToArg for $t {
            fn push_to(self, argv: &mut Vec<Vec<u8>>) {
                argv.push(<[u8]>::to_vec(self.as_ref()));
            }
        }
    )*};
}
to_arg_bytes!(&[u8], &Vec<u8>, Vec<u8>, &Bytes, Bytes, &str, &String);

macro_rules! to_arg_number {
    ($($t:ty),*) => {$(
        impl ToArg for $t {
            fn push_to(self, argv: &mut Vec<Vec<u8>>) {
                argv.push(self.to_string().into_bytes());
            }
        }
    )*};
}
to_arg_number!(i64, u64, usize, u8);

impl ToArg for f64 {
    fn push_to(self, argv: &mut Vec<Vec<u8>>) {
        argv.push(format!("{self:?}").into_bytes());
    }
}

impl<T: ToArg> ToArg for Option<T> {
    fn push_to(self, argv: &mut Vec<Vec<u8>>) {
        if let Some(t) = self {
            t.push_to(argv);
        }
    }
}

/// A command's argv built by a typed method, run through the router.
pub(crate) struct Argv(Vec<Vec<u8>>);

impl Argv {
    pub(crate) fn cmd(name: &str) -> Argv {
        Argv(vec![name.as_bytes().to_vec()])
    }

    pub(crate) fn arg(mut self, a: impl ToArg) -> Argv {
        a.push_to(&mut self.0);
        self
    }

    pub(crate) fn args<A: ToArg>(mut self, items: impl IntoIterator<Item = A>) -> Argv {
        for a in items {
            a.push_to(&mut self.0);
        }
        self
    }

    /// Runs it (reads on the local copies, the rest on the server) and converts the reply.
    pub(crate) fn run<T: FromReply>(&self, cache: &crate::Cache) -> Result<T> {
        let argv: Vec<&[u8]> = self.0.iter().map(Vec::as_slice).collect();
        T::from_reply(cache.execute_slices(&argv))
    }
}

impl ToArg for crate::commands::Expiry {
    fn push_to(self, argv: &mut Vec<Vec<u8>>) {
        use crate::commands::Expiry::*;
        let (word, n) = match self {
            Ex(s) => ("EX", Some(s)),
            Px(ms) => ("PX", Some(ms)),
            ExAt(s) => ("EXAT", Some(s)),
            PxAt(ms) => ("PXAT", Some(ms)),
            KeepTtl => ("KEEPTTL", None),
            Persist => ("PERSIST", None),
        };
        argv.push(word.as_bytes().to_vec());
        n.push_to(argv);
    }
}

impl FromReply for Bytes {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Bulk(b) => Ok(b),
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for f64 {
    fn from_reply(r: Reply) -> Result<Self> {
        Option::<f64>::from_reply(r)?.ok_or_else(|| unexpected(&Reply::Nil))
    }
}

/// A SCAN family command's `MATCH pattern` and `COUNT n` (none when 0).
pub(crate) fn scan_args(pattern: Option<&[u8]>, count: usize) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    if let Some(p) = pattern {
        v.extend([b"MATCH".to_vec(), p.to_vec()]);
    }
    if count > 0 {
        v.extend([b"COUNT".to_vec(), count.to_string().into_bytes()]);
    }
    v
}

fn cursor(r: &Reply) -> Result<u64> {
    match r {
        Reply::Bulk(b) => std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| unexpected(r)),
        r => Err(unexpected(r)),
    }
}

impl<T> FromReply for (u64, T)
where
    T: FromReply,
{
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Array(mut parts) if parts.len() == 2 => {
                let items = parts.pop().expect("two parts");
                Ok((cursor(&parts[0])?, T::from_reply(items)?))
            }
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for Option<crate::ValueType> {
    fn from_reply(r: Reply) -> Result<Self> {
        use crate::ValueType::*;
        match check(r)? {
            Reply::Status(t) => Ok(match &t[..] {
                "string" => Some(String),
                "list" => Some(List),
                "hash" => Some(Hash),
                "set" => Some(Set),
                "zset" => Some(ZSet),
                _ => None, // "none", or a type the engine lacks (stream, module types)
            }),
            r => Err(unexpected(&r)),
        }
    }
}

impl ToArg for crate::End {
    fn push_to(self, argv: &mut Vec<Vec<u8>>) {
        let word = match self {
            crate::End::Left => "LEFT",
            crate::End::Right => "RIGHT",
        };
        word.push_to(argv);
    }
}

impl ToArg for crate::Position {
    fn push_to(self, argv: &mut Vec<Vec<u8>>) {
        let word = match self {
            crate::Position::Before => "BEFORE",
            crate::Position::After => "AFTER",
        };
        word.push_to(argv);
    }
}

impl ToArg for String {
    fn push_to(self, argv: &mut Vec<Vec<u8>>) {
        argv.push(self.into_bytes());
    }
}

impl ToArg for &&str {
    fn push_to(self, argv: &mut Vec<Vec<u8>>) {
        (*self).push_to(argv);
    }
}

impl FromReply for Option<Vec<Bytes>> {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Nil => Ok(None),
            r => Vec::<Bytes>::from_reply(r).map(Some),
        }
    }
}

impl FromReply for Option<(Bytes, Bytes)> {
    fn from_reply(r: Reply) -> Result<Self> {
        Ok(
            Option::<Vec<Bytes>>::from_reply(r)?.and_then(|v| match &v[..] {
                [a, b] => Some((a.clone(), b.clone())),
                _ => None,
            }),
        )
    }
}

/// LPOS: one index, none, or (with COUNT) a list of them.
impl FromReply for Vec<usize> {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Nil => Ok(Vec::new()),
            Reply::Integer(n) => Ok(vec![n.max(0) as usize]),
            Reply::Array(items) => items.into_iter().map(usize::from_reply).collect(),
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for Vec<bool> {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Array(items) => items.into_iter().map(bool::from_reply).collect(),
            r => Err(unexpected(&r)),
        }
    }
}

/// ZRANK / ZREVRANK with the member's score, in one step (WITHSCORE needs Redis 7.2).
pub(crate) const RANK_WITH_SCORE: &str = "local r = redis.call(ARGV[2], KEYS[1], ARGV[1]) \
    if not r then return false end \
    return {r, redis.call('ZSCORE', KEYS[1], ARGV[1])}";

/// ZRANGE ... BYLEX WITHSCORES is refused by the server: the scores come from ZSCORE.
const LEX_WITH_SCORES: &str = "local out = {} \
    for _, m in ipairs(redis.call('ZRANGE', KEYS[1], unpack(ARGV))) do \
    out[#out + 1] = m; out[#out + 1] = redis.call('ZSCORE', KEYS[1], m) end \
    return out";

/// `LIMIT offset count`, when given.
pub(crate) fn limit_args(limit: Option<(i64, i64)>) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    if let Some((o, c)) = limit {
        "LIMIT".push_to(&mut v);
        o.push_to(&mut v);
        c.push_to(&mut v);
    }
    v
}

/// ZRANGE's arguments after the key: the bounds (in REV order), BYSCORE / BYLEX, REV, LIMIT.
fn zrange_options(by: &crate::RangeBy, rev: bool, limit: Option<(i64, i64)>) -> Vec<Vec<u8>> {
    use crate::RangeBy;
    let bounds = |lo: Argv, hi: Argv| if rev { [hi, lo] } else { [lo, hi] };
    let (range, kind) = match by {
        RangeBy::Index(a, b) => ([Argv::cmd(&a.to_string()), Argv::cmd(&b.to_string())], None),
        RangeBy::Score(lo, hi) => (
            bounds(Argv(vec![]).arg(*lo), Argv(vec![]).arg(*hi)),
            Some("BYSCORE"),
        ),
        RangeBy::Lex(lo, hi) => (
            bounds(Argv(vec![]).arg(lo.clone()), Argv(vec![]).arg(hi.clone())),
            Some("BYLEX"),
        ),
    };
    let range = range.into_iter().flat_map(|a| a.0);
    let options = Argv::cmd("")
        .args(range)
        .args(kind)
        .args(rev.then_some("REV"))
        .args(limit_args(limit));
    options.0[1..].to_vec()
}

/// ZRANGESTORE's arguments after the destination: the source, then ZRANGE's options.
pub(crate) fn zrange_args(
    src: &[u8],
    by: &crate::RangeBy,
    rev: bool,
    limit: Option<(i64, i64)>,
) -> Vec<Vec<u8>> {
    let mut v = vec![src.to_vec()];
    v.extend(zrange_options(by, rev, limit));
    v
}

/// [`crate::Cache::zrange_by`] in near-cache mode: ZRANGE with BYSCORE / BYLEX / REV.
pub(crate) fn zrange_by(
    cache: &crate::Cache,
    key: &[u8],
    by: &crate::RangeBy,
    rev: bool,
    limit: Option<(i64, i64)>,
) -> Result<Vec<(Bytes, f64)>> {
    let options = zrange_options(by, rev, limit);
    if matches!(by, crate::RangeBy::Lex(..)) {
        return Argv::cmd("EVAL")
            .arg(LEX_WITH_SCORES)
            .arg("1")
            .arg(key)
            .args(options.iter())
            .run(cache);
    }
    Argv::cmd("ZRANGE")
        .arg(key)
        .args(options.iter())
        .arg("WITHSCORES")
        .run(cache)
}

impl ToArg for crate::ScoreBound {
    fn push_to(self, argv: &mut Vec<Vec<u8>>) {
        argv.push(match self {
            crate::ScoreBound::Inclusive(s) => format!("{s:?}").into_bytes(),
            crate::ScoreBound::Exclusive(s) => format!("({s:?}").into_bytes(),
        });
    }
}

impl ToArg for crate::LexBound {
    fn push_to(self, argv: &mut Vec<Vec<u8>>) {
        use crate::LexBound::*;
        argv.push(match self {
            Min => b"-".to_vec(),
            Max => b"+".to_vec(),
            Inclusive(m) => [&b"["[..], &m].concat(),
            Exclusive(m) => [&b"("[..], &m].concat(),
        });
    }
}

impl ToArg for crate::Aggregate {
    fn push_to(self, argv: &mut Vec<Vec<u8>>) {
        let word = match self {
            crate::Aggregate::Sum => "SUM",
            crate::Aggregate::Min => "MIN",
            crate::Aggregate::Max => "MAX",
        };
        word.push_to(argv);
    }
}

fn score(r: Reply) -> Result<f64> {
    Option::<f64>::from_reply(r)?.ok_or_else(|| unexpected(&Reply::Nil))
}

/// Members with scores: flat (RESP2: member, score, ...) or as pairs (RESP3).
impl FromReply for Vec<(Bytes, f64)> {
    fn from_reply(r: Reply) -> Result<Self> {
        let items = match check(r)? {
            Reply::Nil => return Ok(Vec::new()),
            Reply::Array(items) => items,
            r => return Err(unexpected(&r)),
        };
        if items.iter().all(|i| matches!(i, Reply::Array(_))) && !items.is_empty() {
            return items
                .into_iter()
                .map(|pair| match pair {
                    Reply::Array(mut p) if p.len() == 2 => {
                        let s = score(p.pop().expect("two"))?;
                        Ok((Bytes::from_reply(p.pop().expect("two"))?, s))
                    }
                    r => Err(unexpected(&r)),
                })
                .collect();
        }
        let mut out = Vec::with_capacity(items.len() / 2);
        let mut it = items.into_iter();
        while let (Some(m), Some(s)) = (it.next(), it.next()) {
            out.push((Bytes::from_reply(m)?, score(s)?));
        }
        Ok(out)
    }
}

/// BITFIELD_RO's integers.
impl FromReply for Vec<i64> {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Array(items) => items.into_iter().map(i64::from_reply).collect(),
            r => Err(unexpected(&r)),
        }
    }
}

/// BITFIELD's integers, nil where OVERFLOW FAIL refused a write.
impl FromReply for Vec<Option<i64>> {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Array(items) => items
                .into_iter()
                .map(|i| match i {
                    Reply::Nil => Ok(None),
                    i => i64::from_reply(i).map(Some),
                })
                .collect(),
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for Vec<Option<f64>> {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Array(items) => items.into_iter().map(Option::<f64>::from_reply).collect(),
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for Option<(usize, f64)> {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Nil => Ok(None),
            Reply::Array(mut p) if p.len() == 2 => {
                let s = score(p.pop().expect("two"))?;
                Ok(Some((usize::from_reply(p.pop().expect("two"))?, s)))
            }
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for Option<(Bytes, Bytes, f64)> {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Nil => Ok(None),
            Reply::Array(mut p) if p.len() == 3 => {
                let s = score(p.pop().expect("three"))?;
                let m = Bytes::from_reply(p.pop().expect("three"))?;
                Ok(Some((Bytes::from_reply(p.pop().expect("three"))?, m, s)))
            }
            r => Err(unexpected(&r)),
        }
    }
}

/// PUBSUB NUMSUB: channel, count, channel, count, ...
impl FromReply for Vec<(Bytes, usize)> {
    fn from_reply(r: Reply) -> Result<Self> {
        let items = match check(r)? {
            Reply::Array(items) => items,
            r => return Err(unexpected(&r)),
        };
        let mut out = Vec::with_capacity(items.len() / 2);
        let mut it = items.into_iter();
        while let (Some(c), Some(n)) = (it.next(), it.next()) {
            out.push((Bytes::from_reply(c)?, usize::from_reply(n)?));
        }
        Ok(out)
    }
}

/// LMPOP and ZMPOP: nil, or the key and what was popped from it.
fn keyed<T: FromReply>(r: Reply) -> Result<Option<(Bytes, T)>> {
    match check(r)? {
        Reply::Nil => Ok(None),
        Reply::Array(mut items) if items.len() == 2 => {
            let popped = T::from_reply(items.pop().expect("two"))?;
            Ok(Some((
                Bytes::from_reply(items.pop().expect("two"))?,
                popped,
            )))
        }
        r => Err(unexpected(&r)),
    }
}

impl FromReply for Option<(Bytes, Vec<Bytes>)> {
    fn from_reply(r: Reply) -> Result<Self> {
        keyed(r)
    }
}

impl FromReply for Option<(Bytes, Vec<(Bytes, f64)>)> {
    fn from_reply(r: Reply) -> Result<Self> {
        keyed(r)
    }
}

/// LCS IDX ... WITHMATCHLEN: `["matches", [[[a0, a1], [b0, b1], len] ...], "len", n]`.
impl FromReply for (Vec<crate::LcsMatch>, usize) {
    fn from_reply(r: Reply) -> Result<Self> {
        let Reply::Array(mut fields) = check(r)? else {
            return Err(Error::Remote("ERR unexpected LCS reply".into()));
        };
        let bad = || Error::Remote("ERR unexpected LCS reply".into());
        let (Some(total), Some(Reply::Array(runs))) = (fields.pop(), fields.get(1).cloned()) else {
            return Err(bad());
        };
        let pair = |r: &Reply| match r {
            Reply::Array(p) if p.len() == 2 => Ok((
                usize::from_reply(p[0].clone())?,
                usize::from_reply(p[1].clone())?,
            )),
            _ => Err(bad()),
        };
        let matches = runs
            .iter()
            .map(|run| match run {
                Reply::Array(parts) if parts.len() == 3 => Ok(crate::LcsMatch {
                    a: pair(&parts[0])?,
                    b: pair(&parts[1])?,
                    len: usize::from_reply(parts[2].clone())?,
                }),
                _ => Err(bad()),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((matches, usize::from_reply(total)?))
    }
}

/// OBJECT ENCODING from the server: one of Redis's encoding names.
impl FromReply for Option<&'static str> {
    fn from_reply(r: Reply) -> Result<Self> {
        const NAMES: [&str; 10] = [
            "int",
            "embstr",
            "raw",
            "quicklist",
            "listpack",
            "hashtable",
            "intset",
            "skiplist",
            "linkedlist",
            "ziplist",
        ];
        Ok(match check(r)? {
            Reply::Nil => None,
            Reply::Bulk(b) => Some(
                NAMES
                    .into_iter()
                    .find(|n| n.as_bytes() == &b[..])
                    .ok_or_else(|| Error::Remote(format!("ERR unknown encoding {b:?}")))?,
            ),
            r => return Err(unexpected(&r)),
        })
    }
}

macro_rules! optional_int {
    ($($t:ty),*) => {$(
        impl FromReply for Option<$t> {
            fn from_reply(r: Reply) -> Result<Self> {
                match check(r)? {
                    Reply::Nil => Ok(None),
                    Reply::Integer(n) => <$t>::try_from(n)
                        .map(Some)
                        .map_err(|_| Error::Remote(format!("ERR out of range: {n}"))),
                    r => Err(unexpected(&r)),
                }
            }
        }
    )*};
}

optional_int!(u32, u64, i64);
