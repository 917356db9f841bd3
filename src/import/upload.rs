//! What an upload may be, decided from its bytes before GDAL sees them.
//!
//! An upload comes from a stranger. GDAL, asked to open a file with every
//! driver, follows what the file names: a VRT reads the paths and URLs in
//! its `SrcDataSource` (`CSV:/etc/passwd`, the atlas's own GeoPackage,
//! `/vsicurl/http://...`) and its `SrcSQL` picks the columns; a GeoPackage
//! may hold a spatialite virtual table (`VirtualText('/etc/passwd')`) that
//! SQLite fills from another file the moment GDAL lists the tables; GML may
//! resolve `xlink:href`s to local files; a GeoJSON `crs` link is fetched.
//! Whatever is read comes back in the import report (`'…' is not a whole
//! number`), dry run or not, or lands in a public field.
//!
//! So the atlas reads an upload in one of a few formats, and only as that
//! format:
//!
//! 1. **Sniffed, not named.** The format comes from the first bytes
//!    ([`sniff`]): SQLite → GeoPackage, `PK` → a zip, the FlatGeobuf magic,
//!    the OSM PBF header, `{` → GeoJSON, XML by its root element (GML, KML,
//!    OSM), text with a `.csv` name → CSV. A VRT, XML with a document type
//!    (entities), a lone Shapefile part and anything else are refused with a
//!    reason in the uploader's words. The name the client sent is only
//!    echoed (its last path part): the file is stored under a name of the
//!    atlas's (`upload.gpkg`), in a folder of its own, so no `CSV:` prefix,
//!    `/vsi` path or sibling `.csvt`/`.prj`/`.gfs` the client named can be
//!    what GDAL opens.
//! 2. **One driver.** GDAL opens the file with the allowed driver(s) of its
//!    sniffed format only ([`UploadFormat::drivers`], a subset of
//!    [`UPLOAD_DRIVERS`]): no VRT, no driver that reads other datasets.
//! 3. **The zip is the only archive.** A zip is opened as
//!    `/vsizip/{the stored upload}/{its .shp}` and must hold exactly one
//!    Shapefile: `.shp`, `.shx`, `.dbf` and the optional parts, each a
//!    plain file with a relative name (no `..`, no absolute path, no
//!    backslash, no link, no device, no encryption, no archive or VRT
//!    inside), `zip_listing.rs` reading the directory as GDAL will.
//! 4. **A GeoPackage holds tables.** Its `sqlite_master` is read with
//!    rusqlite (no GDAL, no spatialite, no modules) before GDAL opens it; a
//!    virtual table of any module but `rtree` (the spatial index) is
//!    refused. Views, triggers and generated columns stay possible, and
//!    `sandbox::UploadConfig` opens the file with `trusted_schema=OFF`, so
//!    they can call no function that reads files; SQLite itself forbids a
//!    view to name another database.
//! 5. **Nothing is followed while reading**: GML xlinks are not resolved nor
//!    schemas downloaded, LIBKML fetches no style, the GeoJSON `crs` member
//!    is read by the atlas itself (`geojson_crs.rs`) and a link refused, and
//!    the process's network is off (`sandbox::network_off`).
//!
//! One piece: every accepted format's sniffing and every refusal read the
//! same bytes with the same small reader, in the order written above.

use std::path::{Path, PathBuf};

use super::zip_listing::{list_members, MemberKind};

/// Every GDAL driver an upload may be read with.
pub const UPLOAD_DRIVERS: [&str; 9] = [
    "GPKG",
    "GeoJSON",
    "ESRI Shapefile",
    "FlatGeobuf",
    "CSV",
    "GML",
    "LIBKML",
    "KML",
    "OSM",
];

/// The most bytes a zipped Shapefile may unpack to.
pub const MAX_UNZIPPED_BYTES: u64 = 1 << 30;

/// How many leading bytes the sniffing looks at.
const SNIFF_BYTES: usize = 64 << 10;

/// The formats an upload may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadFormat {
    GeoPackage,
    GeoJson,
    ZippedShapefile,
    FlatGeobuf,
    Csv,
    Gml,
    Kml,
    OsmXml,
    OsmPbf,
}

