//! Every sentence the UI writes, in one place. The app's own labels (buttons, panel names,
//! headings, status words, notices: [`T`] and the `*_text` functions below it) are in English and
//! Korean, keyed by [`Lang`]; Kafka's config keys, API names and state names stay verbatim in both.
//! The sentences about the simulation (event log, violations, timers) are English for now. The core
//! hands over structured data; this module phrases it.

use crate::sim::checker::{Detail, ExpectedBecause, Property};
use crate::sim::effects::Note;
use crate::sim::elr::ElectedFrom;
use crate::sim::world::{DropReason, LinkState, TraceKind};

/// The language (defined beside the option parser, which needs it natively).
pub use crate::embed_options::Lang;
use crate::embed_options::Panel;

/// Declares [`T`], one variant per label, and [`t`], its text in each language.
macro_rules! chrome {
    ($($k:ident => $en:literal, $ko:literal;)*) => {
        /// A fixed label of the app's own interface.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum T { $($k),* }

        /// A label in `lang`. Korean follows `static/glossary.json` (프로듀서, 컨슈머, 오프셋 커밋…).
        pub fn t(lang: Lang, k: T) -> &'static str {
            match (lang, k) {
                $((Lang::En, T::$k) => $en, (Lang::Ko, T::$k) => $ko,)*
            }
        }
    };
}

