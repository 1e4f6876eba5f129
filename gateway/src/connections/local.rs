//! Socket counts of this process.

use super::ConnectionRegistry;
use crate::principal::PrincipalKey;
use async_trait::async_trait;
use dashmap::DashMap;
use switchboard_protocol::TenantId;

#[derive(Default)]
pub struct LocalConnections {
    counts: DashMap<(TenantId, PrincipalKey), usize>,
}

impl LocalConnections {
    pub fn open(&self, tenant: &TenantId, key: &PrincipalKey) -> bool {
        let mut count = self
            .counts
            .entry((tenant.clone(), key.clone()))
            .or_insert(0);
        *count += 1;
        *count == 1
    }

    pub fn close(&self, tenant: &TenantId, key: &PrincipalKey) -> bool {
        let mut last = false;
        self.counts
            .remove_if_mut(&(tenant.clone(), key.clone()), |_, count| {
                *count = count.saturating_sub(1);
                last = *count == 0;
                last
            });
        last
    }

    pub fn is_connected(&self, tenant: &TenantId, key: &PrincipalKey) -> bool {
        self.counts.contains_key(&(tenant.clone(), key.clone()))
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::ClientRole;

    #[test]
    fn first_and_last_socket_are_reported() {
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
    }
}
