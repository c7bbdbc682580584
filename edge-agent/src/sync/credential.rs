//! The device credential this terminal received at enrollment, kept in its data dir.
//!
//! Written atomically (temporary file, fsync, rename) and readable only by the
//! agent's user, since the token lets its holder sell as this terminal.

use pos_shared::sync::DeviceCredential;
use std::io::Write;
use std::path::{Path, PathBuf};

const FILE_NAME: &str = "device.json";

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

/// The stored credential, if this terminal has enrolled.
pub fn load(data_dir: &Path) -> Result<Option<DeviceCredential>, String> {
    let path = path(data_dir);
    match std::fs::read(&path) {
        // A credential copied in or restored from a backup with a wider mode
        // is narrowed on load, not only when this agent writes it.
        Ok(bytes) => crate::private_files::restrict(&path)
            .map_err(|e| format!("cannot make {} private: {e}", path.display()))
            .and_then(|()| {
                serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                    format!(
                        "{} is damaged ({e}); remove it and enroll again",
                        path.display()
                    )
                })
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

pub fn save(data_dir: &Path, credential: &DeviceCredential) -> Result<(), String> {
    let path = path(data_dir);
    let tmp = data_dir.join(format!("{FILE_NAME}.tmp"));
    let json = serde_json::to_vec_pretty(credential).map_err(|e| e.to_string())?;
    let write = || -> std::io::Result<()> {
        let mut file = crate::private_files::options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        // A temporary file left by a crash keeps the mode it was made with.
        crate::private_files::restrict(&tmp)?;
        file.write_all(&json)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        Ok(())
    };
    write().map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pos_shared::{StoreId, TenantId, TerminalId};

    #[test]
    fn saves_and_loads_privately() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap(), None);
        let cred = DeviceCredential {
            tenant_id: TenantId::new(),
            store_id: StoreId::new(),
            terminal_id: TerminalId::new(),
            terminal_name: "Till 1".into(),
            receipt_prefix: "T1".into(),
            token: "dev_secret".into(),
        };
        save(dir.path(), &cred).unwrap();
        assert_eq!(load(dir.path()).unwrap(), Some(cred));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path(dir.path()))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let file = path(dir.path());
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
            load(dir.path()).unwrap();
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o777,
                0o600,
                "a widened credential is narrowed on load"
            );
        }
        std::fs::write(path(dir.path()), b"{not json").unwrap();
        assert!(load(dir.path()).unwrap_err().contains("enroll again"));
    }
}