impl UploadFormat {
    /// The GDAL drivers that may open it, in GDAL's order of preference.
    pub fn drivers(self) -> &'static [&'static str] {
        match self {
            UploadFormat::GeoPackage => &["GPKG"],
            UploadFormat::GeoJson => &["GeoJSON"],
            UploadFormat::ZippedShapefile => &["ESRI Shapefile"],
            UploadFormat::FlatGeobuf => &["FlatGeobuf"],
            UploadFormat::Csv => &["CSV"],
            UploadFormat::Gml => &["GML"],
            // LIBKML reads ExtendedData fields, KML only names and descriptions
            UploadFormat::Kml => &["LIBKML", "KML"],
            UploadFormat::OsmXml | UploadFormat::OsmPbf => &["OSM"],
        }
    }

    /// The name the atlas stores it under (GDAL's drivers go by extension).
    fn file_name(self) -> &'static str {
        match self {
            UploadFormat::GeoPackage => "upload.gpkg",
            UploadFormat::GeoJson => "upload.geojson",
            UploadFormat::ZippedShapefile => "upload.zip",
            UploadFormat::FlatGeobuf => "upload.fgb",
            UploadFormat::Csv => "upload.csv",
            UploadFormat::Gml => "upload.gml",
            UploadFormat::Kml => "upload.kml",
            UploadFormat::OsmXml => "upload.osm",
            UploadFormat::OsmPbf => "upload.osm.pbf",
        }
    }

    /// What to call it in a message.
    pub fn label(self) -> &'static str {
        match self {
            UploadFormat::GeoPackage => "a GeoPackage",
            UploadFormat::GeoJson => "GeoJSON",
            UploadFormat::ZippedShapefile => "a zipped Shapefile",
            UploadFormat::FlatGeobuf => "FlatGeobuf",
            UploadFormat::Csv => "CSV",
            UploadFormat::Gml => "GML",
            UploadFormat::Kml => "KML",
            UploadFormat::OsmXml | UploadFormat::OsmPbf => "OpenStreetMap data",
        }
    }
}

/// How GDAL is to open a checked upload: which drivers, which open options,
/// and the upload's folder for GDAL's temporary files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadSource {
    pub format: UploadFormat,
    pub open_options: Vec<String>,
    pub temp_dir: PathBuf,
}

/// An upload that may be read: where GDAL finds it and how to open it.
#[derive(Debug, Clone)]
pub struct CheckedUpload {
    /// The stored file, or `/vsizip/{stored zip}/{its .shp}`.
    pub gdal_path: PathBuf,
    pub source: UploadSource,
}

/// Why an upload is not read, in the uploader's words; never a server path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadRefused {
    #[error("the file is empty")]
    Empty,
    #[error("it is {0}, a format that makes the server read other files or addresses: send the data itself (GeoPackage, GeoJSON, zipped Shapefile, FlatGeobuf, CSV, GML, KML or OSM)")]
    ReferencingFormat(&'static str),
    #[error("its XML declares a document type (<!DOCTYPE or <!ENTITY), which can pull in other files: remove it")]
    XmlDocumentType,
    #[error("it is XML but not GML, KML or OpenStreetMap")]
    OtherXml,
    #[error("it is not a format the atlas takes: send a GeoPackage, GeoJSON, a zipped Shapefile, FlatGeobuf, CSV (named .csv), GML, KML or OSM file")]
    UnknownFormat,
    #[error(
        "a Shapefile is several files: send its .shp, .shx, .dbf and .prj together in one .zip"
    )]
    LoneShapefilePart,
    #[error("it is compressed: send the file itself, or a Shapefile as a .zip")]
    Compressed,
    #[error("the CSV header has no x and y (or lon and lat) columns and no WKT column, so its rows have no geometry")]
    CsvWithoutGeometry,
    #[error("the zip cannot be read: {0}")]
    BadZip(String),
    #[error("the zip holds a member ('{0}') whose name is absolute or leaves the archive")]
    ZipMemberName(String),
    #[error("the zip holds '{0}', which is a link, a device or a pipe, not a plain file")]
    ZipMemberNotAFile(String),
    #[error("the zip holds '{0}' encrypted or compressed with a method other than deflate")]
    ZipMemberUnreadable(String),
    #[error("the zip holds '{0}', an archive inside the archive")]
    NestedArchive(String),
    #[error("the zip holds '{0}', a VRT, which makes the server read other files")]
    ZipVrt(String),
    #[error("the zip holds '{0}', which is not part of a Shapefile")]
    NotShapefilePart(String),
    #[error("the zip holds '{0}' twice")]
    DuplicateMember(String),
    #[error("the zip holds no .shp")]
    NoShapefile,
    #[error("the zip holds several Shapefiles ({0}): send one per upload")]
    ManyShapefiles(String),
    #[error("the zip has '{shp}' but not its .{part}: put the .shp, .shx and .dbf (and .prj) side by side")]
    MissingShapefilePart { shp: String, part: &'static str },
    #[error("the zip unpacks to more than {} MiB", MAX_UNZIPPED_BYTES >> 20)]
    ZipTooLarge,
    #[error("the GeoPackage cannot be read: {0}")]
    BadGeoPackage(String),
    #[error("the GeoPackage's table '{table}' is a virtual table ({module}), which can read other files: only tables and their rtree index are taken")]
    VirtualTable { table: String, module: String },
}

