//! The command line itself: help, version, usage errors, colour, a closed pipe, garbage.

use std::ffi::OsString;

use crate::util::{TestDir, example_path};

#[test]
fn help_for_every_command_has_examples_and_exit_codes() {
    let dir = TestDir::new();
    for args in [
        vec!["--help"],
        vec!["policy", "--help"],
        vec!["policy", "lint", "--help"],
        vec!["policy", "eval", "--help"],
        vec!["help", "policy", "eval"],
    ] {
        let out = dir.corsica(&args).run().code(0);
        assert!(
            out.stdout.contains("Examples:"),
            "{args:?}:\n{}",
            out.stdout
        );
        assert!(
            out.stdout.contains("Exit status:"),
            "{args:?}:\n{}",
            out.stdout
        );
        assert_eq!(out.stderr, "", "{args:?}");
    }
    let out = dir.corsica(["policy", "eval", "--help"]).run();
    for flag in [
        "-X, --request <METHOD>",
        "-H, --header <HEADER>",
        "--path <PATH>",
        "--scheme <SCHEME>",
        "--json",
        "--format <FORMAT>",
    ] {
        assert!(out.stdout.contains(flag), "{flag}:\n{}", out.stdout);
    }
    let out = dir.corsica(["-h"]).run().code(0);
    assert!(out.stdout.contains("policy"), "{}", out.stdout);
}

