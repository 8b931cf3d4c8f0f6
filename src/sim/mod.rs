//! The simulation core: pure, deterministic Rust. It imports nothing from Yew, web-sys, gloo or
//! wasm-bindgen, reads no wall clock and no OS randomness, and iterates no `HashMap`, so the same
//! seed and the same scenario give the same trace, byte for byte, natively and in wasm.

pub mod errors;
pub mod log;
pub mod types;
