//! Setting a tenant up for a workload over the real HTTP API: the owner's token, end-user
//! tokens by the thousand (widget sessions), bots, settings.

use super::cluster::Cluster;
use super::error::{BenchError, Result};
use crate::Api;
use futures_util::{StreamExt, stream};
use reqwest::Method;
use std::sync::atomic::{AtomicUsize, Ordering};

/// HTTP calls in flight at once while creating users: enough to keep both nodes busy, few
/// enough not to look like a different workload.
const SETUP_CONCURRENCY: usize = 32;

const OWNER_PASSWORD: &str = "bench owner password";

/// One tenant of the cluster, ready for a workload.
pub struct Tenant {
    pub app_key: String,
    /// The owner's login token: owners may subscribe to and accept any conversation.
    pub owner_token: String,
    /// One [`Api`] per node, authenticated as the owner.
    pub owner_api: Api,
}

impl Tenant {
    /// Creates a tenant named `name` and logs its owner in.
    pub async fn create(cluster: &Cluster, name: &str) -> Result<Tenant> {
        static NEXT: AtomicUsize = AtomicUsize::new(1);
        let login = format!("owner{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let created = cluster.create_tenant(name, &login, OWNER_PASSWORD).await?;
        let api = Api::new(&cluster.nodes[0].base_url);
        let session = api
            .login(&login, OWNER_PASSWORD)
            .await
            .map_err(BenchError::api("owner login"))?;
        let owner_api = api.with_token(&session.token);
        let tenant = Tenant {
            app_key: created.app_key,
            owner_token: session.token,
            owner_api,
        };
        // The owner joins the default group, so an accept is never refused for membership.
        let settings = tenant
            .owner_api
            .settings()
            .await
            .map_err(BenchError::api("reading settings"))?;
        let group_path = format!("/v1/groups/{}/members", settings.default_group_id);
        let body = serde_json::json!({"agent_ids": [created.owner_id]});
        tenant.call(Method::PUT, &group_path, body).await?;
        Ok(tenant)
    }

    /// `count` tenants named `name 0`, `name 1`, ..., a few at a time.
    pub async fn create_many(cluster: &Cluster, name: &str, count: usize) -> Result<Vec<Tenant>> {
        let created: Vec<Result<Tenant>> = stream::iter(0..count)
            .map(|i| async move { Tenant::create(cluster, &format!("bench {name} {i}")).await })
            .buffered(4)
            .collect()
            .await;
        created.into_iter().collect()
    }

    /// An owner call whose answer is only checked for success.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value> {
        let answer = self
            .owner_api
            .request(method, path, Some(body))
            .await
            .map_err(BenchError::api(path.to_owned()))?;
        if !(200..300).contains(&answer.status) {
            return Err(BenchError::Workload(format!(
                "{path} answered {}: {}",
                answer.status, answer.body
            )));
        }
        Ok(answer.json())
    }

    /// `PATCH /v1/settings` with raw JSON.
    pub async fn patch_settings(&self, body: serde_json::Value) -> Result<()> {
        self.call(Method::PATCH, "/v1/settings", body)
            .await
            .map(drop)
    }

    /// `count` end-user tokens (anonymous widget sessions), created through both nodes.
    pub async fn user_tokens(&self, cluster: &Cluster, count: usize) -> Result<Vec<String>> {
        let apis: Vec<Api> = cluster
            .nodes
            .iter()
            .map(|node| Api::new(&node.base_url))
            .collect();
        let app_key = self.app_key.as_str();
        let tokens: Vec<Result<String>> = stream::iter(0..count)
            .map(|i| {
                let api = &apis[i % apis.len()];
                async move {
                    api.widget_session(app_key, None)
                        .await
                        .map(|session| session.token)
                        .map_err(BenchError::api("creating a widget session"))
                }
            })
            .buffered(SETUP_CONCURRENCY)
            .collect()
            .await;
        tokens.into_iter().collect()
    }

    /// A bot and its token.
    pub async fn create_bot(&self, name: &str) -> Result<(String, String)> {
        let bot = self
            .owner_api
            .create_bot(name)
            .await
            .map_err(BenchError::api("creating a bot"))?;
        Ok((bot.id.to_string(), bot.token))
    }
}