#[test]
fn version() {
    let out = TestDir::new().corsica(["--version"]).run().code(0);
    assert_eq!(
        out.stdout,
        format!("corsica {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn usage_errors_exit_2_with_a_corsica_error() {
    let dir = TestDir::new();
    let cases: &[(&[&str], &str)] = &[
        (&[], "a subcommand is needed"),
        (&["policy"], "a subcommand is needed"),
        (&["polcy"], "unrecognized subcommand 'polcy'"),
        (
            &["policy", "lint"],
            "the following required arguments were not provided",
        ),
        (
            &["policy", "lint", "a.toml", "--bogus"],
            "unexpected argument '--bogus'",
        ),
        (
            &["policy", "eval", "a.toml", "-H"],
            "a value is required for '--header <HEADER>'",
        ),
    ];
    for (args, needle) in cases {
        dir.corsica(*args).run().usage_error(needle);
    }
}

#[test]
fn colour_only_when_forced_and_never_with_no_color() {
    let dir = TestDir::new();
    let broken = example_path("broken.toml");
    // Output to a pipe has no colour.
    let plain = dir.corsica(["policy", "lint"]).arg(&broken).run().code(1);
    assert!(!plain.stdout.contains('\u{1b}'), "{}", plain.stdout);
    // CLICOLOR_FORCE stands in for a terminal.
    let forced = dir
        .corsica(["policy", "lint"])
        .arg(&broken)
        .env("CLICOLOR_FORCE", "1")
        .run()
        .code(1);
    assert!(forced.stdout.contains("\u{1b}["), "{}", forced.stdout);
    // NO_COLOR wins.
    let no_color = dir
        .corsica(["policy", "lint"])
        .arg(&broken)
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .run()
        .code(1);
    assert_eq!(no_color.stdout, plain.stdout);

    let forced = dir
        .corsica(["policy", "lint", "missing.toml"])
        .env("CLICOLOR_FORCE", "1")
        .run()
        .code(2);
    assert!(forced.stderr.contains('\u{1b}'), "{}", forced.stderr);
    let no_color = dir
        .corsica(["policy", "lint", "missing.toml"])
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .run();
    no_color.usage_error("cannot open policy file");

    let example = example_path("example.toml");
    let forced = dir
        .corsica(["policy", "eval", "-H", "Origin: https://app.example.com"])
        .arg(&example)
        .env("CLICOLOR_FORCE", "1")
        .run();
    assert!(forced.stdout.contains('\u{1b}'), "{}", forced.stdout);
    let no_color = dir
        .corsica(["policy", "eval", "-H", "Origin: https://app.example.com"])
        .arg(&example)
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .run()
        .code(0);
    assert!(!no_color.stdout.contains('\u{1b}'), "{}", no_color.stdout);

    // JSON is never coloured.
    let json = dir
        .corsica(["policy", "lint", "--json"])
        .arg(&broken)
        .env("CLICOLOR_FORCE", "1")
        .run()
        .code(1);
    assert!(!json.stdout.contains('\u{1b}'), "{}", json.stdout);
    let help = dir
        .corsica(["--help"])
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .run()
        .code(0);
    assert!(!help.stdout.contains('\u{1b}'), "{}", help.stdout);
}

#[test]
fn user_text_cannot_drive_the_terminal() {
    let dir = TestDir::new();
    // TOML's own escape puts a real ESC into the value.
    dir.write("p.toml", "origins = [\"https://a.example\\u001b[2J\"]\n");
    let out = dir.corsica(["policy", "lint", "p.toml"]).run().code(1);
    assert!(!out.stdout.contains('\u{1b}'), "{}", out.stdout);
    assert!(out.stdout.contains("\\u{1b}[2J"), "{}", out.stdout);
}

#[test]
fn a_closed_stdout_exits_0_quietly() {
    let dir = TestDir::new();
    // Far more than a pipe holds, so the writer meets the closed pipe whatever the timing.
    let methods: Vec<String> = (0..5000)
        .map(|i| format!("\"BAD METHOD NUMBER {i}\""))
        .collect();
    dir.write(
        "big.toml",
        format!(
            "origins = [\"https://a.example\"]\nmethods = [{}]\n",
            methods.join(",")
        ),
    );
    for args in [
        vec!["policy", "lint", "big.toml"],
        vec!["policy", "lint", "big.toml", "--json"],
        vec!["--help"],
        vec!["policy", "eval", "--help"],
    ] {
        let (code, stderr) = dir.corsica(&args).run_with_closed_stdout();
        assert_eq!((code, stderr.as_str()), (0, ""), "{args:?}");
    }
    let (code, stderr) = dir
        .corsica(["policy", "eval", "-H", "Origin: https://app.example.com"])
        .arg(example_path("example.toml"))
        .run_with_closed_stdout();
    assert_eq!((code, stderr.as_str()), (0, ""));
}

/// `policy eval p.toml`, before an option and its value.
const EVAL: [&str; 3] = ["policy", "eval", "p.toml"];

#[test]
fn garbage_arguments_never_panic() {
    let dir = TestDir::new();
    dir.write("p.toml", "origins = [\"https://a.example\"]\n");
    let long = "x".repeat(100_000);
    let cases: Vec<Vec<&str>> = [
        &["-"][..],
        &["--"],
        &["policy", "--", "lint"],
        &["policy", "lint", ""],
        &["policy", "lint", "-", "-"],
        &["policy", "lint", "p.toml", "--format", ""],
        &["policy", "lint", "\u{1b}[31m.toml"],
    ]
    .into_iter()
    .map(<[&str]>::to_vec)
    .chain(
        [
            ("-H", ""),
            ("-H", "@"),
            ("-H", ":"),
            ("-H", "\u{7f}:\u{1}"),
            ("-H", &long),
            ("-X", &long),
            ("--path", &long),
            ("-X", "ÜBER"),
            ("--path", "/\u{202e}"),
            ("-H", "X: \u{1b}]0;title\u{7}"),
            ("--scheme", "HTTPS"),
        ]
        .into_iter()
        .map(|(option, value)| [&EVAL[..], &[option, value]].concat()),
    )
    .collect();
    assert_eq!(cases.len(), 18);
    for args in cases {
        let out = dir.corsica(&args).run();
        assert!([0, 1, 2].contains(&out.code), "{args:?}: {out:?}");
        if out.code == 2 {
            assert!(
                out.stderr.starts_with("corsica: error: "),
                "{args:?}: {}",
                out.stderr
            );
        }
        assert!(
            !out.stderr.contains('\u{1b}'),
            "{args:?}: control characters reach the terminal: {:?}",
            out.stderr
        );
    }
}

#[cfg(unix)]
#[test]
fn arguments_that_are_not_utf8_never_panic() {
    use std::os::unix::ffi::OsStringExt;
    let dir = TestDir::new();
    dir.write("p.toml", "origins = [\"https://a.example\"]\n");
    const BAD: &[u8] = b"\xff\xfex";
    // The words before it, then the one argument that is not UTF-8.
    let cases: &[(&[&str], &[u8])] = &[
        (&[], BAD),
        (&["policy"], BAD),
        (&["policy", "lint"], BAD),
        (&["policy", "lint"], b"\xff.toml"),
        (&["policy", "eval", "p.toml", "-X"], BAD),
        (&["policy", "eval", "p.toml", "--path"], BAD),
        (&["policy", "eval", "p.toml", "-H"], BAD),
        (&["policy", "eval", "p.toml", "-H"], b"\xff: x"),
        (&["policy", "eval", "p.toml", "-H"], b"@\xff"),
    ];
    for (words, bad) in cases {
        let mut args: Vec<OsString> = words.iter().map(OsString::from).collect();
        args.push(OsString::from_vec(bad.to_vec()));
        let out = dir.corsica(&args).run();
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(
            out.stderr.starts_with("corsica: error: "),
            "{args:?}: {}",
            out.stderr
        );
    }
}
