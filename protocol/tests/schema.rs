//! The published JSON Schemas (`docs/schema/`) are exactly what the serde types generate, so
//! they cannot go stale. After changing a frame, regenerate them with
//! `SWITCHBOARD_WRITE_SCHEMA=1 cargo test -p switchboard-protocol --features schema --test schema`.

use std::path::Path;

#[test]
fn published_schemas_match_the_types() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .join("docs/schema");
    let write = std::env::var_os("SWITCHBOARD_WRITE_SCHEMA").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (name, generated) in switchboard_protocol::schema::published() {
        let path = dir.join(name);
        if write {
            std::fs::create_dir_all(&dir).expect("create docs/schema");
            std::fs::write(&path, &generated).expect("write the schema");
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != generated {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "these schemas differ from what the protocol types generate: {stale:?}\n\
         regenerate them with `SWITCHBOARD_WRITE_SCHEMA=1 cargo test -p switchboard-protocol \
         --features schema --test schema` and commit the result"
    );
}

#[test]
fn schemas_name_every_frame_type() {
    let client: serde_json::Value =
        serde_json::from_str(&switchboard_protocol::schema::client_frame()).unwrap();
    let server: serde_json::Value =
        serde_json::from_str(&switchboard_protocol::schema::server_frame()).unwrap();
    let (client, server) = (client.to_string(), server.to_string());
    for ty in [
        "auth",
        "message.send",
        "conversation.handover",
        "history",
        "ping",
        "conversation.reopen",
    ] {
        assert!(
            client.contains(&format!("\"{ty}\"")),
            "client schema lacks {ty}"
        );
    }
    for ty in [
        "welcome",
        "ack",
        "error",
        "message.created",
        "conversation.updated",
        "conversation.activity",
    ] {
        assert!(
            server.contains(&format!("\"{ty}\"")),
            "server schema lacks {ty}"
        );
    }
}
