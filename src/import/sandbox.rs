//! How far GDAL may reach from a file it reads: the network switch for the
//! whole process, and the configuration an upload is read under.
//!
//! # Network
//!
//! GDAL 3.6 has no switch that turns its network access off (`GDAL_HTTP_ENABLE`
//! and friends came later), and a file can make it go online in two ways:
//! `CPLHTTPFetch` (a GeoJSON `crs` link, a GML schema download, any driver's
//! HTTP request) and the network file systems (`/vsicurl/`, `/vsis3/`, ...),
//! which a VRT, a GML schema location or a path names. [`network_off`]
//! closes both for the life of the process: a fetch callback answers every
//! `CPLHTTPFetch` with an error (GDAL falls back to curl only when the
//! callback declines, so it never declines), and a handler that opens and
//! finds nothing replaces every network file system GDAL registered. It is
//! irreversible on purpose: `atlas serve` calls it at start and before every
//! upload, `atlas import` unless `--allow-network`.
//!
//! # Uploads
//!
//! [`UploadConfig`] sets, on the reading thread and only while it lives, the
//! options that keep an allowed driver from following what a file names:
//! GML never resolves `xlink:href` nor downloads a schema, SQLite (under the
//! GeoPackage driver) runs with `trusted_schema=OFF` (a view, trigger,
//! generated column or default may call only functions SQLite deems
//! innocuous: no spatialite `BlobFromFile`, no `load_extension`) and loads no
//! extensions, LIBKML resolves no external style, and every temporary file
//! (the OSM driver's index) goes into the upload's own folder.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::sync::Once;

/// The prefixes of GDAL's file systems that reach the network.
const NETWORK_MARKERS: [&str; 9] = [
    "curl", "s3", "gs", "az", "adls", "oss", "swift", "webhdfs", "hdfs",
];

/// Whether a GDAL file system prefix (`/vsicurl/`) reaches the network.
fn is_network_prefix(prefix: &str) -> bool {
    let name = prefix.trim_matches('/').trim_start_matches("vsi");
    let name = name.strip_suffix("_streaming").unwrap_or(name);
    NETWORK_MARKERS.contains(&name)
}

/// Whether a path given to GDAL would read from the network: a URL, or a
/// network file system anywhere in it (`/vsizip//vsicurl/http://...`).
pub fn is_network_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    if lower.contains("://") {
        return true;
    }
    lower.match_indices("/vsi").any(|(at, _)| {
        let rest = &lower[at + 1..];
        let prefix = rest.split('/').next().unwrap_or("");
        is_network_prefix(prefix)
    })
}

/// `CPLHTTPResult` of `cpl_http.h` (not in gdal-sys's bindings).
#[repr(C)]
struct CplHttpResult {
    n_status: c_int,
    content_type: *mut c_char,
    error_buffer: *mut c_char,
    n_data_len: c_int,
    n_data_alloc: c_int,
    data: *mut u8,
    headers: *mut *mut c_char,
    n_mime_parts: c_int,
    mime_parts: *mut c_void,
}

type FetchCallback = unsafe extern "C" fn(
    url: *const c_char,
    options: *const *const c_char,
    progress: *mut c_void,
    progress_arg: *mut c_void,
    write: *mut c_void,
    write_arg: *mut c_void,
    user_data: *mut c_void,
) -> *mut CplHttpResult;

extern "C" {
    fn CPLHTTPSetFetchCallback(callback: Option<FetchCallback>, user_data: *mut c_void);
}

/// Every `CPLHTTPFetch` fails with this, without a connection.
const REFUSAL: &CStr = c"network access is off in the atlas";

unsafe extern "C" fn refuse_fetch(
    url: *const c_char,
    _options: *const *const c_char,
    _progress: *mut c_void,
    _progress_arg: *mut c_void,
    _write: *mut c_void,
    _write_arg: *mut c_void,
    _user_data: *mut c_void,
) -> *mut CplHttpResult {
    if !url.is_null() {
        // SAFETY: GDAL passes a NUL-terminated URL
        let url = unsafe { CStr::from_ptr(url) }.to_string_lossy();
        tracing::warn!("refused a GDAL network request for {url}");
    }
    // SAFETY: GDAL frees the result with CPLHTTPDestroyResult, that is with
    // VSIFree for the struct and its strings: allocate with GDAL's own
    // allocator. A zeroed struct is a valid empty result.
    unsafe {
        let result =
            gdal_sys::VSICalloc(1, std::mem::size_of::<CplHttpResult>()) as *mut CplHttpResult;
        if !result.is_null() {
            (*result).n_status = 1;
            (*result).error_buffer = gdal_sys::CPLStrdup(REFUSAL.as_ptr());
        }
        result
    }
}

unsafe extern "C" fn open_nothing(
    _user_data: *mut c_void,
    _file_name: *const c_char,
    _access: *const c_char,
) -> *mut c_void {
    std::ptr::null_mut()
}

unsafe extern "C" fn stat_nothing(
    _user_data: *mut c_void,
    _file_name: *const c_char,
    _stat: *mut gdal_sys::VSIStatBufL,
    _flags: c_int,
) -> c_int {
    -1
}

static NETWORK_OFF: Once = Once::new();

