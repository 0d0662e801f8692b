use clap::Parser;

fn main() -> std::process::ExitCode {
    starling::cli::run(starling::cli::Cli::parse())
}
