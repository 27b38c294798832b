//! RSA key transport for TLS 1.2 (RFC 5246 §7.4.7.1), resistant to
//! Bleichenbacher/Marvin-style padding oracles.
//!
//! aws-lc-rs only offers PKCS#1 v1.5 decryption that *fails* on bad padding,
//! which is an observable branch. So this file uses aws-lc-sys directly for
//! the one thing aws-lc-rs does not expose: the raw RSA private-key
//! operation (`RSA_decrypt` with `RSA_NO_PADDING`, blinded and
//! fault-checked inside AWS-LC). The PKCS#1 v1.5 unpadding and the choice
//! between the decrypted and the fallback pre-master secret are done here,
//! in safe Rust, with masks: no early return and no `if` on secret bytes.
//!
//! This is the only file of lucid containing `unsafe`.

use super::CryptoError;
use aws_lc_sys as sys;
use core::ptr::NonNull;

/// Length of a TLS pre-master secret for RSA key transport.
const PMS_LEN: usize = 48;
/// Largest modulus handled (4096 bits), so buffers live on the stack.
const MAX_MODULUS_LEN: usize = 512;

/// An RSA private key held as an AWS-LC `RSA` object, for raw decryption.
pub(crate) struct RsaPrivate {
    /// Owned reference to an `RSA`; released by `RSA_free` on drop.
    rsa: NonNull<sys::RSA>,
}

// SAFETY: AWS-LC's rsa.h states an `RSA` "may be used concurrently on
// multiple threads by non-mutating functions", and documents
// encryption/decryption (`RSA_decrypt`) as non-mutating for thread-safety
// purposes (blinding state is internally locked). The only other functions
// called through `&self` are `RSA_bits` and `RSA_size`, which take a const
// pointer. The object is exclusively owned (freed once, in Drop), so moving
// it to another thread is also sound.
unsafe impl Send for RsaPrivate {}
// SAFETY: see the `Send` impl above: every `&self` method is non-mutating
// in AWS-LC's thread-safety sense.
unsafe impl Sync for RsaPrivate {}

/// The outcome of parsing a PKCS#8 document.
pub(crate) enum Pkcs8 {
    /// An RSA key (of any size; the caller checks the size).
    Rsa(RsaPrivate),
    /// Valid PKCS#8 for some algorithm AWS-LC knows, but not RSA.
    NotRsa,
    /// Not a PKCS#8 PrivateKeyInfo AWS-LC can parse.
    Invalid,
}

impl RsaPrivate {
    /// Parses a DER RSAPrivateKey (PKCS#1, RFC 8017 Appendix A.1.2).
    pub(crate) fn from_pkcs1(der: &[u8]) -> Option<RsaPrivate> {
        // SAFETY: `der.as_ptr()` is valid for reads of `der.len()` bytes for
        // the duration of the call; AWS-LC copies what it needs and rejects
        // trailing data. The return value is either NULL or a new `RSA` that
        // we own (exactly one reference), which `NonNull::new` wraps.
        let rsa = unsafe { sys::RSA_private_key_from_bytes(der.as_ptr(), der.len()) };
        NonNull::new(rsa).map(|rsa| RsaPrivate { rsa })
    }

    /// Parses a DER PrivateKeyInfo (PKCS#8, RFC 5208) and keeps it if RSA.
    pub(crate) fn from_pkcs8(der: &[u8]) -> Pkcs8 {
        let mut cbs = sys::CBS {
            data: core::ptr::null(),
            len: 0,
        };
        // SAFETY: `cbs` is a valid, writable CBS; `der` is valid for reads of
        // `der.len()` bytes and outlives every use of `cbs` (all within this
        // function). `EVP_parse_private_key` only reads through `cbs` and
        // advances it; it returns NULL or a new `EVP_PKEY` we own.
        let pkey = unsafe {
            sys::CBS_init(&mut cbs, der.as_ptr(), der.len());
            sys::EVP_parse_private_key(&mut cbs)
        };
        if pkey.is_null() {
            return Pkcs8::Invalid;
        }
        // SAFETY: `cbs` is still a valid CBS over `der`; `pkey` is a valid
        // EVP_PKEY we own. `EVP_PKEY_get1_RSA` returns NULL or a new
        // reference to the RSA (which survives `EVP_PKEY_free`, as it is
        // reference counted); `pkey` is freed exactly once, here, and not
        // used afterwards.
        let (trailing, id, rsa) = unsafe {
            let trailing = sys::CBS_len(&cbs);
            let id = sys::EVP_PKEY_id(pkey);
            let rsa = if id == sys::EVP_PKEY_RSA {
                sys::EVP_PKEY_get1_RSA(pkey)
            } else {
                core::ptr::null_mut()
            };
            sys::EVP_PKEY_free(pkey);
            (trailing, id, rsa)
        };
        let rsa = NonNull::new(rsa).map(|rsa| RsaPrivate { rsa });
        match (trailing, rsa) {
            (0, Some(rsa)) => Pkcs8::Rsa(rsa),
            (0, None) if id != sys::EVP_PKEY_RSA => Pkcs8::NotRsa,
            // Trailing bytes, or an RSA key AWS-LC could not hand out; any
            // `RsaPrivate` created is dropped (and freed) here.
            _ => Pkcs8::Invalid,
        }
    }

