//! Numbers as Redis reads and writes them in strings.

use bytes::Bytes;

use crate::error::{Error, Result};

/// Parses a string as Redis's `string2ll` does: optional `-`, digits, no `+`, no spaces, no
/// leading zeros, within `i64`.
pub fn parse_i64(s: &[u8]) -> Result<i64> {
    let (neg, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    let ok = match digits {
        [] => false,
        [b'0'] => !neg,
        [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if !ok || s.len() > 20 {
        return Err(Error::NotInteger);
    }
    // Safe: checked ASCII digits with an optional sign.
    std::str::from_utf8(s)
        .ok()
        .and_then(|t| t.parse::<i64>().ok())
        .ok_or(Error::NotInteger)
}

/// Parses a float as Redis's `getDoubleFromObject` (`strtod`): no leading or trailing
/// space, not NaN, hexadecimal (`0x10`) too; a number too large for a double (`1e309`) or
/// so small that it reads as zero (`1e-400`) is out of range, as `strtod`'s `ERANGE`.
///
/// ```
/// use ferricache::parse::float;
/// assert_eq!(float(b"0x10").unwrap(), 16.0);
/// assert_eq!(float(b"-inf").unwrap(), f64::NEG_INFINITY);
/// assert!(float(b"1e309").is_err() && float(b"nan").is_err() && float(b" 1").is_err());
/// ```
pub fn parse_f64(s: &[u8]) -> Result<f64> {
    let v = strtod(s)?;
    let t = std::str::from_utf8(s).map_err(|_| Error::NotFloat)?;
    let digits = t.trim_start_matches(['+', '-']);
    let (mantissa, hex) = match digits.get(..2) {
        Some(p) if p.eq_ignore_ascii_case("0x") => (&digits[2..], true),
        _ => (digits, false),
    };
    let mantissa = mantissa
        .split(|c: char| {
            if hex {
                c == 'p' || c == 'P'
            } else {
                c == 'e' || c == 'E'
            }
        })
        .next()
        .unwrap_or("");
    let overflow = v.is_infinite() && !digits.starts_with(['i', 'I']);
    let underflow = v == 0.0
        && mantissa.chars().any(|c| {
            if hex {
                c.is_ascii_hexdigit() && c != '0'
            } else {
                ('1'..='9').contains(&c)
            }
        });
    if overflow || underflow {
        return Err(Error::NotFloat);
    }
    Ok(v)
}

/// A float as `strtod` reads it without the range check: `1e309` is infinity. Score bounds
/// (`ZRANGEBYSCORE k 1e309 +inf`) read this way, as Redis's `zslParseRange` does.
pub fn strtod(s: &[u8]) -> Result<f64> {
    let t = std::str::from_utf8(s).map_err(|_| Error::NotFloat)?;
    if t.is_empty()
        || t.starts_with(|c: char| c.is_ascii_whitespace())
        || t.ends_with(|c: char| c.is_ascii_whitespace())
    {
        return Err(Error::NotFloat);
    }
    match t.parse::<f64>() {
        Ok(v) if !v.is_nan() => Ok(v),
        Err(_) if t.contains(['x', 'X']) => super::long_double::parse_double(s),
        _ => Err(Error::NotFloat),
    }
}

/// An integer's decimal text.
pub fn format_i64(v: i64) -> Bytes {
    Bytes::copy_from_slice(itoa::Buffer::new().format(v).as_bytes())
}

/// A float as INCRBYFLOAT replies with it: plain decimal notation, no exponent, no
/// trailing zeros. Redis computes in `long double` and prints 17 decimals, which hides the
/// last bits of binary noise (`0.1 + 0.2` is `0.3`); with `f64` the same effect comes from
/// taking the 15-significant-digit rounding when it is within a few ulps of the value.
pub fn format_f64(v: f64) -> String {
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let rounded: f64 = format!("{v:.14e}").parse().unwrap_or(v);
    let close = ((rounded - v) / v).abs() <= 4.0 * f64::EPSILON;
    let x = if close { rounded } else { v };
    // `Display` for f64 gives the shortest round-trip digits in plain notation.
    format!("{x}")
}

/// A sorted-set score as Redis 7 replies with it (`%.17g`): `0.1` is
/// `0.10000000000000001`, `1e20` is `1e+20`, infinities are `inf` and `-inf`.
pub fn format_score(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v.is_nan() {
        return "nan".into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{v:.16e}");
    let (mantissa, exp) = sci.split_once('e').expect("exponent");
    let exp: i32 = exp.parse().expect("integer exponent");
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if (-4..17).contains(&exp) {
        trim(&format!("{:.*}", (16 - exp) as usize, v))
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_strictly() {
        assert_eq!(parse_i64(b"0").unwrap(), 0);
        assert_eq!(parse_i64(b"-42").unwrap(), -42);
        assert_eq!(parse_i64(b"9223372036854775807").unwrap(), i64::MAX);
        assert_eq!(parse_i64(b"-9223372036854775808").unwrap(), i64::MIN);
        for bad in [
            &b""[..],
            b"-",
            b"+1",
            b" 1",
            b"1 ",
            b"01",
            b"-0",
            b"1.0",
            b"9223372036854775808",
            b"abc",
        ] {
            assert!(
                parse_i64(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn scores_format_as_redis_7() {
        // Replies recorded from Redis 7.0's ZRANGE ... WITHSCORES.
        for (v, want) in [
            (0.1, "0.10000000000000001"),
            (1e20, "1e+20"),
            (1.5, "1.5"),
            (3.0, "3"),
            (-2.25, "-2.25"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (0.0001, "0.0001"),
            (0.00001, "1.0000000000000001e-05"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (1e16, "10000000000000000"),
        ] {
            assert_eq!(format_score(v), want, "{v}");
        }
    }

    #[test]
    fn floats_format_as_redis() {
        assert_eq!(format_f64(10.5 + 0.1), "10.6");
        assert_eq!(format_f64(0.1 + 0.2), "0.3");
        assert_eq!(format_f64(5200.0), "5200");
        assert_eq!(format_f64(-5.6), "-5.6");
        assert_eq!(format_f64(1e20), "100000000000000000000");
        assert_eq!(format_f64(3.0e-5), "0.00003");
        assert!(parse_f64(b" 1").is_err());
        assert!(parse_f64(b"nan").is_err());
        assert_eq!(parse_f64(b"5.0e3").unwrap(), 5000.0);
    }
}
