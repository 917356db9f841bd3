//! `GET /ogc/collections/{id}/items` and `.../items/{featureId}`: GeoJSON
//! (or the HTML view) of a page of a collection, or of one feature.
//!
//! A page is a stable order (the layer's id order; the engine's order for
//! derived collections) cut at `offset`, `limit` long; `next` and `prev`
//! links carry every other parameter, so walking `next` gives every
//! matching feature exactly once. `bbox` (or the box a CQL2 filter implies)
//! goes through the layer's R-tree; a filter without a box scans the
//! layer's columns (`cql2::scan`); a whole layer without filters is paged
//! without copying it. Pages are written straight to JSON.
//! `numberMatched` counts every match, `numberReturned` this page.

use std::borrow::Cow;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::NaiveDate;
use geo::{Geometry, Intersects};
use serde::Serialize;
use serde_json::Value as Json;

use super::catalogue::Collection;
use super::crs::{geometry_in, OgcCrs};
use super::derived::{coverage_areas, hex_params, shop_units_on, vacancy_cells, CoverageParams};
use super::html;
use super::params::{date_of, parse_crs, ItemsParams};
use super::respond::{self, link, ogc_base, private_answer, query_string, Format, GEOJSON};
use crate::cql2;
use crate::engine::vacancy::h3::HexParams;
use crate::engine::{Engine, LayerIndex};
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ApiQuery};
use crate::http::AppState;
use crate::model::geojson::{Audience, GeoJsonFeature};
use crate::model::{Feature, LayerId};

/// What confidential fields the caller may read in `collection`.
pub fn audience_of(caller: &Caller, collection: Collection) -> Audience {
    match collection {
        Collection::Layer(layer) => caller.audience(layer),
        Collection::VacancyH3 | Collection::Coverage => Audience::Public,
    }
}

/// The parameters of a derived collection, checked before any work.
#[derive(Debug, Clone, Copy)]
enum Extra {
    None,
    Hex(HexParams),
    Coverage(CoverageParams),
}

impl Extra {
    fn parse(collection: Collection, query: &ApiQuery) -> Result<Extra, ApiError> {
        Ok(match collection {
            Collection::Layer(_) => Extra::None,
            Collection::VacancyH3 => Extra::Hex(hex_params(query)?),
            Collection::Coverage => Extra::Coverage(CoverageParams::parse(query)?),
        })
    }
}

/// A collection's features for one request: a layer's index as it is, or
/// features computed for the date.
enum Source<'a> {
    Indexed(&'a LayerIndex),
    Computed {
        date: Option<NaiveDate>,
        features: Vec<Feature>,
    },
}

impl<'a> Source<'a> {
    fn load(
        engine: &'a std::sync::Arc<Engine>,
        collection: Collection,
        date: Option<NaiveDate>,
        extra: Extra,
    ) -> Result<Source<'a>, ApiError> {
        Ok(match (collection, extra) {
            (Collection::Layer(LayerId::ShopUnits), _) if date.is_some() => {
                let date = date.expect("checked");
                Source::Computed {
                    date: Some(date),
                    features: shop_units_on(engine, date)?,
                }
            }
            (Collection::Layer(layer), _) => Source::Indexed(engine.layer(layer)),
            (Collection::VacancyH3, Extra::Hex(params)) => {
                let (date, features) = vacancy_cells(engine, date, &params)?;
                Source::Computed {
                    date: Some(date),
                    features,
                }
            }
            (Collection::Coverage, Extra::Coverage(params)) => {
                let (date, features) = coverage_areas(engine.clone(), date, params)?;
                Source::Computed {
                    date: Some(date),
                    features,
                }
            }
            _ => {
                return Err(ApiError::internal(
                    "a derived collection without its parameters",
                ))
            }
        })
    }

    fn features(&self) -> &[Feature] {
        match self {
            Source::Indexed(index) => index.features(),
            Source::Computed { features, .. } => features,
        }
    }

    fn date(&self) -> Option<NaiveDate> {
        match self {
            Source::Indexed(_) => None,
            Source::Computed { date, .. } => *date,
        }
    }

    fn get(&self, id: &str) -> Option<&Feature> {
        match self {
            Source::Indexed(index) => index.get(id),
            Source::Computed { features, .. } => features.iter().find(|feature| feature.id == id),
        }
    }
}

/// The positions that match, in order.
enum Matches {
    /// Every feature, `0..n`.
    All(usize),
    Some(Vec<usize>),
}

impl Matches {
    fn len(&self) -> usize {
        match self {
            Matches::All(n) => *n,
            Matches::Some(positions) => positions.len(),
        }
    }

