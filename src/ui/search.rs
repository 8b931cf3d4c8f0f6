//! "Find a failure": the panel that searches fault schedules (`sim::search`) for the shortest one
//! breaking a property, or reaching a situation, under the draft's settings.
//!
//! The search runs on the page's own thread, in cooperative slices from requestAnimationFrame:
//! each frame runs `Search::run_for(n)`, times it with `performance.now()` and adapts `n` so a
//! slice takes at most ~8 ms, which leaves the frame room to draw and keeps it under 16 ms.
//! No Web Worker, on purpose: every widget on a page shares one wasm instance, and a worker would
//! need a second JS entry point and its own module instantiation (the simulation state cannot be
//! shared with it), a `worker-src` the strict CSP does not grant, and sandboxed iframes may
//! refuse workers altogether. Slices work everywhere the app does.

use super::controls::{input_value, select_value};
use super::{App, Msg};
use crate::catalog::{self as text, T};
use crate::sim::checker::{Property, Violation};
use crate::sim::scenario::ScenarioFile;
use crate::sim::search::{Bounds, Goal, Search};
use crate::sim::timeline::UserAction;
use gloo::render::AnimationFrame;
use web_sys::{Event, HtmlInputElement};
use yew::prelude::*;

/// How long one slice of the search may take, in ms.
pub const SLICE_MS: f64 = 8.0;
/// The first slice's size in simulated steps (adapted after each slice).
pub const FIRST_SLICE: u64 = 200;

/// The panel's form.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchForm {
    /// `any`, a property's name, `blocked` or `fenced`.
    pub goal: String,
    pub max_faults: u32,
    pub max_states: u64,
    pub max_depth: u64,
    pub client_crashes: bool,
}

impl Default for SearchForm {
    fn default() -> Self {
        SearchForm {
            goal: "any".into(),
            max_faults: 1,
            max_states: 200_000,
            max_depth: 400,
            client_crashes: true,
        }
    }
}

impl SearchForm {
    pub fn goal(&self) -> Goal {
        match self.goal.as_str() {
            "blocked" => Goal::ReadCommittedBlocked,
            "fenced" => Goal::ProducerFenced,
            g => Goal::Violation(Property::parse(g)),
        }
    }

    pub fn bounds(&self) -> Bounds {
        Bounds {
            max_faults: self.max_faults.clamp(1, 3),
            max_states: self.max_states.clamp(1_000, 100_000_000),
            max_depth: self.max_depth.clamp(1, 1_000_000),
            client_crashes: self.client_crashes,
            max_bytes: crate::sim::limits::SEARCH_BUDGET_BYTES,
        }
    }
}

/// A search in progress.
pub struct Running {
    pub search: Search,
    /// What it searches: the draft's file (its schedule is cleared for the counterexample) and seed.
    pub file: ScenarioFile,
    pub seed: u64,
    pub situation: bool,
    pub started: f64,
    /// Steps per slice, adapted to the slice budget.
    pub slice: u64,
    /// When the panel was last redrawn (the progress line need not change every frame).
    pub drawn: f64,
    pub frame: Option<AnimationFrame>,
}

impl Running {
    pub fn rate(&self, now: f64) -> f64 {
        let secs = ((now - self.started) / 1000.0).max(0.001);
        self.search.states as f64 / secs
    }
}

/// How the last search ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Finished {
    Found {
        situation: bool,
        actions: Vec<(u64, UserAction)>,
        violation: Option<Violation>,
        step: u64,
    },
    NotFound {
        situation: bool,
        exhausted: bool,
        faults: u32,
        depth: u64,
        states: u64,
    },
    Cancelled(u64),
    /// Stopped at its memory budget after this many states.
    MemoryBudget(u64),
    Error(String),
}

