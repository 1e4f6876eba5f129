//! Cluster-wide socket counts in Redis.
//!
//! Each principal has a hash `PREFIX conn:TENANT:ROLE:ID` whose fields are the nodes that hold
//! one of its sockets, each valued with the time (ms) until which that node vouches for it. A
//! heartbeat renews the entries of this node's principals; an entry not renewed in time (its
//! node died) no longer counts. Every entry is also in one sorted set by expiry, which every
//! node's heartbeat sweeps: the node that removes a lapsed entry reports the principal, so the
//! tenant hears that an agent of a dead node is gone. Redis errors fall back to this node's own
//! view.

use super::{ConnectionRegistry, LocalConnections};
use crate::principal::PrincipalKey;
use async_trait::async_trait;
use redis::aio::ConnectionManager;
use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use switchboard_protocol::{ClientRole, TenantId};
use tokio::sync::mpsc;

/// Field prefix recording when a node's last socket of the principal closed (for the grace).
const CLOSED: &str = "closed:";
/// Lapsed entries one sweep handles at most.
const SWEEP_BATCH: isize = 200;
/// Separates the parts of a sorted-set member (never in ids or tenant ids).
const SEP: char = '\u{1f}';

pub struct RedisConnections {
    local: LocalConnections,
    redis: ConnectionManager,
    node: String,
    prefix: String,
    ttl: Duration,
    lapsed: mpsc::UnboundedSender<(TenantId, PrincipalKey)>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn role_name(role: ClientRole) -> &'static str {
    match role {
        ClientRole::Agent => "agent",
        ClientRole::Bot => "bot",
        ClientRole::User => "user",
    }
}

fn role_from_name(name: &str) -> Option<ClientRole> {
    match name {
        "agent" => Some(ClientRole::Agent),
        "bot" => Some(ClientRole::Bot),
        "user" => Some(ClientRole::User),
        _ => None,
    }
}

impl RedisConnections {
    /// `ttl`: how long this node's word counts without renewal; it renews three times as often.
    /// Starts the heartbeat that renews this node's entries and sweeps lapsed ones. Principals
    /// whose last entry lapsed (their node died) arrive on the returned receiver.
    pub fn start(
        redis: ConnectionManager,
        prefix: String,
        ttl: Duration,
    ) -> (Arc<Self>, mpsc::UnboundedReceiver<(TenantId, PrincipalKey)>) {
        let (lapsed, receiver) = mpsc::unbounded_channel();
        let registry = Arc::new(RedisConnections {
            local: LocalConnections::default(),
            redis,
            node: crate::clock::new_id(),
            prefix,
            ttl,
            lapsed,
        });
        tokio::spawn(heartbeat(Arc::downgrade(&registry), ttl / 3));
        (registry, receiver)
    }

    fn key(&self, tenant: &TenantId, key: &PrincipalKey) -> String {
        format!(
            "{}conn:{}:{}:{}",
            self.prefix,
            tenant,
            role_name(key.role),
            key.id
        )
    }

    fn expiries(&self) -> String {
        format!("{}conn-expiries", self.prefix)
    }

    fn member(&self, tenant: &TenantId, key: &PrincipalKey) -> String {
        format!(
            "{tenant}{SEP}{}{SEP}{}{SEP}{}",
            role_name(key.role),
            key.id,
            self.node
        )
    }

    async fn vouch(&self, principals: &[(TenantId, PrincipalKey)]) -> redis::RedisResult<()> {
        if principals.is_empty() {
            return Ok(());
        }
        let until = now_ms() + self.ttl.as_millis() as u64;
        let mut pipe = redis::pipe();
        for (tenant, key) in principals {
            let hash = self.key(tenant, key);
            pipe.hset(&hash, &self.node, until).ignore();
            pipe.pexpire(&hash, (self.ttl * 2).as_millis() as i64)
                .ignore();
            pipe.zadd(self.expiries(), self.member(tenant, key), until)
                .ignore();
        }
        pipe.query_async::<()>(&mut self.redis.clone()).await
    }

