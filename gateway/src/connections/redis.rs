//! Cluster-wide socket counts in Redis.
//!
//! Each principal has a hash `PREFIX conn:TENANT:ROLE:ID` whose fields are the nodes that hold
//! one of its sockets, each valued with the time (ms) until which that node vouches for it. A
//! heartbeat renews the entries of this node's principals; an entry not renewed in time (its
//! node died) no longer counts. Redis errors fall back to this node's own view.

use super::{ConnectionRegistry, LocalConnections};
use crate::principal::PrincipalKey;
use async_trait::async_trait;
use redis::aio::ConnectionManager;
use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use switchboard_protocol::TenantId;

/// How long a node's word counts without renewal, and how often it renews.
const ENTRY_TTL: Duration = Duration::from_secs(30);
const HEARTBEAT: Duration = Duration::from_secs(10);

pub struct RedisConnections {
    local: LocalConnections,
    redis: ConnectionManager,
    node: String,
    prefix: String,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl RedisConnections {
    /// Starts the heartbeat that renews this node's entries.
    pub fn start(redis: ConnectionManager, prefix: String) -> Arc<Self> {
        let registry = Arc::new(RedisConnections {
            local: LocalConnections::default(),
            redis,
            node: crate::clock::new_id(),
            prefix,
        });
        tokio::spawn(heartbeat(Arc::downgrade(&registry)));
        registry
    }

    fn key(&self, tenant: &TenantId, key: &PrincipalKey) -> String {
        let role = match key.role {
            switchboard_protocol::ClientRole::Agent => "agent",
            switchboard_protocol::ClientRole::Bot => "bot",
            switchboard_protocol::ClientRole::User => "user",
        };
        format!("{}conn:{}:{}:{}", self.prefix, tenant, role, key.id)
    }

    async fn vouch(&self, keys: &[String]) -> redis::RedisResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let until = now_ms() + ENTRY_TTL.as_millis() as u64;
        let mut pipe = redis::pipe();
        for key in keys {
            pipe.hset(key, &self.node, until).ignore();
            pipe.pexpire(key, (ENTRY_TTL * 2).as_millis() as i64)
                .ignore();
        }
        pipe.query_async::<()>(&mut self.redis.clone()).await
    }
}

async fn heartbeat(registry: Weak<RedisConnections>) {
    let mut tick = tokio::time::interval(HEARTBEAT);
    loop {
        tick.tick().await;
        let Some(registry) = registry.upgrade() else {
            return;
        };
        let keys: Vec<String> = registry
            .local
            .keys()
            .iter()
            .map(|(t, k)| registry.key(t, k))
            .collect();
        if let Err(err) = registry.vouch(&keys).await {
            tracing::warn!(error = %err, "renewing connection entries in redis");
        }
    }
}

#[async_trait]
impl ConnectionRegistry for RedisConnections {
    async fn opened(&self, tenant: &TenantId, key: &PrincipalKey) -> bool {
        let first = self.local.open(tenant, key);
        if first && let Err(err) = self.vouch(&[self.key(tenant, key)]).await {
            tracing::warn!(error = %err, "recording a connection in redis");
        }
        first
    }

    async fn closed(&self, tenant: &TenantId, key: &PrincipalKey) -> bool {
        let last = self.local.close(tenant, key);
        if last {
            let result: redis::RedisResult<()> = redis::cmd("HDEL")
                .arg(self.key(tenant, key))
                .arg(&self.node)
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
            result[i] = nodes.values().any(|&until| until > now);
        }
        result
    }
}
