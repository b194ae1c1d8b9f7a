//! The `bankrec` command line. It depends only on the `bankrec` facade and holds no parsing,
//! matching or reporting logic of its own.
#![forbid(unsafe_code)]

fn main() {
    println!("bankrec {}", env!("CARGO_PKG_VERSION"));
}
