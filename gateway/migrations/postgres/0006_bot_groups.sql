-- v1.1 (issue 12): which groups serve which bot (the agents "associated with a bot").
CREATE TABLE bot_groups (
    tenant_id           TEXT COLLATE "C" NOT NULL,
    bot_id              TEXT COLLATE "C" NOT NULL REFERENCES bots(id),
    group_id            TEXT COLLATE "C" NOT NULL REFERENCES support_groups(id),
    PRIMARY KEY (bot_id, group_id)
);
CREATE INDEX bot_groups_group ON bot_groups(group_id);
