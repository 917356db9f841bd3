//! `Routes`: the one way a route joins the atlas's router, with its
//! documentation, so the router and the OpenAPI document are built from one
//! list and a route cannot be added without a doc entry.
//!
//! `route(path, method_router, operations)` registers the axum route and
//! keeps its operations (at least one; a route without one panics when the
//! router is built, which every test does). `no_such_route(path, handler)`
//! is for the catch-alls that answer a JSON 404 for paths the API does not
//! have: they are not part of the API, so they carry no doc. `nest(prefix,
//! routes)` brings in a module's own `Routes` (the OGC API under `/ogc`)
//! with its operations, prefixed.

use axum::routing::MethodRouter;
use axum::Router;

use super::operation::Operation;

/// An operation with the route pattern it was registered under.
#[derive(Debug, Clone)]
pub struct Documented {
    /// The axum pattern, as in `/api/layers/{layer}/features`.
    pub route: String,
    pub operation: Operation,
}

impl Documented {
    /// The path the document lists it under.
    pub fn documented_path(&self) -> String {
        self.operation
            .path
            .clone()
            .unwrap_or_else(|| self.route.clone())
    }
}

/// `path` under `prefix`, as axum nests it: `/` becomes the prefix itself.
fn prefixed(prefix: &str, path: &str) -> String {
    if path == "/" {
        prefix.to_string()
    } else {
        format!("{prefix}{path}")
    }
}

/// Routes and their documentation, registered together.
pub struct Routes<S> {
    router: Router<S>,
    documented: Vec<Documented>,
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Routes {
            router: Router::new(),
            documented: Vec::new(),
        }
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Register `path` with its handlers and their documentation.
    pub fn route(
        mut self,
        path: &str,
        handlers: MethodRouter<S>,
        operations: impl IntoIterator<Item = Operation>,
    ) -> Self {
        let before = self.documented.len();
        self.documented
            .extend(operations.into_iter().map(|operation| Documented {
                route: path.to_string(),
                operation,
            }));
        assert!(
            self.documented.len() > before,
            "the route {path} has no documentation: give it its operations"
        );
        self.router = self.router.route(path, handlers);
        self
    }

    /// A catch-all that answers "no such route" (a JSON 404): not an API
    /// route, so it has no documentation.
    pub fn no_such_route(mut self, path: &str, handlers: MethodRouter<S>) -> Self {
        self.router = self.router.route(path, handlers);
        self
    }

    /// A permanent redirect (308) from `path` to the documented `target`:
    /// where a person may type a path with a slash too many. Not an API
    /// route, so it has no documentation.
    pub fn redirect(mut self, path: &str, target: &'static str) -> Self {
        let to = move || async move { axum::response::Redirect::permanent(target) };
        self.router = self.router.route(path, axum::routing::get(to));
        self
    }

    /// Bring in another module's routes under `prefix`, with their docs.
    pub fn nest(mut self, prefix: &str, other: Routes<S>) -> Self {
        self.documented
            .extend(other.documented.into_iter().map(|mut documented| {
                documented.route = prefixed(prefix, &documented.route);
                if let Some(path) = &mut documented.operation.path {
                    *path = prefixed(prefix, path);
                }
                documented
            }));
        self.router = self.router.nest(prefix, other.router);
        self
    }

    /// The router and the documented operations, in registration order.
    pub fn finish(self) -> (Router<S>, Vec<Documented>) {
        (self.router, self.documented)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;

    async fn ok() -> &'static str {
        "ok"
    }

    #[test]
    #[should_panic(expected = "has no documentation")]
    fn a_route_without_documentation_is_refused() {
        let _ = Routes::<()>::new().route("/api/undocumented", get(ok), []);
    }

    #[test]
    fn nested_routes_keep_their_docs_under_the_prefix() {
        let inner = Routes::<()>::new()
            .route("/", get(ok), [Operation::get("ogc", "the landing page")])
            .route(
                "/collections",
                get(ok),
                [Operation::get("ogc", "the collections")],
            )
            .route(
                "/collections/{collection}/tiles/{*rest}",
                get(ok),
                [Operation::get("ogc", "a tile").at("/collections/{collection}/tiles/{z}.mvt")],
            );
        let (_, documented) = Routes::<()>::new()
            .route("/api/health", get(ok), [Operation::get("layers", "health")])
            .nest("/ogc", inner)
            .finish();
        let paths: Vec<(String, String)> = documented
            .iter()
            .map(|entry| (entry.route.clone(), entry.documented_path()))
            .collect();
        assert_eq!(
            paths,
            [
                ("/api/health".to_string(), "/api/health".to_string()),
                ("/ogc".to_string(), "/ogc".to_string()),
                (
                    "/ogc/collections".to_string(),
                    "/ogc/collections".to_string()
                ),
                (
                    "/ogc/collections/{collection}/tiles/{*rest}".to_string(),
                    "/ogc/collections/{collection}/tiles/{z}.mvt".to_string()
                ),
            ]
        );
    }
}
