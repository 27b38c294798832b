//! Random numbers from the operating system's CSPRNG (via aws-lc-rs).

use super::CryptoError;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

/// Fills `buf` with cryptographically secure random bytes.
pub fn fill_random(buf: &mut [u8]) -> Result<(), CryptoError> {
    SystemRandom::new().fill(buf)?;
    Ok(())
}

/// Returns an array of `N` cryptographically secure random bytes.
pub fn random_array<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut out = [0u8; N];
    fill_random(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn produces_distinct_values() {
        let a: [u8; 32] = random_array().unwrap();
        let b: [u8; 32] = random_array().unwrap();
        assert_ne!(a, b);
        let mut buf = [0u8; 0];
        fill_random(&mut buf).unwrap();
    }
}
