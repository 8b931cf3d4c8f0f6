//! Replication on the brokers (`Partition`, `ReplicaManager`, `ReplicaFetcherThread`;
//! `../shared/KAFKA_EOS.md` §A3 step 6, §A5): followers fetch from the leader, the leader tracks
//! their log end offsets, keeps the ISR, advances the high watermark to what every ISR member
//! has, and answers `acks=all` once the HW passes the batch.

use super::broker::Broker;
use super::broker::BrokerCtx;
pub use super::broker_state::{
    DelayedMarkers, DelayedProduce, ParkedReplicaFetch, ReplicaState, REPLICA_CORR_BIT,
};
use super::effects::{Note, Out, Timer};
use super::errors::Errors;
use super::message::{CorrelationId, Message, ReplicaData};
use super::types::{map_of, set_of, NodeId, Offset, TopicPartition};
pub use super::vocabulary::ReplicationConfig;

/// The follower's timeout for a fetch (`replica.socket.timeout.ms`).
const REPLICA_FETCH_TIMEOUT_MS: u64 = 30_000;
/// The follower's backoff after a failed fetch (`replica.fetch.backoff.ms`).
const REPLICA_FETCH_BACKOFF_MS: u64 = 1_000;

impl Broker {
    /// Has the HW already passed `last_offset` (so `acks=all` can answer at once)?
    pub(super) fn replicated_enough(&self, tp: TopicPartition, last_offset: Offset) -> bool {
        self.partitions
            .get(&tp)
            .is_some_and(|l| l.high_watermark() > last_offset)
    }

    pub(super) fn on_replication_message(
        &mut self,
        from: NodeId,
        msg: Message,
        ctx: &BrokerCtx,
        out: &mut Out,
    ) {
        match msg {
            Message::ReplicaFetchRequest {
                corr,
                tp,
                offset,
                leader_epoch,
            } => {
                let NodeId::Broker(follower) = from else {
                    return;
                };
                self.on_replica_fetch(follower, corr, tp, offset, leader_epoch, ctx, out);
            }
            Message::ReplicaFetchResponse { corr, tp, result } => {
                self.on_replica_fetch_response(corr, tp, result, ctx, out)
            }
            _ => {}
        }
    }

    /// The leader's side of a follower's fetch (`Partition.updateFollowerFetchState`).
    #[allow(clippy::too_many_arguments)]
    fn on_replica_fetch(
        &mut self,
        follower: u8,
        corr: CorrelationId,
        tp: TopicPartition,
        offset: Offset,
        epoch: i32,
        ctx: &BrokerCtx,
        out: &mut Out,
    ) {
        let reply = |out: &mut Out, result| {
            out.send(
                NodeId::Broker(follower),
                Message::ReplicaFetchResponse { corr, tp, result },
            )
        };
        let (Some(state), Some(log)) = (self.replicas.get_mut(&tp), self.partitions.get(&tp))
        else {
            return reply(out, Err(Errors::NotLeaderOrFollower));
        };
        if !state.is_leader {
            return reply(out, Err(Errors::NotLeaderOrFollower));
        }
        if epoch != state.leader_epoch {
            return reply(out, Err(Errors::FencedLeaderEpoch));
        }
        state.follower_leo.insert(follower, offset);
        if offset >= log.log_end_offset() {
            state.caught_up_at.insert(follower, ctx.now);
        }
        // A follower that has caught up to the HW rejoins the ISR (Partition.maybeExpandIsr).
        if !state.isr.contains(&follower) && offset >= log.high_watermark() {
            state.isr.insert(follower);
            out.note(Note::IsrChanged {
                tp,
                isr: state.isr.iter().copied().collect(),
            });
        }
        self.maybe_advance_hw(tp, ctx, out);
        let data = self.replica_read(tp, offset);
        if data.batches.is_empty() {
            out.timer(
                ctx.now.plus(ctx.replication.replica_fetch_wait_max_ms),
                Timer::FetchDeadline(corr, NodeId::Broker(follower)),
            );
            self.parked_replica_fetches.push(ParkedReplicaFetch {
                follower,
                corr,
                tp,
                offset,
            });
        } else {
            reply(out, Ok(data));
        }
    }

    fn replica_read(&self, tp: TopicPartition, offset: Offset) -> ReplicaData {
        let (log, epoch) = match (self.partitions.get(&tp), self.replicas.get(&tp)) {
            (Some(l), Some(r)) => (l, r.leader_epoch),
            _ => {
                return ReplicaData {
                    batches: vec![],
                    high_watermark: Offset(0),
                    leader_epoch: 0,
                }
            }
        };
        let start = log.batch_index_at(offset).unwrap_or(log.batches().len());
        let batches = log.batches().iter_from(start).take(500).cloned().collect();
        ReplicaData {
            batches,
            high_watermark: log.high_watermark(),
            leader_epoch: epoch,
        }
    }

