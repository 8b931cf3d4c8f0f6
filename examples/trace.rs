//! Prints a scenario's trace as text (a debugging aid): `cargo run --example trace FILE`.
use eoscope::sim::world::TraceKind;
use eoscope::sim::{Scenario, Sim};
fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let scenario = match Scenario::from_json(&text) {
        Ok(s) => s,
        Err(e) => return eprintln!("{}", e),
    };
    let mut sim = Sim::new(scenario, None);
    let steps = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(u64::MAX);
    sim.run(steps);
    sim.finish();
    for e in &sim.trace.events {
        let line = match &e.what {
            TraceKind::Sent {
                id,
                from,
                to,
                summary,
                deliver,
                ..
            } => format!(
                "#{} {} -> {}: {} (arrives {})",
                id, from, to, summary, deliver.0
            ),
            TraceKind::Delivered { id, to, kind, .. } => {
                format!("#{} delivered to {} ({})", id, to, kind.name())
            }
            other => format!("{:?}", other),
        };
        println!("{:>5} t={:<6} {}", e.step, e.tick.0, line);
    }
}
