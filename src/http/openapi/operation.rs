//! What one documented operation says: method, summary, description, who
//! may call it, its parameters (type, range, required, an example), its
//! request body and its responses (status, media type, schema, example).
//!
//! Schemas are OpenAPI 3.0 Schema Objects written as JSON (`serde_json::json!`),
//! with `nullable: true` for a value that may be `null`. An operation whose
//! required parameters and body all carry an example is one a client (and the
//! test `tests/it/openapi.rs`) can send as it stands.

use serde_json::{json, Value};

use crate::model::access::Role;

/// The HTTP methods the atlas answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    /// The lowercase name, as OpenAPI's path item keys it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Patch => "patch",
            Method::Delete => "delete",
        }
    }
}

/// Who may call an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Anyone; a login only changes which confidential fields are shown.
    Anyone,
    /// A login with one of these roles (401 without, 403 for another role).
    Roles(Vec<Role>),
}

impl Access {
    /// The account roles that pass `allowed`, from the one table of roles.
    pub fn roles_where(allowed: impl Fn(Role) -> bool) -> Access {
        Access::Roles(
            Role::ACCOUNT_ROLES
                .into_iter()
                .filter(|role| allowed(*role))
                .collect(),
        )
    }
}

/// Where a parameter is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
}

impl Location {
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
        }
    }
}

/// One parameter: name, place, whether required, its schema (type, range,
/// values), what it means and an example value.
#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: &'static str,
    pub location: Location,
    pub required: bool,
    pub description: String,
    pub schema: Value,
    pub example: Option<Value>,
}

impl Parameter {
    /// A path parameter (always required).
    pub fn path(name: &'static str, description: impl Into<String>, schema: Value) -> Parameter {
        Parameter {
            name,
            location: Location::Path,
            required: true,
            description: description.into(),
            schema,
            example: None,
        }
    }

    /// An optional query parameter.
    pub fn query(name: &'static str, description: impl Into<String>, schema: Value) -> Parameter {
        Parameter {
            name,
            location: Location::Query,
            required: false,
            description: description.into(),
            schema,
            example: None,
        }
    }

    /// An optional request header.
    pub fn header(name: &'static str, description: impl Into<String>, schema: Value) -> Parameter {
        Parameter {
            name,
            location: Location::Header,
            required: false,
            description: description.into(),
            schema,
            example: None,
        }
    }

    pub fn required(self) -> Parameter {
        Parameter {
            required: true,
            ..self
        }
    }

    pub fn example(self, example: impl Into<Value>) -> Parameter {
        Parameter {
            example: Some(example.into()),
            ..self
        }
    }
}

/// One representation of a body: media type, schema, example.
#[derive(Debug, Clone)]
pub struct Content {
    pub media_type: &'static str,
    pub schema: Value,
    pub example: Option<Value>,
}

/// The request body.
#[derive(Debug, Clone)]
pub struct RequestBody {
    pub description: String,
    pub required: bool,
    pub content: Content,
}

/// One response: status, what it means, and its body if it has one.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub description: String,
    pub content: Vec<Content>,
}

impl Response {
    /// A JSON answer with its schema and an example.
    pub fn json(
        status: u16,
        description: impl Into<String>,
        schema: Value,
        example: Value,
    ) -> Response {
        Response::media(
            status,
            description,
            "application/json",
            schema,
            Some(example),
        )
    }

    /// An answer in `media_type`.
    pub fn media(
        status: u16,
        description: impl Into<String>,
        media_type: &'static str,
        schema: Value,
        example: Option<Value>,
    ) -> Response {
        Response {
            status,
            description: description.into(),
            content: vec![Content {
                media_type,
                schema,
                example,
            }],
        }
    }

    /// An answer without a body (`204`, `304`).
    pub fn empty(status: u16, description: impl Into<String>) -> Response {
        Response {
            status,
            description: description.into(),
            content: Vec::new(),
        }
    }

    /// The same answer also in `media_type` (the register as CSV, say).
    pub fn or_as(
        mut self,
        media_type: &'static str,
        schema: Value,
        example: Option<Value>,
    ) -> Response {
        self.content.push(Content {
            media_type,
            schema,
            example,
        });
        self
    }

