-- Switchboard schema, SQLite. Every table carries tenant_id and every query filters by it.
-- Times are RFC 3339 UTC text with millisecond precision (they sort as text).

CREATE TABLE tenants (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    app_key             TEXT NOT NULL UNIQUE,
    identity_secret     TEXT NOT NULL,
    human_chat_enabled  INTEGER NOT NULL DEFAULT 1,
    routing             TEXT NOT NULL DEFAULT 'online_only',
    reply_policy        TEXT NOT NULL DEFAULT 'accept_first',
    entry_bot_id        TEXT,
    default_group_id    TEXT NOT NULL,
    created_at          TEXT NOT NULL
);

CREATE TABLE agents (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    full_name           TEXT NOT NULL,
    login               TEXT NOT NULL,
    email               TEXT NOT NULL,
    role                TEXT NOT NULL,
    status              TEXT NOT NULL,
    presence            TEXT NOT NULL DEFAULT 'offline',
    capacity            INTEGER,
    password_hash       TEXT,
    invite_token_hash   TEXT,
    deleted_at          TEXT,
    created_at          TEXT NOT NULL
);
-- Logins are unique across the gateway: login takes no tenant.
CREATE UNIQUE INDEX agents_login ON agents(login) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX agents_invite ON agents(invite_token_hash) WHERE invite_token_hash IS NOT NULL;
CREATE INDEX agents_tenant ON agents(tenant_id);

CREATE TABLE support_groups (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    name                TEXT NOT NULL,
    assignment          TEXT NOT NULL DEFAULT 'manual',
    business_hours      TEXT,
    created_at          TEXT NOT NULL
);
CREATE INDEX support_groups_tenant ON support_groups(tenant_id);

CREATE TABLE group_members (
    tenant_id           TEXT NOT NULL,
    group_id            TEXT NOT NULL REFERENCES support_groups(id),
    agent_id            TEXT NOT NULL REFERENCES agents(id),
    PRIMARY KEY (group_id, agent_id)
);
CREATE INDEX group_members_agent ON group_members(agent_id);

CREATE TABLE bots (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    name                TEXT NOT NULL,
    deleted_at          TEXT,
    created_at          TEXT NOT NULL
);
CREATE INDEX bots_tenant ON bots(tenant_id);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    external_id         TEXT,
    name                TEXT,
    email               TEXT,
    phone               TEXT,
    address             TEXT,
    created_at          TEXT NOT NULL
);
CREATE UNIQUE INDEX users_external ON users(tenant_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE conversations (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    user_id             TEXT NOT NULL REFERENCES users(id),
    status              TEXT NOT NULL,
    group_id            TEXT NOT NULL,
    assignee_kind       TEXT,
    assignee_id         TEXT,
    assignee_name       TEXT,
    last_agent_id       TEXT,
    tags                TEXT NOT NULL DEFAULT '[]',
    last_seq            INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    queued_at           TEXT,
    resolved_at         TEXT
);
CREATE INDEX conversations_user ON conversations(tenant_id, user_id, status);
CREATE INDEX conversations_status ON conversations(tenant_id, status, group_id);
CREATE INDEX conversations_assignee ON conversations(tenant_id, assignee_id);

CREATE TABLE messages (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL,
    conversation_id     TEXT NOT NULL REFERENCES conversations(id),
    seq                 INTEGER NOT NULL,
    author_kind         TEXT NOT NULL,
    author_id           TEXT NOT NULL,
    author_name         TEXT NOT NULL,
    text                TEXT NOT NULL,
    attachments         TEXT NOT NULL DEFAULT '[]',
    private             INTEGER NOT NULL DEFAULT 0,
    client_msg_id       TEXT,
    created_at          TEXT NOT NULL,
    UNIQUE (conversation_id, seq)
);
-- Idempotent sends: one message per author and client_msg_id.
CREATE UNIQUE INDEX messages_idempotency
    ON messages(tenant_id, author_kind, author_id, client_msg_id)
    WHERE client_msg_id IS NOT NULL;
