//! The stage: the one drawing at the top of every widget and of the app. Nodes and links, the
//! partitions drawn on the broker that leads them, every message in flight as a labelled token
//! that travels along its link in simulated time, a lost message as a labelled ✕ where it was
//! lost, timers as rings on their owner, and the story's knobs. What to draw is computed
//! natively (`crate::stage`); this component only renders it and animates the time shown.
//!
//! Animation: the component gets the step's snapshot, the tick it is at and the next event's
//! tick. While the run plays it asks for animation frames and shows the time between the two in
//! proportion to the real time the step lasts at the chosen speed, so tokens glide; paused, it
//! asks for none. Its own state (the time shown) re-renders only the stage.

use super::logview::fmt;
use super::{App, Msg};
use crate::catalog::{self as text, Lang, T};
use crate::session::MessageFault;
use crate::sim::message::MessageKind;
use crate::sim::producer::SendStatus;
use crate::sim::timeline::Timeline;
use crate::sim::types::NodeId;
use crate::sim::world::DropReason;
use crate::sim::world::World;
use crate::stage::{Loss, MiniLog, Ring, Snapshot, StageNode, Token};
use crate::story::Knob;
use gloo::render::request_animation_frame;
use std::rc::Rc;
use web_sys::KeyboardEvent;
use yew::prelude::*;

#[derive(Properties)]
pub struct StageProps {
    pub snap: Rc<Snapshot>,
    /// Status lines per node, in the reader's language: two, and a producer's third (what it
    /// still waits to hear about).
    pub status: Rc<Vec<(NodeId, [String; 3])>>,
    pub lang: Lang,
    /// The tick of the step shown, and of the next event (the time a step spans).
    pub now: f64,
    pub next: Option<f64>,
    pub playing: bool,
    /// How long a step lasts at the chosen speed, in ms, and when this one began
    /// (`performance.now()` time).
    pub step_ms: f64,
    pub stamp: f64,
    /// Names the current beat is about (nodes, partitions): the rest is dimmed.
    pub focus: Rc<Vec<String>>,
    pub selected: Option<u64>,
    pub on_select: Callback<u64>,
    pub knobs: Rc<Vec<Knob>>,
    pub on_knob: Callback<&'static str>,
}

/// The snapshots are built once per render of the app, so they are compared by pointer (cheap,
/// and no deep comparison code for every type on the stage); the rest by value.
impl PartialEq for StageProps {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.snap, &o.snap)
            && Rc::ptr_eq(&self.status, &o.status)
            && Rc::ptr_eq(&self.focus, &o.focus)
            && Rc::ptr_eq(&self.knobs, &o.knobs)
            && self.lang == o.lang
            && self.now.to_bits() == o.now.to_bits()
            && self.next.map(f64::to_bits) == o.next.map(f64::to_bits)
            && self.playing == o.playing
            && self.step_ms.to_bits() == o.step_ms.to_bits()
            && self.stamp.to_bits() == o.stamp.to_bits()
            && self.selected == o.selected
            && self.on_select == o.on_select
            && self.on_knob == o.on_knob
    }
}

/// Steps shorter than this are not animated (nothing would be seen).
const MIN_ANIMATED_STEP_MS: f64 = 40.0;

