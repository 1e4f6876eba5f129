-- Desk additions: notes about end users, quick responses, attachments and which
-- conversations reference each attachment (for download access). Same tables as SQLite's.

CREATE TABLE user_notes (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    tenant_id           TEXT COLLATE "C" NOT NULL REFERENCES tenants(id),
    user_id             TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    author_id           TEXT COLLATE "C" NOT NULL,
    author_name         TEXT NOT NULL,
    text                TEXT NOT NULL,
    created_at          TEXT COLLATE "C" NOT NULL
);
CREATE INDEX user_notes_user ON user_notes(tenant_id, user_id, created_at);

CREATE TABLE quick_responses (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    tenant_id           TEXT COLLATE "C" NOT NULL REFERENCES tenants(id),
    shortcut            TEXT COLLATE "C" NOT NULL,
    text                TEXT NOT NULL,
    created_at          TEXT COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX quick_responses_shortcut ON quick_responses(tenant_id, shortcut);

-- Files live in the database, so one node and a cluster behave alike.
CREATE TABLE attachments (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    tenant_id           TEXT COLLATE "C" NOT NULL REFERENCES tenants(id),
    uploader_kind       TEXT NOT NULL,
    uploader_id         TEXT COLLATE "C" NOT NULL,
    file_name           TEXT NOT NULL,
    content_type        TEXT NOT NULL,
    size                BIGINT NOT NULL,
    data                BYTEA NOT NULL,
    created_at          TEXT COLLATE "C" NOT NULL
);
CREATE INDEX attachments_tenant ON attachments(tenant_id);

CREATE TABLE attachment_links (
    tenant_id           TEXT COLLATE "C" NOT NULL,
    attachment_id       TEXT COLLATE "C" NOT NULL REFERENCES attachments(id),
    conversation_id     TEXT COLLATE "C" NOT NULL REFERENCES conversations(id),
    message_id          TEXT COLLATE "C" NOT NULL,
    private             BOOLEAN NOT NULL,
    PRIMARY KEY (attachment_id, message_id)
);
CREATE INDEX attachment_links_conversation ON attachment_links(tenant_id, conversation_id);
