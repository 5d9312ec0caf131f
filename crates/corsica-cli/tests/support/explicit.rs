//! The explicit scenarios every differential suite runs besides the generated ones: redirects,
//! several refused request headers, and header bytes on the wire.

use super::scenarios::{Canned, Scenario, Srv, Stop, Urls};

/// A preflight response that lets anything through (for `origin`).
fn open_preflight(origin: &str) -> Canned {
    Canned::new(204)
        .h("Access-Control-Allow-Origin", origin)
        .h("Access-Control-Allow-Credentials", "true")
        .h(
            "Access-Control-Allow-Methods",
            "GET, POST, PUT, DELETE, PATCH",
        )
        .h("Access-Control-Allow-Headers", "content-type, x-api-key")
}

fn acao_for(kind: &str, page: &str) -> Option<String> {
    match kind {
        "exact" => Some(page.to_string()),
        "star" => Some("*".to_string()),
        "null" => Some("null".to_string()),
        _ => None,
    }
}

/// Redirect scenarios: every redirect status, to the same origin, a third origin and the page's
/// own origin, with the CORS headers on the hop and at the end varied; userinfo in Location;
/// preflights before and after; too many redirects; bad locations.
pub(crate) fn redirects(first_id: usize, urls: &Urls) -> Vec<Scenario> {
    let page = urls.page.clone();
    let mut out = Vec::new();
    let mut next_id = first_id;
    let mut push = |out: &mut Vec<Scenario>,
                    title: String,
                    method: &str,
                    headers: Vec<(String, String)>,
                    credentials: Option<&'static str>,
                    body: Option<String>,
                    stops: Vec<Stop>| {
        out.push(Scenario {
            id: next_id,
            title,
            method: method.to_string(),
            headers,
            credentials,
            body,
            stops,
        });
        next_id += 1;
    };
    let location = |id: usize, srv: Srv, stop: usize| urls.url(srv, &format!("/s/{id}/{stop}"));
    for code in [301u16, 302, 303, 307, 308] {
        for target in [Srv::Api, Srv::Third, Srv::Page] {
            for hop in ["exact", "star", "none"] {
                for end in ["exact", "star", "null"] {
                    let id = first_id + out.len();
                    let mut first = Canned::new(code).h("Location", location(id, target, 1));
                    if let Some(v) = acao_for(hop, &page) {
                        first = first.h("Access-Control-Allow-Origin", v);
                    }
                    let mut last = Canned::new(200).h("Content-Type", "text/plain");
                    if let Some(v) = acao_for(end, &page) {
                        last = last.h("Access-Control-Allow-Origin", v);
                    }
                    push(
                        &mut out,
                        format!("redirect {code} Api→{target:?} hop ACAO {hop}, final ACAO {end}"),
                        "GET",
                        Vec::new(),
                        None,
                        None,
                        vec![
                            Stop {
                                server: Srv::Api,
                                preflight: open_preflight(&page),
                                actual: first,
                            },
                            Stop {
                                server: target,
                                preflight: open_preflight(&page),
                                actual: last,
                            },
                        ],
                    );
                }
            }
        }
        // A POST with a body: 301/302/303 turn it into a GET, 307/308 keep it.
        for target in [Srv::Api, Srv::Third] {
            let id = first_id + out.len();
            push(
                &mut out,
                format!("redirect {code} of a POST Api→{target:?}"),
                "POST",
                vec![("Content-Type".into(), "text/plain".into())],
                None,
                Some("data".into()),
                vec![
                    Stop {
                        server: Srv::Api,
                        preflight: open_preflight(&page),
                        actual: Canned::new(code)
                            .h("Location", location(id, target, 1))
                            .h("Access-Control-Allow-Origin", "*"),
                    },
                    Stop {
                        server: target,
                        preflight: open_preflight("*"),
                        actual: Canned::new(200).h("Access-Control-Allow-Origin", "*"),
                    },
                ],
            );
        }
        // A preflighted PUT with a header: a new preflight at the new URL, from a tainted
        // origin when the redirect goes to a third origin.
        for (target, second_origin, title) in [
            (
                Srv::Api,
                page.as_str(),
                "same origin, preflight allows the page",
            ),
            (Srv::Third, "null", "third origin, preflight allows null"),
            (
                Srv::Third,
                page.as_str(),
                "third origin, preflight allows only the page",
            ),
            (Srv::Third, "*", "third origin, preflight allows *"),
        ] {
            let id = first_id + out.len();
            let second = Canned::new(204)
                .h("Access-Control-Allow-Origin", second_origin)
                .h("Access-Control-Allow-Methods", "PUT")
                .h("Access-Control-Allow-Headers", "x-api-key");
            push(
                &mut out,
                format!("redirect {code} of a preflighted PUT Api→{target:?}: {title}"),
                "PUT",
                vec![("X-Api-Key".into(), "k".into())],
                None,
                None,
                vec![
                    Stop {
                        server: Srv::Api,
                        preflight: Canned::new(204)
                            .h("Access-Control-Allow-Origin", page.as_str())
                            .h("Access-Control-Allow-Methods", "PUT")
                            .h("Access-Control-Allow-Headers", "x-api-key"),
                        actual: Canned::new(code)
                            .h("Location", location(id, target, 1))
                            .h("Access-Control-Allow-Origin", page.as_str()),
                    },
                    Stop {
                        server: target,
                        preflight: second,
                        actual: Canned::new(200).h("Access-Control-Allow-Origin", "*"),
                    },
                ],
            );
        }
        // The preflight itself redirected.
        let id = first_id + out.len();
        push(
            &mut out,
            format!("preflight answered with {code}"),
            "DELETE",
            Vec::new(),
            None,
            None,
            vec![Stop {
                server: Srv::Api,
                preflight: Canned::new(code)
                    .h("Location", location(id, Srv::Api, 0))
                    .h("Access-Control-Allow-Origin", "*")
                    .h("Access-Control-Allow-Methods", "DELETE"),
                actual: Canned::new(200).h("Access-Control-Allow-Origin", "*"),
            }],
        );
    }
    // Userinfo in Location.
    for userinfo in ["user:pass@", "user:@", ":pass@", ":@", "@"] {
        for target in [Srv::Api, Srv::Third, Srv::Page] {
            let id = first_id + out.len();
            let url = location(id, target, 1).replacen("http://", &format!("http://{userinfo}"), 1);
            push(
                &mut out,
                format!("redirect to a Location with userinfo {userinfo:?} Api→{target:?}"),
                "GET",
                Vec::new(),
                None,
                None,
                vec![
                    Stop {
                        server: Srv::Api,
                        preflight: open_preflight(&page),
                        actual: Canned::new(302)
                            .h("Location", url)
                            .h("Access-Control-Allow-Origin", "*"),
                    },
                    Stop {
                        server: target,
                        preflight: open_preflight(&page),
                        actual: Canned::new(200).h("Access-Control-Allow-Origin", "*"),
                    },
                ],
            );
        }
    }
    // Starting on the page's own origin, then cross-origin: not tainted, so the API must echo
    // the page's origin; and Api → Page → Api.
    for end in ["exact", "star", "null", "none"] {
        let id = first_id + out.len();
        let mut last = Canned::new(200);
        if let Some(v) = acao_for(end, &page) {
            last = last.h("Access-Control-Allow-Origin", v);
        }
        push(
            &mut out,
            format!("redirect Page→Api, final ACAO {end}"),
            "GET",
            Vec::new(),
            Some("include"),
            None,
            vec![
                Stop {
                    server: Srv::Page,
                    preflight: open_preflight(&page),
                    actual: Canned::new(302).h("Location", location(id, Srv::Api, 1)),
                },
                Stop {
                    server: Srv::Api,
                    preflight: open_preflight(&page),
                    actual: last.h("Access-Control-Allow-Credentials", "true"),
                },
            ],
        );
        let id = first_id + out.len();
        let mut last = Canned::new(200);
        if let Some(v) = acao_for(end, &page) {
            last = last.h("Access-Control-Allow-Origin", v);
        }
        push(
            &mut out,
            format!("redirect Api→Page→Api, final ACAO {end}"),
            "GET",
            Vec::new(),
            None,
            None,
            vec![
                Stop {
                    server: Srv::Api,
                    preflight: open_preflight(&page),
                    actual: Canned::new(307)
                        .h("Location", location(id, Srv::Page, 1))
                        .h("Access-Control-Allow-Origin", "*"),
                },
                Stop {
                    server: Srv::Page,
                    preflight: open_preflight(&page),
                    actual: Canned::new(307)
                        .h("Location", location(id, Srv::Api, 2))
                        .h("Access-Control-Allow-Origin", "*"),
                },
                Stop {
                    server: Srv::Api,
                    preflight: open_preflight(&page),
                    actual: last,
                },
            ],
        );
    }
    // Relative Location, 301 without Location, too many redirects, bad locations.
    let id = first_id + out.len();
    push(
        &mut out,
        "redirect with a relative Location".into(),
        "GET",
        Vec::new(),
        None,
        None,
        vec![
            Stop {
                server: Srv::Api,
                preflight: open_preflight(&page),
                actual: Canned::new(302)
                    .h("Location", format!("/s/{id}/1"))
                    .h("Access-Control-Allow-Origin", "*"),
            },
            Stop {
                server: Srv::Api,
                preflight: open_preflight(&page),
                actual: Canned::new(200).h("Access-Control-Allow-Origin", page.as_str()),
            },
        ],
    );
    push(
        &mut out,
        "301 without Location is the final response".into(),
        "GET",
        Vec::new(),
        None,
        None,
        vec![Stop {
            server: Srv::Api,
            preflight: open_preflight(&page),
            actual: Canned::new(301).h("Access-Control-Allow-Origin", "*"),
        }],
    );
    for hops in [20usize, 21] {
        let id = first_id + out.len();
        let mut stops = Vec::new();
        for i in 0..hops {
            stops.push(Stop {
                server: Srv::Api,
                preflight: open_preflight(&page),
                actual: Canned::new(302)
                    .h("Location", location(id, Srv::Api, i + 1))
                    .h("Access-Control-Allow-Origin", "*"),
            });
        }
        stops.push(Stop {
            server: Srv::Api,
            preflight: open_preflight(&page),
            actual: Canned::new(200).h("Access-Control-Allow-Origin", "*"),
        });
        push(
            &mut out,
            format!("{hops} redirects"),
            "GET",
            Vec::new(),
            None,
            None,
            stops,
        );
    }
    for (title, loc, acao) in [
        ("redirect to ftp:", "ftp://127.0.0.1/x", "*"),
        ("redirect to data:", "data:text/plain,hi", "*"),
        ("redirect to an invalid URL", "http://[bad/", "*"),
        ("redirect to ftp: without ACAO", "ftp://127.0.0.1/x", ""),
    ] {
        let mut first = Canned::new(302).h("Location", loc);
        if !acao.is_empty() {
            first = first.h("Access-Control-Allow-Origin", acao);
        }
        push(
            &mut out,
            title.into(),
            "GET",
            Vec::new(),
            None,
            None,
            vec![Stop {
                server: Srv::Api,
                preflight: open_preflight(&page),
                actual: first,
            }],
        );
    }
    out
}