impl UploadRefused {
    /// A short code for the refusal, for clients and tests.
    pub fn code(&self) -> &'static str {
        use UploadRefused as R;
        match self {
            R::Empty => "empty",
            R::ReferencingFormat(_) | R::ZipVrt(_) | R::VirtualTable { .. } => "references",
            R::XmlDocumentType => "xml_document_type",
            R::OtherXml | R::UnknownFormat | R::Compressed => "format",
            R::LoneShapefilePart | R::NoShapefile | R::ManyShapefiles(_) => "shapefile_parts",
            R::MissingShapefilePart { .. } => "shapefile_parts",
            R::CsvWithoutGeometry => "csv_geometry",
            R::BadZip(_) | R::ZipTooLarge => "zip",
            R::ZipMemberName(_) | R::ZipMemberNotAFile(_) | R::ZipMemberUnreadable(_) => {
                "zip_member"
            }
            R::NestedArchive(_) | R::NotShapefilePart(_) | R::DuplicateMember(_) => "zip_member",
            R::BadGeoPackage(_) => "geopackage",
        }
    }
}

/// An upload refused, or the atlas failing to store it.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error(transparent)]
    Refused(#[from] UploadRefused),
    #[error("cannot store the upload: {0}")]
    Io(#[from] std::io::Error),
}

/// Check the upload's bytes, store them in `dir` under the atlas's own name
/// and say how GDAL may open them. `original_name` (the client's) decides
/// nothing but whether text is CSV.
pub fn accept(bytes: &[u8], original_name: &str, dir: &Path) -> Result<CheckedUpload, UploadError> {
    let sniffed = sniff(bytes, original_name)?;
    let stored = dir.join(sniffed.format.file_name());
    std::fs::write(&stored, bytes)?;
    let gdal_path = match &sniffed.zip_shapefile {
        Some(member) => PathBuf::from(format!("/vsizip/{}/{member}", stored.display())),
        None => stored.clone(),
    };
    if sniffed.format == UploadFormat::GeoPackage {
        check_geopackage(&stored)?;
    }
    Ok(CheckedUpload {
        gdal_path,
        source: UploadSource {
            format: sniffed.format,
            open_options: sniffed.open_options,
            temp_dir: dir.to_path_buf(),
        },
    })
}

/// What the first bytes say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sniffed {
    pub format: UploadFormat,
    /// For a zip: the `.shp` member to open.
    pub zip_shapefile: Option<String>,
    pub open_options: Vec<String>,
}

impl Sniffed {
    fn plain(format: UploadFormat) -> Sniffed {
        Sniffed {
            format,
            zip_shapefile: None,
            open_options: Vec::new(),
        }
    }
}

