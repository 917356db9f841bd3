//! Where a layer's data come from, as far as the atlas can tell, and the
//! credit each source's licence asks for: one table, [`DataSource::ALL`].
//!
//! The store keeps no record of where a layer came from, so a source is
//! credited on one of two kinds of evidence:
//!
//! - **The layer** ([`Evidence::Layer`]): the atlas's neighbourhoods are the
//!   city's endorsed wijken (DOMAIN.md), whose polygons are published as
//!   "Wijken voor omgevingsanalyse" under the Modellicentie Gratis Hergebruik,
//!   which asks for a credit line with every reuse. The demo embeds them and
//!   the documented import reads them, so a neighbourhoods layer that holds
//!   any feature is credited to them. This is a rule about the layer, not a
//!   fact read from the data: neighbourhoods drawn from another source would
//!   be credited the same way.
//! - **The features' ids** ([`Evidence::IdPrefix`]): `atlas import osm` gives
//!   every feature it writes the id `osm-node-N`, `osm-way-N` or
//!   `osm-relation-N` (the same mark by which it recognises the residents of
//!   an earlier OSM import), so a layer with such a feature holds
//!   OpenStreetMap data (ODbL, "© OpenStreetMap contributors"). A layer
//!   without one is never credited to OpenStreetMap.

use super::{Feature, LayerId};

/// What shows that a layer holds a source's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// This layer, when it has any feature.
    Layer(LayerId),
    /// Any layer with a feature whose id starts so.
    IdPrefix(&'static str),
}

/// A source of the atlas's data that asks to be credited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DataSource {
    Wijken,
    OpenStreetMap,
}

impl DataSource {
    /// Every source, in the order credits are listed.
    pub const ALL: [DataSource; 2] = [DataSource::Wijken, DataSource::OpenStreetMap];

    /// The stable name clients key their text on (`/api/layers`, TileJSON).
    pub fn as_str(self) -> &'static str {
        match self {
            DataSource::Wijken => "wijken",
            DataSource::OpenStreetMap => "openstreetmap",
        }
    }

    pub fn evidence(self) -> Evidence {
        match self {
            DataSource::Wijken => Evidence::Layer(LayerId::Neighbourhoods),
            DataSource::OpenStreetMap => Evidence::IdPrefix("osm-"),
        }
    }

    /// The credit in Dutch, as the licence words it.
    pub fn credit_nl(self) -> &'static str {
        match self {
            DataSource::Wijken => "Wijken: © gemeentebesturen, verzameld door Data & Analyse van de Vlaamse provincies, Modellicentie Gratis Hergebruik",
            DataSource::OpenStreetMap => "© OpenStreetMap-bijdragers",
        }
    }

    /// Where the credit links to (the licence asks for the link where possible).
    pub fn url(self) -> &'static str {
        match self {
            DataSource::Wijken => "https://github.com/provinciesincijfers/gebiedsniveaus/blob/master/gemeente_statsec_wijken/readme.md",
            DataSource::OpenStreetMap => "https://www.openstreetmap.org/copyright",
        }
    }

    /// The credit as TileJSON `attribution` HTML: the Dutch text, linked.
    pub fn attribution_html(self) -> String {
        let escaped = self
            .credit_nl()
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        format!("<a href=\"{}\">{escaped}</a>", self.url())
    }
}

/// The sources whose id prefix some feature carries, in [`DataSource::ALL`]
/// order: what an index works out once when it is built.
pub fn marked_by_ids(features: &[Feature]) -> Vec<DataSource> {
    DataSource::ALL
        .into_iter()
        .filter(|source| match source.evidence() {
            Evidence::IdPrefix(prefix) => features.iter().any(|f| f.id.starts_with(prefix)),
            Evidence::Layer(_) => false,
        })
        .collect()
}

/// The sources a layer of `n_features` features is credited to, given the
/// sources its ids mark ([`marked_by_ids`]), in [`DataSource::ALL`] order.
pub fn layer_sources(
    layer: LayerId,
    n_features: usize,
    marked_by_ids: &[DataSource],
) -> Vec<DataSource> {
    DataSource::ALL
        .into_iter()
        .filter(|source| match source.evidence() {
            Evidence::Layer(credited) => credited == layer && n_features > 0,
            Evidence::IdPrefix(_) => marked_by_ids.contains(source),
        })
        .collect()
}

/// The TileJSON `attribution` of some sources: their linked credits, or
/// `None` when there is nothing to credit.
pub fn attribution_html(sources: &[DataSource]) -> Option<String> {
    (!sources.is_empty()).then(|| {
        sources
            .iter()
            .map(|source| source.attribution_html())
            .collect::<Vec<_>>()
            .join(" | ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{point, Geometry};

    fn feature(id: &str) -> Feature {
        Feature {
            id: id.into(),
            geometry: Geometry::Point(point!(x: 5.5, y: 50.96)),
            values: Vec::new(),
        }
    }

    #[test]
    fn osm_is_credited_only_where_an_id_says_so() {
        let demo = [feature("unit-0001"), feature("unit-0002")];
        assert!(marked_by_ids(&demo).is_empty());
        let mixed = [feature("unit-0001"), feature("osm-node-42")];
        let marked = marked_by_ids(&mixed);
        assert_eq!(marked, [DataSource::OpenStreetMap]);
        assert_eq!(
            layer_sources(LayerId::ShopUnits, 2, &marked),
            [DataSource::OpenStreetMap]
        );
        assert!(layer_sources(LayerId::ShopUnits, 2, &[]).is_empty());
        // "osm" alone, or inside an id, is not the importer's mark
        assert!(marked_by_ids(&[feature("osmosis-1"), feature("x-osm-way-1")]).is_empty());
    }

    #[test]
    fn the_wijken_are_credited_on_a_neighbourhoods_layer_with_features() {
        assert_eq!(
            layer_sources(LayerId::Neighbourhoods, 31, &[]),
            [DataSource::Wijken]
        );
        assert!(layer_sources(LayerId::Neighbourhoods, 0, &[]).is_empty());
        assert!(layer_sources(LayerId::Parcels, 100, &[]).is_empty());
    }

    #[test]
    fn the_attribution_is_the_licence_credit_linked_and_escaped() {
        let html = attribution_html(&[DataSource::Wijken, DataSource::OpenStreetMap]).unwrap();
        assert!(html.contains("Wijken: © gemeentebesturen, verzameld door Data &amp; Analyse van de Vlaamse provincies, Modellicentie Gratis Hergebruik"));
        assert!(html.contains("href=\"https://github.com/provinciesincijfers/gebiedsniveaus/blob/master/gemeente_statsec_wijken/readme.md\""));
        assert!(html.ends_with(
            "<a href=\"https://www.openstreetmap.org/copyright\">© OpenStreetMap-bijdragers</a>"
        ));
        assert_eq!(attribution_html(&[]), None);
    }
}
