//! The tile endpoints: vector tiles, TileJSON per layer and the map style.
//!
//! `GET /tiles/{layer}/{z}/{x}/{y}.mvt` parses the path into a `TileCoord`
//! (bad numbers are a 400 naming the part, an unknown layer or a missing
//! `.mvt` a 404), answers from the application's tile cache
//! (`app/tile_cache.rs`), or renders the tile in `spawn_blocking` and
//! caches it (gzip-compressed once, when gzip is asked for, from the
//! identity bytes). Answers carry an ETag (XXH3 of the tile bytes) and
//! honour `If-None-Match` (304) and `Accept-Encoding: gzip`; an empty tile
//! is a 204. A change drops exactly the cached tiles it touches (`app/`).

use std::io::Write;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use super::error::{ApiError, ApiPath};
use super::layers::parse_layer;
use super::tile_cache::{CachedTile, TileEncoding, TileKey, TileSource};
use super::AppState;
use crate::engine::Engine;
use crate::tiles::{render_tile, style, tilejson, TileCoord};

/// The media type of Mapbox vector tiles.
pub const MVT_CONTENT_TYPE: &str = "application/vnd.mapbox-vector-tile";

/// Tiles change when features are written, so clients keep them but ask
/// again each time; the ETag makes asking again a cheap 304.
pub const TILE_CACHE_CONTROL: &str = "public, no-cache";

/// The gzip level: the fastest. On the demo's largest tile (375 KB of
/// parcels at z14) level 1 takes 3 ms and level 6 23 ms, for 12% fewer bytes;
/// an uncached request waits for it.
const GZIP_LEVEL: u32 = 1;

pub(crate) fn parse_tile_number(part: &str, text: &str) -> Result<u32, ApiError> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(ApiError::bad_request(
            part,
            format!("'{text}' is not a whole number"),
        ));
    }
    text.parse()
        .map_err(|_| ApiError::bad_request(part, format!("'{text}' is too large")))
}

/// `z`, `x` and `y.mvt` from the path, checked.
pub fn parse_tile(z: &str, x: &str, y_file: &str) -> Result<TileCoord, ApiError> {
    let y = y_file.strip_suffix(".mvt").ok_or_else(|| {
        ApiError::NotFound(format!(
            "no such tile '{y_file}': tile paths end in .mvt, as in /tiles/parcels/14/8442/5487.mvt"
        ))
    })?;
    let (z, x, y) = (
        parse_tile_number("z", z)?,
        parse_tile_number("x", x)?,
        parse_tile_number("y", y)?,
    );
    TileCoord::new_checked(z, x, y)
        .map_err(|error| ApiError::bad_request(error.part(), error.to_string()))
}

/// Whether the client takes gzip (`gzip` or `*` with a non-zero quality).
pub(super) fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let quality = parts
                .filter_map(|param| param.trim().strip_prefix("q="))
                .filter_map(|q| q.trim().parse::<f32>().ok())
                .next()
                .unwrap_or(1.0);
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && quality > 0.0
        })
}

/// Whether `If-None-Match` names this ETag (weak comparison) or is `*`.
pub(super) fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim())
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3 + 64),
        flate2::Compression::new(GZIP_LEVEL),
    );
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// The identity encoding of a tile: its bytes and an ETag from their
/// 64-bit XXH3 hash (fast on tiles of hundreds of KB).
fn identity_encoding(body: Option<Vec<u8>>) -> CachedTile {
    let hash = xxhash_rust::xxh3::xxh3_64(body.as_deref().unwrap_or_default());
    CachedTile {
        body: body.map(Bytes::from),
        etag: format!("\"{hash:016x}\"").into(),
    }
}

/// The gzip encoding of a tile from its identity encoding; its ETag is the
/// identity ETag with `-gzip`.
fn gzip_encoding(identity: &CachedTile) -> std::io::Result<CachedTile> {
    let body = identity.body.as_deref().map(gzip).transpose()?;
    let etag = format!("{}-gzip\"", identity.etag.trim_end_matches('"'));
    Ok(CachedTile {
        body: body.map(Bytes::from),
        etag: etag.into(),
    })
}

