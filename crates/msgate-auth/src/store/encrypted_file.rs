//! `--token-store file`: tokens in an AES-256-GCM encrypted file, for machines without a
//! keyring (servers, containers, CI).
//!
//! One file per profile, `tokens/NAME.tokens` under msgate's state directory, private (0600) and
//! replaced atomically. Each write uses a fresh random 96-bit nonce; the profile name is bound in
//! as associated data, so a file copied over another profile's does not decrypt. The key never
//! lives beside the file: it comes from `MSGATE_TOKEN_KEY` (64 hex characters), from a key file
//! (`--token-key-file` or the profile's `token_key_file`, private and outside the token
//! directory), or from a systemd credential (`$CREDENTIALS_DIRECTORY/msgate-token-key`). A wrong
//! key or a changed file is an error that says so — the file is never silently overwritten.
//!
//! Layout: the magic `MSGATE-TOKENS-1\n`, the 12-byte nonce, then ciphertext and tag.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use msgate_core::{Env, Error, ErrorCode, Result, atomic};
use zeroize::Zeroizing;

use super::{StoreKind, StoredTokens, TokenStore};

const MAGIC: &[u8] = b"MSGATE-TOKENS-1\n";
const KEY_LEN: usize = 32;
/// The file name systemd's `LoadCredential=msgate-token-key:…` gives the key.
pub const SYSTEMD_CREDENTIAL: &str = "msgate-token-key";

/// A 256-bit key, zeroed on drop.
pub struct TokenKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey([redacted])")
    }
}

fn no_key() -> Error {
    Error::new(
        ErrorCode::AuthRequired,
        "the encrypted token file needs a key, and none was given",
    )
    .with_hint(
        "set MSGATE_TOKEN_KEY to 64 hex characters (e.g. from: openssl rand -hex 32), or pass --token-key-file FILE",
    )
}

impl TokenKey {
    /// The key from the environment, a key file, or a systemd credential, in that order.
    pub fn resolve(env: &Env, key_file: Option<&Path>, store_dir: &Path) -> Result<TokenKey> {
        if let Some(hex) = env.secret("MSGATE_TOKEN_KEY") {
            return TokenKey::from_hex(hex.expose()).map_err(|e| {
                Error::usage(format!("MSGATE_TOKEN_KEY: {}", e.message()))
                    .with_hint("the key is 64 hex characters: openssl rand -hex 32")
            });
        }
        if let Some(path) = key_file {
            return TokenKey::from_file(path, store_dir);
        }
        if let Some(dir) = env.get("CREDENTIALS_DIRECTORY") {
            let path = Path::new(dir).join(SYSTEMD_CREDENTIAL);
            if path.exists() {
                return TokenKey::read(&path);
            }
        }
        Err(no_key())
    }

    pub fn from_hex(text: &str) -> Result<TokenKey> {
        let text = text.trim();
        if text.len() != KEY_LEN * 2 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::usage(
                "a token key must be exactly 64 hex characters (256 bits)",
            ));
        }
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[i * 2..i * 2 + 2], 16)
                .map_err(|_| Error::usage("a token key must be hex"))?;
        }
        Ok(TokenKey(key))
    }

    /// A key file: private, not inside the token directory, holding 64 hex characters or 32
    /// raw bytes.
    fn from_file(path: &Path, store_dir: &Path) -> Result<TokenKey> {
        let metadata = fs::metadata(path)
            .map_err(|e| Error::io(format!("cannot read key file {}", path.display()), &e))?;
        if !atomic::is_private(&metadata) {
            return Err(Error::new(
                ErrorCode::ConfigInsecure,
                format!(
                    "key file {} is readable or writable by other users",
                    path.display()
                ),
            )
            .with_hint(format!("chmod 600 {}", path.display())));
        }
        let inside = |dir: &Path| {
            let (Ok(file), Ok(dir)) = (path.canonicalize(), dir.canonicalize()) else {
                return false;
            };
            file.starts_with(dir)
        };
        if inside(store_dir) {
            return Err(Error::new(
                ErrorCode::ConfigInsecure,
                format!(
                    "key file {} is inside the token directory {}: a key kept beside what it protects protects nothing",
                    path.display(),
                    store_dir.display()
                ),
            )
            .with_hint("move the key file elsewhere (e.g. a secrets mount), or use MSGATE_TOKEN_KEY"));
        }
        TokenKey::read(path)
    }

    fn read(path: &Path) -> Result<TokenKey> {
        let bytes = Zeroizing::new(
            fs::read(path)
                .map_err(|e| Error::io(format!("cannot read key file {}", path.display()), &e))?,
        );
        if bytes.len() == KEY_LEN {
            let mut key = Zeroizing::new([0u8; KEY_LEN]);
            key.copy_from_slice(&bytes);
            return Ok(TokenKey(key));
        }
        let text = std::str::from_utf8(&bytes).unwrap_or_default();
        TokenKey::from_hex(text)
            .map_err(|e| Error::usage(format!("key file {}: {}", path.display(), e.message())))
    }

    fn cipher(&self) -> Result<RandomizedNonceKey> {
        RandomizedNonceKey::new(&AES_256_GCM, self.0.as_ref())
            .map_err(|_| Error::internal("cannot set up AES-256-GCM"))
    }
}

