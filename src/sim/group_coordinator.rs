//! The group coordinator's membership side, classic protocol (`group.protocol=classic`): JoinGroup,
//! SyncGroup, Heartbeat and LeaveGroup, generations, session and rebalance timeouts, and the
//! group states Empty → PreparingRebalance → CompletingRebalance → Stable (Kafka's
//! `GroupMetadataManager` with `ClassicGroup`, formerly `GroupCoordinator.scala`). It runs on the
//! broker that leads `__consumer_offsets`, beside the offsets (`broker::GroupCoordinator`), and
//! validates offset commits against the generation (KIP-447).
//!
//! ```text
//!   JoinGroup(new) ─▶ MEMBER_ID_REQUIRED(id) ─▶ JoinGroup(id) ──┐   every member rejoined,
//!   Empty/Stable ──────────────────────────▶ PreparingRebalance ─┴─ or the rebalance timeout
//!                                                    │
//!            generation+1, JoinGroup answers ◀──────┘ (the leader gets the members)
//!   CompletingRebalance ── leader's SyncGroup(assignment) ──▶ Stable (SyncGroup answers)
//! ```
//!
//! Static membership (KIP-345, `group.instance.id`): a static member joins without
//! MEMBER_ID_REQUIRED; a JoinGroup with a known instance id and no member id replaces the old
//! member (new member id, same assignment) without a rebalance while the group is Stable, and the
//! old member id is fenced (FENCED_INSTANCE_ID); a static member that has not rejoined stays in
//! the next generation until its session expires. KIP-848's static members leave with epoch -2
//! and keep their assignment for the session timeout; a second member with the instance id while
//! the first has not left gets UNRELEASED_INSTANCE_ID.
//!
//! Simplifications (also in the README): the group's subscription is always the input topic, so a
//! member's protocol metadata never changes (a static member's rejoin never changes the selected
//! protocol, so it never rebalances a Stable group); `group.initial.rebalance.delay.ms` (3000 ms by
//! default, 0 in Kafka's shipped `server.properties`) is not applied; LeaveGroup by instance id
//! (the admin client's `removeMembersFromConsumerGroup`) is not modelled.

use super::effects::{Note, Out, Timer};
use super::errors::Errors;
use super::message::{CorrelationId, GroupIdx, GroupMember, MemberId, Message};
use super::types::{NodeId, Tick, TopicPartition};
use super::vecmap::VecMap;
pub use super::vocabulary::GroupState;
use serde::Serialize;

/// The one assignor the model runs: `RangeAssignor` (`partition.assignment.strategy`'s first
/// default entry), run by the group's leader, a client, as the classic protocol does.
pub const ASSIGNOR: &str = "range";

/// Most members a group may have (Kafka: `group.max.size`, default unbounded; a bound here).
const MAX_MEMBERS: usize = 64;

/// A member as the coordinator knows it (`ClassicGroupMember`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Member {
    pub member_id: MemberId,
    pub client: NodeId,
    pub session_timeout_ms: u64,
    pub rebalance_timeout_ms: u64,
    /// Removed unless heard from by then (`session.timeout.ms` after its last heartbeat).
    pub session_deadline: Tick,
    /// Its JoinGroup, answered when the join phase ends.
    pub awaiting_join: Option<CorrelationId>,
    /// Its SyncGroup, answered when the leader's assignment arrives.
    pub awaiting_sync: Option<CorrelationId>,
    pub assignment: Vec<TopicPartition>,
    /// `group.instance.id`: a static member (KIP-345).
    pub group_instance_id: Option<String>,
}

impl Member {
    /// `ClassicGroupMember.shouldKeepAlive`: a member waiting in JoinGroup or SyncGroup is not expired.
    fn expired(&self, now: Tick) -> bool {
        self.awaiting_join.is_none() && self.awaiting_sync.is_none() && self.session_deadline <= now
    }
}

/// One classic group.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ClassicGroup {
    pub state: GroupState,
    pub generation_id: i32,
    pub leader: Option<MemberId>,
    pub members: VecMap<MemberId, Member>,
    /// Ids handed out with MEMBER_ID_REQUIRED, not joined yet, with their expiry (KIP-394).
    pub pending: VecMap<MemberId, Tick>,
    /// The join phase ends by then even if members have not rejoined (the largest rebalance timeout).
    pub rebalance_deadline: Option<Tick>,
    next_member: u32,
}

impl Default for ClassicGroup {
    fn default() -> Self {
        ClassicGroup {
            state: GroupState::Empty,
            generation_id: 0,
            leader: None,
            members: VecMap::new(),
            pending: VecMap::new(),
            rebalance_deadline: None,
            next_member: 0,
        }
    }
}

/// A member as `GroupMetadataValue` keeps it: member id, client, session timeout, rebalance
/// timeout, assignment, `group.instance.id`.
pub type MemberRecord = (
    MemberId,
    NodeId,
    u64,
    u64,
    Vec<TopicPartition>,
    Option<String>,
);

/// What `__consumer_offsets` keeps of a group (`GroupMetadataValue`): written when a generation
/// completes (SyncGroup from the leader) or the group becomes empty, replayed by a new coordinator.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct GroupMetadataRecord {
    pub group: GroupIdx,
    pub generation_id: i32,
    pub leader: Option<MemberId>,
    pub members: Vec<MemberRecord>,
    pub next_member: u32,
}

/// Every group the coordinator runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Groups {
    pub groups: VecMap<GroupIdx, ClassicGroup>,
    /// KIP-848 groups (`group.protocol=consumer`).
    pub consumer_groups: VecMap<GroupIdx, ConsumerGroup>,
}

