//! The proxy on loopback: real upstream servers, real clients, real connections.
//!
//! - `server_vectors`: every `vectors/server` case through the proxy over HTTP;
//! - `faults`: the upstream refusing, down, restarted, slow; a graceful stop;
//! - `limits`: header and body sizes, malformed requests, slow clients;
//! - `integrity`: bodies of 0 B to 8 MiB, chunked and fixed-length, both ways;
//! - `reload`: policies swapped under a steady load, bad files refused;
//! - `upgrade`: WebSocket upgrades through, disallowed origins refused;
//! - `tls`: TLS toward clients, HTTP/1.1 and HTTP/2 by ALPN;
//! - `hostile`: oversized, non-UTF-8 and repeated CORS headers refused, the next request served;
//! - `soak`: load with faults, slow clients, oversized heads and reloads at once, nothing lost.

mod faults;
mod hostile;
mod integrity;
mod limits;
mod reload;
mod server_vectors;
mod soak;
mod support;
mod tls;
mod upgrade;

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let mut trials = server_vectors::trials();
    trials.extend(faults::trials());
    trials.extend(limits::trials());
    trials.extend(integrity::trials());
    trials.extend(reload::trials());
    trials.extend(upgrade::trials());
    trials.extend(tls::trials());
    trials.extend(soak::trials());
    trials.extend(hostile::trials());
    libtest_mimic::run(&args, trials).exit();
}
