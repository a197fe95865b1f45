//! The data directory is one server's, and its owner's alone: a second
//! `serve` on it refuses to start, the database and the admin token are
//! 0600 whatever the umask, a directory others can open is warned about,
//! and the first admin token is never printed.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

/// A `serve` process with its stderr collected as it comes.
struct Serve {
    child: Child,
    stdout: BufReader<ChildStdout>,
    stderr: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Serve {
    /// `serve --data-dir <dir> --listen 127.0.0.1:0` under umask 022 (the
    /// common default, which leaves new files readable by everyone).
    fn spawn(data_dir: &Path) -> Serve {
        let mut child = Command::new("sh")
            .args(["-c", "umask 022; exec \"$0\" \"$@\"", SERVER_BIN, "serve"])
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start county-server");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut stderr_pipe = child.stderr.take().expect("stderr");
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .expect("stderr buffer")
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Serve {
            child,
            stdout,
            stderr,
            reader: Some(reader),
        }
    }

    /// Read the first stdout line: the address it listens on.
    fn listening(&mut self) -> std::net::SocketAddr {
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .expect("read the server's first line");
        assert!(
            !line.is_empty(),
            "server exited without listening; stderr: {}",
            self.stderr()
        );
        listening_address(&line)
    }

    /// Wait (at most `limit`) for the process to exit.
    fn exit_within(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, wait for the exit, and everything it wrote (stdout, stderr).
    fn finish(mut self) -> (String, String) {
        let status = terminate(&mut self.child);
        assert!(status.success(), "server exited with {status}");
        self.collect()
    }

    fn collect(&mut self) -> (String, String) {
        let mut out = String::new();
        self.stdout.read_to_string(&mut out).expect("stdout");
        if let Some(reader) = self.reader.take() {
            reader.join().expect("stderr reader");
        }
        (out, self.stderr())
    }

    fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr buffer").clone()
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

async fn healthz_status(addr: std::net::SocketAddr) -> u16 {
    reqwest::get(format!("http://{addr}/healthz"))
        .await
        .expect("GET /healthz")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_second_server_on_one_data_directory_refuses_to_start() {
    let scratch = Scratch::new();
    let dir = scratch.data_dir();
    let mut first = Serve::spawn(&dir);
    let first_addr = first.listening();

    let mut second = Serve::spawn(&dir);
    let status = second.exit_within(Duration::from_secs(20));
    let (out, err) = second.collect_after(status);
    let status = status.expect("the second server exits instead of serving");
    assert!(!status.success(), "the second server exited 0");
    assert!(
        out.is_empty(),
        "the second server printed {out:?} (it must not listen)"
    );
    let line = err
        .lines()
        .find(|l| l.contains(&dir.display().to_string()))
        .unwrap_or_else(|| panic!("no line names the data directory: {err:?}"));
    assert!(
        line.contains(&first.pid().to_string()),
        "the line names the holder's pid {}: {line}",
        first.pid()
    );
    assert!(
        !line.is_ascii() && line.contains("already"),
        "Chinese and English: {line}"
    );

    // The first one goes on serving, and the admin commands still work.
    assert_eq!(healthz_status(first_addr).await, 200);
    let added = township_add(&dir, "330825101", "城关镇");
    assert!(
        added.status.success(),
        "township add while serving: {}",
        String::from_utf8_lossy(&added.stderr)
    );

    // SIGKILL leaves no chance to clean up; the lock goes with the process.
    first.child.kill().expect("kill");
    first.child.wait().expect("reap");
    let mut third = Serve::spawn(&dir);
    let third_addr = third.listening();
    assert_eq!(healthz_status(third_addr).await, 200);
    third.finish();
}

impl Serve {
    /// Everything a process that has exited (or is killed now) wrote.
    fn collect_after(&mut self, status: Option<std::process::ExitStatus>) -> (String, String) {
        if status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        self.collect()
    }
}

/// The files `serve` leaves in the data directory are its user's alone.
fn assert_private_files(dir: &Path) {
    for name in [
        "qunjian.db",
        "qunjian.db-wal",
        "qunjian.db-shm",
        "admin-token",
    ] {
        let path = dir.join(name);
        assert_eq!(
            mode(&path),
            0o600,
            "{name} is {:o} under umask 022",
            mode(&path)
        );
    }
}

fn assert_warns_about_the_directory(dir: &Path, err: &str) {
    let chmod = format!("chmod 700 {}", dir.display());
    let warning = err
        .lines()
        .find(|l| l.contains(&chmod))
        .unwrap_or_else(|| panic!("no warning with `{chmod}` in stderr: {err:?}"));
    assert!(warning.contains("WARN"), "{warning}");
}

#[tokio::test]
async fn files_are_private_under_umask_022_in_an_open_directory() {
    let scratch = Scratch::new();
    let dir = scratch.data_dir();
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod 755");

    let mut server = Serve::spawn(&dir);
    let addr = server.listening();
    assert_eq!(healthz_status(addr).await, 200);
    assert_private_files(&dir);
    let (_, err) = server.finish();
    assert_warns_about_the_directory(&dir, &err);
    assert_eq!(mode(&dir), 0o755, "the directory is the owner's choice");
}

#[tokio::test]
async fn an_existing_world_readable_database_is_made_private() {
    let scratch = Scratch::new();
    let dir = scratch.data_dir();
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod 755");
    let db = dir.join("qunjian.db");
    {
        let conn = rusqlite::Connection::open(&db).expect("create db");
        conn.execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE before (x);")
            .expect("write db");
    }
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod 644");

    let mut server = Serve::spawn(&dir);
    let addr = server.listening();
    assert_eq!(healthz_status(addr).await, 200);
    assert_private_files(&dir);
    let (_, err) = server.finish();
    assert_warns_about_the_directory(&dir, &err);
    assert!(
        err.lines()
            .any(|l| l.contains("WARN") && l.contains(&db.display().to_string())),
        "no line says qunjian.db was tightened: {err:?}"
    );
}

#[tokio::test]
async fn the_first_admin_token_is_in_its_file_and_never_printed() {
    let scratch = Scratch::new();
    let dir = scratch.data_dir();
    let mut server = Serve::spawn(&dir);
    let addr = server.listening();
    assert_eq!(healthz_status(addr).await, 200);
    let (out, err) = server.finish();

    assert_eq!(mode(&dir), 0o700, "a data directory the server creates");
    let file = qunjian_server::auth::tokens::admin_token_path(&dir);
    assert_eq!(mode(&file), 0o600);
    let token = admin_token(&dir);
    assert!(token.starts_with("qjt_"), "admin-token holds {token:?}");
    let secret = &token["qjt_".len()..];
    assert!(!out.contains(secret), "the token is on stdout: {out}");
    assert!(!err.contains(secret), "the token is on stderr: {err}");
    assert!(
        err.contains(&format!("cat {}", file.display())),
        "the output says where the token is and how to read it: {err}"
    );
}