impl Groups {
    /// Handles a membership request; returns false for any other message. `persist` receives the
    /// group metadata to append to `__consumer_offsets`.
    pub fn handle(
        &mut self,
        from: NodeId,
        msg: &Message,
        now: Tick,
        out: &mut Out,
        persist: &mut Vec<GroupMetadataRecord>,
    ) -> bool {
        match msg {
            Message::JoinGroupRequest {
                corr,
                group,
                member_id,
                group_instance_id,
                session_timeout_ms,
                rebalance_timeout_ms,
            } => {
                let g = self.groups.entry(*group).or_default();
                g.join(
                    *group,
                    from,
                    *corr,
                    (member_id, group_instance_id.as_deref()),
                    (*session_timeout_ms, *rebalance_timeout_ms),
                    now,
                    out,
                    persist,
                );
                true
            }
            Message::SyncGroupRequest {
                corr,
                group,
                member,
                assignments,
            } => {
                let g = self.groups.entry(*group).or_default();
                g.sync(*group, from, *corr, member, assignments, now, out, persist);
                true
            }
            Message::HeartbeatRequest {
                corr,
                group,
                member,
            } => {
                let g = self.groups.entry(*group).or_default();
                let error = g.heartbeat(member, now, out, *group);
                out.send(from, Message::HeartbeatResponse { corr: *corr, error });
                true
            }
            Message::LeaveGroupRequest {
                corr,
                group,
                member_id,
            } => {
                let g = self.groups.entry(*group).or_default();
                let error = if g.members.contains_key(member_id) {
                    g.remove_member(*group, member_id, now, out, persist);
                    None
                } else {
                    Some(Errors::UnknownMemberId)
                };
                out.send(from, Message::LeaveGroupResponse { corr: *corr, error });
                true
            }
            _ => false,
        }
    }

    /// A deadline the group set for itself passed: expire sessions, end a join phase.
    pub fn on_deadline(
        &mut self,
        group: GroupIdx,
        now: Tick,
        out: &mut Out,
        persist: &mut Vec<GroupMetadataRecord>,
    ) {
        let Some(g) = self.groups.get_mut(&group) else {
            return;
        };
        g.pending.retain(|_, expiry| *expiry > now);
        // GroupMetadataManager.onExpireHeartbeat: a member not heard from within session.timeout.ms leaves.
        let expired: Vec<MemberId> = g
            .members
            .values()
            .filter(|m| m.expired(now))
            .map(|m| m.member_id.clone())
            .collect();
        for m in expired {
            out.note(Note::GroupMemberRemoved {
                group,
                member_id: m.clone(),
                reason: "session timeout expired",
            });
            g.remove_member(group, &m, now, out, persist);
        }
        if g.state == GroupState::PreparingRebalance
            && g.rebalance_deadline.is_some_and(|d| d <= now)
        {
            g.complete_join(group, now, out, persist);
        }
    }

    /// KIP-447 fencing of offset commits (`ClassicGroup.validateOffsetCommit`).
    pub fn validate_offset_commit(
        &self,
        group: GroupIdx,
        member: &GroupMember,
        transactional: bool,
    ) -> Result<(), Errors> {
        if let Some(g) = self.consumer_groups.get(&group) {
            return Groups::validate_consumer_commit(g, member, transactional);
        }
        let g = self.groups.get(&group);
        let empty = g.is_none_or(|g| g.state == GroupState::Empty);
        // Generation -1 with no member id: a commit from outside group management, allowed while
        // the group is empty; a TxnOffsetCommit without group metadata is not validated at all.
        if member.generation_id < 0
            && member.member_id.is_empty()
            && member.group_instance_id.is_none()
        {
            return if empty || transactional {
                Ok(())
            } else {
                Err(Errors::UnknownMemberId)
            };
        }
        let Some(g) = g else {
            // OffsetMetadataManager.validateTransactionalOffsetCommit: no such group and a generation ≥ 0.
            return Err(Errors::IllegalGeneration);
        };
        // ClassicGroup.validateOffsetCommit → validateMember: an instance id mapped to another
        // member id is FENCED_INSTANCE_ID (the zombie of a replaced static member).
        if let Some(instance) = member.group_instance_id.as_deref() {
            g.validate_static(&member.member_id, instance)?;
        }
        if !g.members.contains_key(&member.member_id) {
            return Err(Errors::UnknownMemberId);
        }
        if member.generation_id != g.generation_id {
            return Err(Errors::IllegalGeneration);
        }
        Ok(())
    }

    /// The coordinator loaded `__consumer_offsets`: each group as its last record left it, every
    /// member's session running again from now (`GroupMetadataManager` loading a partition).
    /// KIP-848 groups as their last snapshot left them, sessions restarting now.
    pub fn load_consumer_groups(
        &mut self,
        snapshots: VecMap<GroupIdx, ConsumerGroup>,
        now: Tick,
        out: &mut Out,
    ) {
        self.consumer_groups = snapshots;
        for (g, group) in self.consumer_groups.iter_mut() {
            for m in group.members.values_mut() {
                m.session_deadline = now.plus(CONSUMER_SESSION_TIMEOUT_MS);
                if m.revocation_deadline.is_some() {
                    m.revocation_deadline = Some(now.plus(m.rebalance_timeout_ms));
                }
            }
            out.timer(
                now.plus(CONSUMER_SESSION_TIMEOUT_MS),
                Timer::GroupDeadline(*g),
            );
        }
    }

    pub fn load(&mut self, records: &[GroupMetadataRecord], now: Tick, out: &mut Out) {
        self.groups.clear();
        for r in records {
            let members: VecMap<MemberId, Member> = r
                .members
                .iter()
                .map(|(id, client, session, rebalance, assignment, instance)| {
                    (
                        id.clone(),
                        Member {
                            member_id: id.clone(),
                            client: *client,
                            session_timeout_ms: *session,
                            rebalance_timeout_ms: *rebalance,
                            session_deadline: now.plus(*session),
                            awaiting_join: None,
                            awaiting_sync: None,
                            assignment: assignment.clone(),
                            group_instance_id: instance.clone(),
                        },
                    )
                })
                .collect();
            for m in members.values() {
                out.timer(m.session_deadline, Timer::GroupDeadline(r.group));
            }
            self.groups.insert(
                r.group,
                ClassicGroup {
                    state: if members.is_empty() {
                        GroupState::Empty
                    } else {
                        GroupState::Stable
                    },
                    generation_id: r.generation_id,
                    leader: r.leader.clone(),
                    members,
                    pending: VecMap::new(),
                    rebalance_deadline: None,
                    next_member: r.next_member,
                },
            );
        }
    }
}

