//! Identifiers shaped like Graph's: GUIDs (random, or derived from a name so the demo tenant is
//! the same on every start), Teams thread ids and message ids.

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

fn guid_from(bytes: &[u8]) -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(&bytes[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The system RNG does not fail on supported platforms; a zeroed id would still be unique
    // enough to keep a sandbox running.
    let _ = SystemRandom::new().fill(&mut bytes);
    bytes
}

pub fn random_guid() -> String {
    guid_from(&random_bytes::<16>())
}

/// A GUID that is always the same for the same `name`.
pub fn stable_guid(name: &str) -> String {
    guid_from(digest(&SHA256, name.as_bytes()).as_ref())
}

pub fn random_token(bytes: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; bytes];
    let _ = SystemRandom::new().fill(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// A hosted content id: opaque base64, as Graph's are.
pub fn hosted_content_id() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .encode(format!("id=x_0-wus-d1-{},type=1", random_token(12)))
}

/// A group chat or meeting thread id: `19:<hex>@thread.v2`.
pub fn chat_thread_id(name: &str) -> String {
    format!("19:{}@thread.v2", stable_guid(name).replace('-', ""))
}

/// A channel id: `19:<hex>@thread.tacv2`.
pub fn channel_id(name: &str) -> String {
    format!("19:{}@thread.tacv2", stable_guid(name).replace('-', ""))
}

/// A one-on-one chat id: both user ids, in a fixed order.
pub fn one_on_one_chat_id(a: &str, b: &str) -> String {
    let (first, second) = if a <= b { (a, b) } else { (b, a) };
    format!("19:{first}_{second}@unq.gbl.spaces")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_well_formed_version_4() {
        for guid in [random_guid(), stable_guid("ada")] {
            assert_eq!(guid.len(), 36);
            assert_eq!(&guid[14..15], "4");
            assert!(matches!(&guid[19..20], "8" | "9" | "a" | "b"));
        }
        assert_eq!(stable_guid("ada"), stable_guid("ada"));
        assert_ne!(stable_guid("ada"), stable_guid("ben"));
    }
}
