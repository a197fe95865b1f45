//! A county server process whose stderr goes to a file, for tests that
//! scan the server's log afterwards (for a panic, say).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use super::{SERVER_BIN, ServerProcess, listening_address};

impl ServerProcess {
    /// [`start_with`](ServerProcess::start_with), the server's stderr
    /// written to `log`.
    pub fn start_logged(data_dir: &Path, port: u16, flags: &[&str], log: &Path) -> ServerProcess {
        let stderr = File::create(log).expect("create the server's log");
        let mut child = Command::new(SERVER_BIN)
            .args(["serve", "--data-dir"])
            .arg(data_dir)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(flags)
            .env(
                "RUST_LOG",
                std::env::var("SERVER_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start county-server");
        let stdout = child.stdout.take().expect("server stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the server's first line");
        let addr = listening_address(&line);
        ServerProcess {
            child,
            addr,
            data_dir: data_dir.to_path_buf(),
        }
    }
}