impl ClassicGroup {
    fn transition(&mut self, group: GroupIdx, to: GroupState, out: &mut Out) {
        if self.state != to {
            out.note(Note::GroupStateChanged {
                group,
                from: self.state,
                to,
                generation_id: self.generation_id,
            });
            self.state = to;
        }
    }

    fn touch(&mut self, member_id: &str, now: Tick, group: GroupIdx, out: &mut Out) {
        if let Some(m) = self.members.get_mut(member_id) {
            m.session_deadline = now.plus(m.session_timeout_ms);
            out.timer(m.session_deadline, Timer::GroupDeadline(group));
        }
    }

    /// The member id a `group.instance.id` maps to (`ClassicGroup.staticMemberId`).
    fn static_member_id(&self, instance: &str) -> Option<&MemberId> {
        self.members
            .values()
            .find(|m| m.group_instance_id.as_deref() == Some(instance))
            .map(|m| &m.member_id)
    }

    /// `ClassicGroup.validateMember` for a request carrying a `group.instance.id`: unknown instance
    /// → UNKNOWN_MEMBER_ID; mapped to another member id → FENCED_INSTANCE_ID.
    fn validate_static(&self, member_id: &str, instance: &str) -> Result<(), Errors> {
        match self.static_member_id(instance) {
            None => Err(Errors::UnknownMemberId),
            Some(id) if id != member_id => Err(Errors::FencedInstanceId),
            Some(_) => Ok(()),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn join(
        &mut self,
        group: GroupIdx,
        from: NodeId,
        corr: CorrelationId,
        (member_id, instance): (&str, Option<&str>),
        (session_timeout_ms, rebalance_timeout_ms): (u64, u64),
        now: Tick,
        out: &mut Out,
        persist: &mut Vec<GroupMetadataRecord>,
    ) {
        let reply = |out: &mut Out, error: Errors, member_id: String| {
            out.send(
                from,
                Message::JoinGroupResponse {
                    corr,
                    error: Some(error),
                    generation_id: -1,
                    member_id,
                    leader: String::new(),
                    members: Vec::new(),
                },
            )
        };
        let new_member = |id: &str, instance: Option<&str>| Member {
            member_id: id.to_string(),
            client: from,
            session_timeout_ms,
            rebalance_timeout_ms,
            session_deadline: now.plus(session_timeout_ms),
            awaiting_join: Some(corr),
            awaiting_sync: None,
            assignment: Vec::new(),
            group_instance_id: instance.map(str::to_string),
        };
        if member_id.is_empty() {
            let known_instance = instance.and_then(|i| self.static_member_id(i)).cloned();
            if known_instance.is_none() && self.members.len() + self.pending.len() >= MAX_MEMBERS {
                reply(out, Errors::UnknownMemberId, String::new());
                return;
            }
            self.next_member += 1;
            let Some(instance) = instance else {
                // KIP-394 (JoinGroup v4+): a new member first gets its id, then joins with it.
                let id = format!("{}-{}", from, self.next_member);
                let expiry = now.plus(session_timeout_ms);
                self.pending.insert(id.clone(), expiry);
                out.timer(expiry, Timer::GroupDeadline(group));
                reply(out, Errors::MemberIdRequired, id);
                return;
            };
            // GroupMetadataManager.classicGroupJoinNewStaticMember: no MEMBER_ID_REQUIRED round
            // trip; the id is the instance id and a unique suffix (ClassicGroup.generateMemberId).
            let id = format!("{}-{}", instance, self.next_member);
            match known_instance {
                Some(old) => {
                    let member = new_member(&id, Some(instance));
                    self.replace_static_member(group, &old, member, now, out, persist);
                }
                None => {
                    // addMemberThenRebalanceOrCompleteJoin.
                    self.members
                        .insert(id.clone(), new_member(&id, Some(instance)));
                    out.timer(now.plus(session_timeout_ms), Timer::GroupDeadline(group));
                    if self.state != GroupState::PreparingRebalance {
                        self.prepare_rebalance(group, now, out);
                    }
                    self.maybe_complete_join(group, now, out, persist);
                }
            }
            return;
        }
        if let Some(instance) = instance {
            // classicGroupJoinExistingMember → ClassicGroup.validateMember("join-group").
            if let Err(e) = self.validate_static(member_id, instance) {
                reply(out, e, member_id.to_string());
                return;
            }
        }
        let known = self.members.contains_key(member_id);
        if !known && self.pending.remove(member_id).is_none() {
            reply(out, Errors::UnknownMemberId, String::new());
            return;
        }
        if !known {
            self.members
                .insert(member_id.to_string(), new_member(member_id, None));
            if self.state != GroupState::PreparingRebalance {
                self.prepare_rebalance(group, now, out);
            }
        } else {
            let is_leader = self.leader.as_deref() == Some(member_id);
            match self.state {
                // A follower whose subscription is unchanged gets the current generation back
                // (GroupMetadataManager.classicGroupJoinExistingMember); the leader rebalances.
                GroupState::CompletingRebalance | GroupState::Stable if !is_leader => {
                    self.touch(member_id, now, group, out);
                    out.send(from, self.join_response(corr, member_id));
                    return;
                }
                GroupState::CompletingRebalance | GroupState::Stable => {
                    if let Some(m) = self.members.get_mut(member_id) {
                        m.awaiting_join = Some(corr);
                    }
                    self.prepare_rebalance(group, now, out);
                }
                _ => {
                    if let Some(m) = self.members.get_mut(member_id) {
                        m.awaiting_join = Some(corr);
                        m.client = from;
                    }
                }
            }
        }
        self.maybe_complete_join(group, now, out, persist);
    }

    /// `GroupMetadataManager.updateStaticMemberThenRebalanceOrCompleteJoin` with
    /// `ClassicGroup.replaceStaticMember`: the new member takes the old one's place and assignment
    /// (and leadership); a JoinGroup or SyncGroup the old one is waiting in is answered
    /// FENCED_INSTANCE_ID. Stable: no rebalance, the group is stored and the new member gets the
    /// current generation. CompletingRebalance: a rebalance (the leader may have assigned to the
    /// old id). PreparingRebalance: the new member counts as joined.
    fn replace_static_member(
        &mut self,
        group: GroupIdx,
        old_id: &str,
        mut member: Member,
        now: Tick,
        out: &mut Out,
        persist: &mut Vec<GroupMetadataRecord>,
    ) {
        let Some(old) = self.members.remove(old_id) else {
            return;
        };
        if let Some(corr) = old.awaiting_join {
            out.send(
                old.client,
                Message::JoinGroupResponse {
                    corr,
                    error: Some(Errors::FencedInstanceId),
                    generation_id: -1,
                    member_id: old.member_id.clone(),
                    leader: String::new(),
                    members: Vec::new(),
                },
            );
        }
        if let Some(corr) = old.awaiting_sync {
            out.send(
                old.client,
                Message::SyncGroupResponse {
                    corr,
                    error: Some(Errors::FencedInstanceId),
                    assignment: Vec::new(),
                },
            );
        }
        member.assignment = old.assignment;
        let new_id = member.member_id.clone();
        // rescheduleClassicGroupMemberHeartbeat: the new member's session starts now.
        out.timer(member.session_deadline, Timer::GroupDeadline(group));
        out.note(Note::StaticMemberReplaced {
            group,
            group_instance_id: member.group_instance_id.clone().unwrap_or_default(),
            old_member_id: old.member_id.clone(),
            new_member_id: new_id.clone(),
        });
        self.members.insert(new_id.clone(), member);
        if self.leader.as_deref() == Some(old_id) {
            self.leader = Some(new_id.clone());
        }
        match self.state {
            GroupState::Stable => {
                persist.push(self.record(group));
                let Some(m) = self.members.get_mut(&new_id) else {
                    return;
                };
                let (to, corr) = (m.client, m.awaiting_join.take());
                if let Some(corr) = corr {
                    // JoinGroup v9+ answers the leader with skipAssignment: it does not run the
                    // assignor again, so no member list here; its SyncGroup gets the stored assignment.
                    let leader = self.leader.clone().unwrap_or_default();
                    out.send(
                        to,
                        Message::JoinGroupResponse {
                            corr,
                            error: None,
                            generation_id: self.generation_id,
                            member_id: new_id,
                            leader,
                            members: Vec::new(),
                        },
                    );
                }
            }
            GroupState::CompletingRebalance => {
                self.prepare_rebalance(group, now, out);
                self.maybe_complete_join(group, now, out, persist);
            }
            GroupState::PreparingRebalance => self.maybe_complete_join(group, now, out, persist),
            // A static member is a member, so the group is not Empty.
            GroupState::Empty => {}
        }
    }

    fn join_response(&self, corr: CorrelationId, member_id: &str) -> Message {
        let leader = self.leader.clone().unwrap_or_default();
        Message::JoinGroupResponse {
            corr,
            error: None,
            generation_id: self.generation_id,
            member_id: member_id.to_string(),
            members: if leader == member_id {
                self.members.keys().cloned().collect()
            } else {
                Vec::new()
            },
            leader,
        }
    }

    fn prepare_rebalance(&mut self, group: GroupIdx, now: Tick, out: &mut Out) {
        // A SyncGroup waiting in CompletingRebalance learns the generation is over
        // (resetAndPropagateAssignmentError(REBALANCE_IN_PROGRESS)).
        let waiting: Vec<(NodeId, CorrelationId)> = self
            .members
            .values_mut()
            .filter_map(|m| m.awaiting_sync.take().map(|c| (m.client, c)))
            .collect();
        for (to, corr) in waiting {
            out.send(
                to,
                Message::SyncGroupResponse {
                    corr,
                    error: Some(Errors::RebalanceInProgress),
                    assignment: Vec::new(),
                },
            );
        }
        // The join phase waits up to the largest rebalance timeout (max.poll.interval.ms) of the members.
        let timeout = self
            .members
            .values()
            .map(|m| m.rebalance_timeout_ms)
            .max()
            .unwrap_or(0);
        let deadline = now.plus(timeout);
        self.rebalance_deadline = Some(deadline);
        out.timer(deadline, Timer::GroupDeadline(group));
        self.transition(group, GroupState::PreparingRebalance, out);
    }

    fn maybe_complete_join(
        &mut self,
        group: GroupIdx,
        now: Tick,
        out: &mut Out,
        persist: &mut Vec<GroupMetadataRecord>,
    ) {
        // ClassicGroup.hasAllMembersJoined: every member rejoined and no new member is pending.
        if self.state == GroupState::PreparingRebalance
            && self.pending.is_empty()
            && self.members.values().all(|m| m.awaiting_join.is_some())
        {
            self.complete_join(group, now, out, persist);
        }
    }

    /// `onCompleteJoin`: members that did not rejoin are removed, the generation goes up, and
    /// every JoinGroup is answered (the leader's with the members).
    fn complete_join(
        &mut self,
        group: GroupIdx,
        now: Tick,
        out: &mut Out,
        persist: &mut Vec<GroupMetadataRecord>,
    ) {
        // completeClassicGroupJoin removes the dynamic members that did not rejoin; static members
        // stay (until their session expires) and are part of the next generation.
        let gone: Vec<MemberId> = self
            .members
            .values()
            .filter(|m| m.awaiting_join.is_none() && m.group_instance_id.is_none())
            .map(|m| m.member_id.clone())
            .collect();
        for m in gone {
            self.members.remove(&m);
            out.note(Note::GroupMemberRemoved {
                group,
                member_id: m,
                reason: "did not rejoin within the rebalance timeout",
            });
        }
        if !self.members.is_empty() {
            if !self
                .leader
                .as_ref()
                .is_some_and(|l| self.members.contains_key(l))
            {
                self.leader = self.members.keys().next().cloned();
            }
            // ClassicGroup.maybeElectNewJoinedLeader: a leader that did not rejoin (a static
            // member) gives way to one that did; if none did, the join phase waits another
            // rebalance timeout.
            let leader_joined = self
                .leader
                .as_ref()
                .and_then(|l| self.members.get(l))
                .is_some_and(|m| m.awaiting_join.is_some());
            if !leader_joined {
                let joined = self
                    .members
                    .values()
                    .find(|m| m.awaiting_join.is_some())
                    .map(|m| m.member_id.clone());
                match joined {
                    Some(id) => self.leader = Some(id),
                    None => {
                        let timeout = self
                            .members
                            .values()
                            .map(|m| m.rebalance_timeout_ms)
                            .max()
                            .unwrap_or(0);
                        let deadline = now.plus(timeout);
                        self.rebalance_deadline = Some(deadline);
                        out.timer(deadline, Timer::GroupDeadline(group));
                        return;
                    }
                }
            }
        }
        self.pending.clear();
        self.rebalance_deadline = None;
        // ClassicGroup.initNextGeneration.
        self.generation_id += 1;
        if self.members.is_empty() {
            self.leader = None;
            self.transition(group, GroupState::Empty, out);
            persist.push(self.record(group));
            return;
        }
        if !self
            .leader
            .as_ref()
            .is_some_and(|l| self.members.contains_key(l))
        {
            self.leader = self.members.keys().next().cloned();
        }
        self.transition(group, GroupState::CompletingRebalance, out);
        let answers: Vec<(NodeId, CorrelationId, MemberId)> = self
            .members
            .values_mut()
            .filter_map(|m| {
                m.awaiting_join
                    .take()
                    .map(|c| (m.client, c, m.member_id.clone()))
            })
            .collect();
        for (to, corr, member_id) in answers {
            self.touch(&member_id, now, group, out);
            out.send(to, self.join_response(corr, &member_id));
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn sync(
        &mut self,
        group: GroupIdx,
        from: NodeId,
        corr: CorrelationId,
        member: &GroupMember,
        assignments: &[(MemberId, Vec<TopicPartition>)],
        now: Tick,
        out: &mut Out,
        persist: &mut Vec<GroupMetadataRecord>,
    ) {
        // validateSyncGroup → ClassicGroup.validateMember (instance id first).
        let fenced = member
            .group_instance_id
            .as_deref()
            .and_then(|i| self.validate_static(&member.member_id, i).err());
        let error = if fenced.is_some() {
            fenced
        } else if !self.members.contains_key(&member.member_id) {
            Some(Errors::UnknownMemberId)
        } else if member.generation_id != self.generation_id {
            Some(Errors::IllegalGeneration)
        } else if self.state == GroupState::PreparingRebalance {
            Some(Errors::RebalanceInProgress)
        } else {
            None
        };
        if let Some(error) = error {
            out.send(
                from,
                Message::SyncGroupResponse {
                    corr,
                    error: Some(error),
                    assignment: Vec::new(),
                },
            );
            return;
        }
        self.touch(&member.member_id, now, group, out);
        if self.state == GroupState::Stable {
            let assignment = self.members[&member.member_id].assignment.clone();
            out.send(
                from,
                Message::SyncGroupResponse {
                    corr,
                    error: None,
                    assignment,
                },
            );
            return;
        }
        if let Some(m) = self.members.get_mut(&member.member_id) {
            m.awaiting_sync = Some(corr);
        }
        if self.leader.as_deref() == Some(member.member_id.as_str()) {
            for m in self.members.values_mut() {
                m.assignment = assignments
                    .iter()
                    .find(|(id, _)| *id == m.member_id)
                    .map(|(_, a)| a.clone())
                    .unwrap_or_default();
            }
            // The generation is stored before the members get their assignments (storeGroup).
            persist.push(self.record(group));
            self.transition(group, GroupState::Stable, out);
            let answers: Vec<(NodeId, CorrelationId, Vec<TopicPartition>)> = self
                .members
                .values_mut()
                .filter_map(|m| {
                    m.awaiting_sync
                        .take()
                        .map(|c| (m.client, c, m.assignment.clone()))
                })
                .collect();
            for (to, corr, assignment) in answers {
                out.send(
                    to,
                    Message::SyncGroupResponse {
                        corr,
                        error: None,
                        assignment,
                    },
                );
            }
        }
    }

    /// `GroupMetadataManager.classicGroupHeartbeat`.
    fn heartbeat(
        &mut self,
        member: &GroupMember,
        now: Tick,
        out: &mut Out,
        group: GroupIdx,
    ) -> Option<Errors> {
        // validateClassicGroupHeartbeat → ClassicGroup.validateMember: the old member id of a
        // replaced static member is FENCED_INSTANCE_ID.
        if let Some(instance) = member.group_instance_id.as_deref() {
            if let Err(e) = self.validate_static(&member.member_id, instance) {
                return Some(e);
            }
        }
        if self.state == GroupState::Empty || !self.members.contains_key(&member.member_id) {
            return Some(Errors::UnknownMemberId);
        }
        if member.generation_id != self.generation_id {
            return Some(Errors::IllegalGeneration);
        }
        self.touch(&member.member_id, now, group, out);
        match self.state {
            GroupState::PreparingRebalance => Some(Errors::RebalanceInProgress),
            _ => None,
        }
    }

    /// A member leaves (LeaveGroup) or is expired: the others rebalance.
    fn remove_member(
        &mut self,
        group: GroupIdx,
        member_id: &str,
        now: Tick,
        out: &mut Out,
        persist: &mut Vec<GroupMetadataRecord>,
    ) {
        let Some(m) = self.members.remove(member_id) else {
            return;
        };
        if let Some(corr) = m.awaiting_join {
            out.send(
                m.client,
                Message::JoinGroupResponse {
                    corr,
                    error: Some(Errors::UnknownMemberId),
                    generation_id: -1,
                    member_id: String::new(),
                    leader: String::new(),
                    members: Vec::new(),
                },
            );
        }
        match self.state {
            GroupState::Stable | GroupState::CompletingRebalance => {
                self.prepare_rebalance(group, now, out);
                self.maybe_complete_join(group, now, out, persist);
            }
            GroupState::PreparingRebalance => self.maybe_complete_join(group, now, out, persist),
            GroupState::Empty => {}
        }
    }

    fn record(&self, group: GroupIdx) -> GroupMetadataRecord {
        GroupMetadataRecord {
            group,
            generation_id: self.generation_id,
            leader: self.leader.clone(),
            members: self
                .members
                .values()
                .map(|m| {
                    (
                        m.member_id.clone(),
                        m.client,
                        m.session_timeout_ms,
                        m.rebalance_timeout_ms,
                        m.assignment.clone(),
                        m.group_instance_id.clone(),
                    )
                })
                .collect(),
            next_member: self.next_member,
        }
    }
}

/// `RangeAssignor`: members sorted by id; each gets `partitions / members` consecutive partitions
/// and the first `partitions % members` one more.
pub fn range_assign(
    members: &[MemberId],
    partitions: &[TopicPartition],
) -> Vec<(MemberId, Vec<TopicPartition>)> {
    let mut sorted: Vec<MemberId> = members.to_vec();
    super::vecmap::sort_small(&mut sorted);
    let n = sorted.len().max(1);
    let (per, extra) = (partitions.len() / n, partitions.len() % n);
    let mut next = 0;
    sorted
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let count = per + usize::from(i < extra);
            let share = partitions
                .get(next..next + count)
                .unwrap_or_default()
                .to_vec();
            next += count;
            (m, share)
        })
        .collect()
}

// ---- KIP-848: group.protocol=consumer (GroupMetadataManager.consumerGroupHeartbeat, ConsumerGroup) ----

/// The broker's `group.consumer.heartbeat.interval.ms` and `group.consumer.session.timeout.ms`.
pub const CONSUMER_HEARTBEAT_INTERVAL_MS: u64 = 5_000;
pub const CONSUMER_SESSION_TIMEOUT_MS: u64 = 45_000;
/// `ConsumerGroupHeartbeatRequest.LEAVE_GROUP_STATIC_MEMBER_EPOCH`: a static member left for now.
pub const LEAVE_GROUP_STATIC_MEMBER_EPOCH: i32 = -2;

/// A member as a KIP-848 group's record keeps it: id, epoch, assigned, pending revocation.
type DurableMember = (MemberId, i32, Vec<TopicPartition>, Vec<TopicPartition>);

/// A member of a KIP-848 group (`ConsumerGroupMember`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ConsumerMember {
    pub member_id: MemberId,
    pub client: NodeId,
    pub member_epoch: i32,
    pub previous_member_epoch: i32,
    pub rebalance_timeout_ms: u64,
    /// Partitions the member owns at its epoch.
    pub assigned: Vec<TopicPartition>,
    /// Partitions it must give up before it moves to the next epoch (UNREVOKED_PARTITIONS).
    pub pending_revocation: Vec<TopicPartition>,
    pub session_deadline: Tick,
    /// Removed if it has not revoked by then (the rebalance timeout).
    pub revocation_deadline: Option<Tick>,
    /// `instanceId` (`group.instance.id`): a static member.
    pub instance_id: Option<String>,
}

/// A KIP-848 group (`ConsumerGroup`): the group epoch, the target assignment and its epoch,
/// and members that reach it one at a time.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct ConsumerGroup {
    pub group_epoch: i32,
    pub assignment_epoch: i32,
    pub members: VecMap<MemberId, ConsumerMember>,
    pub target: VecMap<MemberId, Vec<TopicPartition>>,
    pub next_member: u32,
}

