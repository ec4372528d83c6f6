//! Fuzzes `fc_command` with arbitrary argv: the first byte picks a real command (so the
//! fuzzer spends its time past the name lookup), the rest is split into binary arguments,
//! each a length byte and that many bytes. Every call must return FC_OK (a panic caught at
//! the boundary would be FC_PANIC) with a reply that frees cleanly.
#![no_main]

use std::sync::OnceLock;

use ferricache_c::{
    fc_cache, fc_cache_new, fc_command, fc_options, fc_reply, fc_reply_free, fc_status,
};
use libfuzzer_sys::fuzz_target;

struct Handle(*mut fc_cache);
// SAFETY: an fc_cache may be used from many threads at once.
unsafe impl Send for Handle {}
// SAFETY: as above.
unsafe impl Sync for Handle {}

fn cache() -> *mut fc_cache {
    static CACHE: OnceLock<Handle> = OnceLock::new();
    CACHE
        .get_or_init(|| {
            let opts = fc_options {
                shards: 4,
                max_memory: 64 << 20,
                eviction_policy: c"allkeys-lru".as_ptr(),
                ..fc_options::default()
            };
            let mut c = std::ptr::null_mut();
            // SAFETY: valid options and out-pointer.
            assert_eq!(unsafe { fc_cache_new(&opts, &mut c) }, fc_status::FC_OK);
            Handle(c)
        })
        .0
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, mut rest)) = data.split_first() else {
        return;
    };
    let names: Vec<&str> = ferricache::command_names()
        // Blocking pops with a 0 timeout would wait forever.
        .filter(|n| !n.starts_with('b'))
        .collect();
    let mut args: Vec<&[u8]> = vec![names[pick as usize % names.len()].as_bytes()];
    while let Some((&len, tail)) = rest.split_first() {
        let len = (len as usize).min(tail.len());
        args.push(&tail[..len]);
        rest = &tail[len..];
    }
    let ptrs: Vec<*const u8> = args.iter().map(|a| a.as_ptr()).collect();
    let lens: Vec<usize> = args.iter().map(|a| a.len()).collect();
    let mut reply: *mut fc_reply = std::ptr::null_mut();
    // SAFETY: argv and argvlen describe live slices; reply is a valid out-pointer.
    let status = unsafe {
        fc_command(
            cache(),
            args.len(),
            ptrs.as_ptr(),
            lens.as_ptr(),
            &mut reply,
        )
    };
    assert_eq!(status, fc_status::FC_OK);
    // SAFETY: a reply from fc_command, freed once.
    unsafe { fc_reply_free(reply) };
});
