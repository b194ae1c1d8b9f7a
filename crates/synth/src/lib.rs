//! # bankrec-synth
//!
//! Labelled synthetic data for tests, benches and docs: bank statements, ledgers and open items
//! with the true pairs between them and realistic noise. Unpublished.
//!
//! Depends on `bankrec-model` only.
#![forbid(unsafe_code)]

mod scenario;
pub use scenario::{Applied, BookRef, Noise, Scenario, ScenarioConfig, TrueGroup, TruePair, TruePart};

mod truth;
pub use truth::{Truth, TruthUnit, Verdict};

mod statements;

mod camt;
pub use camt::{camt053_bytes, write_camt053, Camt053Config, Camt053Summary};
