//! Writes the JSON Schemas of the frames into `docs/schema/`:
//! `cargo run -p switchboard-protocol --features schema --example write_schema`.

use std::path::Path;

fn main() -> std::io::Result<()> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .join("docs/schema");
    std::fs::create_dir_all(&dir)?;
    for (name, text) in switchboard_protocol::schema::published() {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
