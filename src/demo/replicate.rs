//! Copies of the city side by side, for load tests at `scale` > 1.
//!
//! Copy n sits in column `n % columns` and row `n / columns` of a grid with
//! `columns = ceil(sqrt(scale))`, shifted by [`OFFSET_LON_DEG`] per column and
//! [`OFFSET_LAT_DEG`] per row (more than the city's extent, motorways
//! included, so copies never overlap). Copy 0 is the city itself with its
//! plain ids; copy n prefixes every id and every reference to one with
//! `k{n}-`, shifts event ids by n times the number of events (so they stay
//! unique and, within a copy, in recording order), gives its capakeys the
//! cadastral division `90000 + n` instead of 71016, and re-measures parcel
//! areas (a copy further north has slightly smaller degrees). The base city is
//! generated once and translated, so scale 100 (about 3 million parcels)
//! costs little more than the copying.

use geo::MapCoords;

use super::frame::polygon_area_m2;
use super::parcels::{round_cm2, DIVISION};
use crate::model::Dataset;

/// The shift between neighbouring copies, degrees of longitude.
pub const OFFSET_LON_DEG: f64 = 0.25;
/// The shift between neighbouring copies, degrees of latitude.
pub const OFFSET_LAT_DEG: f64 = 0.125;

/// The grid column and row of copy `copy` among `scale` copies.
pub fn grid_position(copy: u32, scale: u32) -> (u32, u32) {
    let columns = (f64::from(scale)).sqrt().ceil().max(1.0) as u32;
    (copy % columns, copy / columns)
}

pub fn replicate(base: Dataset, scale: u32) -> Dataset {
    if scale <= 1 {
        return base;
    }
    let n = scale as usize;
    let mut out = Dataset {
        neighbourhoods: Vec::with_capacity(base.neighbourhoods.len() * n),
        residents: Vec::with_capacity(base.residents.len() * n),
        parcels: Vec::with_capacity(base.parcels.len() * n),
        business_parks: Vec::with_capacity(base.business_parks.len() * n),
        shop_units: Vec::with_capacity(base.shop_units.len() * n),
        shopping_areas: Vec::with_capacity(base.shopping_areas.len() * n),
        streets: Vec::with_capacity(base.streets.len() * n),
        companies: Vec::with_capacity(base.companies.len() * n),
        access_points: Vec::with_capacity(base.access_points.len() * n),
        places: Vec::with_capacity(base.places.len() * n),
        waterways: Vec::with_capacity(base.waterways.len() * n),
        unit_events: Vec::with_capacity(base.unit_events.len() * n),
    };
    for copy in 0..scale {
        append_copy(&mut out, &base, copy, scale);
    }
    out
}

fn append_copy(out: &mut Dataset, base: &Dataset, copy: u32, scale: u32) {
    let (column, row) = grid_position(copy, scale);
    let (dlon, dlat) = (
        f64::from(column) * OFFSET_LON_DEG,
        f64::from(row) * OFFSET_LAT_DEG,
    );
    let shift = |coord: geo::Coord<f64>| geo::Coord {
        x: coord.x + dlon,
        y: coord.y + dlat,
    };
    let prefix = if copy == 0 {
        String::new()
    } else {
        format!("k{copy}-")
    };
    let id = |id: &str| format!("{prefix}{id}");
    let division = if copy == 0 {
        DIVISION
    } else {
        90_000 + copy % 10_000
    };

    // Every record of a layer, re-identified and shifted; `then` adjusts the
    // fields that hold ids or depend on the place.
    macro_rules! copy_layer {
        ($layer:ident $(, |$record:ident| $then:block)?) => {
            out.$layer.extend(base.$layer.iter().map(|record| {
                let mut record = record.clone();
                record.id = id(&record.id);
                record.geometry = record.geometry.map_coords(shift);
                $(let $record = &mut record; $then)?
                record
            }))
        };
    }
    copy_layer!(neighbourhoods, |record| {
        record.code = id(&record.code);
    });
    copy_layer!(residents);
    copy_layer!(parcels, |record| {
        if dlat != 0.0 {
            record.area_m2 = round_cm2(polygon_area_m2(&record.geometry));
        }
        record.capakey = format!("{division:05}{}", &record.capakey[5..]);
        record.park_id = record.park_id.as_deref().map(id);
    });
    copy_layer!(business_parks);
    copy_layer!(shop_units, |record| {
        record.area_id = record.area_id.as_deref().map(id);
    });
    copy_layer!(shopping_areas);
    copy_layer!(streets);
    copy_layer!(companies);
    copy_layer!(access_points);
    copy_layer!(places);
    copy_layer!(waterways);
    let n_events = base.unit_events.len() as i64;
    out.unit_events.extend(base.unit_events.iter().map(|event| {
        let mut event = event.clone();
        event.event_id += i64::from(copy) * n_events;
        event.unit_id = id(&event.unit_id);
        event
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_fill_a_square_grid() {
        assert_eq!(grid_position(0, 1), (0, 0));
        assert_eq!(grid_position(3, 4), (1, 1));
        assert_eq!(grid_position(5, 10), (1, 1));
        assert_eq!(grid_position(99, 100), (9, 9));
    }
}