chrome! {
    // The page and the picker.
    AppLabel => "eoscope: Kafka exactly-once simulator. Space plays or pauses, left and right arrows step.",
        "eoscope: Kafka 정확히 한 번 시뮬레이터. 스페이스 키로 재생/일시정지, 왼쪽·오른쪽 화살표로 한 스텝씩 이동합니다.";
    Tagline => "Kafka's exactly-once machinery, simulated", "시뮬레이션으로 보는 Kafka의 정확히 한 번 처리";
    Scenario => "Scenario", "시나리오";
    YourFile => "(your scenario file)", "(직접 불러온 시나리오 파일)";
    SwitchLang => "Language: switch to Korean", "언어: 영어로 전환";
    OtherLang => "한국어", "English";
    NoticeSuffix => " — showing the default story instead.", " — 대신 기본 스토리를 보여 줍니다.";
    Loading => "Loading the scenario…", "시나리오를 불러오는 중…";
    ShowPanels => "Show or hide panels", "패널 보이기/숨기기";
    ScenarioFilePrefix => "scenario file: ", "시나리오 파일: ";
    CouldNotLoad => "could not load the scenario ", "시나리오를 불러오지 못했습니다: ";
    // Panels.
    PTopology => "Topology", "토폴로지";
    PLogs => "Partition logs", "파티션 로그";
    PBelief => "Belief vs log", "프로듀서의 인식 vs 로그";
    PConsumers => "Consumers & sink", "컨슈머와 싱크";
    PCoordinator => "Coordinator", "코디네이터";
    PSpaceTime => "Space-time", "시공간 다이어그램";
    PTimers => "Timers", "타이머";
    PVerdicts => "Verdicts", "판정";
    PEvents => "Event log", "이벤트 로그";
    PSettings => "Settings", "설정";
    PFaults => "Faults", "장애 주입";
    PSearch => "Find a failure", "실패 찾기";
    PCompare => "Side by side", "나란히 비교";
    // Sharing.
    CopyLink => "Copy link to this moment", "이 순간의 링크 복사";
    CopyEmbed => "Copy embed code", "임베드 코드 복사";
    LinkLabel => "Link to this moment", "이 순간의 링크";
    EmbedLabel => "Embed code", "임베드 코드";
    ShareNone => "A link names a shipped story or a file by its URL (src): this run comes from a file pasted or written into the page. Share it with Export / open a trace → Download trace (JSON).",
        "링크는 기본 제공 스토리나 URL(src)로 가리킨 파일만 담을 수 있습니다. 이 실행은 페이지에 붙여 넣거나 적어 둔 파일에서 시작했으니, 내보내기 / 트레이스 열기 → 트레이스 내려받기(JSON)로 공유하세요.";
    EmbedFor => "For", "사용할 곳";
    EmbedBase => "eoscope's files (dist/) on your site", "내 사이트에서 eoscope 파일(dist/) 경로";
    VersionCaveats => "What the model simplifies for this version", "이 버전에서 모델이 단순화한 것";
    InlineFile => "The scenario file inside the element:", "요소 안의 시나리오 파일:";
    OwnFileNamed => "The scenario file", "시나리오 파일";
    ShareEdited => "This run's settings differ from the shipped story's, and a link carries only the story, the seed and your faults: share it with Export / open a trace → Download trace (JSON).", "이 실행의 설정은 스토리의 원래 설정과 다릅니다. 링크에는 스토리, 시드, 직접 넣은 장애만 담기므로, 내보내기 / 트레이스 열기 → 트레이스 내려받기(JSON)로 공유하세요.";
    Copied => "Copied to the clipboard.", "클립보드에 복사했습니다.";
    NoClipboard => "The page may not write to the clipboard: select the text and copy it.",
        "이 페이지는 클립보드에 쓸 수 없습니다. 텍스트를 선택해 복사하세요.";
    // The story.
    HaveWheel => "You have the wheel", "직접 조작하는 중";
    BackToStory => "Back to the story", "스토리로 돌아가기";
    StoryEdited => "You changed the settings; the story describes its original run.",
        "설정을 바꿨습니다. 이 스토리는 원래 설정으로 실행한 경우를 설명합니다.";
    PStage => "Stage", "무대";
    PrevBeat => "◀ previous beat", "◀ 이전 장면";
    NextBeat => "next beat ▶", "다음 장면 ▶";
    TakeWheel => "Take the wheel", "직접 조작하기";
    TakeWheelTitle => "Play freely from here; you can come back to this beat",
        "여기서부터 자유롭게 조작합니다. 언제든 이 장면으로 돌아올 수 있습니다";
    // Playback.
    Playback => "Playback", "재생 제어";
    ToStart => "Back to the start", "처음으로";
    StepBack => "Step back", "한 스텝 뒤로";
    StepBackTitle => "Step back (←)", "한 스텝 뒤로 (←)";
    PlayName => "Play", "재생";
    PauseName => "Pause", "일시정지";
    PlayText => "▶ Play", "▶ 재생";
    PauseText => "❚❚ Pause", "❚❚ 일시정지";
    PlayTitle => "Play / pause (space)", "재생 / 일시정지 (스페이스)";
    StepForward => "Step forward", "한 스텝 앞으로";
    StepForwardTitle => "Step forward (→)", "한 스텝 앞으로 (→)";
    ToEnd => "Run to the end", "끝까지 실행";
    Finished => "finished", "종료";
    Playing => "playing", "재생 중";
    Paused => "paused", "일시정지";
    TimelineLabel => "Timeline: step", "타임라인: 스텝";
    Speed => "Speed", "속도";
    SpeedLabel => "Speed (log scale)", "속도 (로그 스케일)";
    Seed => "Seed", "시드";
    PauseAtBeats => " pause at story beats", " 스토리 장면마다 멈추기";
    Rerun => "↺ Re-run from start", "↺ 처음부터 다시 실행";
    RerunTitle => "Start again with the settings below and this seed", "아래 설정과 이 시드로 처음부터 다시 시작합니다";
    // Faults.
    AnyNode => "any node", "모든 노드";
    AnyMessage => "any message", "모든 메시지";
    TheAck => "the ack (ProduceResponse)", "ack (ProduceResponse)";
    FaultsHint => "Click a message in flight in the topology to drop, duplicate or delay it, or use these.",
        "토폴로지에서 전송 중인 메시지를 클릭해 버리거나 복제하거나 지연시킬 수 있습니다. 아래 도구도 쓸 수 있습니다.";
    DropTheNext => "Drop the next", "다음 메시지 버리기:";
    KindToDrop => "Message kind to drop", "버릴 메시지 종류";
    To => "to", "받는 노드";
    ReceiverToDrop => "Receiver of the message to drop", "버릴 메시지를 받는 노드";
    DropNext => "Drop next", "다음 것 버리기";
    Cancel => "Cancel", "취소";
    Node => "Node", "노드";
    NodeToCrash => "Node to crash or restart", "크래시 또는 재시작할 노드";
    Crash => "Crash", "크래시";
    Restart => "Restart", "재시작";
    Link => "Link", "링크";
    LinkFirst => "First node of the link", "링크의 첫 번째 노드";
    LinkSecond => "Second node of the link", "링크의 두 번째 노드";
    Partition => "Partition", "네트워크 분할";
    Heal => "Heal", "복구";
    Hold => "Hold", "보류";
    Release => "Release", "해제";
    DropRate => "Random drop rate", "무작위 유실률";
    DropRateLabel => "Random drop rate, per mille", "무작위 유실률 (천분율)";
    AllLinks => "Apply to all links", "모든 링크에 적용";
    // A message in flight.
    MsgTip => "Tip: click a message in flight (or focus it and press Enter) to drop, duplicate or delay it.",
        "팁: 전송 중인 메시지를 클릭하면(또는 포커스하고 Enter) 버리거나 복제하거나 지연시킬 수 있습니다.";
    ActOnMsg => "Act on the selected message", "선택한 메시지 조작";
    Held => " (held)", " (보류됨)";
    DropMsg => "✕ Drop", "✕ 버리기";
    DuplicateMsg => "⑂ Duplicate", "⑂ 복제";
    DelayMsg => "⏱ Delay 1 s", "⏱ 1초 지연";
    Close => "Close", "닫기";
    StLegend => "● send · → delivery · ✕ lost · dashed: still in flight · faint: a duplicated copy · ✕ on a lane: crash · ○ restart · x = steps",
        "● 전송 · → 도착 · ✕ 유실 · 점선: 아직 전송 중 · 흐린 선: 복제된 사본 · 레인 위 ✕: 크래시 · ○ 재시작 · x축 = 스텝";
    // Verdicts.
    Pass => "✓ pass", "✓ 통과";
    SoFar => "✓ so far", "✓ 지금까지 통과";
    Fail => "✕ FAIL", "✕ 실패";
    NotApplicable => "– n/a", "– 해당 없음";
    ExpectedBadge => "expected with these settings", "이 설정에서는 예상된 결과";
    Differs => "Differs from the scenario's expectations: ", "시나리오의 예상과 다릅니다: ";
    // Belief vs log, consumers.
    NoSends => "No sends yet.", "아직 전송한 것이 없습니다.";
    ThSend => "send", "전송";
    ThPartition => "partition", "파티션";
    ThRecords => "records", "레코드";
    ThBelieves => "the producer believes", "프로듀서가 아는 것";
    ThLogHolds => "the log holds", "로그의 실제 내용";
    Pending => "pending…", "대기 중…";
    NotInLog => "not in the log", "로그에 없음";
    Duplicate => " — duplicate!", " — 중복!";
    Crashed => "crashed", "크래시";
    Running => "running", "실행 중";
    NoConsumer => "This scenario has no consumer.", "이 시나리오에는 컨슈머가 없습니다.";
    SinkTable => "Sink table", "싱크 테이블";
    ThValue => "value", "값";
    ThFrom => "from", "출처";
    DupMark => " (duplicate)", " (중복)";
    // Coordinator.
    NoTxnId => "No transactional.id in this scenario: the transaction coordinator has nothing to do. Set one in Settings to use transactions.",
        "이 시나리오에는 transactional.id가 없어 트랜잭션 코디네이터가 할 일이 없습니다. 트랜잭션을 쓰려면 설정에서 지정하세요.";
    NoCoordinator => "No transaction coordinator.", "트랜잭션 코디네이터가 없습니다.";
    Down => " (down)", " (중단됨)";
    StateMachine => "Transaction state machine; current: ", "트랜잭션 상태 머신; 현재: ";
    PartitionsColon => " · partitions: ", " · 파티션: ";
    None_ => "none", "없음";
    Empty => "Empty.", "비어 있음.";
    ThState => "state", "상태";
    ThPartitions => "partitions", "파티션";
    // Timers, events.
    ShowPolling => " show consumers' polling", " 컨슈머의 폴링 보기";
    EventLogLabel => "Event log, newest first", "이벤트 로그, 최신 순";
    // Settings.
    VersionPreset => "Kafka version preset", "Kafka 버전 프리셋";
    TopicCluster => "topic & cluster", "토픽과 클러스터";
    RerunToApply => " (re-run to apply)", " (다시 실행해야 적용)";
    CommitMode => "commit mode", "커밋 방식";
    WhatTheAppDoes => " (what the application does)", " (애플리케이션의 동작)";
    DefaultFromAutoCommit => "default (from enable.auto.commit)", "기본값 (enable.auto.commit에 따름)";
    NoFollower => " replication.factor=1: no follower to wait for", " replication.factor=1: 기다릴 팔로워가 없음";
    ApplyProducerTitle => "Restart this producer now with these settings (recorded in the run)",
        "이 설정으로 지금 이 프로듀서를 재시작합니다 (실행 기록에 남음)";
    ApplyConsumerTitle => "Restart this consumer now with these settings (recorded in the run)",
        "이 설정으로 지금 이 컨슈머를 재시작합니다 (실행 기록에 남음)";
    RerunWithSettings => "↺ Re-run from start with these settings", "↺ 이 설정으로 처음부터 다시 실행";
    SameSeed => " same seed and schedule", " 같은 시드와 스케줄";
    HideJson => "Hide the scenario file", "시나리오 파일 숨기기";
    EditJson => "Edit the scenario file (JSON)", "시나리오 파일 편집 (JSON)";
    JsonLabel => "Scenario file (JSON)", "시나리오 파일 (JSON)";
    LoadJson => "Load this scenario", "이 시나리오 불러오기";
    NothingToApply => "nothing to apply: these settings are already in effect", "적용할 것이 없습니다: 이미 이 설정으로 실행 중입니다";
    NotRunning => "the client is not running", "클라이언트가 실행 중이 아닙니다";
}

