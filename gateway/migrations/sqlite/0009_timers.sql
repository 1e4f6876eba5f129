-- Issue 13: durable routing timers, and the cross-tenant queue sweep's index.
--
-- A timer is due work of one conversation, stored so that it outlives the node that armed it:
-- any node claims it once it is due (SQLite: a `DELETE … RETURNING` on the single writer). One row
-- per (tenant, conversation, kind); `bot_answer` (the bot's time to answer the user's message
-- `unanswered_seq`) is the only kind so far.
CREATE TABLE timers (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL,
    conversation_id     TEXT NOT NULL,
    kind                TEXT NOT NULL,
    due_at              TEXT NOT NULL,
    bot_id              TEXT NOT NULL,
    unanswered_seq      INTEGER NOT NULL,
    armed_at            TEXT NOT NULL
);
CREATE UNIQUE INDEX timers_subject ON timers(tenant_id, conversation_id, kind);
CREATE INDEX timers_due ON timers(due_at);
-- The sweep looks for (tenant, group) pairs with queued conversations across all tenants.
CREATE INDEX conversations_queued ON conversations(tenant_id, group_id) WHERE status = 'queued';