#[function_component(Stage)]
pub fn stage(p: &StageProps) -> Html {
    // The time shown while a step animates; `None`: the step's own tick.
    let shown = use_state(|| None::<f64>);
    // `prefers-reduced-motion: reduce`: tokens jump from step to step instead of gliding.
    let reduced = *use_memo((), |_| {
        gloo::utils::window()
            .match_media("(prefers-reduced-motion: reduce)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches())
    });
    {
        let shown = shown.clone();
        let next = p.next.unwrap_or(p.now);
        let animate = !reduced && p.playing && next > p.now && p.step_ms >= MIN_ANIMATED_STEP_MS;
        let deps = (
            animate,
            p.now.to_bits(),
            next.to_bits(),
            p.stamp.to_bits(),
            p.step_ms.to_bits(),
            shown.map(f64::to_bits),
        );
        let (now, stamp, step_ms) = (p.now, p.stamp, p.step_ms);
        use_effect_with(deps, move |_| {
            let frame = (animate && shown.is_none_or(|t| t < next)).then(|| {
                let shown = shown.clone();
                request_animation_frame(move |ts| {
                    let frac = ((ts - stamp) / step_ms).clamp(0.0, 1.0);
                    shown.set(Some(now + frac * (next - now)));
                })
            });
            if !animate && shown.is_some() {
                shown.set(None);
            }
            move || drop(frame)
        });
    }
    let t = shown.map_or(p.now, |t| {
        t.clamp(p.now, p.next.unwrap_or(p.now).max(p.now))
    });
    let (tokens, crowded) = crate::stage::place(&p.snap, t);
    let lay = &p.snap.layout;
    let lang = p.lang;
    let focused = |n: &str| p.focus.is_empty() || p.focus.iter().any(|f| f == n);
    let node_focused = |s: &StageNode| {
        focused(&s.node.to_string())
            || s.logs
                .iter()
                .any(|l| p.focus.iter().any(|f| *f == l.tp.to_string()))
    };
    let links = links(p);
    let nodes = lay.nodes.iter().map(|s| {
        let lines = p
            .status
            .iter()
            .find(|(n, _)| *n == s.node)
            .map_or(["", "", ""], |(_, l)| {
                [l[0].as_str(), l[1].as_str(), l[2].as_str()]
            });
        node(lang, s, lines, !node_focused(s))
    });
    let rings = p.snap.rings.iter().filter_map(|r| ring(lang, lay, r, t));
    let losses = p.snap.losses.iter().map(|l| loss(lang, l));
    let token_focus = |tk: &Token| focused(&tk.from.to_string()) || focused(&tk.to.to_string());
    let toks = tokens.iter().map(|tk| {
        token(
            lang,
            tk,
            p.selected == Some(tk.id),
            !token_focus(tk),
            &p.on_select,
        )
    });
    let hidden = p.snap.idle + crowded;
    let aria = text::t(lang, T::StageLabel);
    html! {
        <div class={classes!("stage", lay.tall.then_some("tall"))}>
            if !p.knobs.is_empty() {
                <div class="knobs" role="group" aria-label={text::t(lang, T::FlipSettings)}>
                    { for p.knobs.iter().map(|k| knob(lang, k, &p.on_knob)) }
                </div>
            }
            <svg class="topo stage-svg" viewBox={format!("0 0 {} {}", fmt(lay.width), fmt(lay.height))}
                width={fmt(lay.width)} height={fmt(lay.height)} role="group" aria-label={aria}>
                { for links }
                { for nodes }
                { for rings }
                { for toks }
                { for losses }
            </svg>
            // Always there (empty when nothing is left out), so the stage keeps its height.
            <p class={classes!("muted", "small", "stage-note", (hidden == 0).then_some("idle"))} aria-hidden={(hidden == 0).to_string()}>{ text::more_in_flight_text(lang, hidden) }</p>
        </div>
    }
}

fn knob(lang: Lang, k: &Knob, on_knob: &Callback<&'static str>) -> Html {
    let key = k.key;
    let on = matches!(k.now.as_str(), "true" | "all" | "read_committed");
    let title = text::knob_title(lang, key);
    html! {
        <button type="button" role="switch" aria-checked={on.to_string()} title={title}
            class={classes!("knob", on.then_some("on"), k.flipped().then_some("flipped"))}
            onclick={on_knob.reform(move |_| key)}>
            <span class="knob-track" aria-hidden="true"><span class="knob-thumb"></span></span>
            <span class="knob-key mono">{ key }</span>{ " = " }<strong class="mono">{ &k.now }</strong>
        </button>
    }
}

fn links(p: &StageProps) -> Vec<Html> {
    let lay = &p.snap.layout;
    let mut out = Vec::new();
    let clients: Vec<NodeId> = lay
        .nodes
        .iter()
        .map(|n| n.node)
        .filter(|n| !matches!(n, NodeId::Broker(_)))
        .collect();
    let brokers: Vec<NodeId> = lay
        .nodes
        .iter()
        .map(|n| n.node)
        .filter(|n| matches!(n, NodeId::Broker(_)))
        .collect();
    let mut pairs: Vec<(NodeId, NodeId)> = Vec::new();
    for c in &clients {
        for b in &brokers {
            pairs.push((*c, *b));
        }
    }
    for (i, a) in brokers.iter().enumerate() {
        for b in &brokers[i + 1..] {
            pairs.push((*a, *b));
        }
    }
    for (a, b) in pairs {
        let Some(((x1, y1), (x2, y2))) = lay.ports(a, b) else {
            continue;
        };
        let cut = p.snap.losses.iter().any(|l| {
            l.reason == DropReason::Partitioned
                && ((l.from, l.to) == (a, b) || (l.to, l.from) == (a, b))
        });
        out.push(html! {
            <line key={format!("{}-{}", a, b)} class={classes!("link", cut.then_some("partitioned"))} x1={fmt(x1)} y1={fmt(y1)} x2={fmt(x2)} y2={fmt(y2)}>
                <title>{ format!("{} ↔ {}", a, b) }</title>
            </line>
        });
    }
    out
}

fn node(lang: Lang, s: &StageNode, [status, status2, status3]: [&str; 3], dim: bool) -> Html {
    let r = s.rect;
    let kind = match s.node {
        NodeId::Producer(_) => "producer",
        NodeId::Broker(_) => "broker",
        NodeId::Consumer(_) => "consumer",
    };
    let mut y = r.y + 36.0;
    let mut extra: Vec<Html> = Vec::new();
    let mut roles = Vec::new();
    if s.txn_coordinator {
        roles.push(text::t(lang, T::TxnCoordinator));
    }
    if s.group_coordinator {
        roles.push(text::t(lang, T::GroupCoordinator));
    }
    if matches!(s.node, NodeId::Broker(_)) {
        for role in roles {
            extra.push(html! { <text class="role" x={fmt(r.x + 10.0)} y={fmt(y)}>{ role }</text> });
            y += 16.0;
        }
        for log in &s.logs {
            extra.push(mini_log(
                lang,
                log,
                r.x + 10.0,
                y - 4.0,
                r.w - 20.0,
                s.log_label_w,
            ));
            y += 34.0;
        }
    }
    html! {
        <g key={s.node.to_string()} class={classes!("node", kind, (!s.alive).then_some("down"), dim.then_some("dim"))}>
            <rect x={fmt(r.x)} y={fmt(r.y)} width={fmt(r.w)} height={fmt(r.h)} rx="8" />
            <text class="name" x={fmt(r.x + 10.0)} y={fmt(r.y + 19.0)}>{ s.node.to_string() }</text>
            if matches!(s.node, NodeId::Broker(_)) {
                // Right of its name (bold 13 px: ~8 px a character), squeezed when the groups'
                // states are longer than the room left.
                { fitted(r.x + r.w - 16.0, r.y + 19.0, r.w - 34.0 - 8.0 * s.node.to_string().len() as f64, status, Some("end")) }
            } else {
                { fitted(r.x + 10.0, r.y + 36.0, r.w - 20.0, status, None) }
                { fitted(r.x + 10.0, r.y + 50.0, r.w - 20.0, status2, None) }
                if !status3.is_empty() {
                    <text class="status pending" x={fmt(r.x + 10.0)} y={fmt(r.y + 64.0)}>{ status3 }</text>
                }
            }
            { for extra }
            if !s.alive { <text class="crash" x={fmt(r.x + r.w - 10.0)} y={fmt(r.y + r.h - 8.0)} text-anchor="end">{ text::t(lang, T::DownMark) }</text> }
        </g>
    }
}

/// A status line squeezed into `width` when it is long (10 px monospace: ~6.1 px a character),
/// starting at `x` or, with `anchor` "end", ending there.
fn fitted(x: f64, y: f64, width: f64, text: &str, anchor: Option<&'static str>) -> Html {
    let squeeze = text.chars().count() as f64 * 6.1 > width;
    html! {
        <text class="status" x={fmt(x)} y={fmt(y)} text-anchor={anchor}
            textLength={squeeze.then(|| fmt(width.max(24.0)))}
            lengthAdjust={squeeze.then_some("spacingAndGlyphs")}>{ text }</text>
    }
}

/// A partition on its leader: its name, its newest cells and the high watermark.
fn mini_log(lang: Lang, log: &MiniLog, x: f64, y: f64, w: f64, label_w: f64) -> Html {
    let cell_w = ((w - label_w) / log.capacity.max(1) as f64).clamp(16.0, 30.0);
    let cells = log.cells.iter().enumerate().map(|(k, c)| {
        let cx = x + label_w + k as f64 * cell_w;
        let class = match (c.marker, c.producer) {
            (Some(true), _) => classes!("mcell", "commit"),
            (Some(false), _) => classes!("mcell", "abort"),
            (None, Some(p)) => classes!("mcell", format!("p{}", p % 4), c.transactional.then_some("txn"), c.duplicate.then_some("dup"), c.aborted.then_some("aborted")),
            (None, None) => classes!("mcell", "out", c.transactional.then_some("txn")),
        };
        let title = text::stage_cell_title(lang, c.offset, &c.label, c.aborted);
        html! {
            <g class={class}>
                <title>{ title }</title>
                <rect x={fmt(cx)} y={fmt(y)} width={fmt(cell_w - 2.0)} height="20" rx="3" />
                <text x={fmt(cx + (cell_w - 2.0) / 2.0)} y={fmt(y + 14.0)}>{ &c.label }</text>
                if c.aborted {
                    <line class="strike" x1={fmt(cx + 1.0)} y1={fmt(y + 19.0)} x2={fmt(cx + cell_w - 3.0)} y2={fmt(y + 1.0)} />
                }
            </g>
        }
    });
    // The high watermark: a tick after the last cell it covers.
    let first = log.cells.first().map_or(0, |c| c.offset);
    let hw_k = log.high_watermark.saturating_sub(first) as f64;
    let at = |o: u64| {
        x + label_w + (o.saturating_sub(first) as f64).min(log.capacity as f64) * cell_w - 1.0
    };
    let hw_x = at(log.high_watermark);
    let lso_x = at(log.last_stable_offset);
    let _ = hw_k;
    html! {
        <g class="mini-log">
            <text class="tp" x={fmt(x)} y={fmt(y + 14.0)}>{ log.tp.to_string() }</text>
            { for cells }
            if !log.cells.is_empty() {
                <line class="hw" x1={fmt(hw_x)} y1={fmt(y - 3.0)} x2={fmt(hw_x)} y2={fmt(y + 23.0)}>
                    <title>{ format!("{} {}", text::t(lang, T::HwName), log.high_watermark) }</title>
                </line>
                <text class="hw-label" x={fmt(hw_x)} y={fmt(y + 31.0)}>{ "HW" }</text>
                if log.last_stable_offset < log.high_watermark {
                    <line class="lso" x1={fmt(lso_x)} y1={fmt(y - 3.0)} x2={fmt(lso_x)} y2={fmt(y + 23.0)}>
                        <title>{ format!("{} {}", text::t(lang, T::LsoName), log.last_stable_offset) }</title>
                    </line>
                    <text class="lso-label" x={fmt(lso_x)} y={fmt(y + 31.0)}>{ "LSO" }</text>
                }
            } else {
                <text class="empty" x={fmt(x + label_w)} y={fmt(y + 14.0)}>{ text::t(lang, T::EmptyLog) }</text>
            }
        </g>
    }
}

fn family(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::ProduceRequest | MessageKind::ProduceResponse => "fam-produce",
        MessageKind::FetchRequest
        | MessageKind::FetchResponse
        | MessageKind::ReplicaFetchRequest
        | MessageKind::ReplicaFetchResponse => "fam-fetch",
        MessageKind::OffsetCommitRequest
        | MessageKind::OffsetCommitResponse
        | MessageKind::OffsetFetchRequest
        | MessageKind::OffsetFetchResponse => "fam-offsets",
        _ => "fam-txn",
    }
}