/// What a cache miss makes: the tile rendered (identity, plus gzip when it
/// is asked for), or only gzip when the identity tile is cached already.
fn make_encodings(
    render: impl FnOnce() -> Result<Option<Vec<u8>>, ApiError>,
    wanted: TileEncoding,
    cached_identity: Option<CachedTile>,
) -> Result<Vec<(TileEncoding, CachedTile)>, ApiError> {
    if let Some(identity) = cached_identity {
        return Ok(vec![(
            TileEncoding::Gzip,
            gzip_encoding(&identity).map_err(ApiError::internal)?,
        )]);
    }
    let identity = identity_encoding(render()?);
    let mut encodings = Vec::with_capacity(2);
    if wanted == TileEncoding::Gzip {
        encodings.push((
            TileEncoding::Gzip,
            gzip_encoding(&identity).map_err(ApiError::internal)?,
        ));
    }
    encodings.push((TileEncoding::Identity, identity));
    Ok(encodings)
}

fn static_header(value: &'static str) -> HeaderValue {
    HeaderValue::from_static(value)
}

fn tile_response(cached: CachedTile, encoding: TileEncoding, headers: &HeaderMap) -> Response {
    let mut response_headers = HeaderMap::new();
    response_headers.insert(header::CACHE_CONTROL, static_header(TILE_CACHE_CONTROL));
    response_headers.insert(header::VARY, static_header("accept-encoding"));
    let Some(body) = cached.body else {
        return (StatusCode::NO_CONTENT, response_headers).into_response();
    };
    if let Ok(etag) = HeaderValue::from_str(&cached.etag) {
        response_headers.insert(header::ETAG, etag);
    }
    if etag_matches(headers, &cached.etag) {
        return (StatusCode::NOT_MODIFIED, response_headers).into_response();
    }
    response_headers.insert(header::CONTENT_TYPE, static_header(MVT_CONTENT_TYPE));
    if encoding == TileEncoding::Gzip {
        response_headers.insert(header::CONTENT_ENCODING, static_header("gzip"));
    }
    (StatusCode::OK, response_headers, body).into_response()
}

/// `GET /tiles/{*path}`: one route for the three kinds of path, because the
/// router cannot tell `{layer}.json` from `{y}.mvt` by a suffix:
/// `/tiles/style.json`, `/tiles/{layer}.json` and
/// `/tiles/{layer}/{z}/{x}/{y}.mvt`; anything else is a JSON 404.
pub async fn tiles_path(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let parts: Vec<&str> = path.split('/').collect();
    match parts[..] {
        [file] => document(&state, file, &headers),
        [layer, z, x, y_file] => tile(&state, layer, z, x, y_file, &headers).await,
        _ => Err(unknown_tile_route().await),
    }
}

/// `GET /tiles/{layer}/{z}/{x}/{y}.mvt`
async fn tile(
    state: &AppState,
    layer: &str,
    z: &str,
    x: &str,
    y_file: &str,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let layer = parse_layer(layer)?;
    let tile = parse_tile(z, x, y_file)?;
    layer_tile(state, layer, tile, headers).await
}

/// One layer's vector tile from the one cache (also OGC API – Tiles).
pub(crate) async fn layer_tile(
    state: &AppState,
    layer: crate::model::LayerId,
    tile: TileCoord,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let params = state.tile_params();
    cached_tile(state, layer.into(), tile, headers, move |engine| {
        Ok(render_tile(layer, engine.layer(layer), tile, &params))
    })
    .await
}

/// Any tile source's tile from the one cache, or rendered by `render` off
/// the runtime from the current snapshot and cached (identity, plus gzip
/// when asked for), answered with its ETag; an empty tile is a 204.
pub async fn cached_tile(
    state: &AppState,
    source: TileSource,
    tile: TileCoord,
    headers: &HeaderMap,
    render: impl FnOnce(&Engine) -> Result<Option<Vec<u8>>, ApiError> + Send + 'static,
) -> Result<Response, ApiError> {
    let encoding = if accepts_gzip(headers) {
        TileEncoding::Gzip
    } else {
        TileEncoding::Identity
    };
    let cache = state.tile_cache();
    let key = |encoding| TileKey {
        source,
        tile,
        encoding,
    };
    if let Some(cached) = cache.get(&key(encoding)) {
        return Ok(tile_response(cached, encoding, headers));
    }
    // The epoch first, then the snapshot: a change in between makes the
    // insert below refuse this (possibly old) tile.
    let epoch = cache.epoch(source);
    let cached_identity = match encoding {
        TileEncoding::Gzip => cache.get(&key(TileEncoding::Identity)),
        TileEncoding::Identity => None,
    };
    let engine = state.engine();
    let encodings = tokio::task::spawn_blocking(move || {
        make_encodings(|| render(&engine), encoding, cached_identity)
    })
    .await
    .map_err(ApiError::internal)??;
    let chosen = encodings
        .iter()
        .find(|(candidate, _)| *candidate == encoding)
        .map(|(_, cached)| cached.clone())
        .ok_or_else(|| ApiError::internal("a rendered tile lacks an encoding"))?;
    cache.insert(source, tile, epoch, encodings);
    Ok(tile_response(chosen, encoding, headers))
}

