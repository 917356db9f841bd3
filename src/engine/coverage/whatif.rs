//! What-if: the coverage figures with hypothetical shops added and existing
//! units removed, before and after, and the difference per area.
//!
//! Removing a unit that exists but is not open on the date changes nothing;
//! a unit id that the shop-unit layer does not hold is refused, and so is an
//! added shop more than 250 m from every walkable street (it could serve
//! nobody, which is almost always a misplaced click).

use std::collections::HashSet;

use geo::Point;

use super::base::CoverageBase;
use super::figures::{coverage, AreaFigures, CoverageFigures, Threshold};
use super::shops::ShopSite;
use super::CoverageKind;
use crate::model::ShopKind;

/// The most shops a what-if may add or remove.
pub const MAX_CHANGES: usize = 500;

/// A hypothetical shop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AddedShop {
    /// x = longitude, y = latitude.
    pub point: Point<f64>,
    pub kind: ShopKind,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WhatIfError {
    #[error("shop {index} at ({lon}, {lat}) is more than 250 m from every walkable street")]
    TooFar { index: usize, lon: f64, lat: f64 },
    #[error("no shop unit '{id}'")]
    UnknownUnit { index: usize, id: String },
    #[error("{n} changes, more than the {max} allowed")]
    TooMany { n: usize, max: usize },
}

/// The figures before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIf {
    pub before: CoverageFigures,
    pub after: CoverageFigures,
    /// Per added shop, in request order: the residents within the distance
    /// of it alone (its own kind), so an addition that changes nothing can
    /// say why (nobody lives near, or they had one already).
    pub added_reach: Vec<i64>,
}

/// `after − before` for one area; `None` where either side is `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaDifference {
    pub population: i64,
    pub covered: i64,
    pub unreachable: i64,
    pub share: Option<f64>,
    pub median_m: Option<f64>,
    pub p90_m: Option<f64>,
}

impl AreaDifference {
    pub fn between(before: &AreaFigures, after: &AreaFigures) -> Self {
        let minus = |a: Option<f64>, b: Option<f64>| Some(a? - b?);
        AreaDifference {
            population: after.population - before.population,
            covered: after.covered - before.covered,
            unreachable: after.unreachable - before.unreachable,
            share: minus(after.share, before.share),
            median_m: minus(after.median_m, before.median_m),
            p90_m: minus(after.p90_m, before.p90_m),
        }
    }
}

/// Coverage of `kind` at `threshold` with `open` shops, and with `added`
/// shops and without the units `removed`. `unit_exists` tells whether the
/// shop-unit layer holds an id.
pub fn what_if(
    base: &CoverageBase,
    open: &[ShopSite],
    kind: CoverageKind,
    threshold: Threshold,
    added: &[AddedShop],
    removed: &[String],
    unit_exists: impl Fn(&str) -> bool,
) -> Result<WhatIf, WhatIfError> {
    let n_changes = added.len() + removed.len();
    if n_changes > MAX_CHANGES {
        return Err(WhatIfError::TooMany {
            n: n_changes,
            max: MAX_CHANGES,
        });
    }
    if let Some((index, id)) = removed.iter().enumerate().find(|(_, id)| !unit_exists(id)) {
        return Err(WhatIfError::UnknownUnit {
            index,
            id: id.clone(),
        });
    }
    let mut after: Vec<ShopSite> = Vec::with_capacity(open.len() + added.len());
    for (index, shop) in added.iter().enumerate() {
        let Some(snap) = base.network.snap(shop.point) else {
            return Err(WhatIfError::TooFar {
                index,
                lon: shop.point.x(),
                lat: shop.point.y(),
            });
        };
        after.push(ShopSite {
            id: String::new(),
            kind: shop.kind,
            point: shop.point,
            snap: Some(snap),
        });
    }
    let removed: HashSet<&str> = removed.iter().map(String::as_str).collect();
    after.extend(
        open.iter()
            .filter(|shop| !removed.contains(shop.id.as_str()))
            .cloned(),
    );
    let added_reach = after[..added.len()]
        .iter()
        .map(|site| {
            let alone = std::slice::from_ref(site);
            coverage(base, alone, CoverageKind::Single(site.kind), threshold)
                .city
                .covered
        })
        .collect();
    Ok(WhatIf {
        before: coverage(base, open, kind, threshold),
        after: coverage(base, &after, kind, threshold),
        added_reach,
    })
}