    /// New data or a new HW on `tp`: answer the followers waiting for it.
    pub(super) fn wake_replica_fetches(
        &mut self,
        tp: TopicPartition,
        _ctx: &BrokerCtx,
        out: &mut Out,
    ) {
        let waiting: Vec<ParkedReplicaFetch> = self
            .parked_replica_fetches
            .iter()
            .filter(|f| f.tp == tp)
            .cloned()
            .collect();
        for f in waiting {
            let data = self.replica_read(tp, f.offset);
            if !data.batches.is_empty() {
                self.parked_replica_fetches
                    .retain(|p| p.corr != f.corr || p.follower != f.follower);
                out.send(
                    NodeId::Broker(f.follower),
                    Message::ReplicaFetchResponse {
                        corr: f.corr,
                        tp,
                        result: Ok(data),
                    },
                );
            }
        }
    }

    pub(super) fn replica_fetch_deadline(
        &mut self,
        corr: CorrelationId,
        follower: u8,
        out: &mut Out,
    ) {
        if let Some(i) = self
            .parked_replica_fetches
            .iter()
            .position(|f| f.corr == corr && f.follower == follower)
        {
            let f = self.parked_replica_fetches.remove(i);
            let data = self.replica_read(f.tp, f.offset);
            out.send(
                NodeId::Broker(follower),
                Message::ReplicaFetchResponse {
                    corr,
                    tp: f.tp,
                    result: Ok(data),
                },
            );
        }
    }

    /// HW = the smallest LEO in the ISR (`Partition.maybeIncrementLeaderHW`); on 3.7+ it holds
    /// while the ISR is below `min.insync.replicas`. A higher HW completes `acks=all` produces.
    pub(super) fn maybe_advance_hw(&mut self, tp: TopicPartition, ctx: &BrokerCtx, out: &mut Out) {
        let (Some(state), Some(log)) = (self.replicas.get(&tp), self.partitions.get_mut(&tp))
        else {
            return;
        };
        if !state.is_leader || ctx.topology.replication_factor <= 1 {
            self.complete_delayed(tp, ctx, out);
            return;
        }
        let below_min = state.isr.len() < ctx.replication.min_insync_replicas as usize;
        if below_min && ctx.replication.hw_holds_below_min_isr {
            return;
        }
        let me = self.id;
        let hw = state
            .isr
            .iter()
            .map(|r| {
                if *r == me {
                    log.log_end_offset()
                } else {
                    state.follower_leo.get(r).copied().unwrap_or(Offset(0))
                }
            })
            .min()
            .unwrap_or(log.log_end_offset());
        if hw > log.high_watermark() {
            log.set_high_watermark(hw);
            self.complete_delayed(tp, ctx, out);
            self.wake_fetches(tp, ctx, out);
        }
    }

    /// Answers the `acks=all` produces the HW has passed (`Partition.checkEnoughReplicasReachOffset`).
    fn complete_delayed(&mut self, tp: TopicPartition, ctx: &BrokerCtx, out: &mut Out) {
        let hw = self
            .partitions
            .get(&tp)
            .map_or(Offset(0), |l| l.high_watermark());
        let isr = self.replicas.get(&tp).map_or(0, |r| r.isr.len());
        let (done, waiting): (Vec<DelayedProduce>, Vec<DelayedProduce>) =
            std::mem::take(&mut self.delayed_produce)
                .into_iter()
                .partition(|d| d.tp == tp && hw > d.info.last_offset);
        self.delayed_produce = waiting;
        // Markers the HW has now passed; answers go once all of a request's markers are replicated.
        for d in self.delayed_markers.iter_mut() {
            d.waiting_for
                .retain(|(p, offset)| !(*p == tp && hw > *offset));
        }
        let (ready, still): (Vec<DelayedMarkers>, Vec<DelayedMarkers>) =
            std::mem::take(&mut self.delayed_markers)
                .into_iter()
                .partition(|d| d.waiting_for.is_empty());
        self.delayed_markers = still;
        for d in ready {
            out.send(d.to, d.response);
        }
        for d in done {
            // The data is in the log, but fewer replicas than min.insync.replicas have it.
            let result = if isr < ctx.replication.min_insync_replicas as usize {
                Err(Errors::NotEnoughReplicasAfterAppend)
            } else {
                Ok(d.info)
            };
            out.send(
                d.to,
                Message::ProduceResponse {
                    corr: d.corr,
                    tp,
                    result,
                },
            );
        }
    }

