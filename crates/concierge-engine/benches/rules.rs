//! Rule evaluation benchmark. (Being written.)
fn main() {}
