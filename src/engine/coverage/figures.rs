//! Coverage figures: every resident's walking distance to the nearest open
//! shop of a kind (or the `daily` basket), and per neighbourhood and for the
//! city the population, covered population, share, median and 90th
//! percentile distance, and unreachable population (definitions in the
//! module docs of [`coverage`](super)).

use super::base::{in_parallel, CoverageBase};
use super::dijkstra::ShopDistances;
use super::shops::{snaps_of, ShopSite};
use super::{basket_distance, CoverageKind};

/// The walking distance threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    Metres(u32),
    /// Every reachable resident is covered.
    Any,
}

impl Threshold {
    pub const ALL: [Threshold; 4] = [
        Threshold::Metres(400),
        Threshold::Metres(800),
        Threshold::Metres(1200),
        Threshold::Any,
    ];

    pub fn covers(self, distance_m: f64) -> bool {
        match self {
            Threshold::Metres(limit) => distance_m <= f64::from(limit),
            Threshold::Any => distance_m.is_finite(),
        }
    }
}

impl std::str::FromStr for Threshold {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "400" => Ok(Threshold::Metres(400)),
            "800" => Ok(Threshold::Metres(800)),
            "1200" => Ok(Threshold::Metres(1200)),
            "any" => Ok(Threshold::Any),
            other => Err(format!(
                "unknown threshold '{other}' (expected one of: 400, 800, 1200, any)"
            )),
        }
    }
}

/// The figures of one area (a neighbourhood or the city).
#[derive(Debug, Clone, PartialEq)]
pub struct AreaFigures {
    pub population: i64,
    pub covered: i64,
    pub unreachable: i64,
    /// covered / population, `None` when nobody lives there.
    pub share: Option<f64>,
    pub median_m: Option<f64>,
    pub p90_m: Option<f64>,
}

impl AreaFigures {
    /// The figures of residents given as (distance in metres, infinite when
    /// unreachable; population).
    pub fn of(residents: &mut [(f64, i64)], threshold: Threshold) -> Self {
        let population: i64 = residents.iter().map(|(_, people)| people).sum();
        let covered: i64 = residents
            .iter()
            .filter(|(distance_m, _)| threshold.covers(*distance_m))
            .map(|(_, people)| people)
            .sum();
        let unreachable: i64 = residents
            .iter()
            .filter(|(distance_m, _)| !distance_m.is_finite())
            .map(|(_, people)| people)
            .sum();
        residents.sort_by(|a, b| a.0.total_cmp(&b.0));
        AreaFigures {
            population,
            covered,
            unreachable,
            share: (population > 0).then(|| covered as f64 / population as f64),
            median_m: weighted_percentile(residents, 0.5),
            p90_m: weighted_percentile(residents, 0.9),
        }
    }
}

/// The smallest distance within which at least `share` of the reachable
/// population lives; `residents` sorted by distance.
fn weighted_percentile(residents: &[(f64, i64)], share: f64) -> Option<f64> {
    let reachable: i64 = residents
        .iter()
        .filter(|(distance_m, _)| distance_m.is_finite())
        .map(|(_, people)| people)
        .sum();
    if reachable <= 0 {
        return None;
    }
    let wanted = share * reachable as f64;
    let mut cumulative = 0i64;
    for &(distance_m, people) in residents {
        cumulative += people;
        if people > 0 && cumulative as f64 >= wanted {
            return Some(distance_m);
        }
    }
    None
}

/// The figures per neighbourhood (in the base's order) and for the city.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageFigures {
    pub neighbourhoods: Vec<AreaFigures>,
    pub city: AreaFigures,
}

