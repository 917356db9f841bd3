//! The vacancy endpoints: summary, trend, churn and the register (JSON or CSV).
//!
//! Handlers parse the query, then build the [`RetailStock`] from the engine
//! snapshot and compute in `spawn_blocking`. Every answer is public: it
//! carries counts, rates, addresses and floor areas, never an occupant.
//!
//! Defaults: `date` (and `to`) is the newest valid-from in the history (the
//! latest day the data speaks about; today, UTC, when there is no history);
//! `by` is `city`; a trend runs monthly over the five years up to `to`, churn
//! over the year up to `to`. Rates are fractions, `null` when their
//! denominator is 0.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Months, NaiveDate, Utc};
use serde_json::{json, Value as Json_};

use super::error::{ApiError, ApiQuery};
use super::AppState;
use crate::engine::vacancy::{
    self, step_dates, Grouping, RegisterEntry, RetailStock, Step, VacancyError, MAX_STEPS,
};
use crate::engine::Engine;

/// A `YYYY-MM-DD` parameter, `None` when absent.
fn parse_date(query: &ApiQuery, name: &str) -> Result<Option<NaiveDate>, ApiError> {
    let Some(text) = query.get(name) else {
        return Ok(None);
    };
    let malformed = || ApiError::bad_request(name, format!("'{text}' is not a date YYYY-MM-DD"));
    if text.len() != 10 {
        return Err(malformed());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| malformed())
}

fn parse_grouping(query: &ApiQuery) -> Result<Grouping, ApiError> {
    query
        .get("by")
        .map(|text| {
            text.parse()
                .map_err(|message: String| ApiError::bad_request("by", message))
        })
        .transpose()
        .map(|grouping| grouping.unwrap_or(Grouping::City))
}

fn parse_step(query: &ApiQuery) -> Result<Step, ApiError> {
    query
        .get("step")
        .map(|text| {
            text.parse()
                .map_err(|message: String| ApiError::bad_request("step", message))
        })
        .transpose()
        .map(|step| step.unwrap_or(Step::Month))
}

/// Run `work` on the retail stock of the current engine, off the runtime.
async fn with_stock<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&RetailStock) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let engine: std::sync::Arc<Engine> = state.engine();
    tokio::task::spawn_blocking(move || {
        let stock = RetailStock::from_engine(&engine).map_err(ApiError::internal)?;
        work(&stock)
    })
    .await
    .map_err(ApiError::internal)?
}

/// The default date: the newest valid-from in the history, else today (UTC).
fn default_date(stock: &RetailStock) -> NaiveDate {
    stock
        .latest_valid_from()
        .unwrap_or_else(|| Utc::now().date_naive())
}

/// `date` − `n_months`, the earliest date when out of range.
fn months_before(date: NaiveDate, n_months: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(n_months))
        .unwrap_or(NaiveDate::MIN)
}

fn reversed(from: NaiveDate, to: NaiveDate) -> ApiError {
    ApiError::bad_request("from", format!("{from} is after to = {to}"))
}

/// `GET /api/vacancy/summary?date=&by=`
pub async fn summary(
    State(state): State<AppState>,
    query: ApiQuery,
) -> Result<Json<Json_>, ApiError> {
    query.only(&["date", "by"])?;
    let date = parse_date(&query, "date")?;
    let grouping = parse_grouping(&query)?;
    let body = with_stock(&state, move |stock| {
        let date = date.unwrap_or_else(|| default_date(stock));
        let groups: Vec<Json_> = vacancy::summarise(stock, grouping, date)
            .iter()
            .map(|summary| {
                json!({
                    "id": summary.group.id,
                    "name": summary.group.name,
                    "units": summary.n_units,
                    "occupied": summary.n_occupied,
                    "vacant": summary.n_vacant,
                    "renovation": summary.n_renovation,
                    "rate_count": summary.rate_count(),
                    "rate_area": summary.rate_area(),
                    "frictional": summary.n_frictional,
                    "long_term": summary.n_long_term,
                    "structural": summary.n_structural,
                    "register_candidates": summary.n_register_candidates,
                })
            })
            .collect();
        Ok(json!({"date": date, "by": grouping.as_str(), "groups": groups}))
    })
    .await?;
    Ok(Json(body))
}

/// `GET /api/vacancy/trend?from=&to=&step=&by=`
pub async fn trend(
    State(state): State<AppState>,
    query: ApiQuery,
) -> Result<Json<Json_>, ApiError> {
    query.only(&["from", "to", "step", "by"])?;
    let from = parse_date(&query, "from")?;
    let to = parse_date(&query, "to")?;
    let step = parse_step(&query)?;
    let grouping = parse_grouping(&query)?;
    let body = with_stock(&state, move |stock| {
        let to = to.unwrap_or_else(|| default_date(stock));
        let from = from.unwrap_or_else(|| months_before(to, 60));
        let dates = step_dates(from, to, step).map_err(|error| match error {
            VacancyError::PeriodReversed { from, to } => reversed(from, to),
            VacancyError::TooManySteps { n_steps, .. } => ApiError::bad_request(
                "step",
                format!("{from} to {to} by {} is {n_steps} steps, more than {MAX_STEPS}; choose a longer step or a shorter range", step.as_str()),
            ),
            other => ApiError::bad_request("to", other.to_string()),
        })?;
        let groups: Vec<Json_> = vacancy::trend(stock, grouping, &dates)
            .iter()
            .map(|series| {
                let points: Vec<Json_> = series
                    .points
                    .iter()
                    .map(|point| {
                        json!({
                            "date": point.date,
                            "units": point.n_units,
                            "occupied": point.n_occupied,
                            "vacant": point.n_vacant,
                            "renovation": point.n_renovation,
                            "rate_count": point.rate_count,
                            "rate_area": point.rate_area,
                        })
                    })
                    .collect();
                json!({"id": series.group.id, "name": series.group.name, "points": points})
            })
            .collect();
        Ok(json!({
            "from": from,
            "to": to,
            "step": step.as_str(),
            "by": grouping.as_str(),
            "dates": dates,
            "groups": groups,
        }))
    })
    .await?;
    Ok(Json(body))
}