/// The format of an upload from its bytes (the whole of them for a zip,
/// whose directory is at the end), or why it is refused.
pub fn sniff(bytes: &[u8], original_name: &str) -> Result<Sniffed, UploadRefused> {
    use UploadFormat as F;
    if bytes.is_empty() {
        return Err(UploadRefused::Empty);
    }
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    if head.starts_with(b"SQLite format 3\0") {
        return Ok(Sniffed::plain(F::GeoPackage));
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Ok(Sniffed {
            format: F::ZippedShapefile,
            zip_shapefile: Some(zipped_shapefile(bytes)?),
            open_options: Vec::new(),
        });
    }
    if head.len() >= 8 && &head[..3] == b"fgb" && &head[4..7] == b"fgb" {
        return Ok(Sniffed::plain(F::FlatGeobuf));
    }
    if head.len() >= 15 && head[4] == 0x0a && head[5] == 9 && &head[6..15] == b"OSMHeader" {
        return Ok(Sniffed::plain(F::OsmPbf));
    }
    if head.starts_with(&[0, 0, 0x27, 0x0a]) {
        return Err(UploadRefused::LoneShapefilePart);
    }
    let compressed: [&[u8]; 5] = [b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf", b"Rar!"];
    if compressed.iter().any(|magic| head.starts_with(magic)) {
        return Err(UploadRefused::Compressed);
    }
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('{') {
        return Ok(Sniffed::plain(F::GeoJson));
    }
    if text.starts_with('<') {
        return xml_format(text).map(Sniffed::plain);
    }
    if has_extension(original_name, &["csv"]) && !head.contains(&0) {
        return Ok(Sniffed {
            format: F::Csv,
            zip_shapefile: None,
            open_options: csv_open_options(text)?,
        });
    }
    if has_extension(original_name, &["shp", "shx", "dbf", "prj", "cpg"]) {
        return Err(UploadRefused::LoneShapefilePart);
    }
    Err(UploadRefused::UnknownFormat)
}

fn has_extension(name: &str, extensions: &[&str]) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| extensions.iter().any(|e| ext.eq_ignore_ascii_case(e)))
}

/// The XML format by its root element; a document type is refused outright
/// (external entities, entity expansion), and so is any VRT.
fn xml_format(text: &str) -> Result<UploadFormat, UploadRefused> {
    if text.contains("<!DOCTYPE") || text.contains("<!ENTITY") {
        return Err(UploadRefused::XmlDocumentType);
    }
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("<?") {
            rest = after.split_once("?>").map_or("", |(_, after)| after);
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->").map_or("", |(_, after)| after);
        } else {
            break;
        }
    }
    let Some(element) = rest.strip_prefix('<') else {
        return Err(UploadRefused::OtherXml);
    };
    let name = element
        .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .next()
        .unwrap_or("");
    let local = name.rsplit(':').next().unwrap_or(name);
    match local {
        "OGRVRTDataSource" | "VRTDataset" => Err(UploadRefused::ReferencingFormat("a GDAL VRT")),
        "GDAL_WMS" | "OGRWFSDataSource" | "WFS_Capabilities" => Err(
            UploadRefused::ReferencingFormat("a GDAL service description"),
        ),
        "kml" => Ok(UploadFormat::Kml),
        "osm" => Ok(UploadFormat::OsmXml),
        _ if local.ends_with("FeatureCollection")
            || text.contains("http://www.opengis.net/gml") =>
        {
            Ok(UploadFormat::Gml)
        }
        _ => Err(UploadRefused::OtherXml),
    }
}

