//! The simulation core: pure, deterministic Rust. It imports nothing from Yew, web-sys, gloo or
//! wasm-bindgen, reads no wall clock and no OS randomness, and iterates no `HashMap`, so the same
//! seed and the same scenario give the same trace, byte for byte, natively and in wasm.
//!
//! Layout: `world` runs the event loop; `broker` (with `log`, `txn_coordinator` and `group_coordinator`), `producer`
//! (+ `producer_app`) and `consumer` are the nodes; handlers return `effects::Out` — the messages
//! they send, the timers they set, the facts they observed — and never touch another node.
//! `checker` turns facts into verdicts; `scenario` is the file format; `report` the runner's output.

pub mod broker;
pub mod broker_state;
pub mod checker;
pub mod chunked;
pub mod compare;
pub mod config;
pub mod consumer;
pub mod controller;
pub mod effects;
pub mod elr;
pub mod errors;
pub mod faults;
pub mod group_coordinator;
pub mod limits;
pub mod log;
pub mod message;
pub mod network;
pub mod producer;
pub mod producer_app;
pub mod replication;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod search;
pub mod timeline;
pub mod topology;
pub mod trace;
pub mod txn_coordinator;
pub mod types;
pub mod vecmap;
pub mod verification;
pub mod vocabulary;
pub mod world;

pub use scenario::Scenario;
pub use world::Sim;
