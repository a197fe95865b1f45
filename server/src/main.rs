//! `qunjian-server`: the county server. All the work is in the library so
//! tests can run the very same code; this only hands over the exit code.

fn main() -> std::process::ExitCode {
    qunjian_server::cli::main()
}
