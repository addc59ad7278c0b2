//! The host side of `node:crypto`'s ciphers and key derivation: AES in GCM,
//! CBC (PKCS#7 padding) and CTR modes with 128-, 192- and 256-bit keys,
//! PBKDF2 and scrypt. The JavaScript side collects a cipher's input and
//! calls once at `final()`. Work that runs on the runtime's thread, where a
//! run's time limit cannot interrupt it, is bounded: PBKDF2 iterations as
//! for WebCrypto, scrypt's memory as Node's default `maxmem` and its total
//! work to eight passes over that.

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, StreamCipher, block_padding::Pkcs7};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use deno_core::op2;
use deno_error::JsErrorBox;

/// The most PBKDF2 iterations one call may ask for (the WebCrypto cap).
const MAX_PBKDF2_ITERATIONS: u32 = 1_000_000;

/// Node's default scrypt `maxmem`: 32 MiB.
const SCRYPT_MAX_MEMORY: u64 = 32 * 1024 * 1024;

/// The most scrypt work one call may ask for, as 128 × N × r × p bytes
/// (eight passes over Node's default memory).
const SCRYPT_MAX_WORK: u64 = 8 * SCRYPT_MAX_MEMORY;

/// The most bytes a derived key may have.
const MAX_KEY_LENGTH: u32 = 1024 * 1024;

fn bad_key(algorithm: &str) -> JsErrorBox {
    JsErrorBox::range_error(format!("Invalid key length for {algorithm}"))
}

fn bad_iv(algorithm: &str) -> JsErrorBox {
    JsErrorBox::range_error(format!("Invalid initialization vector for {algorithm}"))
}

/// Encrypts or decrypts `data` in one go. For GCM, encryption returns the
/// ciphertext followed by the 16-byte tag, and decryption takes the tag in
/// `tag`.
#[op2]
#[buffer]
#[allow(clippy::too_many_arguments)]
pub(crate) fn op_sb_cipher(
    #[string] algorithm: &str,
    encrypt: bool,
    #[buffer] key: &[u8],
    #[buffer] iv: &[u8],
    #[buffer] data: &[u8],
    #[buffer] aad: &[u8],
    #[buffer] tag: &[u8],
    padding: bool,
) -> Result<Vec<u8>, JsErrorBox> {
    cipher(algorithm, encrypt, key, iv, data, aad, tag, padding)
}

