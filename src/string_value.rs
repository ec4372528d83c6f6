//! What the string setters (SET and its variants) take as a value: owned bytes are kept
//! as they are, borrowed bytes are copied once, straight into the entry.

use std::borrow::Cow;

use bytes::{Bytes, BytesMut};

use crate::store::items::NewValue;

/// A string value on its way into the cache.
///
/// [`Bytes`], and what turns into one without copying (`Vec<u8>`, `String`, `Box<[u8]>`,
/// `BytesMut`), is taken as it is: a long value still shared with the caller is kept
/// shared. Borrowed bytes (`&[u8]`, `&str`, `&[u8; N]`, `&Vec<u8>`, `&String`, a borrowed
/// `Cow<[u8]>`) are copied into the entry, so a value of up to 22 bytes allocates nothing at all on its way in.
///
/// ```
/// let cache = ferricache::Cache::new();
/// let buf = [7u8; 16];
/// cache.set("typed", &buf).unwrap(); // copied in place: no allocation
/// cache.set("owned", vec![b'v'; 64]).unwrap(); // the Vec's buffer is kept
/// cache.set("text", "hello").unwrap();
/// assert_eq!(cache.get("typed").unwrap().unwrap(), &buf[..]);
/// ```
pub trait StringValue<'a>: sealed::Incoming<'a> {}

impl<'a, T: sealed::Incoming<'a>> StringValue<'a> for T {}

pub(crate) mod sealed {
    use super::*;

    /// The value, owned or borrowed.
    pub enum Input<'a> {
        Owned(Bytes),
        Borrowed(&'a [u8]),
    }

    /// The conversion behind [`super::StringValue`]; not for implementing elsewhere.
    pub trait Incoming<'a> {
        fn input(self) -> Input<'a>;
    }

    impl<'a> Input<'a> {
        #[inline]
        pub fn as_bytes(&self) -> &[u8] {
            match self {
                Input::Owned(b) => b,
                Input::Borrowed(s) => s,
            }
        }

        /// The bytes as a `Bytes`: a borrowed value copied, an owned one kept.
        #[cfg(feature = "remote")]
        pub(crate) fn into_bytes(self) -> Bytes {
            match self {
                Input::Owned(b) => b,
                Input::Borrowed(s) => Bytes::copy_from_slice(s),
            }
        }

        /// The value on its way into the store: borrowed bytes are copied into the item.
        #[inline]
        pub(crate) fn into_new(self) -> NewValue<'a> {
            match self {
                Input::Owned(b) => NewValue::Bytes(b),
                Input::Borrowed(s) => NewValue::Slice(s),
            }
        }
    }

    macro_rules! owned {
        ($($t:ty),*) => {$(
            impl<'a> Incoming<'a> for $t {
                #[inline]
                fn input(self) -> Input<'a> {
                    Input::Owned(Bytes::from(self))
                }
            }
        )*};
    }
    owned!(Bytes, Vec<u8>, String, Box<[u8]>, BytesMut);

    macro_rules! borrowed {
        ($($t:ty),*) => {$(
            impl<'a> Incoming<'a> for &'a $t {
                #[inline]
                fn input(self) -> Input<'a> {
                    Input::Borrowed(self.as_ref())
                }
            }
        )*};
    }
    borrowed!([u8], str, Vec<u8>, String);

    impl<'a, const N: usize> Incoming<'a> for &'a [u8; N] {
        #[inline]
        fn input(self) -> Input<'a> {
            Input::Borrowed(self)
        }
    }

    impl<'a> Incoming<'a> for &'a Bytes {
        #[inline]
        fn input(self) -> Input<'a> {
            Input::Owned(self.clone())
        }
    }

    impl<'a> Incoming<'a> for Cow<'a, [u8]> {
        #[inline]
        fn input(self) -> Input<'a> {
            match self {
                Cow::Borrowed(s) => Input::Borrowed(s),
                Cow::Owned(v) => Input::Owned(Bytes::from(v)),
            }
        }
    }
}
