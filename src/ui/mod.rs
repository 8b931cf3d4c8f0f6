//! The Yew front end (wasm only). It draws the core's state and drives it only through the
//! core's public API.

use crate::sim::log::{BatchToAppend, LogRules, PartitionLog};
use crate::sim::types::{ProducerEpoch, ProducerId, RecordId, Sequence, Tick};
use yew::prelude::*;

const RULES: LogRules = LogRules { unknown_producer_accepts_any_sequence: true, stale_epoch_is_invalid_producer_epoch: true };

/// Mounts the app into `#eoscope-app` (or the body when that element is absent).
pub fn start() {
    let document = gloo::utils::document();
    match document.get_element_by_id("eoscope-app") {
        Some(root) => {
            mount(root);
        }
        None => {
            yew::Renderer::<App>::new().render();
        }
    }
}

/// Mounts the app into `root`, replacing its children. Tests mount into an element of their own.
pub fn mount(root: web_sys::Element) -> AppHandle<App> {
    yew::Renderer::<App>::with_root(root).render()
}

#[function_component(App)]
pub fn app() -> Html {
    let log = use_state(PartitionLog::new);
    let append = {
        let log = log.clone();
        Callback::from(move |_| {
            let mut next = (*log).clone();
            let first = next.log_end_offset().0 as u32;
            let batch = BatchToAppend {
                producer_id: ProducerId::NONE,
                producer_epoch: ProducerEpoch::NONE,
                base_sequence: Sequence::NONE,
                record_count: 1,
                is_transactional: false,
                first_record: RecordId(first),
            };
            // A plain batch without a producer id cannot be rejected.
            let _ = next.append_as_leader(&batch, Tick(0), RULES);
            log.set(next);
        })
    };
    html! {
        <main class="eoscope">
            <h1>{ "eoscope" }</h1>
            <p class="tagline">{ "Kafka's exactly-once machinery, simulated." }</p>
            <section class="partition" aria-label="Partition orders-0">
                <div class="cells">
                    { for log.batches().iter().map(|b| html! {
                        <span class="cell" title={format!("offset {}", b.base_offset.0)}>{ format!("v{}", b.first_record.0) }</span>
                    }) }
                </div>
                <p class="offsets">{ format!("log end offset {} · high watermark {}", log.log_end_offset().0, log.high_watermark().0) }</p>
            </section>
            <button class="append" onclick={append}>{ "Append a batch" }</button>
        </main>
    }
}
