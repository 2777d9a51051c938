//! The `chaos-engine` binary; everything lives in the library.

fn main() -> std::process::ExitCode {
    chaos_engine::commands::main()
}