/// What the HTTP/1 parser keeps: SP and HT around values are stripped, VT, FF and bytes above
/// 0x7F are not; obs-folded lines are joined; a name with spaces before the colon is trimmed.
/// The stub writes these bytes exactly.
pub(crate) fn wire_bytes(first_id: usize, urls: &Urls) -> Vec<Scenario> {
    let page = urls.page.clone();
    let (host_port, port) = page
        .trim_start_matches("http://")
        .rsplit_once(':')
        .map_or((String::new(), String::new()), |(h, p)| {
            (format!("http://{h}:"), p.to_string())
        });
    let acao = |v: Vec<u8>| Canned::new(200).h("Access-Control-Allow-Origin", v);
    let cases: Vec<(&str, Option<&'static str>, Canned)> = vec![
        (
            "ACAO VT before",
            None,
            acao(format!("\x0b{page}").into_bytes()),
        ),
        (
            "ACAO FF after",
            None,
            acao(format!("{page}\x0c").into_bytes()),
        ),
        ("ACAO VT star", None, acao(b"*\x0b".to_vec())),
        ("ACAO FF star", None, acao(b"\x0c*".to_vec())),
        (
            "ACAO tabs and spaces",
            None,
            acao(format!(" \t {page} \t ").into_bytes()),
        ),
        (
            "ACAO byte 0xff",
            None,
            acao([page.as_bytes(), b"\xff"].concat()),
        ),
        (
            "ACAO UTF-8 e-acute",
            None,
            acao(format!("{page}\u{e9}").into_bytes()),
        ),
        (
            "ACAO obs-fold empty continuation",
            None,
            acao(format!("{page}\r\n   ").into_bytes()),
        ),
        (
            "ACAO obs-fold splits the value",
            None,
            acao(format!("{host_port}\r\n {port}").into_bytes()),
        ),
        (
            "ACAO name with a space before the colon",
            None,
            Canned::new(200).h("Access-Control-Allow-Origin ", page.clone()),
        ),
        (
            "ACAO after a line without a colon",
            None,
            Canned::new(200)
                .h("X-A", b"1\r\nno colon here".to_vec())
                .h("Access-Control-Allow-Origin", page.clone()),
        ),
        (
            "ACAO empty then star",
            None,
            Canned::new(200)
                .h("Access-Control-Allow-Origin", "")
                .h("Access-Control-Allow-Origin", "*"),
        ),
        (
            "ACAC VT with credentials",
            Some("include"),
            acao(page.clone().into_bytes())
                .h("Access-Control-Allow-Credentials", b"true\x0b".to_vec()),
        ),
        (
            "ACAC lower and upper-case names",
            Some("include"),
            acao(page.clone().into_bytes())
                .h("access-control-allow-credentials", "true")
                .h("ACCESS-CONTROL-ALLOW-CREDENTIALS", "true"),
        ),
        (
            "Expose-Headers VT element",
            None,
            acao(b"*".to_vec())
                .h("Access-Control-Expose-Headers", b"x-a\x0b".to_vec())
                .h("X-A", "1"),
        ),
        (
            "Expose-Headers folded",
            None,
            acao(b"*".to_vec())
                .h("Access-Control-Expose-Headers", b"x-a,\r\n x-b".to_vec())
                .h("X-A", "1")
                .h("X-B", "2"),
        ),
    ];
    cases
        .into_iter()
        .enumerate()
        .map(|(i, (title, credentials, actual))| Scenario {
            id: first_id + i,
            title: format!("wire bytes: {title}"),
            method: "GET".into(),
            headers: Vec::new(),
            credentials,
            body: None,
            stops: vec![Stop {
                server: Srv::Api,
                preflight: open_preflight(&page),
                actual,
            }],
        })
        .collect()
}

