//! `GET /fonts/{fontstack}/{range}.pbf`: the map's label glyphs
//! (`crate::glyphs`), gzipped when asked, with an ETag; a day in browser caches.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::ApiPath;
use super::tiles::{accepts_gzip, etag_matches};
use super::{ApiError, AppState};
use crate::glyphs::{GlyphError, GlyphRange};

pub async fn glyph_range(
    State(state): State<AppState>,
    ApiPath((stack, file)): ApiPath<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let range: GlyphRange = file
        .strip_suffix(".pbf")
        .ok_or_else(|| {
            ApiError::bad_request(
                "range",
                format!("{file:?}: the path ends in {{start}}-{{end}}.pbf"),
            )
        })?
        .parse()
        .map_err(|error: GlyphError| ApiError::bad_request("range", error.to_string()))?;
    let glyphs = state.glyphs().clone();
    let bytes = tokio::task::spawn_blocking(move || glyphs.range(&stack, range))
        .await
        .map_err(ApiError::internal)?
        .map_err(|error| match error {
            GlyphError::UnknownFont(_) => ApiError::NotFound(error.to_string()),
            GlyphError::Render(_) => ApiError::internal(error),
            GlyphError::BadRange(_) => ApiError::bad_request("range", error.to_string()),
            GlyphError::BadFontStack(_) => ApiError::bad_request("fontstack", error.to_string()),
        })?;
    let mut response = if etag_matches(&headers, &bytes.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else if accepts_gzip(&headers) {
        let mut response = bytes.gzip.clone().into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        response
    } else {
        bytes.pbf.clone().into_response()
    };
    let fields = response.headers_mut();
    fields.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-protobuf"),
    );
    fields.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    fields.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    if let Ok(etag) = HeaderValue::from_str(&bytes.etag) {
        fields.insert(header::ETAG, etag);
    }
    Ok(response)
}