/// The scheme and host the client used, for absolute URLs (MapLibre fetches
/// tiles from web workers, where relative URLs do not resolve); empty, so
/// URLs become paths, when the request has no usable Host.
pub(crate) fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            !host.is_empty()
                && host
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || b".-:[]_".contains(&byte))
        });
    let Some(host) = host else {
        return String::new();
    };
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

fn json_response(body: serde_json::Value) -> Response {
    (
        [
            (header::CONTENT_TYPE, static_header("application/json")),
            (header::CACHE_CONTROL, static_header(TILE_CACHE_CONTROL)),
        ],
        body.to_string(),
    )
        .into_response()
}

/// `GET /tiles/style.json` and `GET /tiles/{layer}.json`
fn document(state: &AppState, file: &str, headers: &HeaderMap) -> Result<Response, ApiError> {
    let base = base_url(headers);
    let engine = state.engine();
    if file == "style.json" {
        let city = engine.city_extent(0.0).or_else(|| engine.extent());
        return Ok(json_response(style::style(&base, city)));
    }
    let layer = file.strip_suffix(".json").ok_or_else(|| {
        ApiError::NotFound(format!(
            "no such document '{file}': see /tiles/style.json or /tiles/{{layer}}.json"
        ))
    })?;
    let layer = parse_layer(layer)?;
    let index = engine.layer(layer);
    Ok(json_response(tilejson::tilejson(
        layer,
        index.extent(),
        &index.sources(layer),
        &base,
    )))
}

/// Any other path under `/tiles/`.
pub async fn unknown_tile_route() -> ApiError {
    ApiError::NotFound(
        "no such tile route; see /tiles/style.json, /tiles/{layer}.json and /tiles/{layer}/{z}/{x}/{y}.mvt".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_paths_parse_or_name_the_bad_part() {
        let tile = parse_tile("14", "8442", "5487.mvt").unwrap();
        assert_eq!((tile.z(), tile.x(), tile.y()), (14, 8442, 5487));
        let part = |z: &str, x: &str, y: &str| match parse_tile(z, x, y) {
            Err(ApiError::BadRequest { parameter, .. }) => parameter,
            other => panic!("{z}/{x}/{y}: {other:?}"),
        };
        assert_eq!(part("23", "0", "0.mvt"), "z");
        assert_eq!(part("a", "0", "0.mvt"), "z");
        assert_eq!(part("-1", "0", "0.mvt"), "z");
        assert_eq!(part("99999999999", "0", "0.mvt"), "z");
        assert_eq!(part("2", "4", "0.mvt"), "x");
        assert_eq!(part("2", "+1", "0.mvt"), "x");
        assert_eq!(part("2", "0", "x.mvt"), "y");
        assert_eq!(part("2", "0", ".mvt"), "y");
        assert!(matches!(
            parse_tile("2", "0", "0.png"),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            parse_tile("2", "0", "0"),
            Err(ApiError::NotFound(_))
        ));
    }

    #[test]
    fn accept_encoding_is_read_with_qualities() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).unwrap(),
            );
            accepts_gzip(&headers)
        };
        assert!(with("gzip"));
        assert!(with("br, gzip;q=0.8, deflate"));
        assert!(with("*"));
        assert!(!with("gzip;q=0"));
        assert!(!with("br, deflate"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn if_none_match_takes_lists_weak_tags_and_a_star() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::IF_NONE_MATCH, HeaderValue::from_str(value).unwrap());
            etag_matches(&headers, "\"abc\"")
        };
        assert!(with("\"abc\""));
        assert!(with("\"x\", W/\"abc\""));
        assert!(with("*"));
        assert!(!with("\"abcd\""));
    }

    #[test]
    fn the_base_url_comes_from_a_clean_host_only() {
        let with = |host: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::HOST, HeaderValue::from_str(host).unwrap());
            base_url(&headers)
        };
        assert_eq!(with("localhost:8080"), "http://localhost:8080");
        assert_eq!(with("[::1]:3000"), "http://[::1]:3000");
        assert_eq!(with("evil\"host"), "");
        assert_eq!(base_url(&HeaderMap::new()), "");
    }
}