    /// Drops followers that have not caught up within `replica.lag.time.max.ms` from the ISR
    /// (`Partition.maybeShrinkIsr`); a smaller ISR may let the HW advance.
    pub(super) fn check_isr(&mut self, ctx: &BrokerCtx, out: &mut Out) {
        let lag = ctx.replication.replica_lag_time_max_ms;
        let led: Vec<TopicPartition> = self
            .replicas
            .iter()
            .filter(|(_, r)| r.is_leader)
            .map(|(tp, _)| *tp)
            .collect();
        for tp in led {
            let me = self.id;
            let Some(state) = self.replicas.get_mut(&tp) else {
                continue;
            };
            let stale: Vec<u8> = state
                .isr
                .iter()
                .copied()
                .filter(|r| {
                    *r != me
                        && state
                            .caught_up_at
                            .get(r)
                            .is_some_and(|t| ctx.now.0.saturating_sub(t.0) > lag)
                })
                .collect();
            if !stale.is_empty() {
                for r in stale {
                    state.isr.remove(&r);
                }
                out.note(Note::IsrChanged {
                    tp,
                    isr: state.isr.iter().copied().collect(),
                });
                self.maybe_advance_hw(tp, ctx, out);
            }
        }
        self.arm_isr_check(ctx, out);
    }

    pub fn arm_isr_check(&mut self, ctx: &BrokerCtx, out: &mut Out) {
        if ctx.topology.replication_factor > 1 && self.replicas.values().any(|r| r.is_leader) {
            out.timer(
                ctx.now
                    .plus((ctx.replication.replica_lag_time_max_ms / 2).max(1)),
                Timer::IsrCheck,
            );
        }
    }

    /// Every follower replica without a fetch in flight fetches from its leader.
    pub fn fetch_from_leaders(&mut self, ctx: &BrokerCtx, out: &mut Out) {
        let followed: Vec<TopicPartition> = self
            .replicas
            .iter()
            .filter(|(_, r)| !r.is_leader && r.fetch_in_flight.is_none())
            .map(|(tp, _)| *tp)
            .collect();
        for tp in followed {
            self.follower_fetch(tp, ctx, out);
        }
    }

    fn follower_fetch(&mut self, tp: TopicPartition, ctx: &BrokerCtx, out: &mut Out) {
        let Some(leader) = ctx.topology.leader_of(tp).filter(|l| *l != self.id) else {
            return;
        };
        let offset = self
            .partitions
            .get(&tp)
            .map_or(Offset(0), |l| l.log_end_offset());
        let corr = REPLICA_CORR_BIT | (self.next_replica_corr & !(REPLICA_CORR_BIT | (1 << 31)));
        self.next_replica_corr = self.next_replica_corr.wrapping_add(1);
        let Some(state) = self.replicas.get_mut(&tp) else {
            return;
        };
        state.fetch_in_flight = Some(corr);
        out.send(
            NodeId::Broker(leader),
            Message::ReplicaFetchRequest {
                corr,
                tp,
                offset,
                leader_epoch: state.leader_epoch,
            },
        );
        out.timer(
            ctx.now
                .plus(REPLICA_FETCH_TIMEOUT_MS + ctx.replication.replica_fetch_wait_max_ms),
            Timer::RequestTimeout(corr),
        );
    }

    /// The follower's side (`ReplicaFetcherThread.processPartitionData`): copy the batches,
    /// take the leader's HW, fetch again.
    fn on_replica_fetch_response(
        &mut self,
        corr: CorrelationId,
        tp: TopicPartition,
        result: Result<ReplicaData, Errors>,
        ctx: &BrokerCtx,
        out: &mut Out,
    ) {
        let Some(state) = self.replicas.get_mut(&tp) else {
            return;
        };
        if state.fetch_in_flight != Some(corr) || state.is_leader {
            return;
        }
        state.fetch_in_flight = None;
        let epoch = state.leader_epoch;
        match result {
            Ok(data) if data.leader_epoch == epoch => {
                if let Some(log) = self.partitions.get_mut(&tp) {
                    for b in &data.batches {
                        if b.base_offset < log.log_end_offset() {
                            continue;
                        }
                        if !log.append_replicated(b) {
                            break;
                        }
                    }
                    log.set_high_watermark(data.high_watermark);
                }
                self.follower_fetch(tp, ctx, out);
            }
            _ => out.timer(
                ctx.now.plus(REPLICA_FETCH_BACKOFF_MS),
                Timer::ReplicaFetchRetry,
            ),
        }
    }

