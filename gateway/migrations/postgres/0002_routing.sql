-- Routing: per-tenant routing settings, and when each agent last got a conversation (ties in
-- auto-assignment go to the agent idle longest).
ALTER TABLE tenants ADD COLUMN reopen_fallback TEXT NOT NULL DEFAULT 'queue';
ALTER TABLE tenants ADD COLUMN bot_timeout_secs BIGINT NOT NULL DEFAULT 30;
ALTER TABLE tenants ADD COLUMN offline_grace_secs BIGINT NOT NULL DEFAULT 60;
ALTER TABLE agents ADD COLUMN last_assigned_at TEXT COLLATE "C";
CREATE INDEX conversations_queue ON conversations(tenant_id, group_id, status, queued_at);
