//! The catalog: every word a person reads, in English and Korean, phrased once. Each entry is a
//! function (or a [`T`] label) that takes the language and the core's structured data and returns
//! the sentence; matches over the core's enums have no wildcard arm, so a new variant (a new
//! `Note`, `Detail`, `DropReason`…) is a compile error here until it is phrased in both languages.
//! Kafka's config keys, API names, error names and state names stay verbatim in both languages;
//! the Korean words follow `static/glossary.json` (one Korean term per concept) and never glue a
//! particle whose form depends on the word before it (을/를, 이/가, 은/는, 와/과, (으)로, 이면…)
//! to a number or a placeholder: `tests/catalog.rs` checks both.
//!
//! The module is native (no Yew), so its tests run with plain `cargo test`; `src/ui` calls it
//! (`use crate::catalog as text`) and holds no user-visible literal of its own (`tests/tidy.rs`).
//!
//! Areas: this file (the app's labels [`T`], playback, faults, settings and status lines),
//! [`events`] (the event log), [`verdicts`], [`panels`] (composed panel lines), [`search`] (find a
//! failure), [`compare`] (side by side), [`settings`] (version caveats).

/// A sentence in the reader's language: `say!(lang, "en {} pattern", "ko {} pattern", args…)`.
/// Both patterns take the same arguments (the Korean one may reorder them with `{0}`, `{1}`…),
/// and the compiler checks both, as `format!` does. (Filling one pattern chosen at run time
/// instead was measured: -4 KB raw but only -0.1 KB gzip of wasm, without the compiler's check.)
macro_rules! say {
    ($lang:expr, $en:literal, $ko:literal $(, $arg:expr)* $(,)?) => {
        match $lang {
            $crate::catalog::Lang::En => format!($en $(, $arg)*),
            $crate::catalog::Lang::Ko => format!($ko $(, $arg)*),
        }
    };
}

pub mod compare;
pub mod events;
pub mod logs;
pub mod panels;
pub mod search;
pub mod settings;
pub mod stage;
pub mod verdicts;

pub use compare::*;
pub use events::*;
pub use logs::*;
pub use panels::*;
pub use search::*;
pub use settings::*;
pub use stage::*;
pub use verdicts::*;

/// The language (defined beside the option parser, which needs it natively).
pub use crate::embed_options::Lang;
use crate::embed_options::Panel;

