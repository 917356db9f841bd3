//! The one table of which activity each zoning and each park kind allows,
//! the NACE codes behind each activity group, and the reach of the required
//! accesses (quay, rail).
//!
//! # The activity table
//!
//! A parcel may take an activity when its zoning allows it and, on a business
//! park, when the park's kind allows it too. Off a park only the zoning
//! counts.
//!
//! | activity | zonings | park kinds |
//! | --- | --- | --- |
//! | `manufacturing` | industrial, sme | industrial, sme, water_bound* |
//! | `logistics` | industrial, sme | industrial, sme, logistics, water_bound* |
//! | `water_bound_logistics` | industrial | industrial, logistics, water_bound |
//! | `sme_craft` | industrial, sme, mixed | industrial, sme, mixed |
//! | `knowledge_intensive` | industrial, research, services, mixed | industrial, science_park, mixed |
//! | `care` | care, services, mixed | care_campus, mixed |
//! | `services` | services, retail, mixed | mixed |
//! | `retail` | retail, mixed | mixed |
//!
//! So a science park (zoning `research`) takes knowledge-intensive activity
//! only, and a care campus care only (its "related services", social care
//! and welfare, are NACE 86–88 and so in the `care` group). Water-bound plots
//! are kept for users of the water: a `water_bound` park takes water-bound
//! logistics, and (*) manufacturing or logistics only when the request
//! requires the quay. Water-bound logistics always requires the quay.
//! Residential and `other` zoning take no activity of this search.
//!
//! # NACE codes
//!
//! A NACE-BEL 2008 code (`52.10`, `52.1` or `52`) maps to a group by its
//! division, with a few classes overridden ([`NACE_CLASS_OVERRIDES`]):
//! high-tech manufacturing (21 pharmaceuticals, 26 electronics, after
//! Eurostat's high-tech aggregation), IT (62–63), research (72), engineering
//! and technical testing (71.12, 71.2) are knowledge-intensive; water
//! transport (50) and its services (52.22) are water-bound logistics.
//! Agriculture (01–03), mining (05–09) and households or extraterritorial
//! bodies (97–99) have no group: they are not searched for.
//!
//! # Access
//!
//! The layers hold no canal bank and no rail sidings, only access points. A
//! site has quay access when one of its parcels lies within [`QUAY_REACH_M`]
//! (straight line) of a `quay` access point, and rail access when one lies
//! within [`RAIL_REACH_M`] of a railway station or a tri-modal terminal (a
//! quay whose name says "trimodal").

use std::str::FromStr;

use crate::model::{ParkKind, Zoning};

/// A parcel this close to a quay access point has quay access, metres.
pub const QUAY_REACH_M: f64 = 500.0;
/// A parcel this close to a rail access point has rail access, metres.
pub const RAIL_REACH_M: f64 = 1_000.0;

/// The activity groups a request can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActivityGroup {
    Manufacturing,
    Logistics,
    WaterBoundLogistics,
    SmeCraft,
    KnowledgeIntensive,
    Care,
    Services,
    Retail,
}

impl ActivityGroup {
    pub const ALL: [ActivityGroup; 8] = [
        ActivityGroup::Manufacturing,
        ActivityGroup::Logistics,
        ActivityGroup::WaterBoundLogistics,
        ActivityGroup::SmeCraft,
        ActivityGroup::KnowledgeIntensive,
        ActivityGroup::Care,
        ActivityGroup::Services,
        ActivityGroup::Retail,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityGroup::Manufacturing => "manufacturing",
            ActivityGroup::Logistics => "logistics",
            ActivityGroup::WaterBoundLogistics => "water_bound_logistics",
            ActivityGroup::SmeCraft => "sme_craft",
            ActivityGroup::KnowledgeIntensive => "knowledge_intensive",
            ActivityGroup::Care => "care",
            ActivityGroup::Services => "services",
            ActivityGroup::Retail => "retail",
        }
    }
}

