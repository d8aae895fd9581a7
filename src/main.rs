//! The binary: parses the command line, then serves (the default) or runs an offline tool.

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use talkative_emulator::cli::{self, Cli, Command, ServeArgs};
use talkative_emulator::startup::Application;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(args)) => serve(args),
        Some(Command::Keygen(args)) => cli::exit_on_error(cli::keygen(args)),
        Some(Command::Sign(args)) => cli::exit_on_error(cli::sign(args)),
        Some(Command::Verify(args)) => cli::exit_on_error(cli::verify(args)),
        Some(Command::Decode(args)) => cli::exit_on_error(cli::decode(args)),
        Some(Command::HashPassword) => cli::exit_on_error(cli::hash_password()),
        Some(Command::Completions(args)) => cli::exit_on_error(cli::completions(args)),
        Some(Command::Man) => cli::exit_on_error(cli::man()),
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    talkative_emulator::startup::limit_malloc_arenas();
    talkative_emulator::startup::init_telemetry(args.log_format);
    let result = actix_web::rt::System::new().block_on(async {
        let settings = args.into_settings().context("reading settings")?;
        let app = Application::build(settings)
            .await
            .context("starting the emulator")?;
        tracing::info!("talkative-emulator listening on http://{}", app.address());
        app.run_until_stopped().await.context("running the server")
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
