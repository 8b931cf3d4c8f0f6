//! The fault palette (panel `faults`): arm "drop the next … to …", crash or restart a node,
//! partition, heal, hold or release a link, set a random drop rate. A function component with its
//! own form: choosing in its selects re-renders only the palette, not the app. What it does is
//! sent to the app as `Msg::Fault` and `Msg::Arm`.

use super::controls::select_value;
use super::text::{self, Lang, T};
use super::Msg;
use crate::sim::message::MessageKind;
use crate::sim::scenario::{FaultAction, MessageMatch};
use crate::sim::types::NodeId;
use std::rc::Rc;
use web_sys::{Event, HtmlInputElement, InputEvent};
use yew::prelude::*;

/// The palette's form: the node to crash, the link's two ends, the drop rate, and the message
/// the armed fault waits for (`None`: any kind, or any receiver).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Form {
    node: Option<NodeId>,
    a: Option<NodeId>,
    b: Option<NodeId>,
    per_mille: u32,
    kind: Option<MessageKind>,
    to: Option<NodeId>,
}

impl Default for Form {
    fn default() -> Self {
        Form {
            node: Some(NodeId::Producer(0)),
            a: Some(NodeId::Producer(0)),
            b: Some(NodeId::Broker(0)),
            per_mille: 200,
            kind: MessageKind::parse("ProduceResponse"),
            to: Some(NodeId::Producer(0)),
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    /// The run's nodes, in the picker's order.
    pub nodes: Rc<Vec<NodeId>>,
    /// The message fault armed now.
    pub armed: Option<MessageMatch>,
    /// The app's dispatch (built once, so the props stay equal between renders).
    pub send: Callback<Msg>,
}

/// The kinds "drop the next" offers, by Kafka's names (the ack first).
const KINDS: [&str; 9] = [
    "ProduceResponse",
    "ProduceRequest",
    "EndTxnRequest",
    "EndTxnResponse",
    "WriteTxnMarkersRequest",
    "AddPartitionsToTxnRequest",
    "InitProducerIdResponse",
    "OffsetCommitRequest",
    "FetchResponse",
];

#[function_component(FaultPalette)]
pub fn fault_palette(p: &Props) -> Html {
    let form = use_state(Form::default);
    let t = |k: T| text::t(p.lang, k);
    let f = *form;
    let set = |change: fn(&mut Form, Option<NodeId>)| {
        let form = form.clone();
        Callback::from(move |e: Event| {
            let mut f = *form;
            change(&mut f, select_value(&e).and_then(|v| NodeId::parse(&v)));
            form.set(f);
        })
    };
    let node_select = |label: T,
                       value: Option<NodeId>,
                       any: bool,
                       change: fn(&mut Form, Option<NodeId>)| {
        html! {
            <select aria-label={t(label)} onchange={set(change)}>
                if any {
                    <option value="any" selected={value.is_none()}>{ t(T::AnyNode) }</option>
                }
                { for p.nodes.iter().map(|n| { let s = n.to_string(); html! { <option value={s.clone()} selected={value == Some(*n)}>{ s }</option> } }) }
            </select>
        }
    };
    let send = &p.send;
    let valid_pair = f.a.is_some() && f.b.is_some() && f.a != f.b;
    let pair_action = |mk: fn(NodeId, NodeId) -> FaultAction| match (f.a, f.b) {
        (Some(a), Some(b)) if a != b => send.reform(move |_| Msg::Fault(mk(a, b))),
        _ => Callback::noop(),
    };
    let node_action = |mk: fn(NodeId) -> FaultAction| match f.node {
        Some(n) => send.reform(move |_| Msg::Fault(mk(n))),
        None => Callback::noop(),
    };
    let on_rate = {
        let form = form.clone();
        Callback::from(move |e: InputEvent| {
            let mut f = *form;
            f.per_mille = e
                .target_dyn_into::<HtmlInputElement>()
                .and_then(|i| i.value().parse().ok())
                .unwrap_or(0)
                .min(1000);
            form.set(f);
        })
    };
    let on_kind = {
        let form = form.clone();
        Callback::from(move |e: Event| {
            let mut f = *form;
            f.kind = select_value(&e).and_then(|v| MessageKind::parse(&v));
            form.set(f);
        })
    };
    let armed = MessageMatch {
        kind: f.kind,
        from: None,
        to: f.to,
        nth: 0,
    };
    let kind_name = f.kind.map(|k| k.name());
    let rate = f.per_mille;
    html! {
        <div class="faults">
            <p class="hint">{ t(T::FaultsHint) }</p>
            <div class="row">
                <span class="label">{ t(T::DropTheNext) }</span>
                <select aria-label={t(T::KindToDrop)} onchange={on_kind}>
                    { for KINDS.iter().map(|k| html! {
                        <option value={*k} selected={kind_name == Some(*k)}>{ if *k == "ProduceResponse" { t(T::TheAck) } else { k } }</option>
                    }) }
                    <option value="any" selected={f.kind.is_none()}>{ t(T::AnyMessage) }</option>
                </select>
                <span class="label">{ t(T::To) }</span>
                { node_select(T::ReceiverToDrop, f.to, true, |f, v| f.to = v) }
                <button type="button" class="fault" onclick={send.reform(move |_| Msg::Arm(Some(armed)))}>{ t(T::DropNext) }</button>
            </div>
            if let Some(a) = &p.armed {
                <p class="armed" role="status">{ text::armed_text(p.lang, a.kind.map(|k| k.name()), a.to.map(|n| n.to_string()).as_deref()) }
                    <button type="button" class="small" onclick={send.reform(|_| Msg::Arm(None))}>{ t(T::Cancel) }</button></p>
            }
            <div class="row">
                <span class="label">{ t(T::Node) }</span>
                { node_select(T::NodeToCrash, f.node, false, |f, v| f.node = v) }
                <button type="button" class="fault" onclick={node_action(FaultAction::Crash)}>{ t(T::Crash) }</button>
                <button type="button" class="fault" onclick={node_action(FaultAction::Restart)}>{ t(T::Restart) }</button>
            </div>
            <div class="row">
                <span class="label">{ t(T::Link) }</span>
                { node_select(T::LinkFirst, f.a, false, |f, v| f.a = v) }
                <span class="label">{ "↔" }</span>
                { node_select(T::LinkSecond, f.b, false, |f, v| f.b = v) }
                <button type="button" class="fault" disabled={!valid_pair} onclick={pair_action(FaultAction::Partition)}>{ t(T::Partition) }</button>
                <button type="button" class="fault" disabled={!valid_pair} onclick={pair_action(FaultAction::Heal)}>{ t(T::Heal) }</button>
                <button type="button" class="fault" disabled={!valid_pair} onclick={pair_action(FaultAction::Hold)}>{ t(T::Hold) }</button>
                <button type="button" class="fault" disabled={!valid_pair} onclick={pair_action(FaultAction::Release)}>{ t(T::Release) }</button>
            </div>
            <div class="row">
                <label class="rate">
                    <span class="label">{ t(T::DropRate) }</span>
                    <input type="range" min="0" max="1000" step="10" value={rate.to_string()} aria-label={t(T::DropRateLabel)} oninput={on_rate} />
                    <span class="value">{ format!("{}‰", rate) }</span>
                </label>
                <button type="button" class="fault" onclick={send.reform(move |_| Msg::Fault(FaultAction::DropRate { from: None, to: None, per_mille: rate }))}>{ t(T::AllLinks) }</button>
            </div>
        </div>
    }
}
