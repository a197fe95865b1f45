//! `qunjian`, the township tool. All the work is in the library so tests
//! run the very same code; this only hands over the exit code.

fn main() -> std::process::ExitCode {
    qunjian_cli::main()
}