impl ConsumerGroup {
    /// The member holding a `group.instance.id` (`ConsumerGroup.staticMember`).
    pub fn static_member(&self, instance: &str) -> Option<&ConsumerMember> {
        self.members
            .values()
            .find(|m| m.instance_id.as_deref() == Some(instance))
    }

    /// Every member at the target epoch with nothing left to revoke (ConsumerGroupState STABLE).
    pub fn is_stable(&self) -> bool {
        self.members.values().all(|m| {
            m.member_epoch == self.assignment_epoch
                && m.pending_revocation.is_empty()
                && self.target.get(&m.member_id).is_none_or(|t| {
                    t.iter().all(|p| m.assigned.contains(p)) && m.assigned.len() == t.len()
                })
        })
    }

    /// The group changed: a new group epoch and target assignment (the server-side assignor).
    fn bump(&mut self, partitions: &[TopicPartition]) {
        self.group_epoch += 1;
        self.target = uniform_assign(&self.target, &self.members, partitions);
        self.assignment_epoch = self.group_epoch;
    }

    /// `CurrentAssignmentBuilder`: moves a member toward its target. Partitions still owned (or
    /// being revoked) by another member are not given out yet (UNRELEASED_PARTITIONS).
    fn reconcile(&mut self, member_id: &str, owned: Option<&[TopicPartition]>, now: Tick) {
        let target = self.target.get(member_id).cloned().unwrap_or_default();
        let held_elsewhere: Vec<TopicPartition> = self
            .members
            .values()
            .filter(|o| o.member_id != member_id)
            .flat_map(|o| {
                o.assigned
                    .iter()
                    .chain(o.pending_revocation.iter())
                    .copied()
            })
            .collect();
        let epoch = self.assignment_epoch;
        let Some(m) = self.members.get_mut(member_id) else {
            return;
        };
        if !m.pending_revocation.is_empty() {
            // The member acknowledges the revocation by no longer reporting those partitions.
            let still = owned.is_none_or(|o| m.pending_revocation.iter().any(|p| o.contains(p)));
            if still {
                return;
            }
            m.pending_revocation.clear();
            m.revocation_deadline = None;
        }
        let revoke: Vec<TopicPartition> = m
            .assigned
            .iter()
            .filter(|p| !target.contains(p))
            .copied()
            .collect();
        if !revoke.is_empty() {
            m.assigned.retain(|p| target.contains(p));
            m.pending_revocation = revoke;
            m.revocation_deadline = Some(now.plus(m.rebalance_timeout_ms));
            return;
        }
        if m.member_epoch != epoch {
            m.previous_member_epoch = m.member_epoch;
            m.member_epoch = epoch;
        }
        for p in target {
            if !m.assigned.contains(&p) && !held_elsewhere.contains(&p) {
                m.assigned.push(p);
            }
        }
        super::vecmap::sort_small(&mut m.assigned);
    }

