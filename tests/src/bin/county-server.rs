//! The county server's own CLI, compiled in this package so integration
//! tests can start it as a real process via `CARGO_BIN_EXE_county-server`.

fn main() -> std::process::ExitCode {
    qunjian_server::cli::main()
}
