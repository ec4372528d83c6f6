//! INCRBYFLOAT's arithmetic as Redis does it on x86-64: numbers read with `strtold` into
//! an x87 80-bit `long double`, added in that precision, and printed with `%.17Lf` then
//! stripped of trailing zeros (Redis's `ld2string(.., LD_STR_HUMAN)`). With `f64` a
//! counter at 1e15 stops counting by 0.5 and `0.6666666666666666` loses a digit; with the
//! 64-bit significand both come out as Redis's. The arithmetic is `rustc_apfloat`'s
//! (LLVM's APFloat); the printing is exact, in integers.

use rustc_apfloat::ieee::{Double, X87DoubleExtended};
use rustc_apfloat::{Float, Round};

use crate::error::{Error, Result};

/// A `long double` value as Redis holds one during INCRBYFLOAT.
#[derive(Clone, Copy, Debug)]
pub struct LongDouble(X87DoubleExtended);

/// What `strtold` and `strtod` accept, with Redis's extra rules (no leading space, nothing
/// after the number, no NaN), made into the syntax APFloat parses; `None` if refused.
fn normalize(s: &[u8]) -> Option<String> {
    let t = std::str::from_utf8(s).ok()?;
    let (sign, body) = match t.as_bytes().first()? {
        b'-' => ("-", &t[1..]),
        b'+' => ("", &t[1..]),
        _ => ("", t),
    };
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Some(format!("{sign}inf"));
    }
    if let Some(hex) = lower.strip_prefix("0x") {
        let (mantissa, exp) = match hex.split_once('p') {
            Some((m, e)) => (m, e),
            None => (hex, "0"),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits_ok = |d: &str| d.bytes().all(|c| c.is_ascii_hexdigit());
        let exp_digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        if int.len() + frac.len() == 0
            || !digits_ok(int)
            || !digits_ok(frac)
            || exp_digits.is_empty()
            || !exp_digits.bytes().all(|c| c.is_ascii_digit())
        {
            return None;
        }
        return Some(format!(
            "{sign}0x{}{}{}p{exp}",
            or_zero(int),
            if frac.is_empty() { "" } else { "." },
            frac
        ));
    }
    let (mantissa, exp) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (lower.as_str(), None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = |d: &str| d.bytes().all(|c| c.is_ascii_digit());
    if int.len() + frac.len() == 0 || !digits_ok(int) || !digits_ok(frac) {
        return None;
    }
    if let Some(e) = exp {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !digits_ok(e) {
            return None;
        }
    }
    Some(format!("{sign}{}", body))
}

fn or_zero(digits: &str) -> &str {
    if digits.is_empty() {
        "0"
    } else {
        digits
    }
}

/// Parses as Redis's `string2d` (`strtod`): decimal, hexadecimal (`0x10`) and `inf`, no
/// spaces, not NaN.
pub(crate) fn parse_double(s: &[u8]) -> Result<f64> {
    let text = normalize(s).ok_or(Error::NotFloat)?;
    if !text.contains(['x', 'X']) {
        // The common case: Rust's parser is correctly rounded too.
        return text.parse::<f64>().map_err(|_| Error::NotFloat);
    }
    let v = Double::from_str_r(&text, Round::NearestTiesToEven)
        .map_err(|_| Error::NotFloat)?
        .value;
    Ok(f64::from_bits(v.to_bits() as u64))
}

impl LongDouble {
    pub(crate) const ZERO: LongDouble = LongDouble(X87DoubleExtended::ZERO);

    /// Parses as Redis's `string2ld` (`strtold`): decimal, hexadecimal and `inf`, no
    /// spaces, not NaN.
    pub(crate) fn parse(s: &[u8]) -> Result<LongDouble> {
        let text = normalize(s).ok_or(Error::NotFloat)?;
        let v = X87DoubleExtended::from_str_r(&text, Round::NearestTiesToEven)
            .map_err(|_| Error::NotFloat)?
            .value;
        if v.is_nan() {
            return Err(Error::NotFloat);
        }
        Ok(LongDouble(v))
    }

    /// The sum, rounded to the nearest `long double`.
    pub(crate) fn add(self, other: LongDouble) -> LongDouble {
        LongDouble((self.0 + other.0).value)
    }

    pub(crate) fn is_finite(self) -> bool {
        self.0.is_finite()
    }

    /// The text Redis stores and replies: `%.17Lf` without trailing zeros (and `-0` as
    /// `0`). Exact: the value is `significand * 2^exponent`, printed by integer arithmetic.
    pub(crate) fn to_text(self) -> String {
        debug_assert!(self.is_finite());
        let bits = self.0.to_bits();
        let negative = bits >> 79 & 1 == 1;
        let biased = ((bits >> 64) & 0x7fff) as i32;
        let significand = bits as u64;
        let exponent = biased.max(1) - 16383 - 63;
        let mut out = String::new();
        if negative {
            out.push('-');
        }
        if exponent >= 0 {
            // An integer, possibly of thousands of digits: APFloat prints it exactly when
            // allowed enough digits and zero padding.
            let digits = format!(
                "{:5000.5000}",
                X87DoubleExtended::from_bits(bits & !(1 << 79))
            );
            out.push_str(&digits);
        } else {
            // significand * 10^17 / 2^-exponent, rounded half to even, fits in u128.
            let scaled = significand as u128 * 10u128.pow(17);
            let k = (-exponent) as u32;
            let q = if k >= 128 {
                0
            } else {
                let q = scaled >> k;
                let rem = scaled - (q << k);
                let half = 1u128 << (k - 1);
                if rem > half || (rem == half && q & 1 == 1) {
                    q + 1
                } else {
                    q
                }
            };
            let (int, frac) = (q / 10u128.pow(17), q % 10u128.pow(17));
            let frac = format!("{frac:017}");
            let frac = frac.trim_end_matches('0');
            out.push_str(&int.to_string());
            if !frac.is_empty() {
                out.push('.');
                out.push_str(frac);
            }
        }
        if out == "-0" {
            out.remove(0);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ld(s: &str) -> LongDouble {
        LongDouble::parse(s.as_bytes()).unwrap()
    }

    #[test]
    fn sums_print_as_redis_on_x86_64() {
        // Each pair is what redis-server 7.0 answered on x86-64 (tests/data has more).
        let sum = |a: &str, b: &str| ld(a).add(ld(b)).to_text();
        assert_eq!(sum("1000000000000000", "0.5"), "1000000000000000.5");
        assert_eq!(sum("1000000000000000.5", "0.5"), "1000000000000001");
        assert_eq!(sum("9223372036854775807", "3"), "9223372036854775810");
        assert_eq!(sum("0", "0.6666666666666666"), "0.6666666666666666");
        assert_eq!(sum("1.5", "1.1"), "2.6");
        assert_eq!(sum("2.6", "-2.6"), "0");
        assert_eq!(sum("0.1", "0.2"), "0.3");
        assert_eq!(sum("-0", "0"), "0");
        assert_eq!(sum("0x10", "1"), "17");
        assert_eq!(sum("-1e-30", "0"), "0");
        assert_eq!(sum("1e18", "1"), "1000000000000000001");
        assert_eq!(sum("1e20", "1"), "100000000000000000000"); // 1e20's ulp is 8
        assert!(sum("1e308", "1000000000000017").starts_with("99999999999999999996685879655845645660560099847415567207797047994921734868838061872100126921888539320446747225054013223152134749593960583597420814430196418767959100019603190778663109604507106667939153395788938914560543563061268364901618630217086589253444881623791300855757318142424510452728255046343928578048"));
    }

    #[test]
    fn parsing_follows_strtold_with_redis_rules() {
        for ok in [
            "1",
            "-1.5",
            "+2",
            ".5",
            "5.",
            "1e3",
            "1E-3",
            "0x1p4",
            "0X1.8",
            "inf",
            "-Infinity",
        ] {
            assert!(LongDouble::parse(ok.as_bytes()).is_ok(), "{ok}");
        }
        for bad in [
            "", " 1", "1 ", "nan", "-nan", "1e", "e5", ".", "0x", "0xg", "1..2", "abc", "1e+",
        ] {
            assert!(LongDouble::parse(bad.as_bytes()).is_err(), "{bad}");
        }
        assert_eq!(parse_double(b"0x10").unwrap(), 16.0);
        assert_eq!(parse_double(b"-0x1.8p1").unwrap(), -3.0);
        assert_eq!(parse_double(b"1e400").unwrap(), f64::INFINITY);
    }
}
