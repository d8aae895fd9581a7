//! The binary: parses the command line, then serves (the default) or runs a tool.

use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};
use talkative_emulator::cli::{self, ArgumentsGiven, Cli, Command};

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    match cli.command {
        None => cli::serve(cli.serve),
        Some(Command::Serve(args)) => cli::serve(args),
        Some(Command::Exec(args)) => {
            let exec = matches.subcommand_matches("exec");
            let on_command_line = |name: &str| {
                exec.and_then(|m| m.value_source(name)) == Some(ValueSource::CommandLine)
            };
            let given = ArgumentsGiven {
                bind: on_command_line("bind"),
                database_url: on_command_line("database_url"),
            };
            cli::exec(args, given)
        }
        Some(Command::Tls(command)) => cli::exit_on_error(cli::tls(command)),
        Some(Command::Keygen(args)) => cli::exit_on_error(cli::keygen(args)),
        Some(Command::Sign(args)) => cli::exit_on_error(cli::sign(args)),
        Some(Command::Verify(args)) => cli::exit_on_error(cli::verify(args)),
        Some(Command::Decode(args)) => cli::exit_on_error(cli::decode(args)),
        Some(Command::HashPassword) => cli::exit_on_error(cli::hash_password()),
        Some(Command::Completions(args)) => cli::exit_on_error(cli::completions(args)),
        Some(Command::Man) => cli::exit_on_error(cli::man()),
        Some(Command::Trigger(args)) => cli::exit_on_error(cli::trigger(args)),
    }
}