/// The CSV driver's options for the header: a `WKT` column is found by
/// GDAL itself; else the x/y (lon/lat) columns are named.
fn csv_open_options(text: &str) -> Result<Vec<String>, UploadRefused> {
    let header = text.lines().next().unwrap_or("");
    let separator = [';', '\t', '|']
        .into_iter()
        .find(|separator| header.contains(*separator) && !header.contains(','))
        .unwrap_or(',');
    let columns: Vec<String> = header
        .split(separator)
        .map(|column| column.trim().trim_matches('"').to_string())
        .collect();
    let find = |names: &[&str]| {
        columns
            .iter()
            .find(|column| names.iter().any(|name| column.eq_ignore_ascii_case(name)))
            .cloned()
    };
    if find(&["wkt"]).is_some() {
        return Ok(Vec::new());
    }
    let x = find(&["x", "lon", "lng", "long", "longitude", "easting"]);
    let y = find(&["y", "lat", "latitude", "northing"]);
    match (x, y) {
        (Some(x), Some(y)) => Ok(vec![
            format!("X_POSSIBLE_NAMES={x}"),
            format!("Y_POSSIBLE_NAMES={y}"),
        ]),
        _ => Err(UploadRefused::CsvWithoutGeometry),
    }
}

/// The parts of a Shapefile (and its sidecars) a zip may hold.
const SHAPEFILE_PARTS: [&str; 11] = [
    "shp", "shx", "dbf", "prj", "cpg", "qpj", "qix", "sbn", "sbx", "fix", "xml",
];
/// Archive extensions, refused inside the zip (also as folder names, which
/// GDAL's `/vsizip/` would take for a nested archive).
const ARCHIVE_EXTENSIONS: [&str; 12] = [
    "zip", "shz", "kmz", "gz", "tgz", "tar", "7z", "rar", "bz2", "xz", "zst", "gpkg",
];

/// The one `.shp` member of a zip that passes every check.
fn zipped_shapefile(bytes: &[u8]) -> Result<String, UploadRefused> {
    let members = list_members(bytes).map_err(UploadRefused::BadZip)?;
    let mut unpacked: u64 = 0;
    let mut seen = std::collections::HashSet::new();
    let mut files = Vec::new();
    for member in &members {
        let name = member.name.as_str();
        check_member_name(name)?;
        if !seen.insert(name.to_lowercase()) {
            return Err(UploadRefused::DuplicateMember(name.into()));
        }
        match member.kind {
            MemberKind::Folder => continue,
            MemberKind::SymbolicLink | MemberKind::Special => {
                return Err(UploadRefused::ZipMemberNotAFile(name.into()))
            }
            MemberKind::File => {}
        }
        if member.encrypted || !matches!(member.method, 0 | 8) {
            return Err(UploadRefused::ZipMemberUnreadable(name.into()));
        }
        unpacked = unpacked.saturating_add(member.uncompressed_size);
        let base = name.rsplit('/').next().unwrap_or(name);
        // the resource forks macOS adds are ignored, after the checks above
        if name.starts_with("__MACOSX/") || base.starts_with("._") {
            continue;
        }
        let extension = base
            .rsplit_once('.')
            .map(|(_, ext)| ext.to_ascii_lowercase());
        match extension.as_deref() {
            Some("vrt") => return Err(UploadRefused::ZipVrt(name.into())),
            Some("xml") if !base.to_ascii_lowercase().ends_with(".shp.xml") => {
                return Err(UploadRefused::NotShapefilePart(name.into()))
            }
            Some(ext) if SHAPEFILE_PARTS.contains(&ext) => files.push(name),
            _ => return Err(UploadRefused::NotShapefilePart(name.into())),
        }
    }
    if unpacked > MAX_UNZIPPED_BYTES {
        return Err(UploadRefused::ZipTooLarge);
    }
    let shapefiles: Vec<&str> = files
        .iter()
        .copied()
        .filter(|name| has_extension(name, &["shp"]))
        .collect();
    let shp = match shapefiles.as_slice() {
        [] => return Err(UploadRefused::NoShapefile),
        [one] => *one,
        many => return Err(UploadRefused::ManyShapefiles(many.join(", "))),
    };
    let stem = &shp[..shp.len() - 4];
    for part in ["shx", "dbf"] {
        let present = files.iter().any(|name| {
            name.len() == stem.len() + 4
                && name.starts_with(stem)
                && name[stem.len()..].eq_ignore_ascii_case(&format!(".{part}"))
        });
        if !present {
            return Err(UploadRefused::MissingShapefilePart {
                shp: shp.into(),
                part,
            });
        }
    }
    Ok(shp.to_string())
}

