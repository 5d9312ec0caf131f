//! IP address spaces, as Private Network Access and Local Network Access name them.

use std::fmt;
use std::str::FromStr;

use super::error::UnknownName;

/// An IP address space, as Private Network Access names them (WICG Private Network Access, "IP address space"): `local` is loopback,
/// `private` the private ranges, `public` everything else.
///
/// Local Network Access, which replaced PNA in Chrome, renamed them: PNA `local` is LNA
/// `loopback` and PNA `private` is LNA `local`. Messages of the LNA-era kinds use the new words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressSpace {
    /// Loopback (`127.0.0.0/8`, `::1`): PNA `local`, LNA `loopback`.
    Local,
    /// Private ranges (`10/8`, `172.16/12`, `192.168/16`, `fc00::/7`, …): PNA `private`, LNA
    /// `local`.
    Private,
    /// Everything else.
    Public,
    /// Not known.
    Unknown,
}

impl AddressSpace {
    /// The PNA-era word: `local`, `private`, `public` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressSpace::Local => "local",
            AddressSpace::Private => "private",
            AddressSpace::Public => "public",
            AddressSpace::Unknown => "unknown",
        }
    }

    /// The LNA-era word: `loopback`, `local`, `public` or `unknown`.
    pub fn as_lna_str(self) -> &'static str {
        match self {
            AddressSpace::Local => "loopback",
            AddressSpace::Private => "local",
            AddressSpace::Public => "public",
            AddressSpace::Unknown => "unknown",
        }
    }
}

impl fmt::Display for AddressSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AddressSpace {
    type Err = UnknownName;

    /// Accepts the PNA words (`local`, `private`, `public`, `unknown`) and `loopback`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "local" | "loopback" => Ok(AddressSpace::Local),
            "private" => Ok(AddressSpace::Private),
            "public" => Ok(AddressSpace::Public),
            "unknown" => Ok(AddressSpace::Unknown),
            _ => Err(UnknownName(s.to_string())),
        }
    }
}
