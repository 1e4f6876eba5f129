-- v1.1 (§6.1): what a user's message after resolve does ('reopen' or 'new_conversation').
ALTER TABLE tenants ADD COLUMN after_resolve TEXT NOT NULL DEFAULT 'reopen';
