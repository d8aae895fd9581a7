use anyhow::Context;
use clap::Parser;
use talkative_emulator::configuration::{Cli, Command, Settings};
use talkative_emulator::startup::Application;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    talkative_emulator::telemetry::init();
    let cli = Cli::parse();
    let args = match cli.command {
        Some(Command::Serve(args)) => args,
        None => cli.serve,
    };
    let app = Application::build(Settings::from(args))
        .await
        .context("starting the emulator")?;
    tracing::info!("talkative-emulator listening on http://{}", app.address());
    app.run_until_stopped().await.context("running the server")
}