/// A panel's name (its heading and its chip).
pub fn panel_label(lang: Lang, p: Panel) -> &'static str {
    t(
        lang,
        match p {
            Panel::Topology => T::PTopology,
            Panel::Logs => T::PLogs,
            Panel::Belief => T::PBelief,
            Panel::Consumers => T::PConsumers,
            Panel::Coordinator => T::PCoordinator,
            Panel::SpaceTime => T::PSpaceTime,
            Panel::Timers => T::PTimers,
            Panel::Verdicts => T::PVerdicts,
            Panel::Events => T::PEvents,
            Panel::Settings => T::PSettings,
            Panel::Faults => T::PFaults,
            Panel::Search => T::PSearch,
            Panel::Compare => T::PCompare,
        },
    )
}

/// "step 12" (the clock, the scrubber's value).
pub fn step_text(lang: Lang, step: u64) -> String {
    match lang {
        Lang::En => format!("step {}", step),
        Lang::Ko => format!("스텝 {}", step),
    }
}

/// "step 12 of 40" (the scrubber's value for a screen reader).
pub fn step_of_text(lang: Lang, step: u64, end: u64) -> String {
    match lang {
        Lang::En => format!("step {} of {}", step, end),
        Lang::Ko => format!("스텝 {} / {}", step, end),
    }
}

/// Side by side's mark on the scrubber: where the two runs part.
pub fn part_mark_text(lang: Lang, step: u64) -> String {
    match lang {
        Lang::En => format!("the runs part at step {}", step),
        Lang::Ko => format!("두 실행이 갈라지는 곳: 스텝 {}", step),
    }
}

/// "Go to step 12" (with ` (t = … ms)` when `tick` is given).
pub fn go_to_step_text(lang: Lang, step: u64, tick: Option<u64>) -> String {
    let t = tick.map_or(String::new(), |t| format!(" (t = {} ms)", t));
    match lang {
        Lang::En => format!("Go to step {}{}", step, t),
        Lang::Ko => format!("{}번 스텝으로 이동{}", step, t),
    }
}

/// The playback speed, "3.2 steps/s".
pub fn speed_text(lang: Lang, sps: f64) -> String {
    let n = if sps < 1.0 {
        format!("{:.1}", sps)
    } else {
        format!("{:.0}", sps)
    };
    match lang {
        Lang::En => format!("{} steps/s", n),
        Lang::Ko => format!("초당 {} 스텝", n),
    }
}

/// A mark on the scrubber: `what` 0 = a fault, 1 = the reader's action, 2 = a violation.
pub fn mark_text(lang: Lang, what: u8, step: u64) -> String {
    match (lang, what) {
        (Lang::En, 0) => format!("fault at step {}", step),
        (Lang::En, 1) => format!("your action at step {}", step),
        (Lang::En, _) => format!("violation at step {}", step),
        (Lang::Ko, 0) => format!("스텝 {}: 장애", step),
        (Lang::Ko, 1) => format!("스텝 {}: 직접 한 조작", step),
        (Lang::Ko, _) => format!("스텝 {}: 위반", step),
    }
}

/// The armed fault: "the next ProduceResponse to producer-0 will be dropped" (`None`: any).
pub fn armed_text(lang: Lang, kind: Option<&str>, to: Option<&str>) -> String {
    match lang {
        Lang::En => format!(
            "Armed: the next {} to {} will be dropped.",
            kind.unwrap_or("message"),
            to.unwrap_or("any node")
        ),
        Lang::Ko => format!(
            "준비됨: {}에게 가는 다음 {}메시지를 버립니다.",
            to.unwrap_or("아무 노드"),
            kind.map_or(String::new(), |k| format!("{} ", k))
        ),
    }
}

/// "Apply now to producer-0".
pub fn apply_now_text(lang: Lang, node: &str) -> String {
    match lang {
        Lang::En => format!("Apply now to {}", node),
        Lang::Ko => format!("{}에 지금 적용", node),
    }
}

/// A setting's default as Kafka resolves it: "default (true)" in a choice, "default: 30000" as a
/// placeholder.
pub fn default_text(lang: Lang, value: &str, placeholder: bool) -> String {
    match (lang, placeholder) {
        (Lang::En, false) => format!("default ({})", value),
        (Lang::En, true) => format!("default: {}", value),
        (Lang::Ko, false) => format!("기본값 ({})", value),
        (Lang::Ko, true) => format!("기본값: {}", value),
    }
}

/// "producer-0 restarted with acks=all".
pub fn restarted_with_text(lang: Lang, node: &str, config: &str) -> String {
    match lang {
        Lang::En => format!("{} restarted with {}", node, config),
        Lang::Ko => format!("{}: {} 설정으로 재시작했습니다", node, config),
    }
}

/// The coordinator's broker line: "On broker-1 · coordinator epoch 0".
pub fn coordinator_on_text(
    lang: Lang,
    broker: u8,
    alive: bool,
    epoch: impl std::fmt::Display,
) -> String {
    let down = if alive { "" } else { t(lang, T::Down) };
    match lang {
        Lang::En => format!("On broker-{}{} · coordinator epoch {}", broker, down, epoch),
        Lang::Ko => format!("broker-{}{} · 코디네이터 에포크 {}", broker, down, epoch),
    }
}

/// "(5 records)" after `__transaction_state`.
pub fn records_count_text(lang: Lang, n: usize) -> String {
    match lang {
        Lang::En => format!(" ({} records)", n),
        Lang::Ko => format!(" (레코드 {}개)", n),
    }
}

/// "12 earlier or hidden events not listed."
pub fn events_hidden_text(lang: Lang, n: u64) -> String {
    match lang {
        Lang::En => format!("{} earlier or hidden events not listed.", n),
        Lang::Ko => format!("이전 또는 숨긴 이벤트 {}개는 목록에 없습니다.", n),
    }
}

/// The status word of a producer or consumer that stopped on an error.
pub fn stopped_text(lang: Lang, error: impl std::fmt::Display) -> String {
    match lang {
        Lang::En => format!("stopped: {}", error),
        Lang::Ko => format!("멈춤: {}", error),
    }
}