#[allow(clippy::too_many_arguments)]
fn cipher(
    algorithm: &str,
    encrypt: bool,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
    aad: &[u8],
    tag: &[u8],
    padding: bool,
) -> Result<Vec<u8>, JsErrorBox> {
    macro_rules! cbc {
        ($aes:ty) => {{
            if encrypt {
                let cipher = cbc::Encryptor::<$aes>::new_from_slices(key, iv).map_err(|_| bad_iv(algorithm))?;
                if padding {
                    Ok(cipher.encrypt_padded_vec_mut::<Pkcs7>(data))
                } else if data.len() % 16 != 0 {
                    Err(JsErrorBox::generic("data not multiple of block length"))
                } else {
                    Ok(cipher.encrypt_padded_vec_mut::<aes::cipher::block_padding::NoPadding>(data))
                }
            } else {
                let cipher = cbc::Decryptor::<$aes>::new_from_slices(key, iv).map_err(|_| bad_iv(algorithm))?;
                if padding {
                    cipher.decrypt_padded_vec_mut::<Pkcs7>(data).map_err(|_| JsErrorBox::generic("bad decrypt"))
                } else {
                    cipher
                        .decrypt_padded_vec_mut::<aes::cipher::block_padding::NoPadding>(data)
                        .map_err(|_| JsErrorBox::generic("wrong final block length"))
                }
            }
        }};
    }
    macro_rules! ctr {
        ($aes:ty) => {{
            let mut cipher = ctr::Ctr128BE::<$aes>::new_from_slices(key, iv).map_err(|_| bad_iv(algorithm))?;
            let mut out = data.to_vec();
            cipher.apply_keystream(&mut out);
            Ok(out)
        }};
    }
    macro_rules! gcm {
        ($gcm:ty) => {{
            if iv.len() != 12 {
                return Err(JsErrorBox::range_error(format!(
                    "{algorithm}: switchboard supports 12-byte initialization vectors (got {} bytes)",
                    iv.len()
                )));
            }
            let cipher = <$gcm>::new_from_slice(key).map_err(|_| bad_key(algorithm))?;
            let nonce = aes_gcm::Nonce::from_slice(iv);
            if encrypt {
                cipher.encrypt(nonce, Payload { msg: data, aad }).map_err(|_| JsErrorBox::generic("encryption failed"))
            } else {
                let mut sealed = data.to_vec();
                sealed.extend_from_slice(tag);
                cipher
                    .decrypt(nonce, Payload { msg: &sealed, aad })
                    .map_err(|_| JsErrorBox::generic("Unsupported state or unable to authenticate data"))
            }
        }};
    }
    let expected_key = match algorithm {
        "aes-128-cbc" | "aes-128-ctr" | "aes-128-gcm" => 16,
        "aes-192-cbc" | "aes-192-ctr" | "aes-192-gcm" => 24,
        "aes-256-cbc" | "aes-256-ctr" | "aes-256-gcm" => 32,
        other => {
            return Err(JsErrorBox::generic(format!(
                "Unknown cipher: {other} (switchboard provides aes-128/192/256 in cbc, ctr and gcm modes)"
            )));
        }
    };
    if key.len() != expected_key {
        return Err(bad_key(algorithm));
    }
    if !algorithm.ends_with("gcm") && iv.len() != 16 {
        return Err(bad_iv(algorithm));
    }
    match algorithm {
        "aes-128-cbc" => cbc!(aes::Aes128),
        "aes-192-cbc" => cbc!(aes::Aes192),
        "aes-256-cbc" => cbc!(aes::Aes256),
        "aes-128-ctr" => ctr!(aes::Aes128),
        "aes-192-ctr" => ctr!(aes::Aes192),
        "aes-256-ctr" => ctr!(aes::Aes256),
        "aes-128-gcm" => gcm!(aes_gcm::Aes128Gcm),
        "aes-192-gcm" => gcm!(aes_gcm::AesGcm<aes::Aes192, aes_gcm::aead::consts::U12>),
        _ => gcm!(aes_gcm::Aes256Gcm),
    }
}

/// PBKDF2 with HMAC over `digest`.
#[op2]
#[buffer]
pub(crate) fn op_sb_pbkdf2(
    #[string] digest: &str,
    #[buffer] password: &[u8],
    #[buffer] salt: &[u8],
    iterations: u32,
    key_length: u32,
) -> Result<Vec<u8>, JsErrorBox> {
    pbkdf2(digest, password, salt, iterations, key_length)
}

fn pbkdf2(digest: &str, password: &[u8], salt: &[u8], iterations: u32, key_length: u32) -> Result<Vec<u8>, JsErrorBox> {
    if iterations > MAX_PBKDF2_ITERATIONS {
        return Err(JsErrorBox::range_error(format!(
            "PBKDF2 iterations are limited to {MAX_PBKDF2_ITERATIONS} in the switchboard sandbox (got {iterations})"
        )));
    }
    if key_length > MAX_KEY_LENGTH {
        return Err(JsErrorBox::range_error(format!("The derived key may have at most {MAX_KEY_LENGTH} bytes in the switchboard sandbox")));
    }
    let mut out = vec![0u8; key_length as usize];
    match digest {
        "md5" => ::pbkdf2::pbkdf2_hmac::<md5::Md5>(password, salt, iterations, &mut out),
        "sha1" => ::pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, iterations, &mut out),
        "sha224" => ::pbkdf2::pbkdf2_hmac::<sha2::Sha224>(password, salt, iterations, &mut out),
        "sha256" => ::pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, &mut out),
        "sha384" => ::pbkdf2::pbkdf2_hmac::<sha2::Sha384>(password, salt, iterations, &mut out),
        "sha512" => ::pbkdf2::pbkdf2_hmac::<sha2::Sha512>(password, salt, iterations, &mut out),
        other => return Err(JsErrorBox::type_error(format!("Invalid digest: {other}"))),
    }
    Ok(out)
}

