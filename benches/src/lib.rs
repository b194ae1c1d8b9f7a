//! Benches live in `benches/`. This library holds what they share: the allocator the `bankrec`
//! binary uses (mimalloc), so that the benches measure what the command line runs. Each bench
//! links it with `use bankrec_benches as _;`.
#![forbid(unsafe_code)]

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
