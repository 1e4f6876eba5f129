//! JSON Schemas of the WebSocket frames, generated from the serde types (feature `schema`).
//!
//! The published copies live in `docs/schema/`; `tests/schema.rs` fails when they differ from
//! what these functions generate, and `SWITCHBOARD_WRITE_SCHEMA=1 cargo test -p
//! switchboard-protocol --features schema --test schema` (or `cargo run -p switchboard-protocol
//! --features schema --example write_schema`) rewrites them.

use crate::{ClientFrame, ServerFrame};

/// File name in `docs/schema/` and pretty-printed schema text, for each direction.
pub fn published() -> [(&'static str, String); 2] {
    [
        ("client-frame.schema.json", client_frame()),
        ("server-frame.schema.json", server_frame()),
    ]
}

/// The schema of every frame a client may send (`ClientFrame`).
pub fn client_frame() -> String {
    pretty(schemars::schema_for!(ClientFrame))
}

/// The schema of every frame the gateway sends (`ServerFrame`).
pub fn server_frame() -> String {
    pretty(schemars::schema_for!(ServerFrame))
}

fn pretty(schema: schemars::Schema) -> String {
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    text
}