fn token(lang: Lang, tk: &Token, selected: bool, dim: bool, on_select: &Callback<u64>) -> Html {
    let id = tk.id;
    let r = tk.rect;
    let label = text::token_label(
        lang,
        tk.kind.name(),
        id,
        &tk.from.to_string(),
        &tk.to.to_string(),
        &tk.summary,
    );
    let onkeydown = {
        let on_select = on_select.clone();
        Callback::from(move |ev: KeyboardEvent| {
            if ev.key() == "Enter" || ev.key() == " " {
                ev.prevent_default();
                ev.stop_propagation();
                on_select.emit(id);
            }
        })
    };
    let note = if tk.held {
        Some(text::t(lang, T::HeldWord))
    } else if tk.delayed {
        Some(text::t(lang, T::DelayedWord))
    } else if tk.copy {
        Some(text::t(lang, T::CopyWord))
    } else {
        None
    };
    html! {
        <g key={id.to_string()} class={classes!("msg", "token", family(tk.kind), tk.kind.is_response().then_some("response"),
                tk.held.then_some("held"), tk.delayed.then_some("delayed"), tk.copy.then_some("copy"),
                tk.refused.then_some("refused"), selected.then_some("selected"), dim.then_some("dim"))}
            transform={format!("translate({},{})", fmt(r.x), fmt(r.y))} data-id={id.to_string()}
            tabindex="0" role="button" aria-label={label.clone()} aria-pressed={selected.to_string()}
            onclick={on_select.reform(move |_| id)} {onkeydown}>
            <title>{ label }</title>
            <rect class="glyph" x="0" y="0" width={fmt(r.w)} height={fmt(r.h)} rx={if tk.kind.is_response() { "3" } else { "10" }} />
            if crate::stage::token_width(&tk.label) > r.w + 0.5 {
                <text x={fmt(r.w / 2.0)} y="14" textLength={fmt(r.w - 8.0)} lengthAdjust="spacingAndGlyphs">{ &tk.label }</text>
            } else {
                <text x={fmt(r.w / 2.0)} y="14">{ &tk.label }</text>
            }
            if let Some(n) = note {
                <text class="token-note" x={fmt(r.w / 2.0)} y="-3">{ n }</text>
            }
        </g>
    }
}

