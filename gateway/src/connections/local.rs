//! Socket counts of this process.

use super::ConnectionRegistry;
use crate::principal::PrincipalKey;
use async_trait::async_trait;
use dashmap::DashMap;
use std::time::{Duration, Instant};
use switchboard_protocol::TenantId;

#[derive(Default)]
pub struct LocalConnections {
    counts: DashMap<(TenantId, PrincipalKey), usize>,
    /// When each principal's last socket closed (cleared when one opens again).
    closed_at: DashMap<(TenantId, PrincipalKey), Instant>,
}

impl LocalConnections {
    pub fn open(&self, tenant: &TenantId, key: &PrincipalKey) -> bool {
        let entry = (tenant.clone(), key.clone());
        self.closed_at.remove(&entry);
        let mut count = self.counts.entry(entry).or_insert(0);
        *count += 1;
        *count == 1
    }

    pub fn close(&self, tenant: &TenantId, key: &PrincipalKey) -> bool {
        let entry = (tenant.clone(), key.clone());
        let mut last = false;
        self.counts.remove_if_mut(&entry, |_, count| {
            *count = count.saturating_sub(1);
            last = *count == 0;
            last
        });
        if last {
            self.closed_at.insert(entry, Instant::now());
        }
        last
    }

    pub fn is_connected(&self, tenant: &TenantId, key: &PrincipalKey) -> bool {
        self.counts.contains_key(&(tenant.clone(), key.clone()))
    }

    /// Connected, or its last socket closed less than `grace` ago.
    pub fn is_connected_within(
        &self,
        tenant: &TenantId,
        key: &PrincipalKey,
        grace: Duration,
    ) -> bool {
        let entry = (tenant.clone(), key.clone());
        self.counts.contains_key(&entry)
            || self
                .closed_at
                .get(&entry)
                .is_some_and(|closed| closed.elapsed() < grace)
    }

    /// Every principal with a socket here.
    pub fn keys(&self) -> Vec<(TenantId, PrincipalKey)> {
        self.counts
            .iter()
            .map(|entry| entry.key().clone())
            .collect()
    }
}

#[async_trait]
impl ConnectionRegistry for LocalConnections {
    async fn opened(&self, tenant: &TenantId, key: &PrincipalKey) -> bool {
        self.open(tenant, key)
    }

    async fn closed(&self, tenant: &TenantId, key: &PrincipalKey) -> bool {
        self.close(tenant, key)
    }

    async fn connected(&self, tenant: &TenantId, keys: &[PrincipalKey]) -> Vec<bool> {
        keys.iter()
            .map(|key| self.is_connected(tenant, key))
            .collect()
    }

    async fn connected_within(
        &self,
        tenant: &TenantId,
        keys: &[PrincipalKey],
        grace: Duration,
    ) -> Vec<bool> {
        keys.iter()
            .map(|key| self.is_connected_within(tenant, key, grace))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::ClientRole;

    #[test]
    fn first_and_last_socket_are_reported_and_the_grace_runs_from_the_last() {
        let registry = LocalConnections::default();
        let tenant = TenantId::from("t");
        let key = PrincipalKey {
            role: ClientRole::Agent,
            id: "a".into(),
        };
        assert!(registry.open(&tenant, &key));
        assert!(!registry.open(&tenant, &key));
        assert!(!registry.close(&tenant, &key));
        assert!(registry.is_connected(&tenant, &key));
        assert!(registry.close(&tenant, &key));
        assert!(!registry.is_connected(&tenant, &key));
        assert!(registry.is_connected_within(&tenant, &key, Duration::from_secs(60)));
        assert!(!registry.is_connected_within(&tenant, &key, Duration::ZERO));
    }
}