/// What a property promises, in one line.
pub fn property_summary(lang: Lang, p: Property) -> &'static str {
    let (en, ko) = match p {
        Property::NoDuplicateInLog => (
            "Each record is in the log at most once.",
            "각 레코드는 로그에 많아야 한 번 있다.",
        ),
        Property::NoLostAck => (
            "Every acknowledged record is in the log.",
            "ack를 받은 레코드는 모두 로그에 있다.",
        ),
        Property::OrderPerPartition => (
            "A producer's records keep their order in a partition.",
            "한 프로듀서의 레코드는 파티션 안에서 보낸 순서를 지킨다.",
        ),
        Property::ConsumerNoDuplicate => (
            "No consumer processes an offset twice.",
            "어떤 컨슈머도 같은 오프셋을 두 번 처리하지 않는다.",
        ),
        Property::ConsumerNoLoss => (
            "Consumers process every record they should read.",
            "컨슈머는 읽어야 할 레코드를 모두 처리한다.",
        ),
        Property::SinkExactlyOnce => (
            "The sink holds every record exactly once.",
            "싱크에는 모든 레코드가 정확히 한 번 있다.",
        ),
        Property::NoAbortedRead => (
            "read_committed never sees aborted records.",
            "read_committed는 중단된 트랜잭션의 레코드를 보지 않는다.",
        ),
        Property::NoUncommittedRead => (
            "read_committed never sees records of an open transaction.",
            "read_committed는 아직 열려 있는 트랜잭션의 레코드를 보지 않는다.",
        ),
        Property::EndToEndExactlyOnce => (
            "Every input record is in the output exactly once.",
            "모든 입력 레코드가 출력에 정확히 한 번 있다.",
        ),
        Property::TransactionAtomicity => (
            "A transaction ends the same way on every partition.",
            "트랜잭션은 모든 파티션에서 같은 결과로 끝난다.",
        ),
        Property::CoordinatorTransitionsValid => (
            "The coordinator only makes transitions Kafka allows.",
            "코디네이터는 Kafka가 허용하는 상태 전이만 한다.",
        ),
        // Properties the core adds before this module describes them.
    };
    match lang {
        Lang::En => en,
        Lang::Ko => ko,
    }
}

/// Why a property failed, in one sentence.
pub fn violation(lang: Lang, d: &Detail) -> String {
    if lang == Lang::Ko {
        return violation_ko(d);
    }
    match d {
        Detail::DuplicateInLog { record, tp, offset, copies } => {
            format!("v{} is in {} {} times: it was written again at offset {}.", record.0, tp, copies, offset.0)
        }
        Detail::LostAck { record, producer } => format!("{} saw v{} acknowledged, but the log does not hold it.", producer, record.0),
        Detail::OutOfOrder { record, tp, offset, after } => {
            format!("v{} landed at offset {} of {}, after v{}, which was sent later.", record.0, offset.0, tp, after.0)
        }
        Detail::ConsumerDuplicate { consumer, record, tp, offset } => {
            format!("consumer-{} processed v{} ({} offset {}) twice.", consumer, record.0, tp, offset.0)
        }
        Detail::ConsumerLoss { consumer, record, tp, offset } => {
            format!("consumer-{} never processed v{} ({} offset {}).", consumer, record.0, tp, offset.0)
        }
        Detail::SinkDuplicate { consumer, record } => format!("The sink of consumer-{} holds v{} more than once.", consumer, record.0),
        Detail::SinkLoss { consumer, record } => format!("The sink of consumer-{} is missing v{}.", consumer, record.0),
        Detail::AbortedRead { consumer, record, tp, offset } => {
            format!("consumer-{} processed v{} ({} offset {}) from an aborted transaction.", consumer, record.0, tp, offset.0)
        }
        Detail::UncommittedRead { consumer, record, tp, offset } => {
            format!("consumer-{} processed v{} ({} offset {}) before its transaction committed.", consumer, record.0, tp, offset.0)
        }
        Detail::OutputDuplicate { record, tp, offset } => format!("v{} is in the output {} more than once (again at offset {}).", record.0, tp, offset.0),
        Detail::OutputLoss { record } => format!("v{} never reached the output topic.", record.0),
        Detail::PartialTransaction { tp, producer_id, first_offset } => format!(
            "Producer id {}'s transaction is still open on {} from offset {}, though its coordinator completed it.",
            producer_id.0, tp, first_offset.0
        ),
        Detail::MixedOutcome { producer_id, tp } => format!("Producer id {}'s transaction ended differently on {} than elsewhere.", producer_id.0, tp),
        Detail::InvalidTransition { from, to } => format!("The coordinator moved from {} to {}, which Kafka does not allow.", from.name(), to.name()),
    }
}

/// The sink table's heading line: how it writes, what its key is, how many rows.
pub fn sink_line(
    lang: Lang,
    idempotent: bool,
    key_is_record: bool,
    rows: impl std::fmt::Display,
) -> String {
    let key = if key_is_record {
        "record"
    } else {
        "topic-partition-offset"
    };
    match lang {
        Lang::En => format!(
            " · {} · key {} · {} rows",
            if idempotent {
                "idempotent (upsert)"
            } else {
                "insert every record"
            },
            key,
            rows
        ),
        Lang::Ko => format!(
            " · {} · 키 {} · {}행",
            if idempotent {
                "멱등 (upsert)"
            } else {
                "레코드마다 insert"
            },
            key,
            rows
        ),
    }
}

/// " 2 value(s) twice" beside the sink table's heading.
pub fn values_twice_text(lang: Lang, n: impl std::fmt::Display) -> String {
    match lang {
        Lang::En => format!(" {} value(s) twice", n),
        Lang::Ko => format!(" 두 번 들어간 값 {}개", n),
    }
}

/// A consumer card's line: state, isolation level, commit mode, group, records processed.
pub fn consumer_card_line(
    lang: Lang,
    state: impl std::fmt::Display,
    isolation: &str,
    commit: &str,
    group: &str,
    processed: impl std::fmt::Display,
) -> String {
    match lang {
        Lang::En => format!(
            " · {} · isolation.level={} · commit {} · group {} · {} processed",
            state, isolation, commit, group, processed
        ),
        Lang::Ko => format!(
            " · {} · isolation.level={} · 커밋 {} · 그룹 {} · {}건 처리",
            state, isolation, commit, group, processed
        ),
    }
}

/// " (3 violations)" after a violation's sentence.
pub fn violation_count_text(lang: Lang, count: u64) -> String {
    match lang {
        Lang::En => format!(" ({} violations)", count),
        Lang::Ko => format!(" (위반 {}건)", count),
    }
}