/// A member name that stays inside the archive and means the same to GDAL
/// as to this check: relative, `/`-separated, no `.` or `..` parts, no
/// control characters, no part that looks like an archive.
fn check_member_name(name: &str) -> Result<(), UploadRefused> {
    // the name's last part only: the rest may be a path, which is not echoed
    let last = name
        .trim_end_matches('/')
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("");
    let refused = || UploadRefused::ZipMemberName(last.chars().take(100).collect());
    let path = name.strip_suffix('/').unwrap_or(name);
    if path.is_empty()
        || path.starts_with('/')
        || path.contains(['\\', ':'])
        || path.chars().any(char::is_control)
    {
        return Err(refused());
    }
    let parts: Vec<&str> = path.split('/').collect();
    for (index, part) in parts.iter().enumerate() {
        if part.is_empty() || *part == "." || *part == ".." {
            return Err(refused());
        }
        let is_folder = index + 1 < parts.len() || name.ends_with('/');
        if has_extension(part, &ARCHIVE_EXTENSIONS) {
            return Err(if is_folder {
                refused()
            } else {
                UploadRefused::NestedArchive(name.into())
            });
        }
    }
    Ok(())
}

/// The SQLite schema of a GeoPackage upload, read with rusqlite alone:
/// only plain tables, views, indexes, triggers and `rtree` virtual tables.
fn check_geopackage(path: &Path) -> Result<(), UploadRefused> {
    use rusqlite::OpenFlags;
    let bad = |error: rusqlite::Error| UploadRefused::BadGeoPackage(sqlite_reason(&error));
    let connection = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(bad)?;
    let mut statement = connection
        .prepare("SELECT type, name, coalesce(sql, '') FROM sqlite_master")
        .map_err(bad)?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .map_err(bad)?;
    for row in rows {
        let (kind, name, sql) = row.map_err(bad)?;
        if kind != "table" {
            continue;
        }
        if let Some(module) = virtual_table_module(&sql) {
            if !module.eq_ignore_ascii_case("rtree") {
                return Err(UploadRefused::VirtualTable {
                    table: name,
                    module,
                });
            }
        }
    }
    Ok(())
}

/// rusqlite's error without any path.
fn sqlite_reason(error: &rusqlite::Error) -> String {
    match error {
        rusqlite::Error::SqliteFailure(failure, _) => match failure.code {
            rusqlite::ErrorCode::NotADatabase => "it is not an SQLite database".into(),
            rusqlite::ErrorCode::DatabaseCorrupt => "it is corrupt".into(),
            _ => format!("SQLite says {:?}", failure.code),
        },
        _ => "its schema cannot be read".into(),
    }
}

/// The module of a `CREATE VIRTUAL TABLE` statement (`None` for any other
/// statement). A virtual table whose statement does not parse is reported
/// with the module `unknown`, and so refused.
fn virtual_table_module(sql: &str) -> Option<String> {
    let tokens = sql_tokens(sql);
    let keyword = |index: usize, word: &str| {
        tokens
            .get(index)
            .is_some_and(|token| token.eq_ignore_ascii_case(word))
    };
    if !(keyword(0, "CREATE") && keyword(1, "VIRTUAL") && keyword(2, "TABLE")) {
        return None;
    }
    let mut at = 3;
    if keyword(3, "IF") && keyword(4, "NOT") && keyword(5, "EXISTS") {
        at = 6;
    }
    at += 1; // the table name
    if tokens.get(at).is_some_and(|token| token == ".") {
        at += 2; // schema.name
    }
    let module = if keyword(at, "USING") {
        tokens
            .get(at + 1)
            .map(|module| module.trim_matches('"').to_string())
    } else {
        None
    };
    Some(module.unwrap_or_else(|| "unknown".into()))
}