    /// The modulus size in bits.
    pub(crate) fn bits(&self) -> usize {
        // SAFETY: `self.rsa` points to a live RSA we own; `RSA_bits` takes a
        // const pointer and only reads it.
        unsafe { sys::RSA_bits(self.rsa.as_ptr()) as usize }
    }

    /// The modulus size in bytes (= ciphertext length).
    pub(crate) fn modulus_len(&self) -> usize {
        // SAFETY: as in `bits`: a live, owned RSA, read through a const pointer.
        unsafe { sys::RSA_size(self.rsa.as_ptr()) as usize }
    }

    /// Raw RSA private-key operation: `out = ciphertext^d mod n`, left-padded
    /// to the modulus length. `Err` only for public conditions (lengths, a
    /// ciphertext not below the modulus) or an internal failure.
    fn raw_decrypt(&self, ciphertext: &[u8], out: &mut [u8]) -> Result<(), CryptoError> {
        let k = self.modulus_len();
        if ciphertext.len() != k || out.len() != k {
            return Err(CryptoError);
        }
        let mut out_len = 0usize;
        // SAFETY: `self.rsa` is a live RSA we own, and RSA_decrypt is
        // documented as non-mutating for thread-safety purposes, so a shared
        // borrow suffices. `out` is valid for writes of `out.len()` (= k =
        // RSA_size) bytes, which is what `max_out` says; `ciphertext` is
        // valid for reads of `ciphertext.len()` bytes; `out_len` is a valid
        // `size_t` to write. No pointer is retained after the call.
        let ok = unsafe {
            sys::RSA_decrypt(
                self.rsa.as_ptr(),
                &mut out_len,
                out.as_mut_ptr(),
                out.len(),
                ciphertext.as_ptr(),
                ciphertext.len(),
                sys::RSA_NO_PADDING as core::ffi::c_int,
            )
        };
        // With RSA_NO_PADDING the output is always exactly k bytes.
        if ok != 1 || out_len != k {
            return Err(CryptoError);
        }
        Ok(())
    }
}

impl Drop for RsaPrivate {
    fn drop(&mut self) {
        // SAFETY: `self.rsa` is the one reference we own (from
        // RSA_private_key_from_bytes or EVP_PKEY_get1_RSA); it is released
        // exactly once, here, and never used again.
        unsafe { sys::RSA_free(self.rsa.as_ptr()) }
    }
}

/// Decrypts an RSA-encrypted pre-master secret (RFC 5246 §7.4.7.1) without
/// revealing whether the padding was valid.
///
/// Returns the decrypted 48 bytes if the PKCS#1 v1.5 padding is correct,
/// the message is exactly 48 bytes and its first two bytes equal
/// `client_version`; otherwise `fallback`. `Err` only if the ciphertext
/// length differs from the modulus length (a public fact).
pub(crate) fn decrypt_premaster(
    key: &RsaPrivate,
    ciphertext: &[u8],
    client_version: [u8; 2],
    fallback: &[u8; PMS_LEN],
) -> Result<[u8; PMS_LEN], CryptoError> {
    let k = key.modulus_len();
    if ciphertext.len() != k || !(PMS_LEN + 11..=MAX_MODULUS_LEN).contains(&k) {
        return Err(CryptoError);
    }
    let mut em = [0u8; MAX_MODULUS_LEN];
    let em = &mut em[..k];
    // A failure here depends only on public data (the ciphertext not below
    // the modulus) or an internal fault; it selects the fallback through the
    // same masked path as bad padding.
    let decrypted_ok = key.raw_decrypt(ciphertext, em).is_ok();
    let mut good = mask_from_bool(decrypted_ok);
    good &= pkcs1_type2_mask(em, client_version);
    let out = select(good, &em[k - PMS_LEN..], fallback);
    crate::crypto::wipe(em);
    Ok(out)
}