/// Korean for `violation`. A node or a record (`producer-0`, `v3`) never takes a particle
/// directly — whether it is 이 or 가 depends on how the reader says the digit — so the sentences
/// say "v3 레코드가" or put the node first with a colon.
fn violation_ko(d: &Detail) -> String {
    match d {
        Detail::DuplicateInLog { record, tp, offset, copies } => {
            format!("{}에 v{} 레코드가 {}번 있다: 오프셋 {}에 다시 기록됐다.", tp, record.0, copies, offset.0)
        }
        Detail::LostAck { record, producer } => format!("{}: v{} 레코드의 ack를 받았지만, 로그에는 그 레코드가 없다.", producer, record.0),
        Detail::OutOfOrder { record, tp, offset, after } => {
            format!("v{} 레코드가 {}의 오프셋 {}에, 나중에 보낸 v{} 뒤에 기록됐다.", record.0, tp, offset.0, after.0)
        }
        Detail::ConsumerDuplicate { consumer, record, tp, offset } => {
            format!("consumer-{}: v{} 레코드({} 오프셋 {})를 두 번 처리했다.", consumer, record.0, tp, offset.0)
        }
        Detail::ConsumerLoss { consumer, record, tp, offset } => {
            format!("consumer-{}: v{} 레코드({} 오프셋 {})를 끝내 처리하지 않았다.", consumer, record.0, tp, offset.0)
        }
        Detail::SinkDuplicate { consumer, record } => format!("consumer-{}의 싱크에 v{} 레코드가 두 번 이상 있다.", consumer, record.0),
        Detail::SinkLoss { consumer, record } => format!("consumer-{}의 싱크에 v{} 레코드가 없다.", consumer, record.0),
        Detail::AbortedRead { consumer, record, tp, offset } => {
            format!("consumer-{}: 중단된 트랜잭션의 v{} 레코드({} 오프셋 {})를 처리했다.", consumer, record.0, tp, offset.0)
        }
        Detail::UncommittedRead { consumer, record, tp, offset } => {
            format!("consumer-{}: 트랜잭션이 커밋되기 전에 v{} 레코드({} 오프셋 {})를 처리했다.", consumer, record.0, tp, offset.0)
        }
        Detail::OutputDuplicate { record, tp, offset } => format!("출력 {}에 v{} 레코드가 두 번 이상 있다(오프셋 {}에 다시).", tp, record.0, offset.0),
        Detail::OutputLoss { record } => format!("v{} 레코드가 출력 토픽에 끝내 도달하지 않았다.", record.0),
        Detail::PartialTransaction { tp, producer_id, first_offset } => format!(
            "프로듀서 ID {}의 트랜잭션은 코디네이터가 끝냈는데도 {}에서 오프셋 {}부터 아직 열려 있다.",
            producer_id.0, tp, first_offset.0
        ),
        Detail::MixedOutcome { producer_id, tp } => format!("프로듀서 ID {}의 트랜잭션이 {}에서 다른 파티션과 다르게 끝났다.", producer_id.0, tp),
        Detail::InvalidTransition { from, to } => format!("코디네이터가 {}에서 {} 상태로 넘어갔다. Kafka가 허용하지 않는 전이다.", from.name(), to.name()),
    }
}

/// Why the current settings make a violation expected.
pub fn expected_because(lang: Lang, e: ExpectedBecause) -> &'static str {
    let (en, ko) = match e {
        ExpectedBecause::IdempotenceOff => ("enable.idempotence=false: Kafka documents that retries may then write duplicates.", "enable.idempotence=false: 이때는 재시도가 중복을 기록할 수 있다고 Kafka 문서가 밝힌다."),
        ExpectedBecause::AcrossProducerSessions => ("Idempotence deduplicates within one producer session; a restarted producer is a new one.", "멱등성은 한 프로듀서 세션 안에서만 중복을 걸러 낸다. 재시작한 프로듀서는 새 세션이다."),
        ExpectedBecause::AcksZero => ("acks=0: the producer never learns whether a write happened.", "acks=0: 프로듀서는 기록이 됐는지 끝내 알지 못한다."),
        ExpectedBecause::ReorderingAllowed => ("Without idempotence, max.in.flight.requests.per.connection > 1 and retries can reorder.", "멱등성 없이 max.in.flight.requests.per.connection > 1이면 재시도가 순서를 바꿀 수 있다."),
        ExpectedBecause::AtLeastOnce => ("Committing after processing is at-least-once.", "처리한 뒤에 커밋하면 at-least-once다."),
        ExpectedBecause::AtMostOnce => ("Committing before processing is at-most-once.", "처리하기 전에 커밋하면 at-most-once다."),
        ExpectedBecause::NonIdempotentSink => ("The sink inserts every record, so duplicates upstream reach it.", "싱크가 모든 레코드를 삽입하므로, 앞단의 중복이 그대로 들어온다."),
        ExpectedBecause::SinkKeyedByOffset => ("The sink is keyed by offset, and a duplicate in the log has another offset.", "싱크의 키가 오프셋인데, 로그의 중복 레코드는 다른 오프셋을 가진다."),
        ExpectedBecause::ReadUncommitted => ("read_uncommitted reads aborted and open transactional records by design.", "read_uncommitted는 원래 중단됐거나 아직 열린 트랜잭션의 레코드도 읽는다."),
        ExpectedBecause::AcksOne => ("acks=1: the leader answers before any follower has the record, so a failover can lose it.", "acks=1: 팔로워가 레코드를 받기 전에 리더가 응답하므로, 장애 조치 때 잃을 수 있다."),
        ExpectedBecause::UncleanElection => ("unclean.leader.election.enable=true: a replica outside the ISR may become leader without the committed records.", "unclean.leader.election.enable=true: ISR 밖의 복제본이 커밋된 레코드 없이 리더가 될 수 있다."),
    };
    match lang {
        Lang::En => en,
        Lang::Ko => ko,
    }
}

fn reason(r: DropReason) -> &'static str {
    match r {
        DropReason::Fault => "a fault",
        DropReason::DropRate => "the random drop rate",
        DropReason::Partitioned => "a network partition",
        DropReason::ReceiverDown => "its receiver is down",
        DropReason::SenderCrashed => "its sender crashed",
        DropReason::ConnectionBroken => {
            "its connection broke (an earlier message on it was lost, or a node restarted)"
        } // The core may learn new reasons (a broken connection) before this module names them.
    }
}

/// Is this trace entry a fault (for the marks on the timeline)?
pub fn is_fault(k: &TraceKind) -> bool {
    matches!(
        k,
        TraceKind::Dropped { .. }
            | TraceKind::Duplicated { .. }
            | TraceKind::Delayed { .. }
            | TraceKind::Crashed { .. }
            | TraceKind::Restarted { .. }
            | TraceKind::Link { .. }
            | TraceKind::DropRate { .. }
            | TraceKind::ConfigChanged { .. }
            | TraceKind::ConfigRejected { .. }
    )
}

/// Is this trace entry only the consumers' polling (hidden from the event log unless asked for)?
pub fn is_polling(k: &TraceKind) -> bool {
    match k {
        TraceKind::Sent { kind, summary, .. } => is_poll(kind.name(), summary),
        TraceKind::Delivered { kind, .. } => {
            kind.name().contains("Fetch") && !kind.name().starts_with("Offset")
        }
        _ => false,
    }
}

/// A fetch (a consumer's, or a follower's from its leader) or a fetch response that brought
/// nothing: the background hum of polling. By name, so new fetch kinds of the core count too.
pub fn is_poll(kind: &str, summary: &str) -> bool {
    let fetch = kind.contains("Fetch") && !kind.starts_with("Offset");
    fetch
        && (kind.ends_with("Request")
            || summary.ends_with(" 0 batches")
            || summary.contains(" 0 batches,"))
}