/// Turn GDAL's network access off for the rest of the process (see the
/// module doc). Idempotent and cheap after the first call.
pub fn network_off() {
    NETWORK_OFF.call_once(|| {
        // SAFETY: GDAL copies the callbacks struct when installing a
        // handler; the prefixes list is GDAL's and freed with CSLDestroy.
        unsafe {
            CPLHTTPSetFetchCallback(Some(refuse_fetch), std::ptr::null_mut());
            gdal_sys::GDALAllRegister();
            let list = gdal_sys::VSIGetFileSystemsPrefixes();
            let mut prefixes = Vec::new();
            if !list.is_null() {
                let mut at = 0;
                while !(*list.add(at)).is_null() {
                    prefixes.push(CStr::from_ptr(*list.add(at)).to_string_lossy().into_owned());
                    at += 1;
                }
                gdal_sys::CSLDestroy(list);
            }
            let callbacks = gdal_sys::VSIAllocFilesystemPluginCallbacksStruct();
            if callbacks.is_null() {
                tracing::error!("cannot turn GDAL's network file systems off");
                return;
            }
            (*callbacks).open = Some(open_nothing);
            (*callbacks).stat = Some(stat_nothing);
            for prefix in prefixes.iter().filter(|prefix| is_network_prefix(prefix)) {
                if let Ok(prefix) = CString::new(prefix.as_str()) {
                    gdal_sys::VSIInstallPluginHandler(prefix.as_ptr(), callbacks);
                }
            }
            gdal_sys::VSIFreeFilesystemPluginCallbacksStruct(callbacks);
        }
        tracing::debug!("GDAL network access is off");
    });
}

/// The thread-local GDAL options an upload is opened and read under (see
/// the module doc); the thread's previous values come back on drop. Create
/// it on the thread that opens the dataset, and keep it while reading.
pub struct UploadConfig {
    previous: Vec<(CString, Option<CString>)>,
    /// Thread-local: the guard must be dropped on the thread that made it.
    _same_thread: std::marker::PhantomData<*const ()>,
}

impl UploadConfig {
    /// `temp_dir`: the upload's own folder, for GDAL's temporary files.
    pub fn apply(temp_dir: &std::path::Path) -> UploadConfig {
        let temp_dir = temp_dir.to_string_lossy().into_owned();
        let options: [(&str, &str); 9] = [
            ("GML_SKIP_RESOLVE_ELEMS", "ALL"),
            ("GML_DOWNLOAD_WFS_SCHEMA", "NO"),
            ("GML_GFS_TEMPLATE", ""),
            ("GML_REGISTRY", ""),
            ("OGR_SQLITE_PRAGMA", "trusted_schema=OFF"),
            ("OGR_SQLITE_LOAD_EXTENSIONS", ""),
            ("LIBKML_RESOLVE_STYLE", "NO"),
            ("LIBKML_EXTERNAL_STYLE", "NO"),
            ("CPL_TMPDIR", &temp_dir),
        ];
        let mut previous = Vec::with_capacity(options.len());
        for (key, value) in options {
            let (Ok(key), Ok(value)) = (CString::new(key), CString::new(value)) else {
                continue;
            };
            // SAFETY: thread-local GDAL configuration; GDAL copies the values
            unsafe {
                let old = gdal_sys::CPLGetThreadLocalConfigOption(key.as_ptr(), std::ptr::null());
                let old = (!old.is_null()).then(|| CStr::from_ptr(old).to_owned());
                gdal_sys::CPLSetThreadLocalConfigOption(key.as_ptr(), value.as_ptr());
                previous.push((key, old));
            }
        }
        UploadConfig {
            previous,
            _same_thread: std::marker::PhantomData,
        }
    }
}

impl Drop for UploadConfig {
    fn drop(&mut self) {
        for (key, old) in self.previous.drain(..).rev() {
            let old_ptr = old.as_ref().map_or(std::ptr::null(), |old| old.as_ptr());
            // SAFETY: as in `apply`, on the same thread (the guard is !Send)
            unsafe { gdal_sys::CPLSetThreadLocalConfigOption(key.as_ptr(), old_ptr) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;

    #[test]
    fn network_paths_are_recognised_wherever_they_hide() {
        for path in [
            "/vsicurl/http://example.org/a.geojson",
            "/vsizip//vsicurl/http://x/a.zip/a.shp",
            "/VSIS3/bucket/a.gpkg",
            "/vsigs_streaming/bucket/a.fgb",
            "https://example.org/a.geojson",
            "WFS:http://example.org/wfs",
        ] {
            assert!(is_network_path(path), "{path}");
        }
        for path in [
            "/data/wijken.shp",
            "/vsizip//data/a.zip/a.shp",
            "wijken.geojson",
        ] {
            assert!(!is_network_path(path), "{path}");
        }
    }

    /// No connection reaches a listener of ours, through either door.
    #[test]
    fn with_the_network_off_gdal_connects_to_nothing() {
        network_off();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap();
        let url = format!("/vsicurl/http://{address}/a.geojson");
        assert!(gdal::Dataset::open(&url).is_err());
        let mut buffer = [0u8; 16];
        let fetched =
            gdal::spatial_ref::SpatialRef::from_definition(&format!("http://{address}/crs.wkt"));
        assert!(fetched.is_err());
        match listener.accept() {
            Ok((mut stream, _)) => {
                let _ = stream.read(&mut buffer);
                panic!("GDAL connected to {address}");
            }
            Err(error) => assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock),
        }
    }
}