    fn page(&self, offset: usize, limit: usize) -> Vec<usize> {
        match self {
            Matches::All(n) => (offset.min(*n)..offset.saturating_add(limit).min(*n)).collect(),
            Matches::Some(positions) => {
                positions.iter().skip(offset).take(limit).copied().collect()
            }
        }
    }
}

/// The features of `source` that meet the box, equal the property filters
/// and pass the CQL2 filter.
fn select(source: &Source, params: &ItemsParams) -> Matches {
    let features = source.features();
    if params.bbox.is_none() && params.properties.is_empty() && params.filter.is_none() {
        return Matches::All(features.len());
    }
    // the box, else the filter's envelope, narrows the candidates
    let bounds = params
        .bbox
        .as_ref()
        .map(|bbox| bbox.bounds)
        .or_else(|| params.filter.as_ref().and_then(cql2::envelope));
    let mut filter = params.filter.as_ref();
    let candidates: Vec<usize> = match (bounds, source, filter) {
        (Some(bounds), Source::Indexed(index), _) => index.query_bbox(bounds),
        (Some(bounds), Source::Computed { .. }, _) => (0..features.len())
            .filter(|position| features[*position].geometry.intersects(&bounds))
            .collect(),
        // no box to narrow it: the filter reads the layer column by column
        (None, Source::Indexed(index), Some(whole)) => {
            filter = None;
            cql2::scan(whole, features, &|position| index.column(position))
        }
        (None, _, _) => (0..features.len()).collect(),
    };
    let area = params.bbox.as_ref().and_then(|bbox| bbox.area.as_ref());
    Matches::Some(
        candidates
            .into_iter()
            .filter(|position| {
                let feature = &features[*position];
                area.is_none_or(|area| feature.geometry.intersects(area))
                    && filter.is_none_or(|filter| filter.selects(feature))
                    && params
                        .properties
                        .iter()
                        .all(|(field, value)| feature.values.get(*field) == Some(value))
            })
            .collect(),
    )
}

/// The feature's geometry in `crs`.
fn geometry_of(feature: &Feature, crs: OgcCrs) -> Result<Cow<'_, Geometry<f64>>, ApiError> {
    Ok(match crs {
        OgcCrs::Crs84 => Cow::Borrowed(&feature.geometry),
        other => Cow::Owned(geometry_in(&feature.geometry, other).map_err(ApiError::internal)?),
    })
}

/// A page of items as GeoJSON, written without building a JSON tree.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemsPage<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    number_matched: usize,
    number_returned: usize,
    time_stamp: String,
    links: Vec<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<NaiveDate>,
    features: Vec<GeoJsonFeature<'a>>,
}

/// The items URL of `collection` with the request's parameters but
/// `offset`, `limit` and `f`, then these three.
fn page_href(
    base: &str,
    collection: Collection,
    query: &ApiQuery,
    offset: usize,
    limit: usize,
    format: &str,
) -> String {
    let (offset, limit) = (offset.to_string(), limit.to_string());
    let kept = query
        .0
        .iter()
        .filter(|(name, _)| !["offset", "limit", "f"].contains(&name.as_str()))
        .map(|(name, value)| (name.as_str(), value.as_str()));
    let pairs = kept.chain([
        ("limit", limit.as_str()),
        ("offset", offset.as_str()),
        ("f", format),
    ]);
    format!(
        "{base}/collections/{}/items{}",
        collection.id(),
        query_string(pairs)
    )
}

/// The links of a page: self, alternate, next, prev, the collection.
fn page_links(
    base: &str,
    collection: Collection,
    query: &ApiQuery,
    params: &ItemsParams,
    n_matched: usize,
    n_returned: usize,
    format: Format,
) -> Vec<Json> {
    let href = |offset, format| page_href(base, collection, query, offset, params.limit, format);
    let (own, own_type, other, other_type) = match format {
        Format::Json => ("json", GEOJSON, "html", respond::HTML),
        Format::Html => ("html", respond::HTML, "json", GEOJSON),
    };
    let mut links = vec![
        link(href(params.offset, own), "self", own_type, "this page"),
        link(
            href(params.offset, other),
            "alternate",
            other_type,
            "this page in another format",
        ),
    ];
    if params.offset + n_returned < n_matched {
        links.push(link(
            href(params.offset + n_returned, own),
            "next",
            own_type,
            "the next page",
        ));
    }
    if params.offset > 0 {
        links.push(link(
            href(params.offset.saturating_sub(params.limit), own),
            "prev",
            own_type,
            "the previous page",
        ));
    }
    links.push(link(
        format!("{base}/collections/{}", collection.id()),
        "collection",
        respond::JSON,
        collection.title_en(),
    ));
    links
}

