-- Issue 13: durable routing timers, and the cross-tenant queue sweep's index.
--
-- A timer is due work of one conversation, stored so that it outlives the node that armed it:
-- any node claims it once it is due (`DELETE … FOR UPDATE SKIP LOCKED … RETURNING`). One row
-- per (tenant, conversation, kind); `bot_answer` (the bot's time to answer the user's message
-- `unanswered_seq`) is the only kind so far.
CREATE TABLE timers (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    tenant_id           TEXT COLLATE "C" NOT NULL,
    conversation_id     TEXT COLLATE "C" NOT NULL,
    kind                TEXT COLLATE "C" NOT NULL,
    due_at              TEXT COLLATE "C" NOT NULL,
    bot_id              TEXT COLLATE "C" NOT NULL,
    unanswered_seq      BIGINT NOT NULL,
    armed_at            TEXT COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX timers_subject ON timers(tenant_id, conversation_id, kind);
CREATE INDEX timers_due ON timers(due_at);
-- The sweep looks for (tenant, group) pairs with queued conversations across all tenants.
CREATE INDEX conversations_queued ON conversations(tenant_id, group_id) WHERE status = 'queued';
