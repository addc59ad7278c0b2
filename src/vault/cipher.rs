//! The vault key and what it does: AES-256-GCM sealing of token fields
//! (each bound to its row and column as associated data) and HMAC signing
//! of OAuth `state` values with a key derived from it. The key comes from
//! `SWITCHBOARD_VAULT_KEY` or from `vault.key` in the data directory,
//! created with mode 0600 on first start.

use super::Error;
use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Format byte in front of every sealed value.
const VERSION: u8 = 1;
const NONCE_BYTES: usize = 12;

/// Where the key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Environment,
    File(PathBuf),
}

/// A loaded vault key. `Debug` shows only its id.
#[derive(Clone)]
pub struct Cipher {
    aead: Aes256Gcm,
    key_id: String,
    state_key: [u8; 32],
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Cipher").field("key_id", &self.key_id).finish()
    }
}

fn mac(key: &[u8]) -> Result<Hmac<Sha256>, Error> {
    <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| Error::Crypto("HMAC key rejected".to_owned()))
}

impl Cipher {
    pub fn new(key: [u8; 32]) -> Result<Self, Error> {
        let digest = Sha256::new().chain_update(b"switchboard vault key id\0").chain_update(key).finalize();
        let key_id = digest[..8].iter().map(|byte| format!("{byte:02x}")).collect();
        let state_key = mac(&key)?.chain_update(b"switchboard oauth state").finalize().into_bytes().into();
        Ok(Self { aead: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key)), key_id, state_key })
    }

    /// A fresh random key.
    pub fn generate() -> [u8; 32] {
        Aes256Gcm::generate_key(OsRng).into()
    }

    /// Short public fingerprint of the key, stored beside each sealed row.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Encrypts `plain`; `aad` names what it is (e.g. `<id>/access`) so a
    /// value copied to another row or column does not decrypt.
    pub fn seal(&self, aad: &str, plain: &[u8]) -> Result<Vec<u8>, Error> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .aead
            .encrypt(&nonce, Payload { msg: plain, aad: aad.as_bytes() })
            .map_err(|_| Error::Crypto(format!("cannot encrypt {aad}")))?;
        let mut out = Vec::with_capacity(1 + NONCE_BYTES + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub fn open(&self, aad: &str, sealed: &[u8]) -> Result<Vec<u8>, Error> {
        if sealed.len() < 1 + NONCE_BYTES + 16 || sealed[0] != VERSION {
            return Err(Error::Crypto(format!("{aad}: not a sealed vault value")));
        }
        let nonce = Nonce::from_slice(&sealed[1..1 + NONCE_BYTES]);
        self.aead.decrypt(nonce, Payload { msg: &sealed[1 + NONCE_BYTES..], aad: aad.as_bytes() }).map_err(|_| {
            Error::Crypto(format!("{aad}: cannot decrypt with vault key {} (wrong key, or the value was altered)", self.key_id))
        })
    }

    /// Seals a UTF-8 string.
    pub fn seal_text(&self, aad: &str, text: &str) -> Result<Vec<u8>, Error> {
        self.seal(aad, text.as_bytes())
    }

    pub fn open_text(&self, aad: &str, sealed: &[u8]) -> Result<String, Error> {
        String::from_utf8(self.open(aad, sealed)?).map_err(|_| Error::Crypto(format!("{aad}: not UTF-8")))
    }

    /// HMAC-SHA256 of `data` under the state-signing key.
    pub fn sign(&self, data: &[u8]) -> Result<[u8; 32], Error> {
        Ok(mac(&self.state_key)?.chain_update(data).finalize().into_bytes().into())
    }

    /// Whether `signature` is `data`'s HMAC, compared in constant time.
    pub fn verify(&self, data: &[u8], signature: &[u8]) -> bool {
        mac(&self.state_key).is_ok_and(|mac| mac.chain_update(data).verify_slice(signature).is_ok())
    }
}

/// Reads a 32-byte key written as 64 hex digits or as base64.
pub fn parse_key(text: &str, origin: &str) -> Result<[u8; 32], Error> {
    let text = text.trim();
    let bytes = if text.len() == 64 && text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        (0..32).map(|index| u8::from_str_radix(&text[index * 2..index * 2 + 2], 16).unwrap_or(0)).collect()
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text))
            .map_err(|_| Error::Key(format!("{origin}: not 64 hex digits or base64")))?
    };
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| Error::Key(format!("{origin}: must be 32 bytes (256 bits), got {}", bytes.len())))
}

