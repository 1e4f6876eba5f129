//! End-to-end latency across nodes: users on the first node, each in a conversation of their
//! own, sending probes at a fixed open-loop rate; agent sockets on the second node subscribed
//! to those conversations receive them. Latency runs from a probe's scheduled send time to its
//! arrival at the agent.

use super::cluster::Cluster;
use super::engine::{self, Plan, SUBSCRIBE_BURST};
use super::error::Result;
use super::report::LatencyResult;
use super::setup::Tenant;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct LatencyOptions {
    /// Messages per second over all users.
    pub rate: u64,
    pub duration: Duration,
    /// Messages per second one user sends: below the contract's 20 frames/s per connection,
    /// so the rate is reached by adding users.
    pub per_user_rate: f64,
    pub drain: Duration,
}

/// The flow for `options` on a cluster of `nodes` nodes.
pub fn plan(options: &LatencyOptions, nodes: usize) -> Plan {
    let users = ((options.rate as f64 / options.per_user_rate).ceil() as usize).max(1);
    let agent_node = 1 % nodes.max(1);
    let receivers = (0..users)
        .collect::<Vec<_>>()
        .chunks(SUBSCRIBE_BURST)
        .map(|chunk| (agent_node, chunk.to_vec()))
        .collect();
    Plan {
        user_nodes: vec![0; users],
        // A tenant per agent socket: its owner watches only its own conversations.
        user_tenants: (0..users).map(|u| u / SUBSCRIBE_BURST).collect(),
        receivers,
        count_echo: false,
        rate: options.rate as f64,
        duration: options.duration,
        drain: options.drain,
    }
}

pub async fn run(
    cluster: &Cluster,
    tenants: &[Tenant],
    options: &LatencyOptions,
) -> Result<(LatencyResult, engine::Outcome)> {
    let plan = plan(options, cluster.nodes.len());
    let outcome = engine::run(cluster, tenants, &plan).await?;
    let result = LatencyResult {
        offered_per_sec: options.rate,
        achieved_per_sec: outcome.acked as f64 / options.duration.as_secs_f64(),
        duration_secs: options.duration.as_secs_f64(),
        conversations: plan.user_nodes.len(),
        latency: outcome.latency.clone(),
        correctness: outcome.correctness.clone(),
        // Per delivered message, as the peer counts it (not per frame any client received).
        cpu_us_per_frame: outcome.cpu_us as f64 / outcome.correctness.delivered.max(1) as f64,
    };
    Ok((result, outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_send_on_the_first_node_and_agents_listen_on_the_second() {
        let options = LatencyOptions {
            rate: 5000,
            duration: Duration::from_secs(1),
            per_user_rate: 10.0,
            drain: Duration::from_secs(1),
        };
        let plan = plan(&options, 2);
        assert_eq!(plan.user_nodes.len(), 500);
        assert!(plan.user_nodes.iter().all(|node| *node == 0));
        assert_eq!(plan.receivers.len(), 25);
        assert_eq!(plan.tenants(), 25, "a tenant per agent socket");
        assert!(
            plan.receivers
                .iter()
                .all(|(node, conversations)| *node == 1 && conversations.len() <= SUBSCRIBE_BURST)
        );
        let mut covered: Vec<usize> = plan.receivers.iter().flat_map(|(_, c)| c.clone()).collect();
        covered.sort_unstable();
        assert_eq!(covered, (0..500).collect::<Vec<_>>());
    }
}