/// The banner when the reader flipped knobs the story has no telling for.
pub fn untold(lang: Lang, keys: &[&str]) -> String {
    let keys = keys.join(", ");
    match lang {
        Lang::En => format!(
            "You changed {}; the story describes its original run.",
            keys
        ),
        Lang::Ko => format!(
            "{} 값을 바꿨습니다. 이 스토리는 원래 설정으로 실행한 경우를 설명합니다.",
            keys
        ),
    }
}

/// One event-log line.
pub fn trace_line(k: &TraceKind) -> String {
    match k {
        TraceKind::Sent {
            id,
            from,
            to,
            kind,
            summary,
            ..
        } => format!("{} → {}: {} #{} ({})", from, to, kind.name(), id, summary),
        TraceKind::Delivered { id, to, kind, .. } => {
            format!("{} #{} arrives at {}", kind.name(), id, to)
        }
        TraceKind::Dropped {
            id,
            from,
            to,
            kind,
            reason: r,
        } => format!(
            "✕ {} #{} {} → {} is lost: {}",
            kind.name(),
            id,
            from,
            to,
            reason(*r)
        ),
        TraceKind::Duplicated { id, copy } => {
            format!("⑂ #{} will arrive twice (copy #{})", id, copy)
        }
        TraceKind::Delayed { id, ms } => format!("⏱ #{} delayed by {} ms", id, ms),
        TraceKind::Crashed { node } => format!("💥 {} crashed", node),
        TraceKind::Restarted { node } => format!("↻ {} restarted", node),
        TraceKind::Link { a, b, state } => match state {
            LinkState::Healthy => format!("link {} ↔ {} healed", a, b),
            LinkState::Partitioned => format!("link {} ↔ {} partitioned", a, b),
            LinkState::Held => format!("link {} ↔ {} held", a, b),
        },
        TraceKind::DropRate {
            from,
            to,
            per_mille,
        } => format!(
            "drop rate {}‰ on {} → {}",
            per_mille,
            from.map_or("any".to_string(), |n| n.to_string()),
            to.map_or("any".to_string(), |n| n.to_string())
        ),
        TraceKind::ConfigChanged { node, config } => {
            format!("{} restarts with {}", node, config_text(config))
        }
        TraceKind::ConfigRejected { node, error } => {
            format!("{}: settings rejected: {}", node, error)
        }
        TraceKind::ScheduleNote { text } => format!("▶ {}", text),
        TraceKind::Fact(n) => note_line(n),
    }
}

pub fn config_text(c: &crate::sim::config::RawConfig) -> String {
    c.iter()
        .map(|(k, v)| format!("{}={}", k, v))
        .collect::<Vec<_>>()
        .join(", ")
}