fn loss(lang: Lang, l: &Loss) -> Html {
    let (x, y) = l.at;
    let why = text::loss_text(lang, l.reason);
    let text = format!("{} — {}", l.label, why);
    let head = format!("{} — {}", l.kind.name(), why);
    let detail = l
        .label
        .strip_prefix(l.kind.name())
        .unwrap_or("")
        .trim()
        .to_string();
    html! {
        <g key={l.id.to_string()} class="loss" role="img" aria-label={text.clone()} data-kind={l.kind.name()}>
            <title>{ text.clone() }</title>
            <circle cx={fmt(x)} cy={fmt(y)} r="11" />
            <text class="x" x={fmt(x)} y={fmt(y + 5.0)}>{ "✕" }</text>
            <text class="loss-label" x={fmt(l.label_at.0)} y={fmt(l.label_at.1)}>{ head }</text>
            <text class="loss-label detail" x={fmt(l.label_at.0)} y={fmt(l.label_at.1 + 14.0)}>{ detail }</text>
        </g>
    }
}

/// A timer as a ring on its owner's corner that empties as it runs out, with its key.
fn ring(lang: Lang, lay: &crate::stage::Layout, r: &Ring, t: f64) -> Option<Html> {
    let rect = lay.rect(r.node)?;
    let left = r.left(t);
    // Centred on the node's top-right corner (clear of its name); its key and time left just
    // under the node.
    let (cx, cy) = (rect.x + rect.w - 2.0, rect.y + 2.0);
    let radius = 11.0;
    let circ = 2.0 * std::f64::consts::PI * radius;
    let ms_left = (r.deadline - t).max(0.0).round();
    let text = text::timer_text(lang, r.key, &r.what, ms_left);
    Some(html! {
        <g key={format!("{}-{}-{}", r.node, r.key, r.what)} class={classes!("ring", (left < 0.2).then_some("late"))} role="img" aria-label={text.clone()}>
            <title>{ text }</title>
            <circle class="ring-track" cx={fmt(cx)} cy={fmt(cy)} r={fmt(radius)} />
            <circle class="ring-left" cx={fmt(cx)} cy={fmt(cy)} r={fmt(radius)}
                stroke-dasharray={format!("{} {}", fmt(circ * left), fmt(circ))}
                transform={format!("rotate(-90 {} {})", fmt(cx), fmt(cy))} />
            // Under the node, toward the middle of the stage (so it never leaves the drawing).
            if rect.center().0 > lay.width / 2.0 {
                <text class="ring-key" x={fmt(rect.x + rect.w)} y={fmt(rect.y + rect.h + 13.0)} text-anchor="end">{ format!("{} {} ms", r.key, ms_left) }</text>
            } else {
                <text class="ring-key" x={fmt(rect.x)} y={fmt(rect.y + rect.h + 13.0)}>{ format!("{} {} ms", r.key, ms_left) }</text>
            }
        </g>
    })
}

