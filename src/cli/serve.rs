//! `serve` (the default): start the server, say where it listens, run until stopped.

use std::process::ExitCode;

use anyhow::Context;

use super::ServeArgs;
use crate::startup::{Application, Signals};

pub fn run(args: ServeArgs) -> ExitCode {
    crate::startup::limit_malloc_arenas();
    crate::startup::init_telemetry(args.log_format);
    let print_url = args.print_url;
    let stop_when_stdin_closes = args.stop_when_stdin_closes;
    let result = actix_web::rt::System::new().block_on(async {
        let settings = args.into_settings().context("reading settings")?;
        let app = Application::build_with(settings, Signals::StopTheServer)
            .await
            .context("starting the emulator")?;
        announce(&app);
        if print_url {
            print_urls(&app)?;
        }
        if stop_when_stdin_closes {
            stop_at_end_of_stdin(app.handle());
        }
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

/// The log line saying where it listens.
pub(super) fn announce(app: &Application) {
    match app.tls_url() {
        Some(https) => tracing::info!(
            "talkative-emulator listening on {} and {https} (TLS, as *.engage.app)",
            app.url()
        ),
        None => tracing::info!("talkative-emulator listening on {}", app.url()),
    }
}

/// `--print-url`: the URL alone on stdout's first line (the https one on the second), flushed
/// at once, for the program that started the emulator on port 0 to read.
fn print_urls(app: &Application) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", app.url()).context("writing the URL to stdout")?;
    if let Some(https) = app.tls_url() {
        writeln!(out, "{https}").context("writing the URL to stdout")?;
    }
    out.flush().context("writing the URL to stdout")
}

/// `--stop-when-stdin-closes`: a thread reads stdin to its end (what a parent writes is
/// ignored), then stops the server gracefully. A parent's death closes the pipe whatever killed
/// it, which no signal handler in the parent can promise.
fn stop_at_end_of_stdin(handle: actix_web::dev::ServerHandle) {
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
        tracing::info!("stdin closed: stopping");
        // Sending the stop command is immediate; the returned future only waits for it.
        drop(handle.stop(true));
    });
}
