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
    dir.corsica(Vec::<&str>::new())
        .run()
        .usage_error("a subcommand is needed");
    dir.corsica(["policy"])
        .run()
        .usage_error("a subcommand is needed");
    dir.corsica(["polcy"])
        .run()
        .usage_error("unrecognized subcommand 'polcy'");
    dir.corsica(["policy", "lint"])
        .run()
        .usage_error("the following required arguments were not provided");
    dir.corsica(["policy", "lint", "a.toml", "--bogus"])
        .run()
        .usage_error("unexpected argument '--bogus'");
    dir.corsica(["policy", "eval", "a.toml", "-H"])
        .run()
        .usage_error("a value is required for '--header <HEADER>'");
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

#[test]
fn garbage_arguments_never_panic() {
    let dir = TestDir::new();
    dir.write("p.toml", "origins = [\"https://a.example\"]\n");
    let long = "x".repeat(100_000);
    let cases: Vec<Vec<OsString>> = vec![
        vec!["-".into()],
        vec!["--".into()],
        vec!["policy".into(), "--".into(), "lint".into()],
        vec!["policy".into(), "lint".into(), "".into()],
        vec!["policy".into(), "lint".into(), "-".into(), "-".into()],
        vec![
            "policy".into(),
            "eval".into(),
            "p.toml".into(),
            "-H".into(),
            "".into(),
        ],
        vec![
            "policy".into(),
            "eval".into(),
            "p.toml".into(),
            "-H".into(),
            "@".into(),
        ],
        vec![
            "policy".into(),
            "eval".into(),
            "p.toml".into(),
            "-H".into(),
            ":".into(),
        ],
        vec![
            "policy".into(),
            "eval".into(),
            "p.toml".into(),
            "-H".into(),
            "\u{7f}:\u{1}".into(),
        ],
        vec![
            "policy".into(),
            "eval".into(),
            "p.toml".into(),
            "-H".into(),
            long.clone().into(),
        ],
        vec![
            "policy".into(),
            "eval".into(),
            "p.toml".into(),
            "-X".into(),
            long.clone().into(),
        ],
        vec![
            "policy".into(),
            "eval".into(),
            "p.toml".into(),
            "--path".into(),
            long.into(),
        ],
        vec![
            "policy".into(),
            "eval".into(),
            "p.toml".into(),
            "-X".into(),
            "ÜBER".into(),
        ],
        vec![
            "policy".into(),
            "eval".into(),
            "p.toml".into(),
            "--path".into(),
            "/\u{202e}".into(),
        ],
        vec![
            "policy".into(),
            "eval".into(),
            "p.toml".into(),
            "-H".into(),
            "X: \u{1b}]0;title\u{7}".into(),
        ],
        vec![
            "policy".into(),
            "lint".into(),
            "p.toml".into(),
            "--format".into(),
            "".into(),
        ],
        vec![
            "policy".into(),
            "eval".into(),
            "p.toml".into(),
            "--scheme".into(),
            "HTTPS".into(),
        ],
        vec!["policy".into(), "lint".into(), "\u{1b}[31m.toml".into()],
    ];
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
    let bad = || OsString::from_vec(vec![b'\xff', b'\xfe', b'x']);
    let cases: Vec<Vec<OsString>> = vec![
        vec![bad()],
        vec!["policy".into(), bad()],
        vec!["policy".into(), "lint".into(), bad()],
        vec![
            "policy".into(),
            "lint".into(),
            OsString::from_vec(b"\xff.toml".to_vec()),
        ],
        vec![
            "policy".into(),
            "eval".into(),
            "p.toml".into(),
            "-X".into(),
            bad(),
        ],
        vec![
            "policy".into(),
            "eval".into(),
            "p.toml".into(),
            "--path".into(),
            bad(),
        ],
        vec![
            "policy".into(),
            "eval".into(),
            "p.toml".into(),
            "-H".into(),
            bad(),
        ],
        vec![
            "policy".into(),
            "eval".into(),
            "p.toml".into(),
            "-H".into(),
            OsString::from_vec(b"\xff: x".to_vec()),
        ],
        vec![
            "policy".into(),
            "eval".into(),
            "p.toml".into(),
            "-H".into(),
            OsString::from_vec(b"@\xff".to_vec()),
        ],
    ];
    for args in cases {
        let out = dir.corsica(&args).run();
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(
            out.stderr.starts_with("corsica: error: "),
            "{args:?}: {}",
            out.stderr
        );
    }
}
