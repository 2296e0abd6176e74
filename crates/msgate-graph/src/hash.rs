//! QuickXorHash, the content hash OneDrive for Business and SharePoint give every file in
//! `file.hashes.quickXorHash`: the one hash msgate can compare a transfer against without
//! downloading the file again.
//!
//! Each byte is XORed into a 160-bit circular register, eleven bits along from the byte before;
//! at the end the length (64 bits, little-endian) is XORed into the register's last eight bytes,
//! which are written out in base64
//! (https://learn.microsoft.com/onedrive/developer/code-snippets/quickxorhash). The hash is fed in
//! pieces, in order, so a transfer can hash what it sends or receives as it goes; it is cheap
//! enough (a fold of the content into 160 bytes) to run on every transfer.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

const WIDTH_BYTES: usize = 20;
const WIDTH_BITS: usize = WIDTH_BYTES * 8;
const SHIFT: usize = 11;
/// Bytes 160 apart start at the same bit (160 × 11 is a multiple of 160), and XOR does not care
/// about order: the content is first folded into 160 bytes, eight at a time, and only those are
/// spread into the register.
const PERIOD: usize = 160;

/// A QuickXorHash being computed.
#[derive(Debug, Clone)]
pub struct QuickXor {
    fold: [u8; PERIOD],
    length: u64,
}

impl Default for QuickXor {
    fn default() -> Self {
        QuickXor {
            fold: [0; PERIOD],
            length: 0,
        }
    }
}

impl QuickXor {
    pub fn new() -> Self {
        QuickXor::default()
    }

    /// Adds the next bytes of the content.
    pub fn update(&mut self, data: &[u8]) {
        let start = (self.length % PERIOD as u64) as usize;
        self.length += data.len() as u64;
        // Up to the next multiple of 160, byte by byte.
        let head = ((PERIOD - start) % PERIOD).min(data.len());
        for (slot, byte) in self.fold[start..start + head].iter_mut().zip(data) {
            *slot ^= byte;
        }
        let mut blocks = data[head..].chunks_exact(PERIOD);
        for block in &mut blocks {
            for (slot, word) in self.fold.chunks_exact_mut(8).zip(block.chunks_exact(8)) {
                // Both are exactly eight bytes (chunks_exact), so neither conversion falls back.
                let a = u64::from_ne_bytes(<[u8; 8]>::try_from(&*slot).unwrap_or_default());
                let b = u64::from_ne_bytes(<[u8; 8]>::try_from(word).unwrap_or_default());
                slot.copy_from_slice(&(a ^ b).to_ne_bytes());
            }
        }
        for (slot, byte) in self.fold.iter_mut().zip(blocks.remainder()) {
            *slot ^= byte;
        }
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
        let mut register = [0u8; WIDTH_BYTES];
        for (index, byte) in self.fold.iter().enumerate() {
            let bit = (index * SHIFT) % WIDTH_BITS;
            let spread = u16::from(*byte) << (bit % 8);
            let cell = bit / 8;
            register[cell] ^= spread as u8;
            register[(cell + 1) % WIDTH_BYTES] ^= (spread >> 8) as u8;
        }
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
