//! Regenerates `supervisor-grpc/src/generated/*.rs` and `supervisor-grpc/tests/support/echo.v1.rs`
//! from the `.proto` files, with `protoc` from `PATH` (or `$PROTOC`).

use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let crate_dir = crate_dir.canonicalize()?;

    // The control plane: server and client, no transport-specific code (the
    // client takes any `GrpcService`, e.g. a `tonic::transport::Channel`).
    generate(
        &crate_dir.join("proto"),
        "control.proto",
        &crate_dir.join("src/generated"),
    )?;
    // The test service of the graceful shutdown tests.
    generate(
        &crate_dir.join("tests/support"),
        "echo.proto",
        &crate_dir.join("tests/support"),
    )?;
    Ok(())
}

fn generate(include: &Path, file: &str, out: &PathBuf) -> Result<(), Box<dyn std::error::Error>> {
    tonic_prost_build::configure()
        .build_transport(false)
        .emit_rerun_if_changed(false)
        .out_dir(out)
        .compile_protos(&[include.join(file)], &[include.to_path_buf()])?;
    println!("generated {file} into {}", out.display());
    Ok(())
}
