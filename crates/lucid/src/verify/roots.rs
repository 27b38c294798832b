//! Root stores: the trust anchors a chain must lead to.

use std::path::{Path, PathBuf};

use rustls_pki_types::{CertificateDer, TrustAnchor};

use super::describe::wrap_sequence;
use super::pem::{load_certs_pem, read_file, LoadError};

/// Trust anchors plus the DER subject names of the roots (for the
/// `certificate_authorities` list of a CertificateRequest).
///
/// ```
/// use lucid::verify::RootStore;
/// let roots = RootStore::webpki_roots();
/// assert!(!roots.is_empty());
/// assert_eq!(roots.len(), roots.subjects().len());
/// ```
#[derive(Clone, Debug, Default)]
pub struct RootStore {
    anchors: Vec<TrustAnchor<'static>>,
    subjects: Vec<Vec<u8>>,
}

impl RootStore {
    /// A store that trusts nothing.
    ///
    /// ```
    /// assert!(lucid::verify::RootStore::empty().is_empty());
    /// ```
    pub fn empty() -> Self {
        Self::default()
    }

    /// Trust one DER certificate as a root. Adding the same root twice is a no-op.
    ///
    /// ```
    /// use lucid::verify::RootStore;
    /// use rustls_pki_types::CertificateDer;
    /// let mut roots = RootStore::empty();
    /// assert!(roots.add_der(&CertificateDer::from(vec![0x30, 0x00])).is_err());
    /// ```
    pub fn add_der(&mut self, der: &CertificateDer<'_>) -> Result<(), LoadError> {
        let anchor =
            webpki::anchor_from_trusted_cert(der).map_err(|e| LoadError::BadCertificate {
                what: "a trusted root".into(),
                reason: format!("webpki cannot use it as a trust anchor ({e})"),
            })?;
        self.push(anchor.to_owned());
        Ok(())
    }

    /// Every certificate in a PEM file becomes a root; a file without certificates
    /// is an error.
    ///
    /// ```
    /// use lucid::verify::RootStore;
    /// assert!(RootStore::from_pem_file("/no/such/ca.pem".as_ref()).is_err());
    /// ```
    pub fn from_pem_file(path: &Path) -> Result<Self, LoadError> {
        let bytes = read_file(path)?;
        Self::from_pem_named(&bytes, &path.display().to_string())
    }

    /// Every certificate in PEM text becomes a root; text without certificates is an
    /// error.
    ///
    /// ```
    /// use lucid::verify::{LoadError, RootStore};
    /// assert!(matches!(RootStore::from_pem(b""), Err(LoadError::NoCertificates { .. })));
    /// ```
    pub fn from_pem(pem: &[u8]) -> Result<Self, LoadError> {
        Self::from_pem_named(pem, "the CA certificates")
    }

    /// The Mozilla root program's roots, as shipped by the `webpki-roots` crate.
    ///
    /// ```
    /// assert!(lucid::verify::RootStore::webpki_roots().len() > 50);
    /// ```
    pub fn webpki_roots() -> Self {
        let mut store = Self::empty();
        for anchor in webpki_roots::TLS_SERVER_ROOTS {
            store.push(anchor.to_owned());
        }
        store
    }

    /// The operating system's store.
    ///
    /// Looks, in order, at the `SSL_CERT_FILE` environment variable (a PEM bundle),
    /// `SSL_CERT_DIR` (directories separated by `:`, every PEM file in them),
    /// `/etc/ssl/certs/ca-certificates.crt`, and finally every PEM file under
    /// `/etc/ssl/certs`. Files in directories that hold no certificates are skipped;
    /// finding no root at all is an error.
    ///
    /// ```no_run
    /// let roots = lucid::verify::RootStore::system().expect("system roots");
    /// println!("{} roots", roots.len());
    /// ```
    pub fn system() -> Result<Self, LoadError> {
        if let Some(file) = std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty()) {
            return Self::from_pem_file(Path::new(&file));
        }
        if let Some(dirs) = std::env::var_os("SSL_CERT_DIR").filter(|v| !v.is_empty()) {
            let dirs: Vec<PathBuf> = std::env::split_paths(&dirs).collect();
            return Self::from_dirs(&dirs);
        }
        let bundle = Path::new("/etc/ssl/certs/ca-certificates.crt");
        if bundle.is_file() {
            return Self::from_pem_file(bundle);
        }
        Self::from_dirs(&[PathBuf::from("/etc/ssl/certs")])
    }

    /// How many roots the store holds.
    ///
    /// ```
    /// assert_eq!(lucid::verify::RootStore::empty().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether the store holds no roots.
    ///
    /// ```
    /// assert!(lucid::verify::RootStore::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// The trust anchors, for webpki.
    ///
    /// ```
    /// let roots = lucid::verify::RootStore::webpki_roots();
    /// assert_eq!(roots.anchors().len(), roots.len());
    /// ```
    pub fn anchors(&self) -> &[TrustAnchor<'static>] {
        &self.anchors
    }

    /// The DER-encoded `Name` (full SEQUENCE) of each root, in the same order as
    /// [`anchors`](Self::anchors).
    ///
    /// ```
    /// let roots = lucid::verify::RootStore::webpki_roots();
    /// assert!(roots.subjects().iter().all(|s| s.first() == Some(&0x30)));
    /// ```
    pub fn subjects(&self) -> &[Vec<u8>] {
        &self.subjects
    }

    fn from_pem_named(pem: &[u8], what: &str) -> Result<Self, LoadError> {
        let mut store = Self::empty();
        for cert in load_certs_pem(pem, what)? {
            store.add_der(&cert).map_err(|e| match e {
                LoadError::BadCertificate { reason, .. } => LoadError::BadCertificate {
                    what: what.into(),
                    reason,
                },
                other => other,
            })?;
        }
        Ok(store)
    }

    /// Every usable certificate in every regular file of `dirs`.
    pub(crate) fn from_dirs(dirs: &[PathBuf]) -> Result<Self, LoadError> {
        let mut store = Self::empty();
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            paths.sort();
            for path in paths.iter().filter(|p| p.is_file()) {
                let Ok(bytes) = std::fs::read(path) else {
                    continue;
                };
                let Ok(certs) = load_certs_pem(&bytes, &path.display().to_string()) else {
                    continue;
                };
                for cert in &certs {
                    // A file that is not a usable root is skipped, like OpenSSL does.
                    let _ = store.add_der(cert);
                }
            }
        }
        if store.is_empty() {
            let listed: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
            return Err(LoadError::NoCertificates {
                what: listed.join(", "),
            });
        }
        Ok(store)
    }

    fn push(&mut self, anchor: TrustAnchor<'static>) {
        if self.anchors.contains(&anchor) {
            return;
        }
        self.subjects.push(wrap_sequence(anchor.subject.as_ref()));
        self.anchors.push(anchor);
    }
}
