//! Eligible Leader Replicas (KIP-966 part 1; `../shared/KAFKA_EOS.md` §D1 rule 19): the KRaft
//! controller's partition change with the `eligible.leader.replicas.version` feature at 1.
//!
//! When the ISR shrinks below `min.insync.replicas`, the replicas that leave it enter the ELR:
//! the high watermark does not advance below min ISR (KAFKA-15583), so each of them holds every
//! record below it, every acknowledged `acks=all` record included, and may lead cleanly. A
//! replica that comes back from an unclean shutdown leaves the ELR (it may have lost what it did
//! not flush). Election order: the ISR, then an unfenced ELR member, then the last known leader
//! (when ISR and ELR are both empty), then, with `unclean.leader.election.enable`, any live
//! replica.
//!
//! Simplifications (said in the README): Kafka's `LastKnownElr` field is modelled only as what it
//! holds by default, the last known leader (`useLastKnownLeaderInBalancedRecovery`); a change of
//! `min.insync.replicas` (which clears every ELR in Kafka) cannot happen during a run; the
//! controller is instant and sees a crashed broker fenced at once.

use serde::Serialize;

/// Where the controller found a partition's leader (`PartitionChangeBuilder.electAnyLeader`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ElectedFrom {
    /// A live ISR member (a clean election), or the current leader staying.
    Isr,
    /// An unfenced member of the eligible leader replicas, ISR empty (clean; the ISR becomes it).
    Elr,
    /// ISR and ELR empty: the last known leader, if unfenced. Kafka's `ElectionResult` marks it
    /// unclean (the ISR is forced to it) although no `unclean.leader.election.enable` is needed.
    LastKnownLeader,
    /// `unclean.leader.election.enable`: any live replica, outside the ISR (unclean).
    AnyReplica,
    /// No replica can lead: the partition is offline.
    NoLeader,
}

/// One partition as the controller holds it (`PartitionRegistration`): the fields ELR needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionState {
    pub leader: Option<u8>,
    pub isr: Vec<u8>,
    pub elr: Vec<u8>,
    /// `LastKnownElr` holding the last known leader (set when the ISR becomes empty).
    pub last_known_leader: Option<u8>,
}

/// The outcome of one partition change (`PartitionChangeBuilder.build`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionChange {
    pub state: PartitionState,
    pub from: ElectedFrom,
    /// Kafka's `ElectionResult.unclean`: the ISR was forced to the new leader.
    pub unclean: bool,
}

/// What changes the partition: the ISR the controller wants (fenced brokers already removed),
/// and a broker registering after an unclean shutdown (`ReplicationControlManager.handleBrokerUncleanShutdown`).
#[derive(Clone)]
pub struct ChangeInput<'a> {
    /// The partition's replicas, preferred leader first.
    pub replicas: &'a [u8],
    /// Is the broker unfenced (alive, registered)?
    pub alive: &'a dyn Fn(u8) -> bool,
    pub target_isr: Vec<u8>,
    pub unclean_shutdown: Option<u8>,
    /// `min.insync.replicas` (cluster-level when ELR is on).
    pub min_isr: usize,
    /// `unclean.leader.election.enable` (`Election.UNCLEAN`).
    pub unclean_enabled: bool,
}

/// Applies one change with ELR on. A broker back from an unclean shutdown is two changes, as in
/// Kafka: its registration removes it from the ISR and ELR while it is not yet an acceptable
/// leader (`handleBrokerUncleanShutdown`), then its unfencing may elect it
/// (`handleBrokerUnfenced`); the model reports them as one.
pub fn change(old: &PartitionState, input: &ChangeInput) -> PartitionChange {
    if input.unclean_shutdown.is_none() {
        return build(old, input);
    }
    let registered = build(old, input);
    let unfenced = build(
        &registered.state,
        &ChangeInput {
            target_isr: registered.state.isr.clone(),
            unclean_shutdown: None,
            ..input.clone()
        },
    );
    if unfenced.state.leader != registered.state.leader {
        unfenced
    } else {
        PartitionChange {
            state: unfenced.state,
            ..registered
        }
    }
}

