//! The `bankrec` command line. It depends only on the `bankrec` facade and holds no parsing,
//! matching or reporting logic of its own: it reads arguments, calls the facade, and prints.
#![forbid(unsafe_code)]

mod args;
mod demo;
mod failure;
mod parse;
mod progress;
mod reconcile;
mod view;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

/// mimalloc: a run allocates millions of small records, which it serves faster and in less
/// memory than the system allocator (figures in docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code: everything ok.
pub(crate) const EXIT_OK: u8 = 0;
/// Exit code: reconciled, but items remain open or a difference remains.
pub(crate) const EXIT_OPEN: u8 = 1;
/// Exit code: bad input.
pub(crate) const EXIT_BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Parse(a) => parse::run(&a),
        Command::Reconcile(a) => reconcile::run(&a),
        Command::Report(a) => reconcile::report(&a),
        Command::Export(a) => reconcile::export(&a),
        Command::Demo(a) => demo::run(&a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("bankrec: {failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}