/// SQL tokens: words, quoted names (as written, quotes kept), punctuation;
/// whitespace and comments dropped.
fn sql_tokens(sql: &str) -> Vec<String> {
    let chars: Vec<char> = sql.chars().collect();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < chars.len() && tokens.len() < 16 {
        let c = chars[at];
        if c.is_whitespace() {
            at += 1;
        } else if c == '-' && chars.get(at + 1) == Some(&'-') {
            while at < chars.len() && chars[at] != '\n' {
                at += 1;
            }
        } else if c == '/' && chars.get(at + 1) == Some(&'*') {
            at += 2;
            while at < chars.len() && !(chars[at] == '*' && chars.get(at + 1) == Some(&'/')) {
                at += 1;
            }
            at += 2;
        } else if let Some(close) = match c {
            '"' => Some('"'),
            '\'' => Some('\''),
            '`' => Some('`'),
            '[' => Some(']'),
            _ => None,
        } {
            let start = at;
            at += 1;
            loop {
                match chars.get(at) {
                    None => break,
                    Some(&next) if next == close => {
                        // a doubled quote is one quote inside the name
                        if close != ']' && chars.get(at + 1) == Some(&close) {
                            at += 2;
                        } else {
                            at += 1;
                            break;
                        }
                    }
                    Some(_) => at += 1,
                }
            }
            tokens.push(chars[start..at.min(chars.len())].iter().collect());
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let start = at;
            while at < chars.len()
                && (chars[at].is_alphanumeric() || matches!(chars[at], '_' | '$'))
            {
                at += 1;
            }
            tokens.push(chars[start..at].iter().collect());
        } else {
            tokens.push(c.to_string());
            at += 1;
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::super::zip_listing::tests::stored_zip;
    use super::*;

    const FILE: u32 = 0o100_644;

    fn refused(bytes: &[u8], name: &str) -> UploadRefused {
        sniff(bytes, name).expect_err(name)
    }

    #[test]
    fn the_format_comes_from_the_bytes_not_the_name() {
        let check = |bytes: &[u8], name: &str, format: UploadFormat| {
            assert_eq!(sniff(bytes, name).unwrap().format, format, "{name}");
        };
        check(
            b"\xef\xbb\xbf  {\"type\": \"FeatureCollection\"}",
            "x.csv",
            UploadFormat::GeoJson,
        );
        check(
            b"SQLite format 3\0....",
            "a.geojson",
            UploadFormat::GeoPackage,
        );
        check(b"fgb\x03fgb\x00....", "a", UploadFormat::FlatGeobuf);
        check(
            b"<?xml version=\"1.0\"?>\n<!-- made by hand -->\n<kml xmlns=\"http://www.opengis.net/kml/2.2\">",
            "a.gml",
            UploadFormat::Kml,
        );
        check(
            b"<wfs:FeatureCollection xmlns:wfs=\"x\">",
            "a.xml",
            UploadFormat::Gml,
        );
        check(b"<osm version=\"0.6\">", "a.xml", UploadFormat::OsmXml);
        check(b"name,lon,lat\nx,5.5,50.9\n", "a.CSV", UploadFormat::Csv);
    }

    #[test]
    fn a_vrt_or_an_xml_document_type_is_refused_whatever_its_name() {
        for name in ["a.vrt", "a.geojson", "a.gml", "CSV:/etc/passwd"] {
            assert_eq!(
                refused(
                    b"<OGRVRTDataSource><OGRVRTLayer name=\"x\"/></OGRVRTDataSource>",
                    name
                ),
                UploadRefused::ReferencingFormat("a GDAL VRT")
            );
        }
        assert_eq!(
            refused(b"<?xml version='1.0'?><!DOCTYPE r [<!ENTITY s SYSTEM 'file:///etc/passwd'>]><kml/>", "a.kml"),
            UploadRefused::XmlDocumentType
        );
        assert_eq!(
            refused(b"<html><body/></html>", "a.gml"),
            UploadRefused::OtherXml
        );
        assert_eq!(
            refused(b"CSV:/etc/passwd", "a.txt"),
            UploadRefused::UnknownFormat
        );
        assert_eq!(
            refused(b"\0\0\x27\x0a....", "a.shp"),
            UploadRefused::LoneShapefilePart
        );
        assert_eq!(
            refused(b"\x1f\x8b\x08", "a.geojson.gz"),
            UploadRefused::Compressed
        );
        assert_eq!(refused(b"", "a.gpkg"), UploadRefused::Empty);
        assert_eq!(
            refused(b"name,address\nx,y\n", "a.csv"),
            UploadRefused::CsvWithoutGeometry
        );
    }

    #[test]
    fn csv_coordinates_are_named_to_gdal() {
        let sniffed = sniff(b"id;Longitude;Latitude\n1;5.5;50.9\n", "a.csv").unwrap();
        assert_eq!(
            sniffed.open_options,
            ["X_POSSIBLE_NAMES=Longitude", "Y_POSSIBLE_NAMES=Latitude"]
        );
        assert!(sniff(b"id,WKT\n1,POINT (5 50)\n", "a.csv")
            .unwrap()
            .open_options
            .is_empty());
    }

    #[test]
    fn a_zipped_shapefile_is_found_with_its_parts() {
        let zip = stored_zip(&[
            ("wijken/", b"", 0o040_755),
            ("wijken/ggw7.shp", b"s", FILE),
            ("wijken/ggw7.SHX", b"x", FILE),
            ("wijken/ggw7.dbf", b"d", FILE),
            ("wijken/ggw7.prj", b"p", FILE),
            ("wijken/ggw7.shp.xml", b"<metadata/>", FILE),
            ("__MACOSX/wijken/._ggw7.shp", b"fork", FILE),
        ]);
        let sniffed = sniff(&zip, "wijken.zip").unwrap();
        assert_eq!(sniffed.format, UploadFormat::ZippedShapefile);
        assert_eq!(sniffed.zip_shapefile.as_deref(), Some("wijken/ggw7.shp"));
    }

    #[test]
    fn zip_members_that_leave_link_nest_or_reference_are_refused() {
        let shapefile = [
            ("a.shp", &b"s"[..], FILE),
            ("a.shx", b"x", FILE),
            ("a.dbf", b"d", FILE),
        ];
        let with = |extra: (&str, &[u8], u32)| {
            let mut members = shapefile.to_vec();
            members.push(extra);
            stored_zip(&members)
        };
        type Member<'a> = (&'a str, &'a [u8], u32);
        let cases: [(Member, &str); 10] = [
            (("../a.prj", b"p", FILE), "zip_member"),
            (("/etc/a.prj", b"p", FILE), "zip_member"),
            (("x/../../a.prj", b"p", FILE), "zip_member"),
            (("c:\\a.prj", b"p", FILE), "zip_member"),
            (("a.prj", b"/etc/passwd", 0o120_777), "zip_member"),
            (("inner.zip", b"PK", FILE), "zip_member"),
            (("inner.zip/b.shp", b"s", FILE), "zip_member"),
            (("a.vrt", b"<OGRVRTDataSource/>", FILE), "references"),
            (("readme.txt", b"hello", FILE), "zip_member"),
            (("A.SHP", b"s", FILE), "zip_member"),
        ];
        for (member, code) in cases {
            let error = refused(&with(member), "a.zip");
            assert_eq!(error.code(), code, "{}: {error}", member.0);
        }
        assert_eq!(
            refused(&stored_zip(&shapefile[..2]), "a.zip"),
            UploadRefused::MissingShapefilePart {
                shp: "a.shp".into(),
                part: "dbf"
            }
        );
        assert_eq!(
            refused(&stored_zip(&[("a.dbf", b"d", FILE)]), "a.zip"),
            UploadRefused::NoShapefile
        );
    }

    #[test]
    fn only_rtree_virtual_tables_pass() {
        assert_eq!(
            virtual_table_module(
                "CREATE VIRTUAL TABLE \"rtree_pts_geom\" USING rtree(id, minx, maxx, miny, maxy)"
            )
            .as_deref(),
            Some("rtree")
        );
        assert_eq!(virtual_table_module("CREATE TABLE pts (fid INTEGER)"), None);
        assert_eq!(
            virtual_table_module(
                "create /* x */ virtual table if not exists main.\"x USING rtree\" using VirtualText('/etc/passwd')"
            )
            .as_deref(),
            Some("VirtualText")
        );
        assert_eq!(
            virtual_table_module("CREATE VIRTUAL TABLE").as_deref(),
            Some("unknown")
        );
    }
}