    fn remove(&mut self, member_id: &str, partitions: &[TopicPartition]) -> bool {
        if self.members.remove(member_id).is_some() {
            self.target.remove(member_id);
            self.bump(partitions);
            true
        } else {
            false
        }
    }

    /// What `__consumer_offsets` records of the group, without the timers.
    fn durable(&self) -> (i32, i32, Vec<DurableMember>) {
        (
            self.group_epoch,
            self.assignment_epoch,
            self.members
                .values()
                .map(|m| {
                    (
                        m.member_id.clone(),
                        m.member_epoch,
                        m.assigned.clone(),
                        m.pending_revocation.clone(),
                    )
                })
                .collect(),
        )
    }
}

/// The server-side assignor, `uniform` (`UniformAssignor`), simplified: balanced (each member
/// gets `partitions / members`, the first by member id one more) and sticky (a member keeps what
/// its previous target gave it, up to its share).
pub fn uniform_assign(
    previous: &VecMap<MemberId, Vec<TopicPartition>>,
    members: &VecMap<MemberId, ConsumerMember>,
    partitions: &[TopicPartition],
) -> VecMap<MemberId, Vec<TopicPartition>> {
    let ids: Vec<&MemberId> = members.keys().collect();
    let n = ids.len().max(1);
    let (per, extra) = (partitions.len() / n, partitions.len() % n);
    let mut target: VecMap<MemberId, Vec<TopicPartition>> = VecMap::new();
    let mut taken: Vec<TopicPartition> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let quota = per + usize::from(i < extra);
        let keep: Vec<TopicPartition> = previous
            .get(*id)
            .map(|p| {
                p.iter()
                    .filter(|tp| partitions.contains(tp))
                    .take(quota)
                    .copied()
                    .collect()
            })
            .unwrap_or_default();
        taken.extend(keep.iter().copied());
        target.insert((*id).clone(), keep);
    }
    let mut free = partitions.iter().filter(|p| !taken.contains(p)).copied();
    for (i, id) in ids.iter().enumerate() {
        let quota = per + usize::from(i < extra);
        if let Some(t) = target.get_mut(*id) {
            while t.len() < quota {
                match free.next() {
                    Some(p) => t.push(p),
                    None => break,
                }
            }
            super::vecmap::sort_small(t);
        }
    }
    target
}

