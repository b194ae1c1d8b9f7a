//! # bankrec-synth
//!
//! Labelled synthetic data for tests, benches and docs: bank statements, ledgers and open items
//! with the truth between them and realistic noise. Unpublished.
//!
//! - [`Scenario::generate`] from a [`ScenarioConfig`] (seeded, deterministic; default noise mix in
//!   [`ScenarioConfig::new`], one kind with [`ScenarioConfig::with_only`]): bank entries on two
//!   accounts ([`Scenario::accounts`]), ledger entries and open items, the one-to-one truth as
//!   [`TruePair`]s and everything else (split, partial and batch payments, settlements, reversals,
//!   internal transfers) as [`TrueGroup`]s with the amounts [`Applied`] to open items and the
//!   [`TruePart`]s that are right on their own; each labelled with its [`Noise`].
//! - [`Truth`] judges a match record or a proposal candidate against a scenario ([`Verdict`],
//!   [`TruthUnit`]).
//! - Files: [`Scenario::write_camt053`] (one balanced camt.053 statement per account) and
//!   [`Scenario::write_ledger_csv`]; [`write_camt053`] streams large generated camt.053 files for
//!   benches ([`Camt053Config`], [`Camt053Summary`]).
//!
//! Depends on `bankrec-model` only.
//!
//! ```
//! use bankrec_synth::{Noise, Scenario, ScenarioConfig, Truth};
//! let s = Scenario::generate(&ScenarioConfig::new(1, 500));
//! let split = s.groups.iter().find(|g| g.noise == Noise::SplitPayment).expect("a split payment");
//! assert_eq!(split.bank.len(), 1);
//! assert!(split.book.len() >= 2);
//! let truth = Truth::new(&s);
//! assert_eq!(truth.noise(truth.unit_of(&split.bank[0]).expect("labelled")), Noise::SplitPayment);
//! ```
#![forbid(unsafe_code)]

mod scenario;
pub use scenario::{Applied, BookRef, Noise, Scenario, ScenarioConfig, TrueGroup, TruePair, TruePart};

mod truth;
pub use truth::{Truth, TruthUnit, Verdict};

mod statements;

mod camt;
pub use camt::{camt053_bytes, write_camt053, Camt053Config, Camt053Summary};