/// Where the encrypted files live, and the key when one is at hand (removal needs none).
#[derive(Debug)]
pub struct EncryptedFileStore {
    dir: PathBuf,
    key: Option<TokenKey>,
}

impl EncryptedFileStore {
    pub fn new(dir: PathBuf, key: Option<TokenKey>) -> Self {
        EncryptedFileStore { dir, key }
    }

    pub fn path(&self, profile: &str) -> PathBuf {
        self.dir.join(format!("{profile}.tokens"))
    }

    fn key(&self) -> Result<&TokenKey> {
        self.key.as_ref().ok_or_else(no_key)
    }

    fn aad(profile: &str) -> Vec<u8> {
        [MAGIC, profile.as_bytes()].concat()
    }

    fn decrypt(&self, profile: &str, bytes: &[u8]) -> Result<StoredTokens> {
        let path = self.path(profile);
        let undecryptable = || {
            Error::new(
                ErrorCode::AuthRequired,
                format!(
                    "cannot decrypt {}: wrong key, or the file was changed",
                    path.display()
                ),
            )
            .with_hint(
                "use the key you signed in with (MSGATE_TOKEN_KEY or --token-key-file), or remove the file with 'msgate auth logout' and sign in again",
            )
        };
        let rest = bytes.strip_prefix(MAGIC).ok_or_else(undecryptable)?;
        if rest.len() < NONCE_LEN {
            return Err(undecryptable());
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| undecryptable())?;
        let mut buffer = Zeroizing::new(sealed.to_vec());
        let plain = self
            .key()?
            .cipher()?
            .open_in_place(nonce, Aad::from(Self::aad(profile)), buffer.as_mut_slice())
            .map_err(|_| undecryptable())?;
        StoredTokens::from_bytes(plain)
    }

    fn encrypt(&self, profile: &str, tokens: &StoredTokens) -> Result<Vec<u8>> {
        let mut buffer = Zeroizing::new(tokens.to_bytes());
        let nonce = self
            .key()?
            .cipher()?
            .seal_in_place_append_tag(Aad::from(Self::aad(profile)), &mut *buffer)
            .map_err(|_| Error::internal("cannot encrypt the tokens"))?;
        Ok([MAGIC, nonce.as_ref().as_slice(), buffer.as_slice()].concat())
    }

    fn read(&self, profile: &str) -> Result<Option<Vec<u8>>> {
        let path = self.path(profile);
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(format!("cannot read {}", path.display()), &e)),
        }
    }
}

impl TokenStore for EncryptedFileStore {
    fn kind(&self) -> StoreKind {
        StoreKind::File
    }

    fn describe(&self, profile: &str) -> String {
        format!(
            "encrypted file {} (AES-256-GCM)",
            self.path(profile).display()
        )
    }

    fn load(&self, profile: &str) -> Result<Option<StoredTokens>> {
        self.read(profile)?
            .map(|bytes| self.decrypt(profile, &bytes))
            .transpose()
    }

    /// Refuses to replace a file the current key cannot open: it may be someone's only copy
    /// of a session under another key.
    fn save(&self, profile: &str, tokens: &StoredTokens) -> Result<()> {
        if let Some(existing) = self.read(profile)? {
            self.decrypt(profile, &existing)?;
        }
        atomic::create_private_dir(&self.dir)?;
        let sealed = self.encrypt(profile, tokens)?;
        atomic::write_atomic(&self.path(profile), &sealed)
    }

