//! Glob patterns exactly as Redis matches them (`stringmatchlen` in Redis 7's `util.c`):
//! `*`, `?`, `[abc]`, `[^a]`, `[a-z]` (ends in either order), backslash escapes, an
//! unterminated `[` matching the rest literally, and the same guard against patterns that
//! would take exponential time.

/// True if `string` matches `pattern`, byte for byte (binary-safe).
///
/// Note Redis's quirk, kept here: the empty string matches no pattern but the empty one;
/// KEYS and SCAN treat the lone pattern `*` as "everything", empty key included.
///
/// ```
/// use ferricache::glob_match;
/// assert!(glob_match(b"user:[0-9]*", b"user:42:name"));
/// assert!(!glob_match(b"h[^e]llo", b"hello"));
/// ```
pub fn glob_match(pattern: &[u8], string: &[u8]) -> bool {
    matches(pattern, 0, string, 0, false, &mut false, 0)
}

/// As [`glob_match`], ignoring ASCII case (CONFIG GET's matching).
pub fn glob_match_nocase(pattern: &[u8], string: &[u8]) -> bool {
    matches(pattern, 0, string, 0, true, &mut false, 0)
}

fn eq(a: u8, b: u8, nocase: bool) -> bool {
    if nocase {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

fn matches(
    pat: &[u8],
    mut pi: usize,
    s: &[u8],
    mut si: usize,
    nocase: bool,
    skip_longer: &mut bool,
    nesting: u32,
) -> bool {
    // Redis's protection against abusive patterns.
    if nesting > 1000 {
        return false;
    }
    let pc = |i: usize| pat.get(i).copied().unwrap_or(0);
    while pi < pat.len() && si < s.len() {
        match pat[pi] {
            b'*' => {
                while pi + 1 < pat.len() && pat[pi + 1] == b'*' {
                    pi += 1;
                }
                if pi + 1 == pat.len() {
                    return true;
                }
                while si < s.len() {
                    if matches(pat, pi + 1, s, si, nocase, skip_longer, nesting + 1) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    si += 1;
                }
                // The rest of the pattern matches nowhere in the rest of the string, so no
                // earlier `*` can help by matching more: stop the whole search.
                *skip_longer = true;
                return false;
            }
            b'?' => si += 1,
            b'[' => {
                pi += 1;
                let not = pc(pi) == b'^';
                if not {
                    pi += 1;
                }
                let mut matched = false;
                loop {
                    let rem = pat.len().saturating_sub(pi);
                    if pc(pi) == b'\\' && rem >= 2 {
                        pi += 1;
                        if pat[pi] == s[si] {
                            matched = true;
                        }
                    } else if rem > 0 && pat[pi] == b']' {
                        break;
                    } else if rem == 0 {
                        pi -= 1;
                        break;
                    } else if rem >= 3 && pat[pi + 1] == b'-' {
                        // C's `char` is signed: bytes >= 0x80 sort below ASCII.
                        let (mut lo, mut hi) = (pat[pi] as i8 as i32, pat[pi + 2] as i8 as i32);
                        let mut c = s[si] as i8 as i32;
                        if lo > hi {
                            std::mem::swap(&mut lo, &mut hi);
                        }
                        if nocase {
                            let lower = |x: i32| {
                                if (b'A' as i32..=b'Z' as i32).contains(&x) {
                                    x + 32
                                } else {
                                    x
                                }
                            };
                            lo = lower(lo);
                            hi = lower(hi);
                            c = lower(c);
                        }
                        pi += 2;
                        if c >= lo && c <= hi {
                            matched = true;
                        }
                    } else if eq(pat[pi], s[si], nocase) {
                        matched = true;
                    }
                    pi += 1;
                }
                if not {
                    matched = !matched;
                }
                if !matched {
                    return false;
                }
                si += 1;
            }
            c => {
                let c = if c == b'\\' && pat.len() - pi >= 2 {
                    pi += 1;
                    pat[pi]
                } else {
                    c
                };
                if !eq(c, s[si], nocase) {
                    return false;
                }
                si += 1;
            }
        }
        pi += 1;
        if si == s.len() {
            while pi < pat.len() && pat[pi] == b'*' {
                pi += 1;
            }
            break;
        }
    }
    pi >= pat.len() && si == s.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_glob_table() {
        // (pattern, string, matches) — cases from Redis's own keyspace and util tests.
        let table: &[(&str, &str, bool)] = &[
            ("*", "anything", true),
            ("*", "", false),
            ("", "", true),
            ("a*", "a", true),
            ("a*", "abc", true),
            ("*c", "abc", true),
            ("a*c", "ac", true),
            ("a*c", "abbbc", true),
            ("a*c", "abbbd", false),
            ("h?llo", "hello", true),
            ("h?llo", "hllo", false),
            ("h*llo", "hllo", true),
            ("h[ae]llo", "hallo", true),
            ("h[ae]llo", "hillo", false),
            ("h[^e]llo", "hallo", true),
            ("h[^e]llo", "hello", false),
            ("h[a-b]llo", "hbllo", true),
            ("h[b-a]llo", "hallo", true),
            ("h[a-b]llo", "hcllo", false),
            ("h\\*llo", "h*llo", true),
            ("h\\*llo", "hello", false),
            ("[\\]]", "]", true),
            ("[a-]", "-", false),
            ("[a-]", "a", true),
            ("[abc", "c", true),
            ("[abc", "[abc", false),
            ("foo\\", "foo\\", true),
            ("*a*b*c*", "xaxbxcx", true),
            ("*a*b*c*", "xaxbx", false),
            ("user:*:name", "user:42:name", true),
            ("user:*:name", "user:42:email", false),
            ("??", "ab", true),
            ("??", "a", false),
            ("[^]", "a", true),
        ];
        for &(p, s, want) in table {
            assert_eq!(
                glob_match(p.as_bytes(), s.as_bytes()),
                want,
                "{p:?} ~ {s:?}"
            );
        }
    }

    #[test]
    fn pathological_patterns_finish_quickly() {
        let s = "a".repeat(60);
        let p = format!("{}b", "a*".repeat(30));
        assert!(!glob_match(p.as_bytes(), s.as_bytes()));
    }

    #[test]
    fn nocase() {
        assert!(glob_match_nocase(b"MAXMEM*", b"maxmemory-policy"));
        assert!(glob_match_nocase(b"[A-Z]x", b"qX"));
        assert!(!glob_match(b"MAXMEM*", b"maxmemory"));
    }
}
