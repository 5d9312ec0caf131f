//! The raw command line, as clap parses it. Nothing here is validated beyond what clap checks;
//! each subcommand's `validate()` turns its arguments into a typed configuration.

use clap::{Parser, Subcommand};

use crate::check::CheckArgs;
use crate::demo::DemoArgs;
use crate::explain::ExplainArgs;
use crate::export::ExportArgs;
use crate::har::HarArgs;
use crate::policy::PolicyCommand;
use crate::proxy::ProxyArgs;
use crate::scan::ScanArgs;

const TOP_AFTER_HELP: &str = "\
Examples:
  Check a policy file and list every mistake in it at once:
    corsica policy lint cors.toml

  Explain every CORS failure in a recording exported from the browser's devtools:
    corsica har session.har

  See how a server with that policy answers a browser's preflight:
    corsica policy eval cors.toml -X OPTIONS \\
      -H 'Origin: https://app.example.com' \\
      -H 'Access-Control-Request-Method: PUT'

Exit status:
  0  allowed, or the policy is valid
  1  denied, or the policy is invalid
  2  usage or I/O error (the message on stderr says what to change)

Colour is used only on a terminal, and never when NO_COLOR is set.";

const POLICY_AFTER_HELP: &str = "\
Examples:
  corsica policy lint cors.toml
  corsica policy lint cors.toml --json
  corsica policy eval cors.toml -H 'Origin: https://app.example.com'
  corsica policy eval cors.toml -X OPTIONS \\
    -H 'Origin: https://app.example.com' \\
    -H 'Access-Control-Request-Method: DELETE'

Run 'corsica policy lint --help' or 'corsica policy eval --help' for the details.

Exit status:
  0  allowed, or the policy is valid
  1  denied, or the policy is invalid
  2  usage or I/O error (the message on stderr says what to change)";

/// CORS, both sides, exact to the Fetch Standard.
#[derive(Debug, Parser)]
#[command(
    name = "corsica",
    version,
    about = "CORS, both sides, exact to the WHATWG Fetch Standard",
    long_about = "corsica checks CORS policies and shows, decision by decision, what a server \
                  enforcing them answers (by the Fetch Standard's rules) and what a browser does \
                  with a fetch() to a live URL (as Chromium does).",
    after_help = "Run 'corsica policy --help' for the policy commands, or 'corsica --help' for examples.",
    after_long_help = TOP_AFTER_HELP,
    subcommand_required = true,
    propagate_version = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// See what a browser does with a fetch() to a live URL, and the fix when it is blocked.
    Check(CheckArgs),
    /// Check a policy file, or see how a server with it answers a request.
    #[command(
        subcommand,
        long_about = "Work with CORS policy files: the TOML, YAML or JSON files that corsica's \
                      middleware (corsica-tower, corsica-actix) enforces.",
        after_long_help = POLICY_AFTER_HELP
    )]
    Policy(PolicyCommand),
    /// Start a demo API and a page on another origin that calls it; click requests, see why.
    Demo(DemoArgs),
    /// Enforce a policy file in front of any HTTP service, as a reverse proxy.
    Proxy(ProxyArgs),
    /// Write a policy out as a configuration file for nginx, Apache httpd, HAProxy or Caddy.
    Export(ExportArgs),
    /// Explain every CORS request of a devtools or Playwright recording (HAR).
    Har(HarArgs),
    /// Find CORS misconfigurations on live URLs, each confirmed as a browser would.
    Scan(ScanArgs),
    /// Paste a browser's CORS console message: which engine wrote it, what it means, the fix.
    Explain(ExplainArgs),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_command_is_required() {
        let err = Cli::try_parse_from(["corsica"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