/// The stage for the app's run: the drawing, and under it the message a reader clicked.
pub(crate) fn view(app: &App, tl: &Timeline) -> Html {
    let w = &tl.sim.world;
    let step = tl.step_index();
    // Losses stay drawn for the rest of the beat they happened in.
    let since = match app.session.current_beat().and(app.session.cursor.at()) {
        Some(0) => 0,
        Some(i) => app.session.story.get(i - 1).map_or(0, |b| b.step),
        None => step.saturating_sub(60),
    };
    let snap = Rc::new(crate::stage::snapshot(
        w,
        &tl.sim.trace,
        app.stage_width,
        since,
        app.show_polling,
    ));
    let status = Rc::new(
        w.nodes()
            .into_iter()
            .map(|n| {
                let (a, b, _) = node_status(app.lang, w, n);
                (n, [a, b, awaiting(app.lang, w, n)])
            })
            .collect::<Vec<_>>(),
    );
    let focus = Rc::new(
        app.session
            .current_beat()
            .map_or_else(Vec::new, |b| b.highlight.clone()),
    );
    let send = app.send.clone();
    let on_select = send.reform(|id| Msg::SelectMsg(Some(id)));
    let on_knob = send.reform(Msg::Knob);
    let now = w.now.0 as f64;
    let next = w.events.keys().next().map(|(t, _)| t.0 as f64);
    html! {
        <section class="panel panel-stage panel-topology" aria-label={app.t(T::PStage)}>
            <div class="stage-box" ref={app.stage_ref.clone()}>
            <Stage {snap} {status} lang={app.lang} {now} {next} playing={app.playing}
                step_ms={1000.0 / app.steps_per_sec()} stamp={app.step_stamp} {focus}
                selected={app.session.selected} {on_select} knobs={app.session.knobs.clone()} {on_knob} />
            </div>
            { selected_panel(app, w) }
        </section>
    }
}