/// Declares [`T`], one variant per label, and [`t`], its text in each language.
macro_rules! chrome {
    ($($k:ident => $en:literal, $ko:literal;)*) => {
        /// A fixed label of the app's own interface.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum T { $($k),* }

        impl T {
            /// Every label, for the catalog's tests.
            pub const ALL: &'static [T] = &[$(T::$k),*];
        }

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
    Down => " (down)", " (크래시)";
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
    // Labels of the logs, the stage, search and export (moved here from src/ui).
    Epoch => "epoch", "에포크";
    NoPidDot => "no producer id · ", "프로듀서 ID 없음 · ";
    Seq => "seq", "시퀀스";
    NoSeq => "no sequence", "시퀀스 없음";
    Offset => "offset", "오프셋";
    TxnAborted => " · transactional, aborted", " · 트랜잭션, 중단됨";
    TxnOpen => " · transactional, not yet committed", " · 트랜잭션, 아직 커밋 전";
    TxnCommitted => " · transactional, committed", " · 트랜잭션, 커밋됨";
    NotAssigned => "not assigned", "할당 안 됨";
    Position => "position", "위치";
    Committed => "committed", "커밋";
    Leader => "leader", "리더";
    DownParen => "(down)", "(크래시)";
    NoLeaderOffline => " no leader: offline", " 리더 없음: 오프라인";
    InSync => " (in sync)", " (ISR)";
    EligibleElr => " (eligible: ELR)", " (ELR)";
    CommaDown => ", down", ", 크래시";
    Replicas => "replicas", "복제본";
    LogPartition => "Partition", "파티션";
    KeyTxn => " transactional ", " 트랜잭션 ";
    KeyDup => " duplicate ", " 중복 ";
    KeyAborted => " aborted ", " 중단됨 ";
    KeyPositions => "▲c0 position · ✓c0 committed", "▲c0 위치 · ✓c0 커밋";
    LeoTitle => "log end offset: where the next record goes", "로그 끝 오프셋: 다음 레코드가 들어갈 자리";
    KeyLeo => " log end offset · ", " 로그 끝 오프셋 · ";
    HwTitle => "high watermark: replicated to the ISR; read_uncommitted reads up to here", "하이 워터마크: ISR까지 복제됨, read_uncommitted는 여기까지 읽음";
    KeyHw => " high watermark · ", " 하이 워터마크 · ";
    LsoTitle => "last stable offset: the first offset of the oldest open transaction; read_committed reads up to here", "마지막 안정 오프셋: 가장 오래된 열린 트랜잭션의 첫 오프셋, read_committed는 여기까지 읽음";
    KeyLso => " last stable offset", " 마지막 안정 오프셋";
    NoPicture => "There is no picture to export: show the topology or the partition logs.", "내보낼 그림이 없습니다. 토폴로지나 파티션 로그를 보이게 하세요.";
    PngNeedsBlob => "PNG export needs the page to allow blob: images (img-src 'self' blob:); the SVG works everywhere.", "PNG 내보내기는 페이지가 blob: 이미지를 허용해야 합니다(img-src 'self' blob:). SVG는 어디서나 됩니다.";
    ExportMenu => "Export / open a trace", "내보내기 / 트레이스 열기";
    DownloadTrace => "Download trace (JSON)", "트레이스 내려받기(JSON)";
    DropTraceHint => "You can also drop a trace file (.json) on the app", "트레이스 파일(.json)을 앱에 끌어다 놓아도 됩니다";
    OpenTrace => "Open a trace…", "트레이스 열기…";
    DownloadSvg => "Download picture (SVG)", "그림 내려받기(SVG)";
    DownloadPng => "Download picture (PNG)", "그림 내려받기(PNG)";
    AnyProperty => "any property", "어느 속성이든";
    GoalBlocked => "a read_committed consumer blocked behind an open transaction", "열린 트랜잭션 뒤에서 막힌 read_committed 컨슈머";
    GoalZombie => "a zombie producer fenced", "펜싱된 좀비 프로듀서";
    SearchProgress => "Search progress", "탐색 진행률";
    SearchHint => "Searches the faults this run could meet (drop or delay a message, crash a node for a second) for the shortest schedule that reaches the goal, with these settings and seed. The scenario's own scripted faults are left out.", "이 설정과 시드로 실행이 겪을 수 있는 장애(메시지를 버리거나 지연시키기, 노드를 1초 동안 크래시시키기)를 탐색해 목표에 이르는 가장 짧은 스케줄을 찾습니다. 시나리오에 적힌 장애는 빼고 탐색합니다.";
    Goal => "Goal", "목표";
    SearchGoal => "Search goal", "탐색 목표";
    MaxFaults => "max faults", "최대 장애 수";
    MaxStates => "max states", "최대 상태 수";
    MaxDepth => "max depth (steps)", "최대 깊이(스텝)";
    CrashClients => " also crash clients", " 클라이언트도 크래시시키기";
    Start => "Start", "시작";
    SearchLoaded => "Loaded into the main view as a replayable run: its faults are marked on the timeline.", "재생할 수 있는 실행으로 메인 화면에 불러왔습니다. 장애는 타임라인에 표시됩니다.";
    StageLabel => "The stage: nodes, links, messages in flight, lost messages and timers", "무대: 노드, 링크, 전송 중인 메시지, 유실된 메시지, 타이머";
    FlipSettings => "Settings you can flip", "바꿔 볼 수 있는 설정";
    TxnCoordinator => "transaction coordinator", "트랜잭션 코디네이터";
    GroupCoordinator => "group coordinator", "그룹 코디네이터";
    DownMark => "✕ down", "✕ 크래시";
    AbortedParen => " (aborted)", " (중단됨)";
    HwName => "high watermark (HW)", "하이 워터마크(HW)";
    LsoName => "last stable offset (LSO)", "마지막 안정 오프셋(LSO)";
    HeldWord => "held", "보류됨";
    DelayedWord => "delayed", "지연됨";
    CopyWord => "copy", "사본";
    NoPid => "no producer id", "프로듀서 ID 없음";
    StoppedMark => "STOPPED", "정지";
    RecordsProcessed => "Records processed, oldest first", "처리한 레코드, 오래된 순";
    ThTick => "t (ms)", "t (ms)";
    ThPidEpoch => "pid / epoch", "pid / 에포크";
    StLabel => "Space-time diagram: one lane per node, one arrow per message; the event log lists the same events as text",
        "시공간 다이어그램: 노드마다 레인 하나, 메시지마다 화살표 하나. 이벤트 로그에 같은 이벤트가 글로 있습니다";
    // Side by side.
    EmptyLog => "empty", "비어 있음";
    GoToPart => "Go to where they part", "갈라지는 곳으로 가기";
    CompareHint => "The same seed, schedule and actions with one setting flipped, both shown at this run's step.",
        "같은 시드, 스케줄, 동작에서 설정 하나만 바꾼 실행을 이 실행과 같은 스텝에서 함께 봅니다.";
    SettingToFlip => "Setting to flip", "바꿔 볼 설정";
    Compare => "Compare", "비교";
}

/// A partition's offsets for a screen reader: "orders-0: 12 offsets".
pub fn offsets_label(lang: Lang, tp: impl std::fmt::Display, count: u64) -> String {
    say!(lang, "{}: {} offsets", "{}: 오프셋 {}개", tp, count)
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
    say!(lang, "step {}", "스텝 {}", step)
}

/// "step 12 of 40" (the scrubber's value for a screen reader).
pub fn step_of_text(lang: Lang, step: u64, end: u64) -> String {
    say!(lang, "step {} of {}", "스텝 {} / {}", step, end)
}

/// Side by side's mark on the scrubber: where the two runs part.
pub fn part_mark_text(lang: Lang, step: u64) -> String {
    say!(
        lang,
        "the runs part at step {}",
        "두 실행이 갈라지는 곳: 스텝 {}",
        step
    )
}

/// "Go to step 12" (with ` (t = … ms)` when `tick` is given).
pub fn go_to_step_text(lang: Lang, step: u64, tick: Option<u64>) -> String {
    let t = tick.map_or(String::new(), |t| format!(" (t = {} ms)", t));
    say!(lang, "Go to step {}{}", "{}번 스텝으로 이동{}", step, t)
}

/// The playback speed, "3.2 steps/s".
pub fn speed_text(lang: Lang, sps: f64) -> String {
    let n = if sps < 1.0 {
        format!("{:.1}", sps)
    } else {
        format!("{:.0}", sps)
    };
    say!(lang, "{} steps/s", "초당 {} 스텝", n)
}

/// What a mark on the scrubber stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    /// A fault of the scenario or of the reader.
    Fault,
    /// The reader's action (a click on a message, a setting applied now).
    Action,
    /// A property's first violation.
    Violation,
}

