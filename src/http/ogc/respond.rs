//! How OGC answers go out: the format asked for (`f=json|html`, else the
//! `Accept` header), links, query strings for `next`/`prev`, and the headers
//! every answer carries (it depends on the caller's role, so it is private
//! to them and varies by credential and by `Accept`).

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value as Json};

use crate::http::error::{ApiError, ApiQuery};

/// The media type of GeoJSON.
pub const GEOJSON: &str = "application/geo+json";
/// The media type of plain JSON documents.
pub const JSON: &str = "application/json";
/// The media type of the HTML views.
pub const HTML: &str = "text/html";

/// What the client wants back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Html,
}

impl Format {
    /// `f=json|geojson|html` wins; else the `Accept` entry with the highest
    /// quality that names HTML or JSON (earliest on a tie); else JSON.
    pub fn of(query: &ApiQuery, headers: &HeaderMap) -> Result<Format, ApiError> {
        if let Some(text) = query.get("f") {
            return match text {
                "json" | "geojson" | "application/json" | "application/geo+json" => {
                    Ok(Format::Json)
                }
                "html" | "text/html" => Ok(Format::Html),
                other => Err(ApiError::bad_request(
                    "f",
                    format!("'{other}' is not an offered format (json or html)"),
                )),
            };
        }
        Ok(Self::from_accept(headers))
    }

    fn from_accept(headers: &HeaderMap) -> Format {
        let mut best: Option<(f32, Format)> = None;
        let items = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','));
        for item in items {
            let mut parts = item.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let quality = parts
                .filter_map(|param| param.trim().strip_prefix("q="))
                .filter_map(|q| q.trim().parse::<f32>().ok())
                .next()
                .unwrap_or(1.0);
            let format = match media.as_str() {
                "text/html" | "application/xhtml+xml" => Format::Html,
                "application/json"
                | "application/geo+json"
                | "application/schema+json"
                | "application/vnd.oai.openapi+json" => Format::Json,
                _ => continue,
            };
            if quality > 0.0 && best.is_none_or(|(best_quality, _)| quality > best_quality) {
                best = Some((quality, format));
            }
        }
        best.map_or(Format::Json, |(_, format)| format)
    }
}

/// The scheme, host and `/ogc` of this request, for absolute links.
pub fn ogc_base(headers: &HeaderMap) -> String {
    format!("{}/ogc", crate::http::tiles::base_url(headers))
}

/// One link object.
pub fn link(href: impl Into<String>, rel: &str, media_type: &str, title: &str) -> Json {
    json!({"href": href.into(), "rel": rel, "type": media_type, "title": title})
}

/// A `self` link in the answered format and an `alternate` in the other.
pub fn self_and_alternate(href: &str, format: Format, json_type: &str) -> [Json; 2] {
    let json_href = with_param(href, "f", "json");
    let html_href = with_param(href, "f", "html");
    match format {
        Format::Json => [
            link(json_href, "self", json_type, "this document"),
            link(html_href, "alternate", HTML, "this document as HTML"),
        ],
        Format::Html => [
            link(html_href, "self", HTML, "this document"),
            link(json_href, "alternate", json_type, "this document as JSON"),
        ],
    }
}

/// `href` with `name=value` added to its query string.
pub fn with_param(href: &str, name: &str, value: &str) -> String {
    let separator = if href.contains('?') { '&' } else { '?' };
    format!("{href}{separator}{}={}", encode(name), encode(value))
}

/// The query string of `pairs` (names and values percent-encoded), `?`
/// first, empty without pairs.
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let joined: Vec<String> = pairs
        .into_iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect();
    if joined.is_empty() {
        String::new()
    } else {
        format!("?{}", joined.join("&"))
    }
}

/// Percent-encoding of everything but RFC 3986's unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A body of `media_type` that depends on the caller's role: private, and
/// varying by `Accept` and credential; `content_crs` adds Part 2's header.
pub fn private_answer(media_type: &str, body: String, content_crs: Option<&str>) -> Response {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(media_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Cookie, Authorization"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    if let Some(crs) = content_crs.and_then(|crs| HeaderValue::from_str(&format!("<{crs}>")).ok()) {
        headers.insert("content-crs", crs);
    }
    (headers, body).into_response()
}

/// The JSON document or its HTML view, as asked.
pub fn document(
    format: Format,
    json_type: &str,
    body: &Json,
    html: impl FnOnce() -> String,
) -> Response {
    match format {
        Format::Json => private_answer(json_type, body.to_string(), None),
        Format::Html => private_answer("text/html; charset=utf-8", html(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(value: &str) -> Format {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        Format::from_accept(&headers)
    }

    #[test]
    fn accept_picks_the_preferred_known_type() {
        assert_eq!(
            accepting("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            Format::Html
        );
        assert_eq!(
            accepting("application/geo+json, application/json"),
            Format::Json
        );
        assert_eq!(accepting("text/html;q=0.5, application/json"), Format::Json);
        assert_eq!(accepting("*/*"), Format::Json);
        assert_eq!(Format::from_accept(&HeaderMap::new()), Format::Json);
    }

    #[test]
    fn query_strings_are_percent_encoded() {
        assert_eq!(
            query_string([("bbox", "5.4,50.9"), ("crs", "http://x/y")]),
            "?bbox=5.4%2C50.9&crs=http%3A%2F%2Fx%2Fy"
        );
        assert_eq!(query_string([]), "");
        assert_eq!(with_param("/a?x=1", "f", "html"), "/a?x=1&f=html");
        assert_eq!(with_param("/a", "f", "html"), "/a?f=html");
    }
}
