//! The words the reasons use for the data's codes, in Dutch and in English
//! side by side: activity groups, zonings, park kinds (in English with
//! their article, "an SME zone"), and a parcel's availability.

use super::language::Language;
use super::rules::ActivityGroup;
use crate::model::{Availability, ParkKind, Zoning};

/// An activity group: "logistiek", "logistics".
pub fn activity(group: ActivityGroup, language: Language) -> &'static str {
    use ActivityGroup as A;
    let (dutch, english) = match group {
        A::Manufacturing => ("productie", "manufacturing"),
        A::Logistics => ("logistiek", "logistics"),
        A::WaterBoundLogistics => ("watergebonden logistiek", "water-bound logistics"),
        A::SmeCraft => ("KMO en ambacht", "SME and craft"),
        A::KnowledgeIntensive => (
            "kennisintensieve activiteit",
            "knowledge-intensive activity",
        ),
        A::Care => ("zorg", "care"),
        A::Services => ("diensten", "services"),
        A::Retail => ("detailhandel", "retail"),
    };
    language.pick(dutch, english)
}

/// A zoning: "woongebied", "residential area".
pub fn zoning(zoning: Zoning, language: Language) -> &'static str {
    use Zoning as Z;
    let (dutch, english) = match zoning {
        Z::Industrial => ("industriegebied", "industrial area"),
        Z::Sme => ("KMO-zone", "SME zone"),
        Z::Services => ("dienstenzone", "services zone"),
        Z::Research => ("onderzoekszone", "research zone"),
        Z::Care => ("zorgzone", "care zone"),
        Z::Retail => ("kleinhandelszone", "retail zone"),
        Z::Residential => ("woongebied", "residential area"),
        Z::Mixed => ("gemengde zone", "mixed zone"),
        Z::Other => ("andere bestemming", "other zoning"),
    };
    language.pick(dutch, english)
}

/// A park kind as it follows "is": in Dutch without its article (the
/// reason says "is een"), in English with it, since "a" or "an" depends on
/// the word ("a science park", "an SME zone").
pub fn park_kind(kind: ParkKind, language: Language) -> &'static str {
    use ParkKind as P;
    let (dutch, english) = match kind {
        P::Industrial => ("industrieterrein", "an industrial park"),
        P::Sme => ("KMO-zone", "an SME zone"),
        P::Logistics => ("logistiek terrein", "a logistics park"),
        P::WaterBound => ("watergebonden terrein", "a water-bound park"),
        P::SciencePark => ("wetenschapspark", "a science park"),
        P::CareCampus => ("zorgcampus", "a care campus"),
        P::Mixed => ("gemengd terrein", "a mixed park"),
    };
    language.pick(dutch, english)
}

/// A parcel's availability: "onder optie", "under option".
pub fn availability(availability: Availability, language: Language) -> &'static str {
    use Availability as V;
    let (dutch, english) = match availability {
        V::NotOffered => ("niet te koop of te huur", "not for sale or lease"),
        V::ForSale => ("te koop", "for sale"),
        V::ForLease => ("te huur", "for lease"),
        V::UnderOption => ("onder optie", "under option"),
        V::Reserved => ("gereserveerd", "reserved"),
    };
    language.pick(dutch, english)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_word_in_each_language() {
        for language in Language::ALL {
            for group in ActivityGroup::ALL {
                assert!(!activity(group, language).is_empty());
            }
        }
        assert_eq!(
            activity(ActivityGroup::SmeCraft, Language::Dutch),
            "KMO en ambacht"
        );
        assert_eq!(
            activity(ActivityGroup::SmeCraft, Language::English),
            "SME and craft"
        );
        assert_eq!(zoning(Zoning::Residential, Language::Dutch), "woongebied");
        assert_eq!(
            zoning(Zoning::Residential, Language::English),
            "residential area"
        );
        assert_eq!(
            park_kind(ParkKind::Sme, Language::English),
            "an SME zone",
            "an before a vowel sound"
        );
        assert_eq!(
            park_kind(ParkKind::SciencePark, Language::Dutch),
            "wetenschapspark"
        );
        assert_eq!(
            availability(Availability::UnderOption, Language::English),
            "under option"
        );
        assert_eq!(
            availability(Availability::Reserved, Language::Dutch),
            "gereserveerd"
        );
    }
}