/// `performance.now()`.
pub fn now() -> f64 {
    gloo::utils::window()
        .performance()
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// The next slice's size: what fits the budget at the measured speed, at most twice the last.
pub fn adapt(slice: u64, took_ms: f64) -> u64 {
    let fit = if took_ms > 0.05 {
        (slice as f64 * SLICE_MS * 0.9 / took_ms) as u64
    } else {
        slice * 2
    };
    fit.clamp(16, slice.saturating_mul(2).max(32))
}

fn goal_options(lang: super::Lang) -> Vec<(String, String)> {
    let mut v = vec![("any".to_string(), text::t(lang, T::AnyProperty).to_string())];
    v.extend(Property::ALL.iter().map(|p| {
        (
            p.name().to_string(),
            format!("{} — {}", p.name(), text::property_summary(lang, *p)),
        )
    }));
    v.push(("blocked".into(), text::t(lang, T::GoalBlocked).into()));
    v.push(("fenced".into(), text::t(lang, T::GoalZombie).into()));
    v
}

pub fn view(app: &App) -> Html {
    let send = &app.send;
    let lang = app.lang;
    let f = &app.search_form;
    let running = app.searching.as_ref();
    let form = |change: fn(&mut SearchForm, String)| {
        let f = f.clone();
        send.reform(move |e: Event| {
            let mut f = f.clone();
            change(
                &mut f,
                select_value(&e)
                    .or_else(|| input_value(&e))
                    .unwrap_or_default(),
            );
            Msg::SearchForm(f)
        })
    };
    let on_goal = form(|f, v| f.goal = v);
    let on_faults = form(|f, v| f.max_faults = v.parse().unwrap_or(1));
    let on_states = form(|f, v| {
        f.max_states = v
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(200_000)
    });
    let on_depth = form(|f, v| {
        f.max_depth = v
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(400)
    });
    let on_crashes = {
        let f = f.clone();
        send.reform(move |e: Event| {
            let mut f = f.clone();
            f.client_crashes = e
                .target_dyn_into::<HtmlInputElement>()
                .is_some_and(|i| i.checked());
            Msg::SearchForm(f)
        })
    };
    let busy = running.is_some();
    let progress = running.map(|r| {
        let b = r.search.bounds();
        html! {
            <div class="search-progress" role="status">
                <progress max={b.max_states.to_string()} value={r.search.states.to_string()}
                    aria-label={text::t(lang, T::SearchProgress)}></progress>
                <p class="search-stats">{ text::search_progress(lang, r.search.states, r.search.depth, r.search.level(), r.rate(now())) }</p>
            </div>
        }
    });
    let result = app.search_result.as_ref().map(|r| result_view(app, r));
    html! {
        <div class="search">
            <p class="hint">{ text::t(lang, T::SearchHint) }</p>
            <label class="search-goal">
                <span class="label">{ text::t(lang, T::Goal) }</span>
                <select onchange={on_goal} disabled={busy} aria-label={text::t(lang, T::SearchGoal)}>
                    { for goal_options(lang).into_iter().map(|(v, l)| { let sel = v == f.goal; html! { <option value={v} selected={sel}>{ l }</option> } }) }
                </select>
            </label>
            <div class="search-bounds">
                <label>
                    <span class="label">{ text::t(lang, T::MaxFaults) }</span>
                    <select onchange={on_faults} disabled={busy} aria-label={text::t(lang, T::MaxFaults)}>
                        { for (1..=3u32).map(|k| html! { <option value={k.to_string()} selected={f.max_faults == k}>{ k }</option> }) }
                    </select>
                </label>
                <label>
                    <span class="label">{ text::t(lang, T::MaxStates) }</span>
                    <input type="text" inputmode="numeric" size="8" value={f.max_states.to_string()} disabled={busy} onchange={on_states}
                        aria-label={text::t(lang, T::MaxStates)} />
                </label>
                <label>
                    <span class="label">{ text::t(lang, T::MaxDepth) }</span>
                    <input type="text" inputmode="numeric" size="5" value={f.max_depth.to_string()} disabled={busy} onchange={on_depth}
                        aria-label={text::t(lang, T::MaxDepth)} />
                </label>
                <label class="check">
                    <input type="checkbox" checked={f.client_crashes} disabled={busy} onchange={on_crashes} />
                    { text::t(lang, T::CrashClients) }
                </label>
            </div>
            <div class="search-buttons">
                <button type="button" class="go" disabled={busy || app.session.draft_error.is_some()} onclick={send.reform(|_| Msg::SearchStart)}>
                    { text::t(lang, T::Start) }</button>
                <button type="button" disabled={!busy} onclick={send.reform(|_| Msg::SearchCancel)}>{ text::t(lang, T::Cancel) }</button>
            </div>
            { progress.unwrap_or_default() }
            { result.unwrap_or_default() }
        </div>
    }
}

fn result_view(app: &App, r: &Finished) -> Html {
    let lang = app.lang;
    let send = &app.send;
    match r {
        Finished::Found {
            situation,
            actions,
            violation,
            step,
        } => {
            let step = *step;
            html! {
                <div class="search-result found" role="status">
                    <p><strong>{ text::search_found(lang, *situation, actions.len(), step) }</strong></p>
                    if !actions.is_empty() {
                        <ol class="search-faults">
                            { for actions.iter().map(|(s, a)| html! { <li>{ text::action_text(lang, *s, a) }</li> }) }
                        </ol>
                    }
                    if let Some(v) = violation {
                        <p class="search-violation"><code>{ v.property.name() }</code>{ ": " }{ text::violation(lang, &v.detail) }</p>
                        if let Some(e) = v.expected {
                            <p class="hint">{ text::expected_because(lang, e) }</p>
                        }
                    }
                    <p class="hint">{ text::t(lang, T::SearchLoaded) }</p>
                    <div class="search-buttons">
                        <button type="button" class="small" onclick={send.reform(move |_| Msg::Seek(step))}>
                            { text::go_to_step_text(lang, step, None) }</button>
                        if !app.opts.embed.widget {
                            <button type="button" class="small" onclick={send.reform(|_| Msg::CopyLink)}>
                                { text::t(lang, T::CopyLink) }</button>
                        }
                    </div>
                </div>
            }
        }
        Finished::NotFound {
            situation,
            exhausted,
            faults,
            depth,
            states,
        } => html! {
            <p class="search-result not-found" role="status">
                { text::search_not_found(lang, *situation, *exhausted, *faults, *depth, *states) }</p>
        },
        Finished::Cancelled(states) => html! {
            <p class="search-result cancelled" role="status">{ text::search_cancelled(lang, *states) }</p>
        },
        Finished::MemoryBudget(states) => html! {
            <p class="search-result cancelled" role="status">{ text::search_memory_budget(lang, *states) }</p>
        },
        Finished::Error(e) => html! { <p class="error inline" role="alert">{ e }</p> },
    }
}
