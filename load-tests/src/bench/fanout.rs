//! Fan-out: conversations of `group_size` members (one user and `group_size - 1` subscribed
//! agent sockets), spread over the nodes, at a fixed number of delivered frames per second.
//! Reports delivered frames per second and gateway CPU per delivered frame.
//!
//! A delivered frame is one message reaching one of the `group_size - 1` *other* members,
//! as on the Socket.IO side (a room broadcast skips its sender). The sender's own copy and
//! its ack are sent too (the contract wants them) and their cost is in the CPU, not in the
//! frame count.

use super::cluster::Cluster;
use super::engine::{self, Plan};
use super::error::Result;
use super::report::FanoutResult;
use super::setup::Tenant;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct FanoutOptions {
    pub group_size: usize,
    /// Deliveries per second aimed at (messages per second × (group size - 1)).
    pub frames_per_sec: u64,
    pub duration: Duration,
    pub per_user_rate: f64,
    pub drain: Duration,
}

/// Users alternate between the nodes; each group's agents alternate too, starting on the
/// other node than their user, so every message crosses nodes.
pub fn plan(options: &FanoutOptions, nodes: usize) -> Plan {
    let nodes = nodes.max(1);
    let size = options.group_size.max(2);
    let rate = (options.frames_per_sec as f64 / (size - 1) as f64).max(1.0);
    let groups = ((rate / options.per_user_rate).ceil() as usize).max(1);
    let user_nodes: Vec<usize> = (0..groups).map(|g| g % nodes).collect();
    let receivers = (0..groups)
        .flat_map(|g| (0..size - 1).map(move |k| ((g + 1 + k) % nodes, vec![g])))
        .collect();
    Plan {
        // A tenant per group: each member watches only its own conversation.
        user_tenants: (0..groups).collect(),
        user_nodes,
        receivers,
        count_echo: false,
        rate,
        duration: options.duration,
        drain: options.drain,
    }
}

pub async fn run(
    cluster: &Cluster,
    tenants: &[Tenant],
    options: &FanoutOptions,
) -> Result<(FanoutResult, engine::Outcome)> {
    let plan = plan(options, cluster.nodes.len());
    let outcome = engine::run(cluster, tenants, &plan).await?;
    let delivered = outcome.correctness.delivered;
    let result = FanoutResult {
        group_size: options.group_size,
        groups: plan.user_nodes.len(),
        messages_sent: outcome.sent,
        delivered_frames: delivered,
        delivered_per_sec: delivered as f64 / outcome.elapsed.as_secs_f64().max(1e-3),
        server_cpu_us: outcome.cpu_us,
        cpu_us_per_frame: outcome.cpu_us as f64 / delivered.max(1) as f64,
        latency: outcome.latency.clone(),
        correctness: outcome.correctness.clone(),
    };
    Ok((result, outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_has_its_members_and_every_message_crosses_nodes() {
        let options = FanoutOptions {
            group_size: 5,
            frames_per_sec: 2000,
            duration: Duration::from_secs(1),
            per_user_rate: 10.0,
            drain: Duration::from_secs(1),
        };
        let plan = plan(&options, 2);
        // 2,000 frames/s over 4 receivers each: 500 messages/s, 10/s per user.
        assert_eq!(plan.rate, 500.0);
        assert_eq!(plan.user_nodes.len(), 50);
        assert_eq!(plan.receivers.len(), 50 * 4);
        assert_eq!(plan.tenants(), 50, "a tenant per group");
        for (group, user_node) in plan.user_nodes.iter().enumerate() {
            let members: Vec<usize> = plan
                .receivers
                .iter()
                .filter(|(_, c)| c == &vec![group])
                .map(|(node, _)| *node)
                .collect();
            assert_eq!(members.len(), 4);
            assert!(
                members.iter().any(|node| node != user_node),
                "group {group}"
            );
        }
    }
}
