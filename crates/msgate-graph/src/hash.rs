//! QuickXorHash, the content hash OneDrive for Business and SharePoint give every file in
//! `file.hashes.quickXorHash`: the one hash msgate can compare a transfer against without
//! downloading the file again.
//!
//! Each byte is XORed into a 160-bit circular register, eleven bits along from the byte before;
//! at the end the length (64 bits, little-endian) is XORed into the register's last eight bytes,
//! which are written out in base64
//! (https://learn.microsoft.com/onedrive/developer/code-snippets/quickxorhash). The hash is fed in
//! pieces, in order, so a transfer can hash what it sends or receives as it goes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

const WIDTH_BYTES: usize = 20;
const WIDTH_BITS: u64 = 160;
const SHIFT: u64 = 11;

/// A QuickXorHash being computed.
#[derive(Debug, Clone, Default)]
pub struct QuickXor {
    register: [u8; WIDTH_BYTES],
    length: u64,
}

impl QuickXor {
    pub fn new() -> Self {
        QuickXor::default()
    }

    /// Adds the next bytes of the content.
    pub fn update(&mut self, data: &[u8]) {
        // The bit the next byte starts at: (index * 11) mod 160, kept as a running position.
        let mut bit = ((self.length % WIDTH_BITS) * SHIFT % WIDTH_BITS) as usize;
        for byte in data {
            let spread = u16::from(*byte) << (bit % 8);
            let cell = bit / 8;
            self.register[cell] ^= spread as u8;
            self.register[(cell + 1) % WIDTH_BYTES] ^= (spread >> 8) as u8;
            bit += SHIFT as usize;
            if bit >= WIDTH_BITS as usize {
                bit -= WIDTH_BITS as usize;
            }
        }
        self.length += data.len() as u64;
    }

    /// How many bytes have been added.
    pub fn len(&self) -> u64 {
        self.length
    }

    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// The hash in base64, as Graph writes it.
    pub fn finish(&self) -> String {
        let mut register = self.register;
        let tail = WIDTH_BYTES - 8;
        for (slot, byte) in register[tail..].iter_mut().zip(self.length.to_le_bytes()) {
            *slot ^= byte;
        }
        STANDARD.encode(register)
    }
}

/// The hash of `data` in one piece.
pub fn quick_xor(data: &[u8]) -> String {
    let mut hash = QuickXor::new();
    hash.update(data);
    hash.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The register built bit by bit, the way the algorithm is described: byte i starts at bit
    /// (11 i) mod 160, bits numbered little-endian through the register's bytes.
    fn by_definition(data: &[u8]) -> String {
        let mut bits = [false; 160];
        for (i, byte) in data.iter().enumerate() {
            let start = (i * 11) % 160;
            for b in 0..8 {
                if byte >> b & 1 == 1 {
                    let at = (start + b) % 160;
                    bits[at] = !bits[at];
                }
            }
        }
        let mut register = [0u8; 20];
        for (at, set) in bits.iter().enumerate() {
            if *set {
                register[at / 8] |= 1 << (at % 8);
            }
        }
        for (slot, byte) in register[12..]
            .iter_mut()
            .zip((data.len() as u64).to_le_bytes())
        {
            *slot ^= byte;
        }
        STANDARD.encode(register)
    }

    #[test]
    fn the_hash_follows_the_definition_whatever_the_pieces() {
        assert_eq!(quick_xor(b""), "AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        let data: Vec<u8> = (0..1000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for len in [1, 7, 19, 20, 21, 159, 160, 161, 999, 1000] {
            assert_eq!(
                quick_xor(&data[..len]),
                by_definition(&data[..len]),
                "{len}"
            );
        }
        let mut pieces = QuickXor::new();
        for chunk in data.chunks(37) {
            pieces.update(chunk);
        }
        assert_eq!(pieces.len(), 1000);
        assert_eq!(pieces.finish(), quick_xor(&data));
    }
}
