//! The compression behind `node:zlib`: deflate, zlib, gzip and brotli, in
//! one go on the bytes JavaScript hands over (the module's synchronous and
//! callback forms, and its stream classes at the end of their input).
//! Output is capped, so a
//! small compressed input cannot make the host allocate without bound
//! outside the runtime's heap limit.

use deno_core::op2;
use deno_error::JsErrorBox;
use std::io::{Read, Write};

/// The most bytes one call may produce.
pub(crate) const MAX_OUTPUT: usize = 64 * 1024 * 1024;

fn capped(reader: impl Read, what: &str) -> Result<Vec<u8>, JsErrorBox> {
    let mut out = Vec::new();
    let read = reader.take(MAX_OUTPUT as u64 + 1).read_to_end(&mut out).map_err(|error| zlib_error(what, &error.to_string()))?;
    if read > MAX_OUTPUT {
        return Err(JsErrorBox::range_error(format!(
            "zlib.{what}: the output is larger than {} MiB, the most one call may produce in the switchboard sandbox",
            MAX_OUTPUT / (1024 * 1024)
        )));
    }
    Ok(out)
}

fn zlib_error(what: &str, message: &str) -> JsErrorBox {
    JsErrorBox::generic(format!("zlib.{what}: {message}"))
}

fn level(level: i32) -> flate2::Compression {
    if (0..=9).contains(&level) { flate2::Compression::new(level as u32) } else { flate2::Compression::default() }
}

fn compress<W: Write>(mut encoder: W, data: &[u8], what: &str) -> Result<W, JsErrorBox> {
    encoder.write_all(data).map_err(|error| zlib_error(what, &error.to_string()))?;
    Ok(encoder)
}

/// Runs one zlib operation, by the name of its `*Sync` function.
/// `level` is the compression level (-1: the default; brotli: the quality).
#[op2]
#[buffer]
pub(crate) fn op_sb_zlib(#[string] operation: &str, #[buffer] data: &[u8], #[smi] level_or_quality: i32) -> Result<Vec<u8>, JsErrorBox> {
    zlib(operation, data, level_or_quality)
}

fn zlib(operation: &str, data: &[u8], level_or_quality: i32) -> Result<Vec<u8>, JsErrorBox> {
    use flate2::read::{DeflateDecoder, GzDecoder, MultiGzDecoder, ZlibDecoder};
    use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
    let what = operation;
    let finish = |result: std::io::Result<Vec<u8>>| result.map_err(|error| zlib_error(what, &error.to_string()));
    match operation {
        "deflateSync" => finish(compress(ZlibEncoder::new(Vec::new(), level(level_or_quality)), data, what)?.finish()),
        "deflateRawSync" => finish(compress(DeflateEncoder::new(Vec::new(), level(level_or_quality)), data, what)?.finish()),
        "gzipSync" => finish(compress(GzEncoder::new(Vec::new(), level(level_or_quality)), data, what)?.finish()),
        "inflateSync" => capped(ZlibDecoder::new(data), what),
        "inflateRawSync" => capped(DeflateDecoder::new(data), what),
        "gunzipSync" => capped(MultiGzDecoder::new(data), what),
        "unzipSync" => {
            if data.starts_with(&[0x1f, 0x8b]) {
                capped(GzDecoder::new(data), what)
            } else {
                capped(ZlibDecoder::new(data), what)
            }
        }
        "brotliCompressSync" => {
            let quality = if (0..=11).contains(&level_or_quality) { level_or_quality as u32 } else { 11 };
            let mut out = Vec::new();
            {
                let mut writer = brotli::CompressorWriter::new(&mut out, 4096, quality, 22);
                writer.write_all(data).map_err(|error| zlib_error(what, &error.to_string()))?;
            }
            Ok(out)
        }
        "brotliDecompressSync" => capped(brotli::Decompressor::new(data, 4096), what),
        other => Err(JsErrorBox::type_error(format!("zlib has no operation {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_bomb_is_refused_past_the_output_cap() {
        let zeros = vec![0u8; MAX_OUTPUT + 1];
        for (compress, decompress) in
            [("gzipSync", "gunzipSync"), ("deflateSync", "inflateSync"), ("brotliCompressSync", "brotliDecompressSync")]
        {
            let bomb = zlib(compress, &zeros, 9).expect("compress");
            assert!(bomb.len() < 1024 * 1024, "{compress}: {} bytes", bomb.len());
            let error = zlib(decompress, &bomb, -1).expect_err("refused");
            assert!(error.to_string().contains("larger than 64 MiB"), "{error}");
        }
        let fits = zlib("gzipSync", &zeros[..MAX_OUTPUT], 1).expect("compress");
        assert_eq!(zlib("gunzipSync", &fits, -1).expect("at the cap").len(), MAX_OUTPUT);
        assert!(zlib("inflateSync", b"not zlib", -1).is_err());
    }
}