/// Several refused request headers: which one Chromium names (its `failed_parameter`).
pub(crate) fn header_order(first_id: usize, urls: &Urls) -> Vec<Scenario> {
    let page = urls.page.as_str();
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[("X-Zeta", "1"), ("X-Alpha", "1")], ""),
        (
            &[("X-Beta", "1"), ("X-Gamma", "1"), ("X-Alpha", "1")],
            "x-beta",
        ),
        (&[("x-b", "1"), ("X-A", "1")], "x-c"),
        (
            &[("X-Api-Key", "1"), ("Content-Type", "application/json")],
            "x-other",
        ),
        (
            &[
                ("X-Api-Key", "1"),
                ("Authorization", "t"),
                ("Accept", "a\"b"),
            ],
            "accept",
        ),
    ];
    cases
        .iter()
        .enumerate()
        .map(|(i, (headers, acah))| Scenario {
            id: first_id + i,
            title: format!("header order {i}: several refused headers"),
            method: "GET".into(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            credentials: None,
            body: None,
            stops: vec![Stop {
                server: Srv::Api,
                preflight: Canned::new(204)
                    .h("Access-Control-Allow-Origin", page)
                    .h("Access-Control-Allow-Headers", *acah),
                actual: Canned::new(200).h("Access-Control-Allow-Origin", page),
            }],
        })
        .collect()
}