/// scrypt with cost `n` (a power of two), block size `r`, parallelism `p`.
#[op2]
#[buffer]
pub(crate) fn op_sb_scrypt(
    #[buffer] password: &[u8],
    #[buffer] salt: &[u8],
    n: u32,
    r: u32,
    p: u32,
    key_length: u32,
) -> Result<Vec<u8>, JsErrorBox> {
    scrypt(password, salt, n, r, p, key_length)
}

fn scrypt(password: &[u8], salt: &[u8], n: u32, r: u32, p: u32, key_length: u32) -> Result<Vec<u8>, JsErrorBox> {
    if n < 2 || !n.is_power_of_two() {
        return Err(JsErrorBox::range_error("Invalid scrypt params: N must be a power of two greater than 1"));
    }
    if 128 * u64::from(n) * u64::from(r) > SCRYPT_MAX_MEMORY {
        return Err(JsErrorBox::range_error("Invalid scrypt params: memory limit exceeded"));
    }
    // Each unit of parallelism repeats the whole memory-hard pass on this
    // thread, where no time limit reaches.
    if 128 * u64::from(n) * u64::from(r) * u64::from(p) > SCRYPT_MAX_WORK {
        return Err(JsErrorBox::range_error(format!(
            "Invalid scrypt params: 128 × N × r × p is limited to {} MiB in the switchboard sandbox",
            SCRYPT_MAX_WORK / (1024 * 1024)
        )));
    }
    if key_length > MAX_KEY_LENGTH {
        return Err(JsErrorBox::range_error(format!("The derived key may have at most {MAX_KEY_LENGTH} bytes in the switchboard sandbox")));
    }
    // The params' own length is for PHC strings; the key's is the buffer's.
    let params = ::scrypt::Params::new(n.trailing_zeros() as u8, r, p, ::scrypt::Params::RECOMMENDED_LEN)
        .map_err(|error| JsErrorBox::range_error(format!("Invalid scrypt params: {error}")))?;
    let mut out = vec![0u8; key_length as usize];
    ::scrypt::scrypt(password, salt, &params, &mut out)
        .map_err(|error| JsErrorBox::range_error(format!("Invalid scrypt params: {error}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    #[test]
    fn aes_modes_match_known_answers() {
        // NIST SP 800-38A F.2.1 (CBC-AES128.Encrypt), first block, no padding.
        let key = [0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c];
        let iv: Vec<u8> = (0u8..16).collect();
        let block = [0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a];
        let sealed = cipher("aes-128-cbc", true, &key, &iv, &block, &[], &[], false).expect("encrypt");
        assert_eq!(hex(&sealed), "7649abac8119b246cee98e9b12e9197d");
        let opened = cipher("aes-128-cbc", false, &key, &iv, &sealed, &[], &[], false).expect("decrypt");
        assert_eq!(opened, block);
        let padded = cipher("aes-128-cbc", true, &key, &iv, b"x", &[], &[], true).expect("padded");
        assert_eq!(padded.len(), 16);
        assert_eq!(cipher("aes-128-cbc", false, &key, &iv, &padded, &[], &[], true).expect("unpadded"), b"x");
        let sealed = cipher("aes-256-gcm", true, &[7; 32], &[1; 12], b"text", b"aad", &[], true).expect("gcm");
        let (body, tag) = sealed.split_at(sealed.len() - 16);
        assert_eq!(cipher("aes-256-gcm", false, &[7; 32], &[1; 12], body, b"aad", tag, true).expect("open"), b"text");
        assert!(cipher("aes-256-gcm", false, &[7; 32], &[1; 12], body, b"other", tag, true).is_err());
    }

    #[test]
    fn key_derivation_is_bounded() {
        assert!(pbkdf2("sha256", b"pw", b"salt", MAX_PBKDF2_ITERATIONS + 1, 32).is_err());
        assert!(scrypt(b"pw", b"salt", 16384, 8, 17, 32).is_err(), "17 passes of 16 MiB is more than 256 MiB");
        assert!(scrypt(b"pw", b"salt", 1 << 20, 8, 1, 32).is_err(), "1 GiB of memory");
        assert_eq!(scrypt(b"pw", b"salt", 1024, 8, 1, 16).expect("scrypt").len(), 16);
    }
}