/// A mark on the scrubber: "fault at step 12".
pub fn mark_text(lang: Lang, what: MarkKind, step: u64) -> String {
    match (lang, what) {
        (Lang::En, MarkKind::Fault) => format!("fault at step {}", step),
        (Lang::En, MarkKind::Action) => format!("your action at step {}", step),
        (Lang::En, MarkKind::Violation) => format!("violation at step {}", step),
        (Lang::Ko, MarkKind::Fault) => format!("스텝 {}: 장애", step),
        (Lang::Ko, MarkKind::Action) => format!("스텝 {}: 직접 한 조작", step),
        (Lang::Ko, MarkKind::Violation) => format!("스텝 {}: 위반", step),
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
    say!(lang, "Apply now to {}", "{}에 지금 적용", node)
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
    say!(
        lang,
        "{} restarted with {}",
        "{}: {} 설정으로 재시작했습니다",
        node,
        config
    )
}

/// The coordinator's broker line: "On broker-1 · coordinator epoch 0".
pub fn coordinator_on_text(
    lang: Lang,
    broker: u8,
    alive: bool,
    epoch: impl std::fmt::Display,
) -> String {
    let down = if alive { "" } else { t(lang, T::Down) };
    say!(
        lang,
        "On broker-{}{} · coordinator epoch {}",
        "broker-{}{} · 코디네이터 에포크 {}",
        broker,
        down,
        epoch
    )
}

/// "(5 records)" after `__transaction_state`.
pub fn records_count_text(lang: Lang, n: usize) -> String {
    say!(lang, " ({} records)", " (레코드 {}개)", n)
}

/// "12 earlier or hidden events not listed."
pub fn events_hidden_text(lang: Lang, n: u64) -> String {
    say!(
        lang,
        "{} earlier or hidden events not listed.",
        "이전 또는 숨긴 이벤트 {}개는 목록에 없습니다.",
        n
    )
}

/// The status word of a producer or consumer that stopped on an error.
pub fn stopped_text(lang: Lang, error: impl std::fmt::Display) -> String {
    say!(lang, "stopped: {}", "정지: {}", error)
}

pub fn untold(lang: Lang, keys: &[&str]) -> String {
    let keys = keys.join(", ");
    say!(
        lang,
        "You changed {}; the story describes its original run.",
        "{} 값을 바꿨습니다. 이 스토리는 원래 설정으로 실행한 경우를 설명합니다.",
        keys
    )
}

/// A string of the UI in the reader's language.
pub fn tr(lang: Lang, en: &'static str, ko: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Ko => ko,
    }
}

/// A sentence phrased in both languages at once, for text computed before the reader picks a
/// language (side by side's divergent events are phrased from a replayed run's state, once).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Both {
    pub en: String,
    pub ko: String,
}

impl Both {
    pub fn new(f: impl Fn(Lang) -> String) -> Both {
        Both {
            en: f(Lang::En),
            ko: f(Lang::Ko),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Ko => &self.ko,
        }
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

/// A far seek or a trace import under way: its target and how far it has come.
pub fn going_to(lang: Lang, target: u64, percent: u64) -> String {
    say!(
        lang,
        "Going to step {}… {}%",
        "{}번 스텝으로 이동 중… {}%",
        target,
        percent
    )
}

/// A far seek or a trace import cancelled where it was.
pub fn stopped_at(lang: Lang, step: u64) -> String {
    say!(lang, "Stopped at step {}.", "스텝 {}에서 멈췄습니다.", step)
}

/// What "Apply now" applied (a key set to `null` went back to Kafka's default), or why it
/// changed nothing.
pub fn apply_result(
    lang: Lang,
    node: &str,
    r: &Result<crate::sim::config::RawConfig, crate::session::Refusal>,
) -> String {
    use crate::session::Refusal;
    match r {
        Ok(change) => {
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
        Err(Refusal::RerunOnly(key)) => say!(
            lang,
            "`{}` changes only with “Re-run from start”",
            "`{}` 설정은 “처음부터 다시 실행”으로만 바뀝니다",
            key
        ),
    }
}
