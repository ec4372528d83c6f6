//! Random argv through `fc_command` (a stable-Rust companion of the cargo-fuzz target in
//! `fuzz/`): real command names with arguments drawn from the values that reach Redis's
//! edge cases. Every call must be FC_OK (a caught panic would be FC_PANIC) with a reply
//! that frees cleanly, and the handle must stay usable.

use ferricache_c::*;
use proptest::prelude::*;

fn arg() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec![
            "k",
            "k2",
            "l",
            "h",
            "s",
            "z",
            "0",
            "1",
            "-1",
            "2",
            "100",
            "-100",
            "1.5",
            "inf",
            "-inf",
            "+inf",
            "(1",
            "[a",
            "(a",
            "-",
            "+",
            "nan",
            "NX",
            "XX",
            "GT",
            "LT",
            "CH",
            "INCR",
            "EX",
            "PX",
            "KEEPTTL",
            "GET",
            "WITHSCORES",
            "LIMIT",
            "BYSCORE",
            "BYLEX",
            "REV",
            "COUNT",
            "MATCH",
            "*",
            "TYPE",
            "LEFT",
            "RIGHT",
            "BEFORE",
            "AFTER",
            "WEIGHTS",
            "AGGREGATE",
            "MAX",
            "RANK",
            "MAXLEN",
            "9223372036854775807",
            "-9223372036854775808",
            "",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 0..12),
    ]
}

fn argv() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let names: Vec<&'static str> = ferricache::command_names()
        .filter(|n| !n.starts_with('b')) // blocking pops with timeout 0 wait forever
        .collect();
    (
        prop::sample::select(names),
        prop::collection::vec(arg(), 0..7),
    )
        .prop_map(|(n, mut a)| {
            a.insert(0, n.as_bytes().to_vec());
            a
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn any_argv_gets_a_reply(script in prop::collection::vec(argv(), 1..20)) {
        let mut cache = std::ptr::null_mut();
        // SAFETY: NULL options mean defaults; `cache` is a valid out-pointer.
        prop_assert_eq!(unsafe { fc_cache_new(std::ptr::null(), &mut cache) }, fc_status::FC_OK);
        for args in &script {
            let ptrs: Vec<*const u8> = args.iter().map(|a| a.as_ptr()).collect();
            let lens: Vec<usize> = args.iter().map(Vec::len).collect();
            let mut reply = std::ptr::null_mut();
            // SAFETY: argv/argvlen describe live buffers; `reply` is a valid out-pointer.
            let status = unsafe { fc_command(cache, args.len(), ptrs.as_ptr(), lens.as_ptr(), &mut reply) };
            prop_assert_eq!(status, fc_status::FC_OK, "{:?}", args.iter().map(|a| String::from_utf8_lossy(a)).collect::<Vec<_>>());
            prop_assert!(!reply.is_null());
            // SAFETY: a reply from fc_command, freed once.
            unsafe { fc_reply_free(reply) };
        }
        // SAFETY: the handle from fc_cache_new, freed once.
        unsafe { fc_cache_free(cache) };
    }
}