    /// An error answer in the one error shape (`src/http/error.rs`).
    pub fn error(status: u16, description: impl Into<String>) -> Response {
        let example = match status {
            400 => {
                json!({"error": "invalid parameter 'date': '2026-13-01' is not a date YYYY-MM-DD", "detail": {"parameter": "date"}})
            }
            401 => {
                json!({"error": "this needs a login (session cookie or Authorization: Bearer token)"})
            }
            403 => json!({"error": "role 'retail' may not do this"}),
            404 => {
                json!({"error": "unknown layer 'parcel' (layers: neighbourhoods, residents, parcels, ...)"})
            }
            409 => {
                json!({"error": "shop unit 'unit-0020' was changed by someone else", "detail": {"unit_id": "unit-0020", "version": 8}})
            }
            429 => {
                json!({"error": "too many wrong passwords for this name; try again in 300 s", "detail": {"limit": "name", "retry_after_s": 300}})
            }
            503 => {
                json!({"error": "the data store cannot be reached just now; nothing was written, try again shortly"})
            }
            _ => json!({"error": "internal error; the details are in the server log"}),
        };
        Response::json(
            status,
            description,
            json!({"$ref": "#/components/schemas/Error"}),
            example,
        )
    }
}

/// One documented operation of one route.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: Method,
    /// The path as documented, when it is not the route's own pattern (one
    /// wildcard route that serves several documented paths, or a path
    /// parameter with a suffix such as `{y}.mvt`).
    pub path: Option<String>,
    pub tag: &'static str,
    pub summary: &'static str,
    pub description: String,
    pub access: Access,
    pub parameters: Vec<Parameter>,
    pub body: Option<RequestBody>,
    pub responses: Vec<Response>,
}

impl Operation {
    pub fn new(method: Method, tag: &'static str, summary: &'static str) -> Operation {
        Operation {
            method,
            path: None,
            tag,
            summary,
            description: String::new(),
            access: Access::Anyone,
            parameters: Vec::new(),
            body: None,
            responses: Vec::new(),
        }
    }

    pub fn get(tag: &'static str, summary: &'static str) -> Operation {
        Operation::new(Method::Get, tag, summary)
    }

    pub fn post(tag: &'static str, summary: &'static str) -> Operation {
        Operation::new(Method::Post, tag, summary)
    }

    pub fn patch(tag: &'static str, summary: &'static str) -> Operation {
        Operation::new(Method::Patch, tag, summary)
    }

    pub fn delete(tag: &'static str, summary: &'static str) -> Operation {
        Operation::new(Method::Delete, tag, summary)
    }

    /// Document this operation at `path` instead of the route's pattern.
    pub fn at(self, path: &str) -> Operation {
        Operation {
            path: Some(path.to_string()),
            ..self
        }
    }

    pub fn describe(self, description: impl Into<String>) -> Operation {
        Operation {
            description: description.into(),
            ..self
        }
    }

    pub fn access(self, access: Access) -> Operation {
        Operation { access, ..self }
    }

    pub fn param(mut self, parameter: Parameter) -> Operation {
        self.parameters.push(parameter);
        self
    }

    /// A JSON request body with its schema and an example.
    pub fn json_body(
        self,
        description: impl Into<String>,
        schema: Value,
        example: Value,
    ) -> Operation {
        self.body_as(description, "application/json", schema, Some(example))
    }

    /// A request body in `media_type`.
    pub fn body_as(
        self,
        description: impl Into<String>,
        media_type: &'static str,
        schema: Value,
        example: Option<Value>,
    ) -> Operation {
        Operation {
            body: Some(RequestBody {
                description: description.into(),
                required: true,
                content: Content {
                    media_type,
                    schema,
                    example,
                },
            }),
            ..self
        }
    }

    pub fn respond(mut self, response: Response) -> Operation {
        self.responses.push(response);
        self
    }

    /// Error answers in the one error shape, each with what it means here.
    pub fn errors(mut self, errors: &[(u16, &str)]) -> Operation {
        for (status, description) in errors {
            self.responses.push(Response::error(*status, *description));
        }
        self
    }
}
