//! Vacancy (leegstand) figures from the shop-unit history, after DOMAIN.md.
//!
//! Pure: the figures are computed from a [`RetailStock`] (every shop unit with
//! its in-force state sequence and its groups), built from an
//! [`Engine`](super::Engine) with [`RetailStock::from_engine`] and kept with
//! the snapshot ([`cache`]: [`retail_stock`], [`located_stock`]; the first
//! stock after an edit is [`patch`]ed from the one before, a point's
//! neighbourhood and cells remembered in [`places`]). One algorithm per
//! file: [`stock`] (the state of every unit on a date, and the grouping by
//! city, shopping area, street or neighbourhood), [`summary`] (counts and the
//! two rates per group), [`duration`] (duration classes and the register
//! candidates), [`units`] (the units of one group on a date), [`trend`](mod@trend) (the rates at regular steps), [`churn`](mod@churn)
//! (openings, closures, conversions and exits over a period), [`h3`] and
//! [`surface`] (the heatmaps).
//!
//! # Definitions
//! The state of a unit on date D is its event in force on D
//! ([`UnitHistory::state_on`](crate::model::history::UnitHistory::state_on));
//! a unit whose first event is after D did not exist yet on D. The retail
//! stock on D is the units occupied, vacant or under renovation;
//! `non_commercial` units have left it. Rates are fractions, `None` when
//! their denominator is 0. "One year" from a date is the same day twelve
//! months later (29 February + 1 year is 28 February), as PostgreSQL's
//! `date + interval '1 year'`.

pub mod cache;
pub mod churn;
pub mod duration;
pub mod h3;
pub mod hex;
pub mod patch;
pub mod places;
pub mod stock;
pub mod summary;
pub mod surface;
pub mod trend;
pub mod units;

pub use cache::{located_stock, retail_stock, VacancyCache};
pub use churn::{churn, GroupChurn};
pub use duration::{register, DurationClass, RegisterEntry};
pub use stock::{Group, Grouping, RetailStock, UnitState};
pub use summary::{summarise, GroupSummary};
pub use trend::{step_dates, trend, GroupTrend, Step, TrendPoint, MAX_STEPS};
pub use units::{units_of, ListedUnit};

use crate::model::ModelError;

/// Why vacancy figures cannot be computed.
#[derive(Debug, thiserror::Error)]
pub enum VacancyError {
    /// A feature of a layer the figures read does not decode.
    #[error("{layer} feature '{feature_id}' is not valid: {source}")]
    Feature {
        layer: &'static str,
        feature_id: String,
        source: ModelError,
    },
    /// A period whose start is after its end.
    #[error("the period starts on {from}, after its end on {to}")]
    PeriodReversed {
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    },
    /// A trend with more steps than [`MAX_STEPS`].
    #[error("{n_steps} steps from {from} to {to}, more than the {max} allowed")]
    TooManySteps {
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        n_steps: usize,
        max: usize,
    },
    /// A date beyond the calendar chrono can represent.
    #[error("a date out of range after {0}")]
    DateOutOfRange(chrono::NaiveDate),
}

/// `numerator / denominator`, `None` when the denominator is 0.
pub fn rate(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator)
}