/// 0xFF if `x == 0`, else 0x00, without branching.
fn is_zero(x: u8) -> u8 {
    // For x = 0 the subtraction wraps to 0xFFFF_FFFF, whose bits 8..16 are
    // all ones; for 1..=255 the result is below 256, so those bits are zero.
    ((u32::from(x).wrapping_sub(1)) >> 8) as u8
}

/// 0xFF if `a == b`, else 0x00, without branching.
fn eq(a: u8, b: u8) -> u8 {
    is_zero(a ^ b)
}

/// 0xFF for `true`, 0x00 for `false` (the input is public).
fn mask_from_bool(b: bool) -> u8 {
    0u8.wrapping_sub(u8::from(b))
}

/// Checks, in constant time, that `em` (k bytes) is
/// `00 || 02 || PS (k-51 nonzero bytes) || 00 || client_version || 46 bytes`,
/// i.e. a PKCS#1 v1.5 type 2 block carrying exactly 48 bytes whose first two
/// are `client_version`. Returns 0xFF if so, else 0x00. Every byte of `em`
/// is examined whatever the earlier bytes were.
fn pkcs1_type2_mask(em: &[u8], client_version: [u8; 2]) -> u8 {
    let k = em.len();
    let sep = k - PMS_LEN - 1; // index of the 0x00 separator
    let mut good = eq(em[0], 0x00) & eq(em[1], 0x02);
    for &b in &em[2..sep] {
        good &= !is_zero(b);
    }
    good &= eq(em[sep], 0x00);
    good &= eq(em[sep + 1], client_version[0]);
    good &= eq(em[sep + 2], client_version[1]);
    // Keep the optimiser from turning the mask back into a branch.
    core::hint::black_box(good)
}

/// `mask == 0xFF` selects `a`, `mask == 0x00` selects `b`, byte by byte.
fn select(mask: u8, a: &[u8], b: &[u8; PMS_LEN]) -> [u8; PMS_LEN] {
    let mut out = [0u8; PMS_LEN];
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        *o = (x & mask) | (y & !mask);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(is_zero(0), 0xff);
        for x in 1..=255u8 {
            assert_eq!(is_zero(x), 0);
        }
        assert_eq!(eq(7, 7), 0xff);
        assert_eq!(eq(7, 8), 0);
        assert_eq!(mask_from_bool(true), 0xff);
        assert_eq!(mask_from_bool(false), 0);
        let a = [1u8; PMS_LEN];
        let b = [2u8; PMS_LEN];
        assert_eq!(select(0xff, &a, &b), a);
        assert_eq!(select(0x00, &a, &b), b);
    }

    fn block(k: usize) -> Vec<u8> {
        let mut em = vec![0x5a; k];
        em[0] = 0;
        em[1] = 2;
        em[k - 49] = 0;
        em[k - 48] = 3;
        em[k - 47] = 3;
        em
    }

    #[test]
    fn padding_check() {
        let v = [3, 3];
        assert_eq!(pkcs1_type2_mask(&block(256), v), 0xff);
        let cases: [(usize, u8); 5] = [(0, 1), (1, 1), (2, 0), (256 - 49, 1), (256 - 48, 2)];
        for (i, val) in cases {
            let mut em = block(256);
            em[i] = val;
            assert_eq!(pkcs1_type2_mask(&em, v), 0, "byte {i}");
        }
        // A message longer than 48 bytes: separator earlier, nonzero at k-49.
        let mut em = block(256);
        em[100] = 0;
        em[256 - 49] = 7;
        assert_eq!(pkcs1_type2_mask(&em, v), 0);
        assert_eq!(pkcs1_type2_mask(&block(256), [3, 1]), 0);
    }
}
