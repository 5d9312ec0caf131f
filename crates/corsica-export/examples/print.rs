//! Prints the nginx export of a policy given as JSON on the command line (development aid).
fn main() {
    let json = std::env::args().nth(1).expect("a policy as JSON");
    let config: corsica::PolicyConfig = serde_json::from_str(&json).expect("policy JSON");
    let policy = config.compile().expect("a valid policy");
    let o = corsica_export::Options::new(
        "http://127.0.0.1:9000",
        "127.0.0.1:18080",
        "cors.json",
        "00",
    );
    match corsica_export::export(corsica_export::Server::Nginx, &policy, &o) {
        Ok(text) => print!("{text}"),
        Err(e) => eprintln!("{e}"),
    }
}