/// Every resident's walking distance (the base's order) to the nearest of
/// `shops` of `kind`, or to the `daily` basket; infinite when unreachable.
pub fn resident_distances(base: &CoverageBase, shops: &[ShopSite], kind: CoverageKind) -> Vec<f64> {
    let network = &base.network;
    let distances: Vec<ShopDistances> = kind
        .shop_kinds()
        .into_iter()
        .map(|shop_kind| ShopDistances::new(network, &snaps_of(shops, shop_kind)))
        .collect();
    in_parallel(&base.residents, |resident| {
        let Some(home) = &resident.snap else {
            return f64::INFINITY;
        };
        match kind {
            CoverageKind::Single(_) => distances[0].to(network, home),
            CoverageKind::Daily => basket_distance([
                distances[0].to(network, home),
                distances[1].to(network, home),
                distances[2].to(network, home),
                distances[3].to(network, home),
            ]),
        }
    })
}

/// The figures of residents at `distances_m` (the base's order).
pub fn figures(base: &CoverageBase, distances_m: &[f64], threshold: Threshold) -> CoverageFigures {
    let mut by_neighbourhood: Vec<Vec<(f64, i64)>> = vec![Vec::new(); base.neighbourhoods.len()];
    let mut city: Vec<(f64, i64)> = Vec::with_capacity(base.residents.len());
    for (resident, &distance_m) in base.residents.iter().zip(distances_m) {
        city.push((distance_m, resident.population));
        if let Some(index) = resident.neighbourhood {
            by_neighbourhood[index as usize].push((distance_m, resident.population));
        }
    }
    CoverageFigures {
        neighbourhoods: by_neighbourhood
            .iter_mut()
            .map(|residents| AreaFigures::of(residents, threshold))
            .collect(),
        city: AreaFigures::of(&mut city, threshold),
    }
}

/// Figures for `kind` at `threshold` with these shops.
pub fn coverage(
    base: &CoverageBase,
    shops: &[ShopSite],
    kind: CoverageKind,
    threshold: Threshold,
) -> CoverageFigures {
    figures(base, &resident_distances(base, shops, kind), threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_figures_count_covered_and_unreachable_and_weight_percentiles() {
        let mut residents = vec![
            (100.0, 2),
            (f64::INFINITY, 5),
            (900.0, 1),
            (300.0, 3),
            (1500.0, 4),
        ];
        let figures = AreaFigures::of(&mut residents, Threshold::Metres(800));
        assert_eq!(figures.population, 15);
        assert_eq!(figures.covered, 5);
        assert_eq!(figures.unreachable, 5);
        assert_eq!(figures.share, Some(5.0 / 15.0));
        // reachable: 10 people at 100 (2), 300 (3), 900 (1), 1500 (4)
        assert_eq!(figures.median_m, Some(300.0));
        assert_eq!(figures.p90_m, Some(1500.0));
        let any = AreaFigures::of(&mut residents, Threshold::Any);
        assert_eq!(any.covered, 10);
        let nobody = AreaFigures::of(&mut [], Threshold::Any);
        assert_eq!((nobody.share, nobody.median_m), (None, None));
        let unreachable = AreaFigures::of(&mut [(f64::INFINITY, 3)], Threshold::Any);
        assert_eq!((unreachable.share, unreachable.median_m), (Some(0.0), None));
    }

    #[test]
    fn the_basket_is_a_supermarket_or_a_bakery_with_a_butcher_or_grocery() {
        let inf = f64::INFINITY;
        assert_eq!(basket_distance([300.0, 100.0, 100.0, inf]), 100.0);
        assert_eq!(basket_distance([300.0, 100.0, inf, 500.0]), 300.0);
        assert_eq!(basket_distance([inf, 100.0, inf, 500.0]), 500.0);
        assert_eq!(basket_distance([inf, inf, 100.0, 100.0]), inf);
        assert_eq!(basket_distance([700.0, 200.0, inf, inf]), 700.0);
        assert_eq!("1200".parse::<Threshold>(), Ok(Threshold::Metres(1200)));
        assert!("500".parse::<Threshold>().is_err());
        assert_eq!("daily".parse::<CoverageKind>(), Ok(CoverageKind::Daily));
        assert!("florist".parse::<CoverageKind>().is_err());
    }
}