/// A producer's sends still waiting for their answer ("pending: v0 v1"): what it believes is
/// in flight, which a lost response leaves it waiting for (its belief table says the same).
fn awaiting(lang: Lang, w: &World, n: NodeId) -> String {
    let NodeId::Producer(i) = n else {
        return String::new();
    };
    let Some(p) = w.producers.get(i as usize).filter(|p| p.alive) else {
        return String::new();
    };
    let sends: Vec<(u32, u32)> = p
        .client
        .sends
        .iter()
        .filter(|s| matches!(s.4, SendStatus::Pending))
        .map(|s| (s.2 .0, s.3))
        .collect();
    text::awaiting_line(lang, &sends)
}

fn node_status(lang: Lang, w: &World, n: NodeId) -> (String, String, bool) {
    let crashed = || text::t(lang, T::Crashed).to_string();
    match n {
        NodeId::Producer(i) => match w.producers.get(i as usize) {
            Some(p) if !p.alive => (crashed(), String::new(), false),
            Some(p) => {
                let c = &p.client;
                let ids = if c.producer_id.is_none() {
                    text::t(lang, T::NoPid).to_string()
                } else {
                    format!(
                        "pid {} {} {}",
                        c.producer_id.0,
                        text::t(lang, T::Epoch),
                        c.producer_epoch.0
                    )
                };
                (
                    if p.halted.is_some() {
                        text::t(lang, T::StoppedMark).into()
                    } else {
                        c.state.name().into()
                    },
                    ids,
                    true,
                )
            }
            None => (String::new(), String::new(), false),
        },
        NodeId::Broker(b) => {
            match w.brokers.get(b as usize) {
                // The group coordinator's groups: state and generation (classic, `ClassicGroup`) or
                // group epoch (KIP-848, `ConsumerGroup`).
                Some(x) => {
                    let groups =
                        x.group_coordinator.as_ref().map(|g| {
                            let classic = g.groups.groups.values().map(|c| {
                                text::group_gen_text(lang, c.state.name(), c.generation_id)
                            });
                            let kip848 =
                                g.groups.consumer_groups.values().map(|c| {
                                    format!("{} {}", text::t(lang, T::Epoch), c.group_epoch)
                                });
                            classic.chain(kip848).collect::<Vec<_>>().join(" · ")
                        });
                    (groups.unwrap_or_default(), String::new(), x.alive)
                }
                None => (String::new(), String::new(), false),
            }
        }
        NodeId::Consumer(i) => match w.consumers.get(i as usize) {
            Some(c) if !c.alive => (crashed(), String::new(), false),
            Some(c) => {
                let sink = c.setup.sink.map(|s| (c.sink.row_count, s.idempotent));
                let second = text::consumer_stage_line(lang, sink, c.processed_total);
                // Its generation (or member epoch) as the group last gave it, when it is in one.
                let first = match c.member.generation_id {
                    g if g >= 0 => {
                        text::consumer_gen_text(lang, c.setup.cfg.isolation_level.name(), g)
                    }
                    _ => c.setup.cfg.isolation_level.name().to_string(),
                };
                (first, second, true)
            }
            None => (String::new(), String::new(), false),
        },
    }
}