impl Groups {
    /// `GroupMetadataManager.consumerGroupHeartbeat`. Returns the group when its durable state
    /// changed (it is then written to `__consumer_offsets`).
    pub fn consumer_heartbeat(
        &mut self,
        from: NodeId,
        msg: &Message,
        partitions: &[TopicPartition],
        now: Tick,
        out: &mut Out,
    ) -> Option<GroupIdx> {
        let Message::ConsumerGroupHeartbeatRequest {
            corr,
            group,
            member_id,
            instance_id,
            member_epoch,
            rebalance_timeout_ms,
            owned,
        } = msg
        else {
            return None;
        };
        let g = self.consumer_groups.entry(*group).or_default();
        let before = g.durable();
        let reply = |out: &mut Out, error: Option<Errors>, g: &ConsumerGroup, id: &str| {
            let (epoch, assignment) = g
                .members
                .get(id)
                .map_or((-1, Vec::new()), |m| (m.member_epoch, m.assigned.clone()));
            out.send(
                from,
                Message::ConsumerGroupHeartbeatResponse {
                    corr: *corr,
                    error,
                    member_id: id.to_string(),
                    member_epoch: if error.is_some() { -1 } else { epoch },
                    heartbeat_interval_ms: CONSUMER_HEARTBEAT_INTERVAL_MS,
                    assignment: if error.is_some() {
                        Vec::new()
                    } else {
                        assignment
                    },
                },
            );
        };
        let instance = instance_id.as_deref();
        // getOrMaybeSubscribeStaticConsumerGroupMember / consumerGroupLeave: a static member other
        // than joining must be the instance's current member (throwIfStaticMemberIsUnknown,
        // throwIfInstanceIdIsFenced).
        if let (Some(i), false) = (instance, *member_epoch == 0) {
            let error = match g.static_member(i) {
                None => Some(Errors::UnknownMemberId),
                Some(m) if m.member_id != *member_id => Some(Errors::FencedInstanceId),
                Some(_) => None,
            };
            if let Some(e) = error {
                reply(out, Some(e), g, member_id);
                return None;
            }
        }
        match *member_epoch {
            // consumerGroupStaticMemberGroupLeave: the static member keeps its assignment at epoch
            // -2 (nothing pending revocation) until it rejoins or its session expires.
            LEAVE_GROUP_STATIC_MEMBER_EPOCH if instance.is_some() => {
                if let Some(m) = g.members.get_mut(member_id) {
                    m.member_epoch = LEAVE_GROUP_STATIC_MEMBER_EPOCH;
                    m.pending_revocation.clear();
                    m.revocation_deadline = None;
                }
                out.send(
                    from,
                    Message::ConsumerGroupHeartbeatResponse {
                        corr: *corr,
                        error: None,
                        member_id: member_id.clone(),
                        member_epoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH,
                        heartbeat_interval_ms: 0,
                        assignment: Vec::new(),
                    },
                );
            }
            // A static member rejoining at epoch 0 takes over the instance's member if that one
            // left with epoch -2 (replaceMember: same assignment and target, no new group epoch);
            // while it has not, the newcomer gets UNRELEASED_INSTANCE_ID.
            0 if instance.is_some_and(|i| g.static_member(i).is_some()) => {
                let old = instance.and_then(|i| g.static_member(i)).cloned()?;
                if old.member_epoch != LEAVE_GROUP_STATIC_MEMBER_EPOCH {
                    reply(out, Some(Errors::UnreleasedInstanceId), g, member_id);
                    return None;
                }
                let id = if member_id.is_empty() {
                    g.next_member += 1;
                    format!("{}-{}", from, g.next_member)
                } else {
                    member_id.clone()
                };
                g.members.remove(&old.member_id);
                let target = g.target.remove(&old.member_id).unwrap_or_default();
                g.target.insert(id.clone(), target);
                if old.member_id != id {
                    out.note(Note::StaticMemberReplaced {
                        group: *group,
                        group_instance_id: old.instance_id.clone().unwrap_or_default(),
                        old_member_id: old.member_id.clone(),
                        new_member_id: id.clone(),
                    });
                }
                g.members.insert(
                    id.clone(),
                    ConsumerMember {
                        member_id: id.clone(),
                        client: from,
                        member_epoch: 0,
                        previous_member_epoch: 0,
                        rebalance_timeout_ms: *rebalance_timeout_ms,
                        assigned: old.assigned,
                        pending_revocation: Vec::new(),
                        session_deadline: now.plus(CONSUMER_SESSION_TIMEOUT_MS),
                        revocation_deadline: None,
                        instance_id: old.instance_id,
                    },
                );
                g.reconcile(&id, Some(owned), now);
                reply(out, None, g, &id);
                out.timer(
                    now.plus(CONSUMER_SESSION_TIMEOUT_MS),
                    Timer::GroupDeadline(*group),
                );
            }
            // Leaving: the member is removed and the others get a new target.
            -1 => {
                g.remove(member_id, partitions);
                out.send(
                    from,
                    Message::ConsumerGroupHeartbeatResponse {
                        corr: *corr,
                        error: None,
                        member_id: member_id.clone(),
                        member_epoch: -1,
                        heartbeat_interval_ms: 0,
                        assignment: Vec::new(),
                    },
                );
            }
            // Joining (or rejoining after being fenced, with the same member id).
            0 => {
                let id = if member_id.is_empty() {
                    // Simplification: the coordinator names the member (since 4.0 the client
                    // generates a UUID, KIP-1082).
                    g.next_member += 1;
                    format!("{}-{}", from, g.next_member)
                } else {
                    member_id.clone()
                };
                // A member rejoining at epoch 0 starts over: what it had is given out again.
                g.members.remove(&id);
                g.target.remove(&id);
                g.members.insert(
                    id.clone(),
                    ConsumerMember {
                        member_id: id.clone(),
                        client: from,
                        member_epoch: 0,
                        previous_member_epoch: -1,
                        rebalance_timeout_ms: *rebalance_timeout_ms,
                        assigned: Vec::new(),
                        pending_revocation: Vec::new(),
                        session_deadline: now.plus(CONSUMER_SESSION_TIMEOUT_MS),
                        revocation_deadline: None,
                        instance_id: instance.map(str::to_string),
                    },
                );
                g.bump(partitions);
                g.reconcile(&id, Some(owned), now);
                reply(out, None, g, &id);
                out.timer(
                    now.plus(CONSUMER_SESSION_TIMEOUT_MS),
                    Timer::GroupDeadline(*group),
                );
            }
            epoch => {
                let Some(m) = g.members.get(member_id) else {
                    reply(out, Some(Errors::UnknownMemberId), g, member_id);
                    return None;
                };
                // ConsumerGroup.throwIfMemberEpochIsInvalid: a newer epoch, or an older one that
                // is not the previous epoch with what it was given then, is fenced.
                let fenced = epoch > m.member_epoch
                    || (epoch < m.member_epoch
                        && !(epoch == m.previous_member_epoch
                            && owned.iter().all(|p| m.assigned.contains(p))));
                if fenced {
                    reply(out, Some(Errors::FencedMemberEpoch), g, member_id);
                    return None;
                }
                if let Some(m) = g.members.get_mut(member_id) {
                    m.session_deadline = now.plus(CONSUMER_SESSION_TIMEOUT_MS);
                    m.client = from;
                }
                g.reconcile(member_id, Some(owned), now);
                reply(out, None, g, member_id);
                out.timer(
                    now.plus(CONSUMER_SESSION_TIMEOUT_MS),
                    Timer::GroupDeadline(*group),
                );
            }
        }
        // Other members move toward the new target in their own heartbeats, one at a time: their
        // epochs, and what their commits may carry, change only then.
        for m in g.members.values() {
            if let Some(d) = m.revocation_deadline {
                out.timer(d, Timer::GroupDeadline(*group));
            }
        }
        (g.durable() != before).then_some(*group)
    }

