// The shared library is installed as libferricache.so; give it that soname so programs
// linked against it look for that name at run time.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libferricache.so");
    }
}