fn note_line(n: &Note) -> String {
    match n {
        Note::Appended { tp, batch_index } => format!("{} appends batch #{}", tp, batch_index),
        Note::Deduplicated { tp, base_offset } => format!(
            "{}: duplicate recognised, answered with offset {}",
            tp, base_offset.0
        ),
        Note::Rejected { tp, error } => format!("{} rejects a batch: {}", tp, error),
        Note::MarkerWritten {
            tp, offset, commit, ..
        } => format!(
            "{} {} marker at offset {}",
            tp,
            if *commit { "COMMIT" } else { "ABORT" },
            offset.0
        ),
        Note::Acked {
            node,
            tp,
            first_record,
            count,
            offset,
        } => match offset {
            Some(o) => format!(
                "{} learns v{}{} is at {} offset {}",
                node,
                first_record.0,
                more(*count),
                tp,
                o.0
            ),
            None => format!(
                "{} considers v{}{} sent (acks=0)",
                node,
                first_record.0,
                more(*count)
            ),
        },
        Note::SendFailed {
            node,
            first_record,
            count,
            error,
            ..
        } => format!(
            "{}: send of v{}{} failed: {}",
            node,
            first_record.0,
            more(*count),
            error
        ),
        Note::Processed {
            consumer,
            tp,
            offset,
            record,
        } => format!(
            "consumer-{} processes v{} ({} offset {})",
            consumer, record.0, tp, offset.0
        ),
        Note::SinkWrite {
            consumer,
            record,
            inserted,
        } => {
            format!(
                "consumer-{}'s sink {} v{}",
                consumer,
                if *inserted { "inserts" } else { "overwrites" },
                record.0
            )
        }
        Note::OffsetsCommitted { offsets, .. } => format!(
            "offsets committed: {}",
            offsets
                .iter()
                .map(|(tp, o)| format!("{}={}", tp, o.0))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Note::TxnTransition {
            from,
            to,
            producer_id,
            epoch,
            ..
        } => {
            format!(
                "coordinator: {} → {} (pid {} epoch {})",
                from.name(),
                to.name(),
                producer_id.0,
                epoch
            )
        }
        Note::TxnCommittedByClient { node } => format!("{}: commitTransaction() returned", node),
        Note::ProducerIdChanged {
            node,
            producer_id,
            epoch,
        } => format!("{} now has pid {} epoch {}", node, producer_id.0, epoch),
        Note::ClientRestarted { node } => format!("{} starts a new session", node),
        Note::ClientError { node, error, what } => format!("{}: {} ({})", node, error, what),
        Note::LeaderElected {
            tp,
            leader,
            leader_epoch,
            unclean,
            from,
        } => match leader {
            Some(l) => format!(
                "{}: broker-{} is the new leader (leader epoch {}){}",
                tp,
                l,
                leader_epoch,
                match from {
                    ElectedFrom::Elr =>
                        ", from the eligible leader replicas (ELR): it holds every record below the HW",
                    ElectedFrom::LastKnownLeader =>
                        ", the last known leader (ISR and ELR empty; Kafka counts it as unclean)",
                    _ if *unclean => ", an UNCLEAN election",
                    _ => "",
                }
            ),
            None => format!("{}: no replica can lead; the partition is offline", tp),
        },
        Note::ElrChanged { tp, elr } => format!(
            "{}: eligible leader replicas (ELR) are now {{{}}}",
            tp,
            elr.iter()
                .map(|b| b.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
        Note::Truncated { tp, broker, to } => format!(
            "{}: broker-{} truncates its log to offset {}",
            tp, broker, to.0
        ),
        Note::IsrChanged { tp, isr } => format!(
            "{}: ISR is now {{{}}}",
            tp,
            isr.iter()
                .map(|b| b.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
        Note::GroupStateChanged {
            group,
            from,
            to,
            generation_id,
        } => format!(
            "group coordinator: group {} {} → {} (generation {})",
            group,
            from.name(),
            to.name(),
            generation_id
        ),
        Note::GroupMemberRemoved {
            group,
            member_id,
            reason,
        } => format!(
            "group coordinator: removes member {} from group {}: {}",
            short_member(member_id),
            group,
            reason
        ),
        Note::GroupJoined {
            consumer,
            generation_id,
            member_id,
            assignment,
        } => format!(
            "consumer-{} joined as {} in generation {}, assigned {}",
            consumer,
            short_member(member_id),
            generation_id,
            if assignment.is_empty() {
                "no partition".to_string()
            } else {
                assignment
                    .iter()
                    .map(|tp| tp.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
        Note::GroupLeft {
            consumer,
            member_id,
            reason,
        } => format!(
            "consumer-{} ({}) leaves its partitions: {}",
            consumer,
            short_member(member_id),
            reason
        ),
        Note::ProducerIdExpired {
            broker,
            tp,
            producer_id,
        } => format!(
            "{}: broker-{} drops pid {}'s state (producer.id.expiration.ms)",
            tp, broker, producer_id.0
        ),
        Note::ErrorInjected { node, kind, error } => format!(
            "⚠ injected: {} answers {} with {}",
            node,
            kind.name(),
            error
        ),
        Note::StaticMemberReplaced {
            group_instance_id,
            old_member_id,
            new_member_id,
            ..
        } => format!(
            "group.instance.id {}: {} takes over {}'s partitions without a rebalance; {} is fenced (FENCED_INSTANCE_ID)",
            group_instance_id,
            short_member(new_member_id),
            short_member(old_member_id),
            short_member(old_member_id)
        ),
    }
}

/// A member id as the event log shows it: its first 12 characters (Kafka's are a client id and a
/// UUID).
fn short_member(id: &str) -> String {
    if id.is_empty() {
        return "(no member id)".into();
    }
    let short: String = id.chars().take(12).collect();
    if short.len() < id.len() {
        format!("{}…", short)
    } else {
        short
    }
}

fn more(count: u32) -> String {
    if count > 1 {
        format!("..+{}", count - 1)
    } else {
        String::new()
    }
}

// ---- Find a failure, export and side by side: every sentence in English and Korean ----------
// (Kafka's keys and names stay verbatim; Korean terms as in static/glossary.json.)

/// A string of the UI in the reader's language.
pub fn tr(lang: Lang, en: &'static str, ko: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Ko => ko,
    }
}

/// One fault of a search's schedule.
pub fn action_text(lang: Lang, step: u64, a: &crate::sim::timeline::UserAction) -> String {
    use crate::sim::timeline::UserAction as A;
    match (lang, a) {
        (Lang::En, A::DropMessage(id)) => format!("drop message #{} after step {}", id, step),
        (Lang::Ko, A::DropMessage(id)) => format!("스텝 {} 뒤 메시지 #{} 버리기", step, id),
        (Lang::En, A::DelayMessage(id, ms)) => {
            format!("delay message #{} by {} ms after step {}", id, ms, step)
        }
        (Lang::Ko, A::DelayMessage(id, ms)) => {
            format!("스텝 {} 뒤 메시지 #{}를 {} ms 지연", step, id, ms)
        }
        (Lang::En, A::DuplicateMessage(id)) => {
            format!("duplicate message #{} after step {}", id, step)
        }
        (Lang::Ko, A::DuplicateMessage(id)) => format!("스텝 {} 뒤 메시지 #{} 복제", step, id),
        (Lang::En, A::CrashFor(n, ms)) => format!("crash {} for {} ms after step {}", n, ms, step),
        (Lang::Ko, A::CrashFor(n, ms)) => format!("스텝 {} 뒤 {}를 {} ms 동안 중지", step, n, ms),
        (Lang::En, A::Fault(f)) => format!("{:?} after step {}", f, step),
        (Lang::Ko, A::Fault(f)) => format!("스텝 {} 뒤 {:?}", step, f),
    }
}

/// The search's progress line.
pub fn search_progress(lang: Lang, states: u64, depth: u64, faults: u32, rate: f64) -> String {
    match lang {
        Lang::En => format!(
            "{} states explored · depth {} · {} fault{} · {:.0} states/s",
            states,
            depth,
            faults,
            if faults == 1 { "" } else { "s" },
            rate
        ),
        Lang::Ko => format!(
            "상태 {}개 탐색 · 깊이 {} · 장애 {}개 · 초당 상태 {:.0}개",
            states, depth, faults, rate
        ),
    }
}

/// What a search found: how many faults, and where.
pub fn search_found(lang: Lang, situation: bool, faults: usize, step: u64) -> String {
    match (lang, situation, faults) {
        (Lang::En, false, 0) => format!("Found without any fault: it fails at step {}.", step),
        (Lang::En, false, n) => format!(
            "Found: {} fault{} break{} it, at step {}.",
            n,
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" },
            step
        ),
        (Lang::En, true, 0) => format!("Reached without any fault, at step {}.", step),
        (Lang::En, true, n) => format!(
            "Reached with {} fault{}, at step {}.",
            n,
            if n == 1 { "" } else { "s" },
            step
        ),
        (Lang::Ko, false, 0) => format!("찾았습니다: 장애 없이 스텝 {}에서 깨집니다.", step),
        (Lang::Ko, false, n) => format!("찾았습니다: 장애 {}개로 스텝 {}에서 깨집니다.", n, step),
        (Lang::Ko, true, 0) => format!("장애 없이 스텝 {}에서 이 상황에 이릅니다.", step),
        (Lang::Ko, true, n) => format!("장애 {}개로 스텝 {}에서 이 상황에 이릅니다.", n, step),
    }
}

/// A search that found nothing up to its bounds.
pub fn search_not_found(
    lang: Lang,
    situation: bool,
    exhausted: bool,
    faults: u32,
    depth: u64,
    states: u64,
) -> String {
    match lang {
        Lang::En => format!(
            "No {} up to depth {} with {} fault{} ({} states explored){}",
            if situation {
                "such situation"
            } else {
                "violation"
            },
            depth,
            faults,
            if faults == 1 { "" } else { "s" },
            states,
            if exhausted {
                ": every schedule was tried."
            } else {
                ". The state limit stopped the search before every schedule was tried."
            }
        ),
        Lang::Ko => format!(
            "깊이 {}까지 장애 {}개로는 {} 없습니다(상태 {}개 탐색){}",
            depth,
            faults,
            if situation {
                "그런 상황이"
            } else {
                "위반이"
            },
            states,
            if exhausted {
                ". 모든 스케줄을 시도했습니다."
            } else {
                ". 상태 한도에 걸려 모든 스케줄을 시도하지는 못했습니다."
            }
        ),
    }
}

pub fn search_cancelled(lang: Lang, states: u64) -> String {
    match lang {
        Lang::En => format!("Search cancelled after {} states.", states),
        Lang::Ko => format!("상태 {}개를 탐색한 뒤 탐색을 취소했습니다.", states),
    }
}

/// A search stopped by its memory budget (`sim::search::Outcome::MemoryBudget`).
pub fn search_memory_budget(lang: Lang, states: u64) -> String {
    match lang {
        Lang::En => crate::sim::search::memory_budget_message(states),
        Lang::Ko => format!(
            "상태 {}개에서 탐색을 멈췄습니다: 메모리 예산에 도달했습니다 — 범위를 좁히세요",
            states
        ),
    }
}

/// Where two runs part: both divergent events, phrased as the event log does.
pub fn compare_parts(
    lang: Lang,
    step: u64,
    key: &str,
    from: &str,
    to: &str,
    left: Option<&str>,
    right: Option<&str>,
) -> String {
    let nothing = tr(lang, "nothing more happens", "더 이상 아무 일도 없습니다");
    let (l, r) = (left.unwrap_or(nothing), right.unwrap_or(nothing));
    match lang {
        Lang::En => format!(
            "The runs part at step {}: with {}={}, {}; with {}, {}.",
            step, key, from, l, to, r
        ),
        Lang::Ko => format!(
            "두 실행은 스텝 {}에서 갈라집니다. {}={}이면 {}; {}이면 {}.",
            step, key, from, l, to, r
        ),
    }
}

pub fn compare_first_step(lang: Lang, step: u64) -> String {
    match lang {
        Lang::En => format!("Their messages already differ from step {}.", step),
        Lang::Ko => format!("두 실행의 메시지는 스텝 {}부터 이미 다릅니다.", step),
    }
}

pub fn compare_same(lang: Lang, steps: u64) -> String {
    match lang {
        Lang::En => format!(
            "The two runs have the same outcomes, in the same order (up to step {}).",
            steps
        ),
        Lang::Ko => format!("두 실행의 결과가 같은 순서로 같습니다(스텝 {}까지).", steps),
    }
}

pub fn trace_loaded(lang: Lang, step: u64, digest_matches: bool) -> String {
    match (lang, digest_matches) {
        (Lang::En, true) => format!("Trace loaded: the same run, at step {}.", step),
        (Lang::Ko, true) => format!("트레이스를 불러왔습니다: 같은 실행의 스텝 {}입니다.", step),
        (Lang::En, false) => format!(
            "Trace loaded at step {}, but replaying it gave a different trace than the file records \
             (it was made by another version of eoscope, or edited). What you see is the file's \
             scenario, seed and actions as this eoscope runs them.",
            step
        ),
        (Lang::Ko, false) => format!(
            "트레이스를 스텝 {}에서 불러왔지만, 다시 실행한 결과가 파일에 기록된 트레이스와 다릅니다\
             (다른 버전의 eoscope로 만들었거나 고친 파일입니다). 화면은 파일의 시나리오, 시드, 동작을 \
             이 eoscope가 실행한 결과입니다.",
            step
        ),
    }
}

/// What the model does differently from a release it is set to: the labelled simplifications of
/// `KAFKA_EOS.md` §D1 (README "What the model simplifies"), shown under the version preset so a
/// Kafka engineer knows what not to expect.
pub fn version_caveats(lang: Lang, v: crate::sim::config::KafkaVersion) -> Vec<&'static str> {
    use crate::sim::config::KafkaVersion as V;
    let mut out = Vec::new();
    let mut say = |en, ko| out.push(tr(lang, en, ko));
    if v >= V::V4_0 {
        say(
            "transaction.version stays 2 for the whole run: the switch at a transaction boundary after an upgrade (KAFKA-18227) is not modelled.",
            "transaction.version은 실행 내내 2로 고정된다. 업그레이드 뒤 트랜잭션 경계에서의 전환(KAFKA-18227)은 모델링하지 않는다.",
        );
        say(
            "linger.ms has no counterpart: each send step is one batch.",
            "linger.ms는 모델에 없다. send 한 스텝이 배치 하나다.",
        );
        say(
            "After a timeout abort, EndTxn(COMMIT) at the old epoch gets INVALID_TXN_STATE, as in the releases (a later change, KAFKA-20785, answers PRODUCER_FENCED).",
            "타임아웃으로 중단된 뒤 이전 에포크의 EndTxn(COMMIT)은 릴리스대로 INVALID_TXN_STATE를 받는다(이후 변경 KAFKA-20785는 PRODUCER_FENCED로 답한다).",
        );
    }
    if v == V::V4_0 {
        say(
            "4.0 is modelled as 4.0.1 and later: a coordinator-side abort bumps the epoch once (4.0.0 bumped it twice, KAFKA-19367).",
            "4.0은 4.0.1 이후로 모델링한다. 코디네이터 쪽 중단은 에포크를 한 번 올린다(4.0.0은 두 번 올렸다, KAFKA-19367).",
        );
    }
    if v == V::V4_3 {
        say(
            "4.3's marker at epoch 32767 and producer id rotation on the fence path (KAFKA-20090), and the persisted previous/next producer ids (KAFKA-20310), are not modelled.",
            "4.3의 에포크 32767 마커 허용과 펜싱 경로의 프로듀서 ID 교체(KAFKA-20090), 이전/다음 프로듀서 ID 저장(KAFKA-20310)은 모델링하지 않는다.",
        );
    }
    if v == V::V3_5 {
        say(
            "3.5 stands for every release before transaction verification (KIP-890 part 1, 3.6).",
            "3.5는 트랜잭션 검증(KIP-890 1부, 3.6) 이전의 모든 릴리스를 대표한다.",
        );
    }
    out
}

/// A far seek or a trace import under way: its target and how far it has come.
pub fn going_to(lang: Lang, target: u64, percent: u64) -> String {
    match lang {
        Lang::En => format!("Going to step {}… {}%", target, percent),
        Lang::Ko => format!("스텝 {} 이동 중… {}%", target, percent),
    }
}

/// A far seek or a trace import cancelled where it was.
pub fn stopped_at(lang: Lang, step: u64) -> String {
    match lang {
        Lang::En => format!("Stopped at step {}.", step),
        Lang::Ko => format!("스텝 {}에서 멈췄습니다.", step),
    }
}

/// Why "Apply now" changed nothing, or what it applied.
pub fn apply_result(
    lang: Lang,
    node: &str,
    r: &Result<crate::sim::config::RawConfig, crate::session::Refusal>,
) -> String {
    use crate::session::Refusal;
    match r {
        Ok(change) => {
            // A key set to null went back to Kafka's default.
            let default = tr(lang, "Kafka's default", "Kafka 기본값");
            let shown: Vec<String> = change
                .iter()
                .map(|(k, v)| match v.is_null() {
                    true => format!("{}={}", k, default),
                    false => format!("{}={}", k, v),
                })
                .collect();
            restarted_with_text(lang, node, &shown.join(", "))
        }
        Err(Refusal::NothingToApply) => t(lang, T::NothingToApply).to_string(),
        Err(Refusal::NotRunning) => t(lang, T::NotRunning).to_string(),
        Err(Refusal::Rejected(e)) => e.clone(),
        Err(Refusal::RerunOnly(key)) => match lang {
            Lang::En => format!("`{}` changes only with “Re-run from start”", key),
            Lang::Ko => format!("`{}` 설정은 “처음부터 다시 실행”으로만 바뀝니다", key),
        },
    }
}
