//! The API page (`/ogc/api.html`, the OGC landing page's `service-doc`):
//! plain HTML rendered on the server from the OpenAPI document, grouped by
//! tag, each operation with its parameters, request body, responses and
//! examples. Everything it needs is in the page (one inline style sheet, no
//! script), so it works offline.

use std::fmt::Write;

use serde_json::Value;

/// Text made safe for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;line-height:1.45;color:#1d2430}\
h2{border-bottom:2px solid #c9d3e0;padding-bottom:.2rem;margin-top:2.5rem}\
section.op{border:1px solid #d6dde8;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}\
.method{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase}\
.get{color:#1a6b2e}.post{color:#8a4b00}.delete{color:#a11}\
code,pre{font-family:ui-monospace,monospace;font-size:.9em}\
pre{background:#f4f6f9;padding:.5rem;overflow-x:auto;max-height:24rem}\
table{border-collapse:collapse;width:100%;margin:.4rem 0}td,th{border:1px solid #d6dde8;padding:.25rem .4rem;text-align:left;vertical-align:top}\
.roles{color:#5a2a82}";

/// A schema in a few words: type, format, values, range, nullable.
fn schema_summary(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference
            .rsplit('/')
            .next()
            .unwrap_or(reference)
            .to_string();
    }
    let mut words = Vec::new();
    if let Some(kind) = schema.get("type").and_then(Value::as_str) {
        words.push(match schema.get("format").and_then(Value::as_str) {
            Some(format) => format!("{kind} ({format})"),
            None => kind.to_string(),
        });
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values.iter().map(|value| value.to_string()).collect();
        words.push(format!("one of {}", values.join(", ")));
    }
    match (schema.get("minimum"), schema.get("maximum")) {
        (Some(min), Some(max)) => words.push(format!("{min} to {max}")),
        (Some(min), None) => words.push(format!("at least {min}")),
        (None, Some(max)) => words.push(format!("at most {max}")),
        (None, None) => {}
    }
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        words.push("or null".into());
    }
    if words.is_empty() {
        "any".into()
    } else {
        words.join(", ")
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn example_block(out: &mut String, media: &Value) {
    if let Some(example) = media.get("example") {
        let text = match example {
            Value::String(text) => text.clone(),
            other => pretty(other),
        };
        let _ = write!(out, "<pre>{}</pre>", escape(&text));
    }
}

fn parameters_table(out: &mut String, parameters: &[Value]) {
    if parameters.is_empty() {
        return;
    }
    out.push_str("<table><tr><th>parameter</th><th>in</th><th>required</th><th>type and range</th><th>meaning</th><th>example</th></tr>");
    for parameter in parameters {
        let text = |key: &str| parameter.get(key).and_then(Value::as_str).unwrap_or("");
        let example = parameter
            .get("example")
            .map(|example| match example {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            })
            .unwrap_or_default();
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            escape(text("name")),
            escape(text("in")),
            if parameter.get("required") == Some(&Value::Bool(true)) { "yes" } else { "no" },
            escape(&schema_summary(parameter.get("schema").unwrap_or(&Value::Null))),
            escape(text("description")),
            escape(&example),
        );
    }
    out.push_str("</table>");
}

fn operation_section(out: &mut String, path: &str, method: &str, operation: &Value) {
    let text = |key: &str| operation.get(key).and_then(Value::as_str).unwrap_or("");
    let _ = write!(
        out,
        "<section class=\"op\" id=\"{}\"><h3><span class=\"method {method}\">{method}</span> <code>{}</code></h3><p><strong>{}</strong></p>",
        escape(text("operationId")),
        escape(path),
        escape(text("summary")),
    );
    for paragraph in text("description").split("\n\n").filter(|p| !p.is_empty()) {
        let _ = write!(out, "<p>{}</p>", escape(paragraph));
    }
    if let Some(roles) = operation.get("x-roles").and_then(Value::as_array) {
        let names: Vec<&str> = roles.iter().filter_map(Value::as_str).collect();
        let _ = write!(
            out,
            "<p class=\"roles\">Needs a login with the role {}.</p>",
            escape(&names.join(", "))
        );
    }
    let parameters = operation
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    parameters_table(out, &parameters);
    if let Some(body) = operation.get("requestBody") {
        let _ = write!(
            out,
            "<h4>Request body</h4><p>{}</p>",
            escape(
                body.get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            )
        );
        if let Some(content) = body.get("content").and_then(Value::as_object) {
            for (media_type, media) in content {
                let _ = write!(
                    out,
                    "<p><code>{}</code>: {}</p>",
                    escape(media_type),
                    escape(&schema_summary(media.get("schema").unwrap_or(&Value::Null)))
                );
                example_block(out, media);
            }
        }
    }
    out.push_str("<h4>Responses</h4>");
    if let Some(responses) = operation.get("responses").and_then(Value::as_object) {
        for (status, response) in responses {
            let description = response
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("");
            let _ = write!(
                out,
                "<p><strong>{}</strong> {}</p>",
                escape(status),
                escape(description)
            );
            if let Some(content) = response.get("content").and_then(Value::as_object) {
                for (media_type, media) in content {
                    let _ = write!(
                        out,
                        "<p><code>{}</code>: {}</p>",
                        escape(media_type),
                        escape(&schema_summary(media.get("schema").unwrap_or(&Value::Null)))
                    );
                    example_block(out, media);
                }
            }
        }
    }
    out.push_str("</section>");
}

/// The page for `document`.
pub fn page(document: &Value) -> String {
    let info = &document["info"];
    let title = info["title"].as_str().unwrap_or("API");
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body><h1>{}</h1><p>{}</p><p>The same as OpenAPI 3.0: <a href=\"/ogc/api\">/ogc/api</a>.</p>",
        escape(title),
        escape(title),
        escape(info["description"].as_str().unwrap_or("")),
    );
    let empty = serde_json::Map::new();
    let paths = document["paths"].as_object().unwrap_or(&empty);
    let tags = document["tags"].as_array().cloned().unwrap_or_default();
    out.push_str("<nav><h2>Contents</h2><ul>");
    for tag in &tags {
        let name = tag["name"].as_str().unwrap_or("");
        let _ = write!(
            out,
            "<li><a href=\"#tag-{}\">{}</a>: {}</li>",
            escape(name),
            escape(name),
            escape(tag["description"].as_str().unwrap_or(""))
        );
    }
    out.push_str("</ul></nav>");
    for tag in &tags {
        let name = tag["name"].as_str().unwrap_or("");
        let mut section = String::new();
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, operation) in item {
                let tagged = operation["tags"]
                    .as_array()
                    .is_some_and(|tags| tags.iter().any(|tag| tag == name));
                if tagged {
                    operation_section(&mut section, path, method, operation);
                }
            }
        }
        if section.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "<h2 id=\"tag-{}\">{}</h2><p>{}</p>",
            escape(name),
            escape(name),
            escape(tag["description"].as_str().unwrap_or(""))
        );
        out.push_str(&section);
    }
    out.push_str("</body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_html() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn a_schema_is_summed_up_in_words() {
        let schema = serde_json::json!({"type": "integer", "minimum": 1, "maximum": 10000});
        assert_eq!(schema_summary(&schema), "integer, 1 to 10000");
        let schema = serde_json::json!({"type": "string", "enum": ["count", "area"]});
        assert_eq!(
            schema_summary(&schema),
            "string, one of \"count\", \"area\""
        );
    }
}