    /// Removes entries whose node stopped renewing them; reports each principal this node
    /// removed the entry of (one node wins each removal).
    async fn sweep(&self) -> redis::RedisResult<()> {
        let mut redis = self.redis.clone();
        let lapsed: Vec<String> = redis::cmd("ZRANGEBYSCORE")
            .arg(self.expiries())
            .arg("-inf")
            .arg(now_ms())
            .arg("LIMIT")
            .arg(0)
            .arg(SWEEP_BATCH)
            .query_async(&mut redis)
            .await?;
        for member in lapsed {
            let removed: i64 = redis::cmd("ZREM")
                .arg(self.expiries())
                .arg(&member)
                .query_async(&mut redis)
                .await?;
            let parts: Vec<&str> = member.split(SEP).collect();
            let [tenant, role, id, node] = parts.as_slice() else {
                continue;
            };
            let Some(role) = role_from_name(role) else {
                continue;
            };
            if removed == 0 {
                continue;
            }
            let tenant = TenantId::from(*tenant);
            let key = PrincipalKey {
                role,
                id: (*id).into(),
            };
            // It stopped counting when its node stopped renewing it: the grace runs from then.
            redis::pipe()
                .hdel(self.key(&tenant, &key), *node)
                .ignore()
                .hset(self.key(&tenant, &key), format!("{CLOSED}{node}"), now_ms())
                .ignore()
                .query_async::<()>(&mut redis)
                .await?;
            tracing::info!(%tenant, id = %key.id, node = *node, "a connection lapsed: its node stopped renewing it");
            let _ = self.lapsed.send((tenant, key));
        }
        Ok(())
    }
}

async fn heartbeat(registry: Weak<RedisConnections>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let Some(registry) = registry.upgrade() else {
            return;
        };
        if let Err(err) = registry.vouch(&registry.local.keys()).await {
            tracing::warn!(error = %err, "renewing connection entries in redis");
        }
        if let Err(err) = registry.sweep().await {
            tracing::warn!(error = %err, "sweeping lapsed connection entries");
        }
    }
}

#[async_trait]
impl ConnectionRegistry for RedisConnections {
    async fn opened(&self, tenant: &TenantId, key: &PrincipalKey) -> bool {
        let first = self.local.open(tenant, key);
        if first && let Err(err) = self.vouch(&[(tenant.clone(), key.clone())]).await {
            tracing::warn!(error = %err, "recording a connection in redis");
        }
        first
    }

    async fn closed(&self, tenant: &TenantId, key: &PrincipalKey) -> bool {
        let last = self.local.close(tenant, key);
        if last {
            let result: redis::RedisResult<()> = redis::pipe()
                .hdel(self.key(tenant, key), &self.node)
                .ignore()
                .hset(
                    self.key(tenant, key),
                    format!("{CLOSED}{}", self.node),
                    now_ms(),
                )
                .ignore()
                .zrem(self.expiries(), self.member(tenant, key))
                .ignore()
                .query_async(&mut self.redis.clone())
                .await;
            if let Err(err) = result {
                tracing::warn!(error = %err, "removing a connection from redis");
            }
        }
        last
    }

    async fn connected(&self, tenant: &TenantId, keys: &[PrincipalKey]) -> Vec<bool> {
        let local: Vec<bool> = keys
            .iter()
            .map(|k| self.local.is_connected(tenant, k))
            .collect();
        let remote: Vec<usize> = (0..keys.len()).filter(|&i| !local[i]).collect();
        if remote.is_empty() {
            return local;
        }
        let mut pipe = redis::pipe();
        for &i in &remote {
            pipe.hgetall(self.key(tenant, &keys[i]));
        }
        let answers: Vec<HashMap<String, u64>> = match pipe
            .query_async(&mut self.redis.clone())
            .await
        {
            Ok(answers) => answers,
            Err(err) => {
                tracing::warn!(error = %err, "reading connections from redis; using this node's view");
                return local;
            }
        };
        let now = now_ms();
        let mut result = local;
        for (i, nodes) in remote.into_iter().zip(answers) {
            result[i] = nodes
                .iter()
                .any(|(field, &until)| !field.starts_with(CLOSED) && until > now);
        }
        result
    }

    async fn connected_within(
        &self,
        tenant: &TenantId,
        keys: &[PrincipalKey],
        grace: Duration,
    ) -> Vec<bool> {
        let mut pipe = redis::pipe();
        for key in keys {
            pipe.hgetall(self.key(tenant, key));
        }
        let answers: Vec<HashMap<String, u64>> = match pipe
            .query_async(&mut self.redis.clone())
            .await
        {
            Ok(answers) => answers,
            Err(err) => {
                tracing::warn!(error = %err, "reading connections from redis; using this node's view");
                return keys
                    .iter()
                    .map(|k| self.local.is_connected_within(tenant, k, grace))
                    .collect();
            }
        };
        let now = now_ms();
        let since = now.saturating_sub(grace.as_millis() as u64);
        keys.iter()
            .zip(answers)
            .map(|(key, nodes)| {
                self.local.is_connected(tenant, key)
                    || nodes.iter().any(|(field, &at)| {
                        if field.starts_with(CLOSED) {
                            at > since
                        } else {
                            at > now
                        }
                    })
            })
            .collect()
    }
}
