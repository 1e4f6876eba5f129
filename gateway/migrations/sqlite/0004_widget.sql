-- Widget: the web origins allowed to embed the widget (space-separated, validated origins;
-- empty allows every origin) and whether widget sessions need a signed identity.
ALTER TABLE tenants ADD COLUMN widget_origins TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN widget_identity_required INTEGER NOT NULL DEFAULT 0;