    /// Session and revocation deadlines of a KIP-848 group.
    pub fn consumer_deadline(
        &mut self,
        group: GroupIdx,
        partitions: &[TopicPartition],
        now: Tick,
        out: &mut Out,
    ) -> bool {
        let Some(g) = self.consumer_groups.get_mut(&group) else {
            return false;
        };
        let expired: Vec<(MemberId, &'static str)> = g
            .members
            .values()
            .filter_map(|m| {
                if m.session_deadline <= now {
                    Some((m.member_id.clone(), "session timeout expired"))
                } else if m.revocation_deadline.is_some_and(|d| d <= now) {
                    Some((
                        m.member_id.clone(),
                        "did not revoke within the rebalance timeout",
                    ))
                } else {
                    None
                }
            })
            .collect();
        for (id, reason) in &expired {
            out.note(Note::GroupMemberRemoved {
                group,
                member_id: id.clone(),
                reason,
            });
            g.remove(id, partitions);
        }
        !expired.is_empty()
    }

    fn validate_consumer_commit(
        g: &ConsumerGroup,
        member: &GroupMember,
        transactional: bool,
    ) -> Result<(), Errors> {
        if member.generation_id < 0 && g.members.is_empty() {
            return Ok(());
        }
        if transactional && member.generation_id < 0 && member.member_id.is_empty() {
            return Ok(());
        }
        let Some(m) = g.members.get(&member.member_id) else {
            return Err(Errors::UnknownMemberId);
        };
        if member.generation_id != m.member_epoch {
            // OffsetMetadataManager.validateTransactionalOffsetCommit: STALE_MEMBER_EPOCH is sent
            // as ILLEGAL_GENERATION on TxnOffsetCommit (≤ v5), which has no code for it.
            return Err(if transactional {
                Errors::IllegalGeneration
            } else {
                Errors::StaleMemberEpoch
            });
        }
        Ok(())
    }
}