/// `GET /api/vacancy/churn?from=&to=&by=`: changes over (from, to].
pub async fn churn(
    State(state): State<AppState>,
    query: ApiQuery,
) -> Result<Json<Json_>, ApiError> {
    query.only(&["from", "to", "by"])?;
    let from = parse_date(&query, "from")?;
    let to = parse_date(&query, "to")?;
    let grouping = parse_grouping(&query)?;
    let body = with_stock(&state, move |stock| {
        let to = to.unwrap_or_else(|| default_date(stock));
        let from = from.unwrap_or_else(|| months_before(to, 12));
        let churns = vacancy::churn(stock, grouping, from, to).map_err(|error| match error {
            VacancyError::PeriodReversed { from, to } => reversed(from, to),
            other => ApiError::internal(other),
        })?;
        let groups: Vec<Json_> = churns
            .iter()
            .map(|churn| {
                json!({
                    "id": churn.group.id,
                    "name": churn.group.name,
                    "openings": churn.n_openings,
                    "closures": churn.n_closures,
                    "conversions": churn.n_conversions,
                    "exits": churn.n_exits,
                })
            })
            .collect();
        Ok(json!({"from": from, "to": to, "by": grouping.as_str(), "groups": groups}))
    })
    .await?;
    Ok(Json(body))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RegisterFormat {
    Json,
    Csv,
}

/// `?format=json|csv` wins; otherwise CSV when the client accepts `text/csv`.
fn register_format(query: &ApiQuery, headers: &HeaderMap) -> Result<RegisterFormat, ApiError> {
    match query.get("format") {
        Some("json") => Ok(RegisterFormat::Json),
        Some("csv") => Ok(RegisterFormat::Csv),
        Some(other) => Err(ApiError::bad_request(
            "format",
            format!("unknown format '{other}' (expected one of: json, csv)"),
        )),
        None => {
            let accepts_csv = headers
                .get_all(header::ACCEPT)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .any(|media| {
                    media
                        .split(';')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .eq_ignore_ascii_case("text/csv")
                });
            Ok(if accepts_csv {
                RegisterFormat::Csv
            } else {
                RegisterFormat::Json
            })
        }
    }
}

/// `GET /api/vacancy/register?date=&format=`: the units vacant 12 months or
/// more, longest first.
pub async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: ApiQuery,
) -> Result<Response, ApiError> {
    query.only(&["date", "format"])?;
    let date = parse_date(&query, "date")?;
    let format = register_format(&query, &headers)?;
    let (date, entries) = with_stock(&state, move |stock| {
        let date = date.unwrap_or_else(|| default_date(stock));
        Ok((date, vacancy::register(stock, date)))
    })
    .await?;
    Ok(match format {
        RegisterFormat::Json => {
            let units: Vec<Json_> = entries
                .iter()
                .map(|entry| {
                    json!({
                        "id": entry.unit_id,
                        "address": entry.address,
                        "street": entry.street,
                        "area_id": entry.area_id,
                        "floor_area_m2": entry.floor_area_m2,
                        "vacant_since": entry.vacant_since,
                        "months_vacant": entry.months_vacant,
                    })
                })
                .collect();
            Json(json!({"date": date, "threshold_months": vacancy::duration::REGISTER_MONTHS, "units": units}))
                .into_response()
        }
        RegisterFormat::Csv => {
            let disposition = format!("attachment; filename=\"leegstandsregister-{date}.csv\"");
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                register_csv(&entries),
            )
                .into_response()
        }
    })
}

/// The register as CSV for a Dutch-language spreadsheet: a UTF-8 byte-order
/// mark, `;` between fields, a decimal comma, CRLF line ends and a header row.
pub fn register_csv(entries: &[RegisterEntry]) -> String {
    let mut text = String::from(
        "\u{feff}id;adres;straat;winkelgebied;vloeroppervlakte_m2;leeg_sinds;maanden_leeg\r\n",
    );
    for entry in entries {
        let fields = [
            csv_field(&entry.unit_id),
            csv_field(&entry.address),
            csv_field(&entry.street),
            csv_field(entry.area_id.as_deref().unwrap_or("")),
            entry.floor_area_m2.to_string().replace('.', ","),
            entry.vacant_since.to_string(),
            entry.months_vacant.to_string(),
        ];
        text.push_str(&fields.join(";"));
        text.push_str("\r\n");
    }
    text
}

/// One text field: quoted when it holds `;`, `"` or a line break, and kept
/// from being read as a formula by a spreadsheet.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("Vennestraat 12"), "Vennestraat 12");
        assert_eq!(csv_field("a;b"), "\"a;b\"");
        assert_eq!(csv_field("zeg \"hallo\""), "\"zeg \"\"hallo\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
    }
}