fn selected_panel(app: &App, w: &World) -> Html {
    let send = &app.send;
    let Some(id) = app.session.selected else {
        return html! { <p class="hint">{ app.t(T::MsgTip) }</p> };
    };
    match w.net.in_flight.get(&id) {
        None => html! {
            <div class="selected-msg" role="status">
                <span>{ text::no_longer_in_flight_text(app.lang, id) }</span>
                <button type="button" class="small" onclick={send.reform(|_| Msg::SelectMsg(None))}>{ app.t(T::Close) }</button>
            </div>
        },
        Some(e) => html! {
            <div class="selected-msg" role="group" aria-label={app.t(T::ActOnMsg)}>
                <span class="what">{ format!("#{} {} {} → {}: {}{}", id, e.msg.kind().name(), e.from, e.to, e.msg.summary(), if e.held { app.t(T::Held) } else { "" }) }</span>
                <span class="actions">
                    <button type="button" class="fault" onclick={send.reform(|_| Msg::OnMsg(MessageFault::Drop))}>{ app.t(T::DropMsg) }</button>
                    <button type="button" class="fault" onclick={send.reform(|_| Msg::OnMsg(MessageFault::Duplicate))}>{ app.t(T::DuplicateMsg) }</button>
                    <button type="button" class="fault" disabled={e.held} onclick={send.reform(|_| Msg::OnMsg(MessageFault::Delay(1000)))}>{ app.t(T::DelayMsg) }</button>
                    <button type="button" class="small" onclick={send.reform(|_| Msg::SelectMsg(None))}>{ app.t(T::Close) }</button>
                </span>
            </div>
        },
    }
}
