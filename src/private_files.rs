//! Files only their owner may read, as openssl makes a private key's: a folder made 0700 (with
//! its parents) when missing, and a file written 0600, whole or not at all (a temporary file
//! renamed over it). `keygen`'s private key and the TLS folder's CA and server keys use it.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Makes `dir` (and its parents) readable by its owner only, when missing; an existing folder
/// is left as it is.
pub fn create_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))
}

/// Writes `contents` to `path`, readable by its owner only, whole or not at all.
pub fn write(path: &Path, contents: &str) -> anyhow::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".partial");
    let temporary = PathBuf::from(temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temporary).and_then(|mut file| {
        file.write_all(contents.as_bytes())?;
        file.sync_all()
    });
    written
        .and_then(|()| std::fs::rename(&temporary, path))
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn folders_and_files_are_the_owners_only_and_a_file_is_replaced_whole() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        create_dir(&dir).unwrap();
        create_dir(&dir).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        let file = dir.join("key.pem");
        write(&file, "first").unwrap();
        write(&file, "second").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "second");
        assert_eq!(mode(&file), 0o600);
        assert!(!dir.join("key.pem.partial").exists());
        std::fs::write(root.path().join("plain"), "").unwrap();
        let refused = create_dir(&root.path().join("plain/keys")).unwrap_err();
        assert!(format!("{refused:#}").contains("creating "), "{refused:#}");
    }
}
