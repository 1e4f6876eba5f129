-- Switchboard schema, PostgreSQL: the same tables as migrations/sqlite, so both stores read
-- and write identical records. Every table carries tenant_id and every query filters by it.
-- Times are RFC 3339 UTC text with millisecond precision, exactly as SQLite stores them (the
-- gateway formats them; the database never does). Ids and times use the "C" collation so they
-- sort bytewise, as in SQLite, whatever the database's locale.

CREATE TABLE tenants (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    name                TEXT NOT NULL,
    app_key             TEXT NOT NULL UNIQUE,
    identity_secret     TEXT NOT NULL,
    human_chat_enabled  BOOLEAN NOT NULL DEFAULT TRUE,
    routing             TEXT NOT NULL DEFAULT 'online_only',
    reply_policy        TEXT NOT NULL DEFAULT 'accept_first',
    entry_bot_id        TEXT COLLATE "C",
    default_group_id    TEXT COLLATE "C" NOT NULL,
    created_at          TEXT COLLATE "C" NOT NULL
);

CREATE TABLE agents (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    tenant_id           TEXT COLLATE "C" NOT NULL REFERENCES tenants(id),
    full_name           TEXT NOT NULL,
    login               TEXT NOT NULL,
    email               TEXT NOT NULL,
    role                TEXT NOT NULL,
    status              TEXT NOT NULL,
    presence            TEXT NOT NULL DEFAULT 'offline',
    capacity            BIGINT,
    password_hash       TEXT,
    invite_token_hash   TEXT,
    deleted_at          TEXT COLLATE "C",
    created_at          TEXT COLLATE "C" NOT NULL
);
-- Logins are unique across the gateway: login takes no tenant.
CREATE UNIQUE INDEX agents_login ON agents(login) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX agents_invite ON agents(invite_token_hash) WHERE invite_token_hash IS NOT NULL;
CREATE INDEX agents_tenant ON agents(tenant_id);

CREATE TABLE support_groups (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    tenant_id           TEXT COLLATE "C" NOT NULL REFERENCES tenants(id),
    name                TEXT NOT NULL,
    assignment          TEXT NOT NULL DEFAULT 'manual',
    business_hours      TEXT,
    created_at          TEXT COLLATE "C" NOT NULL
);
CREATE INDEX support_groups_tenant ON support_groups(tenant_id);

CREATE TABLE group_members (
    tenant_id           TEXT COLLATE "C" NOT NULL,
    group_id            TEXT COLLATE "C" NOT NULL REFERENCES support_groups(id),
    agent_id            TEXT COLLATE "C" NOT NULL REFERENCES agents(id),
    PRIMARY KEY (group_id, agent_id)
);
CREATE INDEX group_members_agent ON group_members(agent_id);

CREATE TABLE bots (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    tenant_id           TEXT COLLATE "C" NOT NULL REFERENCES tenants(id),
    name                TEXT NOT NULL,
    deleted_at          TEXT COLLATE "C",
    created_at          TEXT COLLATE "C" NOT NULL
);
CREATE INDEX bots_tenant ON bots(tenant_id);

CREATE TABLE users (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    tenant_id           TEXT COLLATE "C" NOT NULL REFERENCES tenants(id),
    external_id         TEXT,
    name                TEXT,
    email               TEXT,
    phone               TEXT,
    address             TEXT,
    created_at          TEXT COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX users_external ON users(tenant_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE conversations (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    tenant_id           TEXT COLLATE "C" NOT NULL REFERENCES tenants(id),
    user_id             TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    status              TEXT NOT NULL,
    group_id            TEXT COLLATE "C" NOT NULL,
    assignee_kind       TEXT,
    assignee_id         TEXT COLLATE "C",
    assignee_name       TEXT,
    last_agent_id       TEXT COLLATE "C",
    tags                TEXT NOT NULL DEFAULT '[]',
    last_seq            BIGINT NOT NULL DEFAULT 0,
    created_at          TEXT COLLATE "C" NOT NULL,
    updated_at          TEXT COLLATE "C" NOT NULL,
    queued_at           TEXT COLLATE "C",
    resolved_at         TEXT COLLATE "C"
);
CREATE INDEX conversations_user ON conversations(tenant_id, user_id, status);
CREATE INDEX conversations_status ON conversations(tenant_id, status, group_id);
CREATE INDEX conversations_assignee ON conversations(tenant_id, assignee_id);

CREATE TABLE messages (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    tenant_id           TEXT COLLATE "C" NOT NULL,
    conversation_id     TEXT COLLATE "C" NOT NULL REFERENCES conversations(id),
    seq                 BIGINT NOT NULL,
    author_kind         TEXT NOT NULL,
    author_id           TEXT NOT NULL,
    author_name         TEXT NOT NULL,
    text                TEXT NOT NULL,
    attachments         TEXT NOT NULL DEFAULT '[]',
    private             BOOLEAN NOT NULL DEFAULT FALSE,
    client_msg_id       TEXT,
    created_at          TEXT COLLATE "C" NOT NULL,
    UNIQUE (conversation_id, seq)
);
-- Idempotent sends: one message per author and client_msg_id.
CREATE UNIQUE INDEX messages_idempotency
    ON messages(tenant_id, author_kind, author_id, client_msg_id)
    WHERE client_msg_id IS NOT NULL;
