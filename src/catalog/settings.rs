//! The settings panel's sentences: what the model simplifies for a Kafka version.

use super::{tr, Lang};

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
