//! `exec -- <command…>`: Firebase's `emulators:exec` for any language and CI. Starts the
//! emulator on a free port with a fresh database, waits until `/health` answers 200, runs the
//! command with `TALKATIVE_EMULATOR_URL` set, stops the emulator (flushing its log), removes
//! the database it made, and exits with the command's status.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::ExecArgs;
use crate::startup::{Application, Signals};

/// Which of the settings `exec` treats specially were given on the command line (as opposed to
/// the environment or a default), read from clap's matches by `main`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ArgumentsGiven {
    pub bind: bool,
    pub database_url: bool,
}

/// The exit status for a command that could not be started, as shells use it (not found).
const COULD_NOT_RUN: u8 = 127;

pub fn run(mut args: ExecArgs, given: ArgumentsGiven) -> ExitCode {
    crate::startup::limit_malloc_arenas();
    // The command's own output is what the user reads: the emulator says only what went wrong,
    // unless RUST_LOG asks for more.
    if std::env::var_os("RUST_LOG").is_none() {
        // SAFETY: no other thread exists yet to read the environment concurrently.
        unsafe { std::env::set_var("RUST_LOG", "warn") };
    }
    crate::startup::init_telemetry(args.serve.log_format);
    if !given.bind {
        args.serve.bind = SocketAddr::from(([127, 0, 0, 1], 0));
    }
    let scratch = if given.database_url {
        None
    } else {
        match Scratch::create() {
            Ok(scratch) => {
                args.serve.database_url = scratch.database_url();
                Some(scratch)
            }
            Err(error) => return fail(error),
        }
    };
    let command = std::mem::take(&mut args.command);
    let result = actix_web::rt::System::new().block_on(run_with_emulator(args, command));
    drop(scratch);
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => fail(error),
    }
}

fn fail(error: anyhow::Error) -> ExitCode {
    eprintln!("talkative-emulator exec: {error:#}");
    ExitCode::from(COULD_NOT_RUN)
}

async fn run_with_emulator(args: ExecArgs, command: Vec<OsString>) -> anyhow::Result<u8> {
    let settings = args.serve.into_settings().context("reading settings")?;
    let app = Application::build_with(settings, Signals::LeftToCaller)
        .await
        .context("starting the emulator")?;
    let url = app.url();
    let tls = app.tls_url().zip(app.tls_spki().map(str::to_owned));
    let address = app.address();
    let handle = app.handle();
    let server = actix_web::rt::spawn(app.run_until_stopped());
    let status = match wait_until_healthy(address).await {
        Ok(()) => run_command(&command, &url, tls.as_ref()).await,
        Err(error) => Err(error),
    };
    handle.stop(true).await;
    match server.await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::error!("stopping the emulator: {error:#}"),
        Err(error) => tracing::error!("stopping the emulator: {error}"),
    }
    status
}

/// `/health` answering 200 on the plain listener, within ten seconds.
async fn wait_until_healthy(address: SocketAddr) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match health_status(address).await {
            Ok(200) => return Ok(()),
            Ok(_) | Err(_) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Ok(status) => anyhow::bail!("the emulator's /health answered {status}"),
            Err(error) => return Err(error).context("the emulator's /health did not answer"),
        }
    }
}

async fn health_status(address: SocketAddr) -> anyhow::Result<u16> {
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let request = format!("GET /health HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut head = [0_u8; 12];
    stream.read_exact(&mut head).await?;
    // "HTTP/1.1 200"
    std::str::from_utf8(&head[9..12])?
        .parse()
        .context("reading the status line")
}

/// Runs the command with the emulator's URLs in its environment (with `--tls-bind`, the HTTPS
/// one and its pin too); SIGINT and SIGTERM sent to
/// `exec` go to the command, whose end decides when the emulator stops. The status is the
/// command's, or 128 + the signal that ended it, as a shell reports it.
async fn run_command(
    command: &[OsString],
    url: &str,
    tls: Option<&(String, String)>,
) -> anyhow::Result<u8> {
    let (program, arguments) = command.split_first().context("no command given")?;
    let mut child = tokio::process::Command::new(program);
    child.args(arguments).env("TALKATIVE_EMULATOR_URL", url);
    if let Some((tls_url, spki)) = tls {
        child
            .env("TALKATIVE_EMULATOR_TLS_URL", tls_url)
            .env("TALKATIVE_EMULATOR_TLS_SPKI", spki);
    }
    let mut child = match child.spawn() {
        Ok(child) => child,
        Err(error) => {
            eprintln!(
                "talkative-emulator exec: could not run {}: {error}",
                program.to_string_lossy()
            );
            return Ok(COULD_NOT_RUN);
        }
    };
    let status = wait_passing_signals(&mut child).await?;
    Ok(exit_code(status))
}

#[cfg(unix)]
async fn wait_passing_signals(
    child: &mut tokio::process::Child,
) -> anyhow::Result<std::process::ExitStatus> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("listening for SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    loop {
        let forwarded = tokio::select! {
            status = child.wait() => return status.context("waiting for the command"),
            _ = interrupt.recv() => libc::SIGINT,
            _ = terminate.recv() => libc::SIGTERM,
        };
        if let Some(pid) = child.id() {
            // SAFETY: kill(2) on the child this process started and has not yet reaped.
            unsafe {
                libc::kill(pid as libc::pid_t, forwarded);
            }
        }
    }
}

#[cfg(not(unix))]
async fn wait_passing_signals(
    child: &mut tokio::process::Child,
) -> anyhow::Result<std::process::ExitStatus> {
    tokio::select! {
        status = child.wait() => status.context("waiting for the command"),
        _ = tokio::signal::ctrl_c() => {
            // The console sends Ctrl-C to the whole group: the command has it already.
            child.wait().await.context("waiting for the command")
        }
    }
}

fn exit_code(status: std::process::ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        return u8::try_from(code & 0xff).unwrap_or(1);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return u8::try_from(128 + signal).unwrap_or(1);
        }
    }
    1
}

/// The fresh database's folder, removed when dropped.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn create() -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!(
            "talkative-emulator-exec-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir(&dir)
            .with_context(|| format!("creating a folder for the database in {}", dir.display()))?;
        Ok(Self { dir })
    }

    fn database_url(&self) -> String {
        format!("sqlite://{}", self.dir.join("emulator.db").display())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_command_ended_by_a_signal_exits_as_a_shell_reports_it() {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(exit_code(std::process::ExitStatus::from_raw(3 << 8)), 3);
        assert_eq!(
            exit_code(std::process::ExitStatus::from_raw(libc::SIGTERM)),
            143
        );
        assert_eq!(exit_code(std::process::ExitStatus::from_raw(0)), 0);
    }
}