/// One partition change, in `PartitionChangeBuilder.build`'s order: populate the ELR, elect,
/// then update the ISR, the ELR and the last known leader.
fn build(old: &PartitionState, input: &ChangeInput) -> PartitionChange {
    let alive = input.alive;
    let mut isr: Vec<u8> = input
        .target_isr
        .iter()
        .copied()
        .filter(|r| Some(*r) != input.unclean_shutdown)
        .collect();
    // `maybePopulateTargetElr`: at or above min ISR the ELR is empty; below it, the replicas that
    // were in the ISR (or already in the ELR) and are not in the new ISR, minus a replica back from
    // an unclean shutdown (KIP-966; KAFKA-15586).
    let mut elr: Vec<u8> = if isr.len() >= input.min_isr {
        Vec::new()
    } else {
        let mut e: Vec<u8> = Vec::new();
        for r in old.elr.iter().chain(old.isr.iter()).copied() {
            if !isr.contains(&r) && Some(r) != input.unclean_shutdown && !e.contains(&r) {
                e.push(r);
            }
        }
        super::vecmap::sort_small(&mut e);
        e
    };
    // `isAcceptableLeader`: unfenced, and not the broker registering after an unclean shutdown.
    let acceptable = |r: u8| alive(r) && Some(r) != input.unclean_shutdown;
    // `isValidNewLeader`: in the ISR, or in the ELR while the ISR is empty.
    let valid = |r: u8, isr: &[u8], elr: &[u8]| {
        (isr.contains(&r) || (isr.is_empty() && elr.contains(&r))) && acceptable(r)
    };
    // `electAnyLeader`: the current leader if still valid, else the first valid replica, else the
    // last known leader (ISR and ELR empty; "if it is unfenced", eligible-leader-replicas.md —
    // `canElectLastKnownLeader` only logs when it is fenced; the model follows the documentation),
    // else, with unclean election on, any acceptable replica.
    let (leader, from, unclean) = match old.leader.filter(|l| valid(*l, &isr, &elr)) {
        Some(l) => (Some(l), ElectedFrom::Isr, false),
        None => match input
            .replicas
            .iter()
            .copied()
            .find(|r| valid(*r, &isr, &elr))
        {
            Some(l) if isr.contains(&l) => (Some(l), ElectedFrom::Isr, false),
            Some(l) => (Some(l), ElectedFrom::Elr, false),
            None => match old.last_known_leader {
                Some(l) if isr.is_empty() && elr.is_empty() && acceptable(l) => {
                    (Some(l), ElectedFrom::LastKnownLeader, true)
                }
                _ if input.unclean_enabled => {
                    match input.replicas.iter().copied().find(|r| acceptable(*r)) {
                        Some(l) => (Some(l), ElectedFrom::AnyReplica, true),
                        None => (None, ElectedFrom::NoLeader, false),
                    }
                }
                _ => (None, ElectedFrom::NoLeader, false),
            },
        },
    };
    // `tryElection`: a leader from the ELR leaves it and is the ISR alone; an unclean one is the
    // ISR alone ("This can result in data loss!").
    if let Some(l) = leader.filter(|l| Some(*l) != old.leader) {
        if elr.contains(&l) {
            isr = vec![l];
            elr.retain(|r| *r != l);
        }
        if unclean {
            isr = vec![l];
        }
    }
    // `maybeUpdateRecordElr`: an unclean election clears the ELR.
    if unclean {
        elr.clear();
    }
    // `maybeUpdateLastKnownLeader`: the first time the ISR becomes empty, remember who led; a
    // partition with a leader forgets it.
    let last_known_leader = if isr.is_empty() && !old.isr.is_empty() && old.leader.is_some() {
        old.leader
    } else if leader.is_some() {
        None
    } else {
        old.last_known_leader
    };
    PartitionChange {
        state: PartitionState {
            leader,
            isr,
            elr,
            last_known_leader,
        },
        from,
        unclean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(alive: &'a dyn Fn(u8) -> bool, target_isr: Vec<u8>) -> ChangeInput<'a> {
        ChangeInput {
            replicas: &[0, 1, 2],
            alive,
            target_isr,
            unclean_shutdown: None,
            min_isr: 2,
            unclean_enabled: false,
        }
    }

    fn state(leader: Option<u8>, isr: &[u8], elr: &[u8]) -> PartitionState {
        PartitionState {
            leader,
            isr: isr.to_vec(),
            elr: elr.to_vec(),
            last_known_leader: None,
        }
    }

    #[test]
    fn shrinking_to_min_isr_keeps_the_elr_empty_and_below_it_fills_it() {
        let all = |_: u8| true;
        let c = change(&state(Some(0), &[0, 1, 2], &[]), &input(&all, vec![0, 1]));
        assert!(c.state.elr.is_empty());
        let c = change(&c.state, &input(&all, vec![0]));
        assert_eq!(c.state.elr, vec![1]);
        assert_eq!(c.state.leader, Some(0));
        // Back at min ISR: the ELR is cleared.
        let c = change(&c.state, &input(&all, vec![0, 2]));
        assert!(c.state.elr.is_empty());
    }

    #[test]
    fn a_fenced_leader_hands_over_to_an_unfenced_elr_member() {
        let up = |b: u8| b != 0;
        let c = change(&state(Some(0), &[0], &[1]), &input(&up, vec![]));
        assert_eq!(c.state.leader, Some(1));
        assert_eq!(c.from, ElectedFrom::Elr);
        assert!(!c.unclean);
        assert_eq!(c.state.isr, vec![1]);
        assert_eq!(c.state.elr, vec![0]);
        assert_eq!(c.state.last_known_leader, None);
    }

    #[test]
    fn with_nobody_eligible_the_partition_is_offline_and_remembers_its_last_leader() {
        let none = |_: u8| false;
        let c = change(&state(Some(0), &[0], &[1]), &input(&none, vec![]));
        assert_eq!(c.state.leader, None);
        assert_eq!(c.from, ElectedFrom::NoLeader);
        assert_eq!(c.state.elr, vec![0, 1]);
        assert_eq!(c.state.last_known_leader, Some(0));
        // broker-1 comes back from an unclean shutdown: it leaves the ELR and cannot lead.
        let one = |b: u8| b == 1;
        let c2 = change(
            &c.state,
            &ChangeInput {
                unclean_shutdown: Some(1),
                ..input(&one, vec![])
            },
        );
        assert_eq!(c2.state.leader, None);
        assert_eq!(c2.state.elr, vec![0]);
        // broker-0 comes back too: the ELR is empty, so the last known leader leads.
        let both = |b: u8| b <= 1;
        let c3 = change(
            &c2.state,
            &ChangeInput {
                unclean_shutdown: Some(0),
                ..input(&both, vec![])
            },
        );
        assert_eq!(c3.state.leader, Some(0));
        assert_eq!(c3.from, ElectedFrom::LastKnownLeader);
        assert!(c3.unclean);
        assert_eq!(c3.state.isr, vec![0]);
        assert!(c3.state.elr.is_empty());
    }
}