impl FromStr for ActivityGroup {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        if text == "research" {
            return Ok(ActivityGroup::KnowledgeIntensive);
        }
        ActivityGroup::ALL
            .into_iter()
            .find(|group| group.as_str() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = ActivityGroup::ALL.iter().map(|g| g.as_str()).collect();
                format!(
                    "unknown activity '{text}' (expected a NACE code such as 52.10 or one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// Whether a water-bound park takes the activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WaterBoundPark {
    Always,
    WithQuay,
    Never,
}

/// One row of the activity table.
struct Row {
    activity: ActivityGroup,
    zonings: &'static [Zoning],
    /// Park kinds other than `water_bound`.
    park_kinds: &'static [ParkKind],
    water_bound_park: WaterBoundPark,
}

use ActivityGroup as A;
use ParkKind as P;
use Zoning as Z;

/// The activity table of this file's documentation.
const TABLE: [Row; 8] = [
    Row {
        activity: A::Manufacturing,
        zonings: &[Z::Industrial, Z::Sme],
        park_kinds: &[P::Industrial, P::Sme],
        water_bound_park: WaterBoundPark::WithQuay,
    },
    Row {
        activity: A::Logistics,
        zonings: &[Z::Industrial, Z::Sme],
        park_kinds: &[P::Industrial, P::Sme, P::Logistics],
        water_bound_park: WaterBoundPark::WithQuay,
    },
    Row {
        activity: A::WaterBoundLogistics,
        zonings: &[Z::Industrial],
        park_kinds: &[P::Industrial, P::Logistics],
        water_bound_park: WaterBoundPark::Always,
    },
    Row {
        activity: A::SmeCraft,
        zonings: &[Z::Industrial, Z::Sme, Z::Mixed],
        park_kinds: &[P::Industrial, P::Sme, P::Mixed],
        water_bound_park: WaterBoundPark::Never,
    },
    Row {
        activity: A::KnowledgeIntensive,
        zonings: &[Z::Industrial, Z::Research, Z::Services, Z::Mixed],
        park_kinds: &[P::Industrial, P::SciencePark, P::Mixed],
        water_bound_park: WaterBoundPark::Never,
    },
    Row {
        activity: A::Care,
        zonings: &[Z::Care, Z::Services, Z::Mixed],
        park_kinds: &[P::CareCampus, P::Mixed],
        water_bound_park: WaterBoundPark::Never,
    },
    Row {
        activity: A::Services,
        zonings: &[Z::Services, Z::Retail, Z::Mixed],
        park_kinds: &[P::Mixed],
        water_bound_park: WaterBoundPark::Never,
    },
    Row {
        activity: A::Retail,
        zonings: &[Z::Retail, Z::Mixed],
        park_kinds: &[P::Mixed],
        water_bound_park: WaterBoundPark::Never,
    },
];

fn row(activity: ActivityGroup) -> &'static Row {
    TABLE
        .iter()
        .find(|row| row.activity == activity)
        .expect("every activity group has a row")
}

/// Whether the zoning allows the activity.
pub fn zoning_allows(activity: ActivityGroup, zoning: Zoning) -> bool {
    row(activity).zonings.contains(&zoning)
}

/// Whether a park of this kind takes the activity; `requires_quay` is
/// whether the request requires the quay.
pub fn park_allows(activity: ActivityGroup, kind: ParkKind, requires_quay: bool) -> bool {
    let row = row(activity);
    if kind == ParkKind::WaterBound {
        return match row.water_bound_park {
            WaterBoundPark::Always => true,
            WaterBoundPark::WithQuay => requires_quay,
            WaterBoundPark::Never => false,
        };
    }
    row.park_kinds.contains(&kind)
}

/// Whether the activity needs the quay whatever the request says.
pub fn implies_quay(activity: ActivityGroup) -> bool {
    activity == ActivityGroup::WaterBoundLogistics
}

/// NACE divisions (first two digits, inclusive ranges) and their group;
/// `None`: not searched for.
const NACE_DIVISIONS: [(u8, u8, Option<ActivityGroup>); 24] = [
    (1, 9, None),
    (10, 20, Some(A::Manufacturing)),
    (21, 21, Some(A::KnowledgeIntensive)),
    (22, 25, Some(A::Manufacturing)),
    (26, 26, Some(A::KnowledgeIntensive)),
    (27, 39, Some(A::Manufacturing)),
    (40, 40, None),
    (41, 45, Some(A::SmeCraft)),
    (46, 46, Some(A::Logistics)),
    (47, 47, Some(A::Retail)),
    (48, 49, Some(A::Logistics)),
    (50, 50, Some(A::WaterBoundLogistics)),
    (51, 53, Some(A::Logistics)),
    (54, 54, None),
    (55, 61, Some(A::Services)),
    (62, 63, Some(A::KnowledgeIntensive)),
    (64, 71, Some(A::Services)),
    (72, 72, Some(A::KnowledgeIntensive)),
    (73, 85, Some(A::Services)),
    (86, 88, Some(A::Care)),
    (89, 89, None),
    (90, 96, Some(A::Services)),
    (97, 99, None),
    (0, 0, None),
];

/// NACE classes whose group differs from their division's, by code prefix.
pub const NACE_CLASS_OVERRIDES: [(&str, ActivityGroup); 3] = [
    ("71.12", A::KnowledgeIntensive),
    ("71.2", A::KnowledgeIntensive),
    ("52.22", A::WaterBoundLogistics),
];

/// Whether `text` looks like a NACE code: two digits, then optionally a dot
/// and one to three digits.
pub fn looks_like_nace(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |part: &[u8]| part.iter().all(u8::is_ascii_digit);
    match bytes.len() {
        2 => digits(bytes),
        4..=6 => digits(&bytes[..2]) && bytes[2] == b'.' && digits(&bytes[3..]),
        _ => false,
    }
}

/// The group of a NACE code, or why it has none.
pub fn nace_group(code: &str) -> Result<ActivityGroup, String> {
    if !looks_like_nace(code) {
        return Err(format!("'{code}' is not a NACE code such as 52.10"));
    }
    if let Some((_, group)) = NACE_CLASS_OVERRIDES
        .iter()
        .find(|(prefix, _)| code.starts_with(prefix))
    {
        return Ok(*group);
    }
    let division: u8 = code[..2].parse().expect("two digits");
    NACE_DIVISIONS
        .iter()
        .find(|(first, last, _)| (*first..=*last).contains(&division))
        .and_then(|(_, _, group)| *group)
        .ok_or_else(|| {
            format!("NACE division {division:02} is not an activity for a business park site")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_science_park_takes_knowledge_intensive_activity_only() {
        for activity in ActivityGroup::ALL {
            assert_eq!(
                park_allows(activity, ParkKind::SciencePark, true),
                activity == A::KnowledgeIntensive,
                "{activity:?}"
            );
            assert_eq!(
                zoning_allows(activity, Zoning::Research),
                activity == A::KnowledgeIntensive,
                "{activity:?}"
            );
        }
    }

    #[test]
    fn a_care_campus_takes_care_only() {
        for activity in ActivityGroup::ALL {
            assert_eq!(
                park_allows(activity, ParkKind::CareCampus, false),
                activity == A::Care
            );
            assert_eq!(zoning_allows(activity, Zoning::Care), activity == A::Care);
        }
    }

    #[test]
    fn a_water_bound_park_takes_logistics_only_with_the_quay() {
        assert!(park_allows(A::WaterBoundLogistics, P::WaterBound, false));
        assert!(park_allows(A::Logistics, P::WaterBound, true));
        assert!(!park_allows(A::Logistics, P::WaterBound, false));
        assert!(!park_allows(A::Services, P::WaterBound, true));
        assert!(implies_quay(A::WaterBoundLogistics));
    }

    #[test]
    fn nobody_settles_on_residential_or_other_zoning() {
        for activity in ActivityGroup::ALL {
            assert!(!zoning_allows(activity, Zoning::Residential));
            assert!(!zoning_allows(activity, Zoning::Other));
        }
    }

    #[test]
    fn nace_codes_map_to_their_groups() {
        let check = |code: &str, group: ActivityGroup| {
            assert_eq!(nace_group(code), Ok(group), "{code}");
        };
        check("52.10", A::Logistics);
        check("52.22", A::WaterBoundLogistics);
        check("50.40", A::WaterBoundLogistics);
        check("25.11", A::Manufacturing);
        check("26.11", A::KnowledgeIntensive);
        check("72.19", A::KnowledgeIntensive);
        check("71.12", A::KnowledgeIntensive);
        check("71.11", A::Services);
        check("86.10", A::Care);
        check("88.10", A::Care);
        check("43.21", A::SmeCraft);
        check("47.11", A::Retail);
        check("69", A::Services);
        check("62.010", A::KnowledgeIntensive);
        assert!(nace_group("01.11").is_err());
        assert!(nace_group("5210").is_err());
        assert!(nace_group("ab.cd").is_err());
        assert!(nace_group("52.").is_err());
    }

    #[test]
    fn every_nace_division_is_in_exactly_one_range() {
        for division in 0u8..=99 {
            let n = NACE_DIVISIONS
                .iter()
                .filter(|(first, last, _)| (*first..=*last).contains(&division))
                .count();
            assert_eq!(n, 1, "division {division}");
        }
    }

    #[test]
    fn group_names_parse_back() {
        for group in ActivityGroup::ALL {
            assert_eq!(group.as_str().parse::<ActivityGroup>(), Ok(group));
        }
        assert_eq!("research".parse(), Ok(A::KnowledgeIntensive));
        assert!("warehousing".parse::<ActivityGroup>().is_err());
    }
}