/// `GET /ogc/collections/{collection}/items`
pub async fn items(
    State(state): State<AppState>,
    caller: Caller,
    Path(collection): Path<String>,
    query: ApiQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let collection = Collection::parse(&collection)?;
    let audience = audience_of(&caller, collection);
    let format = Format::of(&query, &headers)?;
    let params = ItemsParams::parse(&query, collection, audience)?;
    let extra = Extra::parse(collection, &query)?;
    let base = ogc_base(&headers);
    let engine = state.engine();
    let crs = params.crs;
    let body = tokio::task::spawn_blocking(move || -> Result<String, ApiError> {
        let source = Source::load(&engine, collection, params.date, extra)?;
        let matches = select(&source, &params);
        let features = source.features();
        let page = matches.page(params.offset, params.limit);
        let geometries: Vec<_> = page
            .iter()
            .map(|position| geometry_of(&features[*position], params.crs))
            .collect::<Result<_, _>>()?;
        let document = ItemsPage {
            kind: "FeatureCollection",
            number_matched: matches.len(),
            number_returned: page.len(),
            time_stamp: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            links: page_links(
                &base,
                collection,
                &query,
                &params,
                matches.len(),
                page.len(),
                format,
            ),
            date: source.date(),
            features: page
                .iter()
                .zip(&geometries)
                .map(|(position, geometry)| GeoJsonFeature {
                    feature: &features[*position],
                    geometry,
                    fields: collection.fields(),
                    audience,
                })
                .collect(),
        };
        Ok(match format {
            Format::Json => serde_json::to_string(&document).map_err(ApiError::internal)?,
            Format::Html => html::page(
                &format!("{} – items", collection.title_nl()),
                &serde_json::to_value(&document).map_err(ApiError::internal)?,
            ),
        })
    })
    .await
    .map_err(ApiError::internal)??;
    let media = match format {
        Format::Json => GEOJSON,
        Format::Html => "text/html; charset=utf-8",
    };
    Ok(private_answer(media, body, Some(&crs.uri())))
}

/// `GET /ogc/collections/{collection}/items/{feature_id}`
pub async fn item(
    State(state): State<AppState>,
    caller: Caller,
    Path((collection, feature_id)): Path<(String, String)>,
    query: ApiQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let collection = Collection::parse(&collection)?;
    let mut allowed = vec!["crs", "f", "datetime"];
    allowed.extend(collection.extra_parameters());
    query.only(&allowed)?;
    let audience = audience_of(&caller, collection);
    let format = Format::of(&query, &headers)?;
    let crs = parse_crs(&query, "crs")?;
    let date = date_of(&query, collection)?;
    let extra = Extra::parse(collection, &query)?;
    let base = ogc_base(&headers);
    let engine = state.engine();
    let body = tokio::task::spawn_blocking(move || -> Result<String, ApiError> {
        let source = Source::load(&engine, collection, date, extra)?;
        let feature = source.get(&feature_id).ok_or_else(|| {
            ApiError::NotFound(format!(
                "collection '{}' has no feature '{feature_id}'",
                collection.id()
            ))
        })?;
        let geometry = geometry_of(feature, crs)?;
        let shown = GeoJsonFeature {
            feature,
            geometry: &geometry,
            fields: collection.fields(),
            audience,
        };
        let mut document = serde_json::to_value(shown).map_err(ApiError::internal)?;
        let own = format!(
            "{base}/collections/{}/items/{}{}",
            collection.id(),
            encode_segment(&feature_id),
            query_string(
                query
                    .0
                    .iter()
                    .filter(|(name, _)| name.as_str() != "f")
                    .map(|(n, v)| (n.as_str(), v.as_str()))
            )
        );
        let mut links = respond::self_and_alternate(&own, format, GEOJSON).to_vec();
        links.push(link(
            format!("{base}/collections/{}", collection.id()),
            "collection",
            respond::JSON,
            collection.title_en(),
        ));
        document["links"] = Json::Array(links);
        Ok(match format {
            Format::Json => document.to_string(),
            Format::Html => html::page(
                &format!("{} {feature_id}", collection.title_nl()),
                &document,
            ),
        })
    })
    .await
    .map_err(ApiError::internal)??;
    let media = match format {
        Format::Json => GEOJSON,
        Format::Html => "text/html; charset=utf-8",
    };
    Ok(private_answer(media, body, Some(&crs.uri())))
}

/// A path segment with everything but unreserved characters escaped.
fn encode_segment(text: &str) -> String {
    query_string([("x", text)])
        .trim_start_matches("?x=")
        .to_string()
}
