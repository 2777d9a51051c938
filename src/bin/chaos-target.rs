//! The `chaos-target` binary: the reference target service. Everything
//! lives in the `chaos-target` crate (`crates/chaos-target`).

fn main() -> std::process::ExitCode {
    chaos_target::main()
}