    fn remove(&self, profile: &str) -> Result<bool> {
        let path = self.path(profile);
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::io(format!("cannot remove {}", path.display()), &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use msgate_core::Secret;

    const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    const OTHER: &str = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

    fn tokens() -> StoredTokens {
        StoredTokens {
            refresh_token: Some(Secret::new("fake-refresh-token-for-file-store")),
            access_token: Some(Secret::new("fake-access-token-for-file-store")),
            expires_at: 1_900_000_000,
            client_secret: None,
        }
    }

    fn store(dir: &Path, key: &str) -> EncryptedFileStore {
        EncryptedFileStore::new(dir.join("tokens"), Some(TokenKey::from_hex(key).unwrap()))
    }

    #[test]
    fn round_trips_without_plaintext_on_disk_and_with_fresh_nonces() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path(), KEY);
        store.save("work", &tokens()).unwrap();
        let first = fs::read(store.path("work")).unwrap();
        assert!(first.starts_with(MAGIC));
        let text = String::from_utf8_lossy(&first);
        assert!(!text.contains("fake-refresh-token"), "plaintext on disk");
        assert_eq!(store.load("work").unwrap(), Some(tokens()));
        store.save("work", &tokens()).unwrap();
        let second = fs::read(store.path("work")).unwrap();
        assert_ne!(
            first[MAGIC.len()..MAGIC.len() + NONCE_LEN],
            second[MAGIC.len()..MAGIC.len() + NONCE_LEN],
            "every write uses a fresh nonce"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(store.path("work"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_wrong_key_or_a_tampered_file_is_an_error_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        store(dir.path(), KEY).save("work", &tokens()).unwrap();
        let before = fs::read(store(dir.path(), KEY).path("work")).unwrap();

        let wrong = store(dir.path(), OTHER);
        let err = wrong.load("work").unwrap_err();
        assert_eq!(err.exit().status(), 11);
        assert!(err.message().contains("wrong key"), "{}", err.message());
        assert!(wrong.save("work", &tokens()).is_err());
        assert_eq!(fs::read(wrong.path("work")).unwrap(), before);

        let mut tampered = before.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        fs::write(wrong.path("work"), &tampered).unwrap();
        assert!(store(dir.path(), KEY).load("work").is_err());
    }

    #[test]
    fn a_file_moved_to_another_profile_does_not_decrypt() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path(), KEY);
        store.save("work", &tokens()).unwrap();
        fs::copy(store.path("work"), store.path("home")).unwrap();
        assert!(store.load("home").is_err());
    }

    #[test]
    fn keys_come_from_the_environment_a_private_file_or_systemd() {
        let dir = tempfile::tempdir().unwrap();
        let tokens_dir = dir.path().join("tokens");
        fs::create_dir_all(&tokens_dir).unwrap();
        let env = Env::from_pairs([("MSGATE_TOKEN_KEY", KEY)]);
        assert!(TokenKey::resolve(&env, None, &tokens_dir).is_ok());
        let bad = Env::from_pairs([("MSGATE_TOKEN_KEY", "abc")]);
        assert_eq!(
            TokenKey::resolve(&bad, None, &tokens_dir)
                .unwrap_err()
                .exit()
                .status(),
            2
        );
        assert_eq!(
            TokenKey::resolve(&Env::default(), None, &tokens_dir)
                .unwrap_err()
                .exit()
                .status(),
            11
        );

        let key_file = dir.path().join("key");
        atomic::write_atomic(&key_file, KEY.as_bytes()).unwrap();
        assert!(TokenKey::resolve(&Env::default(), Some(&key_file), &tokens_dir).is_ok());
        let beside = tokens_dir.join("key");
        atomic::write_atomic(&beside, KEY.as_bytes()).unwrap();
        let err = TokenKey::resolve(&Env::default(), Some(&beside), &tokens_dir).unwrap_err();
        assert!(err.message().contains("inside the token directory"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&key_file, fs::Permissions::from_mode(0o644)).unwrap();
            assert!(TokenKey::resolve(&Env::default(), Some(&key_file), &tokens_dir).is_err());
        }

        let creds = dir.path().join("creds");
        fs::create_dir_all(&creds).unwrap();
        atomic::write_atomic(&creds.join(SYSTEMD_CREDENTIAL), KEY.as_bytes()).unwrap();
        let env = Env::from_pairs([("CREDENTIALS_DIRECTORY", creds.to_str().unwrap())]);
        assert!(TokenKey::resolve(&env, None, &tokens_dir).is_ok());
    }
}
