//! The HTML view of any OGC document, for a person with a browser: its
//! title, its links as a list, its features (if any) as a table of id,
//! geometry type and properties, and its other members as a definition
//! list. Plain HTML with a few inline styles: no scripts, nothing fetched
//! from the web. Every text is escaped.

use serde_json::Value as Json;

/// `text` safe in HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

fn value_text(value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::String(text) => escape(text),
        other => escape(&other.to_string()),
    }
}

fn links_html(links: &[Json]) -> String {
    let items: String = links
        .iter()
        .map(|link| {
            let href = link["href"].as_str().unwrap_or("");
            let title = link["title"].as_str().unwrap_or(href);
            format!(
                "<li><a href=\"{}\">{}</a> <small>({}, {})</small></li>\n",
                escape(href),
                escape(title),
                escape(link["rel"].as_str().unwrap_or("")),
                escape(link["type"].as_str().unwrap_or("")),
            )
        })
        .collect();
    format!("<h2>Links</h2>\n<ul>\n{items}</ul>\n")
}

fn features_html(features: &[Json], own_href: Option<&str>) -> String {
    let mut names: Vec<&str> = Vec::new();
    for feature in features {
        if let Some(properties) = feature["properties"].as_object() {
            for name in properties.keys() {
                if !names.contains(&name.as_str()) {
                    names.push(name);
                }
            }
        }
    }
    let head: String = names
        .iter()
        .map(|name| format!("<th>{}</th>", escape(name)))
        .collect();
    let rows: String = features
        .iter()
        .map(|feature| {
            let id = value_text(&feature["id"]);
            let id_cell = match own_href {
                Some(base) => format!("<a href=\"{}/{id}?f=html\">{id}</a>", escape(base)),
                None => id,
            };
            let cells: String = names
                .iter()
                .map(|name| format!("<td>{}</td>", value_text(&feature["properties"][*name])))
                .collect();
            format!(
                "<tr><td>{id_cell}</td><td>{}</td>{cells}</tr>\n",
                value_text(&feature["geometry"]["type"])
            )
        })
        .collect();
    format!(
        "<h2>Features</h2>\n<table>\n<tr><th>id</th><th>geometry</th>{head}</tr>\n{rows}</table>\n"
    )
}

fn members_html(document: &serde_json::Map<String, Json>) -> String {
    let items: String = document
        .iter()
        .filter(|(name, _)| !["links", "features", "type", "title"].contains(&name.as_str()))
        .map(|(name, value)| {
            let shown = match value {
                Json::Object(_) | Json::Array(_) => format!(
                    "<pre>{}</pre>",
                    escape(&serde_json::to_string_pretty(value).unwrap_or_default())
                ),
                other => value_text(other),
            };
            format!("<dt>{}</dt><dd>{shown}</dd>\n", escape(name))
        })
        .collect();
    format!("<dl>\n{items}</dl>\n")
}

/// A whole page for `document` under `title`.
pub fn page(title: &str, document: &Json) -> String {
    let mut body = String::new();
    if let Some(object) = document.as_object() {
        body.push_str(&members_html(object));
        if let Some(features) = object.get("features").and_then(Json::as_array) {
            let items_href = object
                .get("links")
                .and_then(Json::as_array)
                .and_then(|links| links.iter().find(|link| link["rel"] == "collection"))
                .and_then(|link| link["href"].as_str())
                .map(|href| format!("{href}/items"));
            body.push_str(&features_html(features, items_href.as_deref()));
        }
        if object.get("type") == Some(&Json::from("Feature")) {
            body.push_str(&features_html(std::slice::from_ref(document), None));
        }
        if let Some(links) = object.get("links").and_then(Json::as_array) {
            body.push_str(&links_html(links));
        }
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n\
<style>body{{font-family:sans-serif;margin:2em;max-width:80em}}table{{border-collapse:collapse}}\
td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:left}}pre{{margin:0}}</style>\n</head>\n\
<body>\n<h1>{title}</h1>\n{body}</body>\n</html>\n",
        title = escape(title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pages_escape_what_they_show() {
        let document = json!({
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "id": "<b>", "geometry": {"type": "Point"}, "properties": {"name": "a & b"}}],
            "links": [{"href": "http://x/?a=1&b=2", "rel": "self", "type": "text/html", "title": "me"}],
        });
        let html = page("Winkels <test>", &document);
        assert!(html.contains("<h1>Winkels &lt;test&gt;</h1>"));
        assert!(html.contains("a &amp; b"));
        assert!(html.contains("&lt;b&gt;"));
        assert!(html.contains("href=\"http://x/?a=1&amp;b=2\""));
        assert!(!html.contains("<script"));
    }
}