pub fn encode_key(key: &[u8; 32]) -> String {
    base64::engine::general_purpose::STANDARD.encode(key)
}

/// The key file inside `data_dir`.
pub fn key_file(data_dir: &Path) -> PathBuf {
    data_dir.join("vault.key")
}

/// Writes `key` to a new file readable only by its owner.
pub fn write_key_file(path: &Path, key: &[u8; 32]) -> Result<(), Error> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|error| Error::Key(format!("cannot create {}: {error}", path.display())))?;
    file.write_all(format!("{}\n", encode_key(key)).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|error| Error::Key(format!("cannot write {}: {error}", path.display())))
}

/// The key from the environment value if given, else from the key file,
/// which is created on first use.
pub fn load(env_key: Option<&str>, data_dir: &Path) -> Result<(Cipher, KeySource), Error> {
    if let Some(text) = env_key {
        return Ok((Cipher::new(parse_key(text, "SWITCHBOARD_VAULT_KEY")?)?, KeySource::Environment));
    }
    let path = key_file(data_dir);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            refuse_if_readable_by_others(&path)?;
            Ok((Cipher::new(parse_key(&text, &path.display().to_string())?)?, KeySource::File(path)))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(data_dir).map_err(|error| Error::Key(format!("cannot create {}: {error}", data_dir.display())))?;
            let key = Cipher::generate();
            write_key_file(&path, &key)?;
            tracing::info!(path = %path.display(), "created a new vault key");
            Ok((Cipher::new(key)?, KeySource::File(path)))
        }
        Err(error) => Err(Error::Key(format!("cannot read {}: {error}", path.display()))),
    }
}

/// A key file others can read is refused, as ssh refuses such private keys.
fn refuse_if_readable_by_others(path: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions());
        if mode & 0o077 != 0 {
            return Err(Error::Key(format!("{} is readable by others (mode {:o}); run chmod 600 on it", path.display(), mode & 0o777)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_label() {
        let cipher = Cipher::new([7; 32]).expect("cipher");
        let sealed = cipher.seal_text("a/access", "token-123").expect("seal");
        assert!(!sealed.windows(9).any(|window| window == b"token-123"));
        assert_eq!(cipher.open_text("a/access", &sealed).expect("open"), "token-123");
        assert!(cipher.open_text("b/access", &sealed).is_err(), "bound to its label");
        assert!(Cipher::new([8; 32]).expect("cipher").open_text("a/access", &sealed).is_err(), "bound to its key");
        let mut altered = sealed.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert!(cipher.open_text("a/access", &altered).is_err(), "tampering is detected");
    }

    #[test]
    fn keys_parse_from_hex_or_base64_and_must_be_32_bytes() {
        let key = [0xab; 32];
        assert_eq!(parse_key(&"ab".repeat(32), "k").expect("hex"), key);
        assert_eq!(parse_key(&encode_key(&key), "k").expect("base64"), key);
        let error = parse_key("c2hvcnQ=", "SWITCHBOARD_VAULT_KEY").expect_err("short").to_string();
        assert!(error.contains("SWITCHBOARD_VAULT_KEY") && error.contains("32 bytes"), "{error}");
    }

    #[test]
    fn the_key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (first, source) = load(None, dir.path()).expect("create");
        assert_eq!(source, KeySource::File(key_file(dir.path())));
        #[cfg(unix)]
        {
            let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(key_file(dir.path())).expect("meta").permissions());
            assert_eq!(mode & 0o777, 0o600);
        }
        let (second, _) = load(None, dir.path()).expect("reuse");
        assert_eq!(first.key_id(), second.key_id());
        #[cfg(unix)]
        {
            let file = key_file(dir.path());
            std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o644)).expect("chmod");
            let error = load(None, dir.path()).expect_err("refused").to_string();
            assert!(error.contains("chmod 600"), "{error}");
        }
        let signature = first.sign(b"data").expect("sign");
        assert!(first.verify(b"data", &signature));
        assert!(!first.verify(b"datA", &signature));
    }
}