    pub(super) fn on_replica_fetch_timeout(
        &mut self,
        corr: CorrelationId,
        ctx: &BrokerCtx,
        out: &mut Out,
    ) {
        let lost: Vec<TopicPartition> = self
            .replicas
            .iter()
            .filter(|(_, r)| r.fetch_in_flight == Some(corr))
            .map(|(tp, _)| *tp)
            .collect();
        for tp in lost {
            if let Some(r) = self.replicas.get_mut(&tp) {
                r.fetch_in_flight = None;
            }
            if let Some(leader) = ctx.topology.leader_of(tp) {
                out.disconnect(NodeId::Broker(leader));
            }
            self.follower_fetch(tp, ctx, out);
        }
    }

    /// The connection to a leader closed: its followers fetch again after a backoff.
    pub(super) fn on_leader_disconnect(&mut self, peer: u8, ctx: &BrokerCtx, out: &mut Out) {
        let mut any = false;
        for (tp, r) in self.replicas.iter_mut() {
            if !r.is_leader
                && r.fetch_in_flight.is_some()
                && ctx.topology.leader_of(*tp) == Some(peer)
            {
                r.fetch_in_flight = None;
                any = true;
            }
        }
        if any {
            out.timer(
                ctx.now.plus(REPLICA_FETCH_BACKOFF_MS),
                Timer::ReplicaFetchRetry,
            );
        }
    }

    /// The controller made this broker the leader of `tp` with this ISR (`Partition.makeLeader`).
    pub fn become_leader(
        &mut self,
        tp: TopicPartition,
        leader_epoch: i32,
        isr: &[u8],
        ctx: &BrokerCtx,
        out: &mut Out,
    ) {
        let me = self.id;
        let replicas = ctx.topology.replicas(tp);
        if let Some(r) = self.replicas.get_mut(&tp) {
            r.is_leader = true;
            r.leader_epoch = leader_epoch;
            r.fetch_in_flight = None;
            r.isr = set_of(isr.iter().copied().chain(std::iter::once(me)));
            r.follower_leo = map_of(
                replicas
                    .iter()
                    .filter(|x| **x != me)
                    .map(|x| (*x, Offset(0))),
            );
            // A new leader counts its ISR followers as caught up now (Partition.makeLeader).
            r.caught_up_at = map_of(replicas.iter().filter(|x| **x != me).map(|x| (*x, ctx.now)));
        }
        self.arm_isr_check(ctx, out);
    }

    /// The controller made this broker a follower of `tp` (`Partition.makeFollower`): it drops
    /// what the leader does not have (`truncate_to`) and fetches from it.
    pub fn become_follower(
        &mut self,
        tp: TopicPartition,
        leader_epoch: i32,
        truncate_to: Offset,
        ctx: &BrokerCtx,
        out: &mut Out,
    ) {
        let was_leader = self.replicas.get(&tp).is_some_and(|r| r.is_leader);
        if let Some(r) = self.replicas.get_mut(&tp) {
            r.is_leader = false;
            r.leader_epoch = leader_epoch;
            r.isr.clear();
            r.fetch_in_flight = None;
        }
        if was_leader {
            // Waiting acks=all produces can no longer be answered by this broker.
            let (lost, keep): (Vec<DelayedProduce>, Vec<DelayedProduce>) =
                std::mem::take(&mut self.delayed_produce)
                    .into_iter()
                    .partition(|d| d.tp == tp);
            self.delayed_produce = keep;
            for d in lost {
                out.send(
                    d.to,
                    Message::ProduceResponse {
                        corr: d.corr,
                        tp,
                        result: Err(Errors::NotLeaderOrFollower),
                    },
                );
            }
            self.parked_replica_fetches.retain(|f| f.tp != tp);
            // Marker answers waiting on this partition: the coordinator must write them again on the new leader.
            let (lost, keep): (Vec<DelayedMarkers>, Vec<DelayedMarkers>) =
                std::mem::take(&mut self.delayed_markers)
                    .into_iter()
                    .partition(|d| d.waiting_for.iter().any(|(p, _)| *p == tp));
            self.delayed_markers = keep;
            for d in lost {
                if let Message::WriteTxnMarkersResponse {
                    corr,
                    txn,
                    results,
                    group,
                } = d.response
                {
                    let results = results
                        .into_iter()
                        .map(|(p, e)| {
                            if p == tp {
                                (p, Some(Errors::NotLeaderOrFollower))
                            } else {
                                (p, e)
                            }
                        })
                        .collect();
                    out.send(
                        d.to,
                        Message::WriteTxnMarkersResponse {
                            corr,
                            txn,
                            results,
                            group,
                        },
                    );
                }
            }
        }
        if let Some(log) = self.partitions.get_mut(&tp) {
            if log.log_end_offset() > truncate_to {
                log.truncate_to(truncate_to);
                out.note(Note::Truncated {
                    tp,
                    broker: self.id,
                    to: truncate_to,
                });
            }
        }
        if self.alive {
            self.follower_fetch(tp, ctx, out);
        }
    }
}
