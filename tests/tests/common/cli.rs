//! Running the two command lines as a user would: `qunjian` on a replica
//! file and `qunjian-server` on a data directory, with none of the
//! developer's own `QUNJIAN_*` settings leaking in.

use std::path::Path;
use std::process::{Command, Output};

use super::SERVER_BIN;

/// The township tool, built by this package (`src/bin/qunjian-cli.rs`).
pub const CLI: &str = env!("CARGO_BIN_EXE_qunjian-cli");

/// `qunjian --replica R [args]` with `env` set, ready to run.
pub fn qunjian_command(replica: &Path, env: &[(&str, &str)], args: &[&str]) -> Command {
    qunjian_command_of(Path::new(CLI), replica, env, args)
}

/// [`qunjian_command`] running `program`, a copy of the tool elsewhere.
pub fn qunjian_command_of(
    program: &Path,
    replica: &Path,
    env: &[(&str, &str)],
    args: &[&str],
) -> Command {
    let mut cmd = Command::new(program);
    cmd.arg("--replica")
        .arg(replica)
        .args(args)
        .env_remove("QUNJIAN_TOKEN")
        .env_remove("QUNJIAN_DOC")
        .env_remove("QUNJIAN_SERVER")
        .env_remove("QUNJIAN_CA_FILE")
        .env_remove("QUNJIAN_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Run `qunjian --replica R [args]` with `env` set; its output.
pub fn qunjian(replica: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    qunjian_command(replica, env, args)
        .output()
        .expect("run qunjian")
}

/// `qunjian-server [args] --data-dir D`; its output.
pub fn admin_cli(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(SERVER_BIN)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run county-server")
}

/// A process's output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
