//! The township CLI `qunjian`, compiled in this package so integration
//! tests can start it as a real process via `CARGO_BIN_EXE_qunjian-cli`.

fn main() -> std::process::ExitCode {
    qunjian_cli::main()
}
