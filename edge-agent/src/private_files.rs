//! Keeping the agent's data to the agent's user: its data dir (0700 when the
//! agent makes it) and the files in it that hold secrets or staff PIN hashes
//! (0600): the database and its WAL and shared-memory files, the device
//! credential, a snapshot being downloaded.
//!
//! On Unix this is file modes; elsewhere the data dir's inherited access
//! control (a per-user or service profile) is what protects them, and these
//! functions do nothing beyond creating.

use std::fs::OpenOptions;
use std::io;
use std::path::Path;

/// Creates `dir` and any missing parents, each readable only by this user,
/// and narrows `dir` itself to this user when it exists with a wider mode (a
/// restored backup, a hand-made directory): its file names and the database
/// beside the credential are nobody else's business.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if std::fs::metadata(dir)?.permissions().mode() & 0o777 != 0o700 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// Options that create a file readable and writable only by this user.
pub fn options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Makes an existing file readable and writable only by this user: a mode
/// given at creation does not change a file made earlier, with another mode.
/// A file that is not there is left alone.
pub fn restrict(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::metadata(path) {
            Ok(meta) if meta.permissions().mode() & 0o777 != 0o600 => {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            }
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn dirs_and_files_are_the_users_alone() {
        let root = tempfile::tempdir().unwrap();
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let data = root.path().join("pos").join("data");
        create_dir(&data).unwrap();
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&root.path().join("pos")), 0o700);
        create_dir(&data).unwrap();
        assert_eq!(
            mode(root.path()),
            0o755,
            "an existing parent keeps its mode"
        );
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        create_dir(&data).unwrap();
        assert_eq!(mode(&data), 0o700, "a widened data dir is narrowed again");

        let file = data.join("f");
        options().write(true).create(true).open(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        restrict(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        restrict(&data.join("not there")).unwrap();
    }
}
