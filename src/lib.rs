//! eoscope: a deterministic simulation of Kafka's exactly-once machinery (`sim`) and its
//! Yew front end (`ui`, wasm only). `sim` knows nothing of the UI.

pub mod catalog;
pub mod embed_code;
pub mod embed_options;
pub mod pretty_json;
pub mod session;
pub mod share;
pub mod sim;
pub mod stage;
pub mod story;
pub mod trace_file;

#[cfg(target_arch = "wasm32")]
pub mod ui;
