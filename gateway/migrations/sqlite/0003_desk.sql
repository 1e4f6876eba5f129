-- Desk additions: notes about end users, quick responses, attachments and which
-- conversations reference each attachment (for download access).

CREATE TABLE user_notes (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    user_id             TEXT NOT NULL REFERENCES users(id),
    author_id           TEXT NOT NULL,
    author_name         TEXT NOT NULL,
    text                TEXT NOT NULL,
    created_at          TEXT NOT NULL
);
CREATE INDEX user_notes_user ON user_notes(tenant_id, user_id, created_at);

CREATE TABLE quick_responses (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    shortcut            TEXT NOT NULL,
    text                TEXT NOT NULL,
    created_at          TEXT NOT NULL
);
CREATE UNIQUE INDEX quick_responses_shortcut ON quick_responses(tenant_id, shortcut);

-- Files live in the database, so one node and a cluster behave alike.
CREATE TABLE attachments (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    uploader_kind       TEXT NOT NULL,
    uploader_id         TEXT NOT NULL,
    file_name           TEXT NOT NULL,
    content_type        TEXT NOT NULL,
    size                INTEGER NOT NULL,
    data                BLOB NOT NULL,
    created_at          TEXT NOT NULL
);
CREATE INDEX attachments_tenant ON attachments(tenant_id);

CREATE TABLE attachment_links (
    tenant_id           TEXT NOT NULL,
    attachment_id       TEXT NOT NULL REFERENCES attachments(id),
    conversation_id     TEXT NOT NULL REFERENCES conversations(id),
    message_id          TEXT NOT NULL,
    private             INTEGER NOT NULL,
    PRIMARY KEY (attachment_id, message_id)
);
CREATE INDEX attachment_links_conversation ON attachment_links(tenant_id, conversation_id);
