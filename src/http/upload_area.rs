//! Where a server keeps its uploads while it reads them: one folder of its
//! own under one atlas folder (`$TMPDIR/genk-atlas-uploads/server-*`), each
//! upload in a subfolder removed when its request ends, the server's folder
//! removed when the server stops.
//!
//! A server that is killed cannot clean up, so every server, when it starts,
//! removes the folders of servers that are gone. Which are gone is told by a
//! lock: each server holds an exclusive lock on `server-*/lock` for its life
//! (the kernel releases it when the process dies, however it dies), so a
//! folder whose lock can be taken belongs to nobody. Servers running side by
//! side (several tests in one process, several users' servers on one
//! machine) never remove each other's uploads.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// The lock file in each server's folder.
const LOCK_FILE: &str = "lock";
/// A running (or dead) server's folder.
const SERVER_PREFIX: &str = "server-";
/// A server's folder while it is made, before its lock is held.
const STARTING_PREFIX: &str = "starting-";
/// A folder without a held lock that may still be in the making is left
/// alone this long; after that it is a leftover.
const UNLOCKED_GRACE: std::time::Duration = std::time::Duration::from_secs(600);

/// This server's upload folder, held for the life of the server.
#[derive(Debug)]
pub struct UploadArea {
    dir: PathBuf,
    _lock: File,
}

impl UploadArea {
    /// `$TMPDIR/genk-atlas-uploads`.
    pub fn default_root() -> PathBuf {
        std::env::temp_dir().join("genk-atlas-uploads")
    }

    /// Make (or reuse) `root`, remove the folders of servers that are gone,
    /// and make this server's folder.
    pub fn start(root: &Path) -> io::Result<UploadArea> {
        match std::fs::symlink_metadata(root) {
            Ok(metadata) if metadata.is_dir() => {}
            Ok(_) => {
                return Err(io::Error::other(format!(
                    "{} is not a folder (a link?)",
                    root.display()
                )))
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                let mut builder = std::fs::DirBuilder::new();
                #[cfg(unix)]
                std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
                builder.recursive(true).create(root)?;
            }
            Err(error) => return Err(error),
        }
        let n_removed = remove_leftovers(root);
        if n_removed > 0 {
            tracing::info!(
                "removed the uploads of {n_removed} stopped server(s) from {}",
                root.display()
            );
        }
        // made under another name and locked before it is renamed into view,
        // so no other server starting at the same time takes it for a leftover
        let starting = tempfile::Builder::new()
            .prefix(STARTING_PREFIX)
            .tempdir_in(root)?
            .keep();
        let lock = File::create(starting.join(LOCK_FILE))?;
        lock.try_lock()
            .map_err(|error| io::Error::other(error.to_string()))?;
        let name = starting
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.strip_prefix(STARTING_PREFIX))
            .ok_or_else(|| io::Error::other("a temporary folder without its prefix"))?;
        let dir = root.join(format!("{SERVER_PREFIX}{name}"));
        std::fs::rename(&starting, &dir)?;
        Ok(UploadArea { dir, _lock: lock })
    }

    /// A fresh folder for one upload, removed when the returned value drops.
    pub fn upload_dir(&self) -> io::Result<tempfile::TempDir> {
        tempfile::Builder::new()
            .prefix("upload-")
            .tempdir_in(&self.dir)
    }

    /// This server's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for UploadArea {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Remove every `server-*` folder of `root` whose server is gone; returns
/// how many were removed. Errors are skipped: the next start tries again.
fn remove_leftovers(root: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(root) else {
        return 0;
    };
    let mut n_removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            continue;
        }
        let old = || {
            entry
                .metadata()
                .and_then(|metadata| metadata.modified())
                .ok()
                .and_then(|modified| modified.elapsed().ok())
                .is_some_and(|age| age > UNLOCKED_GRACE)
        };
        let gone = if name.starts_with(SERVER_PREFIX) {
            match File::open(path.join(LOCK_FILE)) {
                // taken at once: nobody holds it; released when `lock` drops
                Ok(lock) => lock.try_lock().is_ok(),
                Err(_) => old(),
            }
        } else {
            // a server that died while starting
            name.starts_with(STARTING_PREFIX) && old()
        };
        if gone && std::fs::remove_dir_all(&path).is_ok() {
            n_removed += 1;
        }
    }
    n_removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_killed_servers_uploads_are_removed_and_a_running_ones_kept() {
        let root = tempfile::tempdir().unwrap();
        let running = UploadArea::start(root.path()).unwrap();
        let upload = running.upload_dir().unwrap();
        std::fs::write(upload.path().join("upload.geojson"), "{}").unwrap();
        // a server that died: its folder and lock file remain, unlocked
        let dead = root.path().join("server-dead");
        std::fs::create_dir_all(dead.join("upload-1")).unwrap();
        std::fs::write(dead.join(LOCK_FILE), "").unwrap();
        std::fs::write(dead.join("upload-1/upload.gpkg"), "x").unwrap();
        let second = UploadArea::start(root.path()).unwrap();
        assert!(!dead.exists(), "the dead server's uploads are gone");
        assert!(
            upload.path().join("upload.geojson").exists(),
            "a live one's stay"
        );
        assert_ne!(second.dir(), running.dir());
        let (first_dir, second_dir) = (running.dir().to_path_buf(), second.dir().to_path_buf());
        drop(upload);
        drop(running);
        assert!(!first_dir.exists() && second_dir.exists());
    }
}
