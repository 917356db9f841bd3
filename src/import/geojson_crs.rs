//! The CRS a GeoJSON file declares in its legacy (2008) `crs` member, read
//! before GDAL opens the file.
//!
//! GDAL reads a `crs` it does not understand (an unknown name, a code PROJ
//! lacks) as WGS 84, silently, and follows a `crs` of type `link` or `url`
//! to wherever it points. The atlas never guesses a CRS and never follows a
//! link from a file: [`declared_crs`] says what the member declares, and the
//! import refuses a link and an unknown CRS unless `--crs` overrides it.
//! The file is scanned, not loaded: everything but the top-level `crs`
//! member is skipped as it is read.

use std::io::Read;

use serde::Deserialize;

/// What a GeoJSON file's top-level `crs` member declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeclaredCrs {
    /// No `crs` member: WGS 84 longitude, latitude, by RFC 7946.
    Absent,
    /// An EPSG code (`EPSG:31370`, `urn:ogc:def:crs:EPSG::31370`, ...).
    Epsg(u32),
    /// OGC CRS84 (WGS 84 longitude, latitude).
    Crs84,
    /// A `link` or `url` to a CRS elsewhere, which the atlas does not follow.
    Link,
    /// A member the atlas cannot read as a CRS.
    Unknown,
}

#[derive(Deserialize)]
struct TopLevel {
    #[serde(default)]
    crs: Option<serde_json::Value>,
}

/// The CRS the GeoJSON text declares; `Err` when it is not a JSON object.
pub fn declared_crs(reader: impl Read) -> Result<DeclaredCrs, String> {
    let top: TopLevel = serde_json::from_reader(std::io::BufReader::with_capacity(1 << 16, reader))
        .map_err(|error| format!("not a JSON object ({error})"))?;
    Ok(match top.crs {
        None | Some(serde_json::Value::Null) => DeclaredCrs::Absent,
        Some(crs) => of_member(&crs),
    })
}

fn of_member(crs: &serde_json::Value) -> DeclaredCrs {
    let kind = crs["type"].as_str().unwrap_or("").to_ascii_lowercase();
    let properties = &crs["properties"];
    match kind.as_str() {
        "link" | "url" => DeclaredCrs::Link,
        "name" => properties["name"]
            .as_str()
            .map_or(DeclaredCrs::Unknown, of_name),
        "epsg" => properties["code"]
            .as_u64()
            .or_else(|| properties["code"].as_str().and_then(|c| c.parse().ok()))
            .and_then(|code| u32::try_from(code).ok())
            .map_or(DeclaredCrs::Unknown, DeclaredCrs::Epsg),
        _ => DeclaredCrs::Unknown,
    }
}

/// A CRS name in one of the forms GeoJSON files use.
fn of_name(name: &str) -> DeclaredCrs {
    let name = name.trim();
    let lower = name.to_ascii_lowercase();
    if [
        "urn:ogc:def:crs:ogc:1.3:crs84",
        "urn:ogc:def:crs:ogc::crs84",
        "ogc:crs84",
        "crs84",
    ]
    .contains(&lower.as_str())
        || lower == "http://www.opengis.net/def/crs/ogc/1.3/crs84"
    {
        return DeclaredCrs::Crs84;
    }
    let code = if let Some(rest) = lower.strip_prefix("urn:ogc:def:crs:epsg:") {
        // urn:ogc:def:crs:EPSG::31370 or with a version, EPSG:6.6:31370
        rest.rsplit(':').next()
    } else if let Some(rest) = lower.strip_prefix("http://www.opengis.net/def/crs/epsg/") {
        rest.rsplit('/').next()
    } else if let Some(rest) = lower.strip_prefix("http://www.opengis.net/gml/srs/epsg.xml#") {
        Some(rest)
    } else {
        lower.strip_prefix("epsg:")
    };
    code.and_then(|code| code.parse().ok())
        .map_or(DeclaredCrs::Unknown, DeclaredCrs::Epsg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: DeclaredCrs) {
        assert_eq!(declared_crs(text.as_bytes()).unwrap(), expected, "{text}");
    }

    fn named(name: &str) -> String {
        format!(
            r#"{{"type": "FeatureCollection", "features": [{{"type": "Feature", "geometry": null, "properties": {{"crs": 1}}}}],
               "crs": {{"type": "name", "properties": {{"name": "{name}"}}}}}}"#
        )
    }

    #[test]
    fn the_common_ways_of_naming_a_crs_are_read() {
        check(
            r#"{"type": "FeatureCollection", "features": []}"#,
            DeclaredCrs::Absent,
        );
        check(&named("EPSG:31370"), DeclaredCrs::Epsg(31370));
        check(
            &named("urn:ogc:def:crs:EPSG::31370"),
            DeclaredCrs::Epsg(31370),
        );
        check(
            &named("urn:ogc:def:crs:EPSG:6.6:4326"),
            DeclaredCrs::Epsg(4326),
        );
        check(
            &named("http://www.opengis.net/def/crs/EPSG/0/3812"),
            DeclaredCrs::Epsg(3812),
        );
        check(&named("urn:ogc:def:crs:OGC:1.3:CRS84"), DeclaredCrs::Crs84);
        check(
            r#"{"crs": {"type": "EPSG", "properties": {"code": 31370}}}"#,
            DeclaredCrs::Epsg(31370),
        );
    }

    #[test]
    fn a_link_or_an_unknown_name_is_not_taken_for_wgs84() {
        check(
            r#"{"crs": {"type": "link", "properties": {"href": "http://example.org/crs", "type": "ogcwkt"}}}"#,
            DeclaredCrs::Link,
        );
        check(&named("Belgian Lambert"), DeclaredCrs::Unknown);
        check(&named("/etc/passwd"), DeclaredCrs::Unknown);
        check(r#"{"crs": 7}"#, DeclaredCrs::Unknown);
        assert!(declared_crs(&b"[1, 2]"[..]).is_err());
    }
}
