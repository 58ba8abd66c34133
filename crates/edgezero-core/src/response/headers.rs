//! Headers in response tuples: `(headers, body)` and `(status, headers, body)`.

use std::fmt::Display;

use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::StatusCode;

use crate::error::EdgeError;
use crate::response::{IntoResponse, Response};

/// Headers a response tuple sets: a [`HeaderMap`], or an array or `Vec` of `(name, value)`
/// pairs whose names convert into a [`HeaderName`] and values into a [`HeaderValue`] (`&str`,
/// `String`, or the types themselves).
///
/// They replace the body's headers of the same name; pairs that share a name are all sent.
pub trait ResponseHeaders {
    /// The headers, or the first pair that is not a valid header.
    fn into_headers(self) -> Result<HeaderMap, InvalidHeader>;
}

/// A response header that cannot be sent, with the reason. As a response it is a logged
/// `500` that does not show the header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid response header: {reason}")]
pub struct InvalidHeader {
    reason: String,
}

impl InvalidHeader {
    pub(crate) fn new(reason: String) -> Self {
        InvalidHeader { reason }
    }
}

impl From<InvalidHeader> for EdgeError {
    fn from(err: InvalidHeader) -> Self {
        EdgeError::internal(err)
    }
}

impl IntoResponse for InvalidHeader {
    fn into_response(self) -> Response {
        EdgeError::from(self).into_response()
    }
}

impl ResponseHeaders for HeaderMap {
    fn into_headers(self) -> Result<HeaderMap, InvalidHeader> {
        Ok(self)
    }
}

fn pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Result<HeaderMap, InvalidHeader>
where
    K: TryInto<HeaderName>,
    K::Error: Display,
    V: TryInto<HeaderValue>,
    V::Error: Display,
{
    let mut map = HeaderMap::new();
    for (i, (name, value)) in pairs.into_iter().enumerate() {
        let name = name.try_into().map_err(|e| InvalidHeader {
            reason: format!("pair {i}: the name is not a header name ({e})"),
        })?;
        let value = value.try_into().map_err(|e| InvalidHeader {
            reason: format!("pair {i} ({name}): the value is not a header value ({e})"),
        })?;
        map.append(name, value);
    }
    Ok(map)
}

impl<K, V, const N: usize> ResponseHeaders for [(K, V); N]
where
    K: TryInto<HeaderName>,
    K::Error: Display,
    V: TryInto<HeaderValue>,
    V::Error: Display,
{
    fn into_headers(self) -> Result<HeaderMap, InvalidHeader> {
        pairs(self)
    }
}

impl<K, V> ResponseHeaders for Vec<(K, V)>
where
    K: TryInto<HeaderName>,
    K::Error: Display,
    V: TryInto<HeaderValue>,
    V::Error: Display,
{
    fn into_headers(self) -> Result<HeaderMap, InvalidHeader> {
        pairs(self)
    }
}

/// `body`'s response with `headers` replacing its headers of the same names, then `status`;
/// a logged 500 when a header is invalid.
fn respond(
    status: Option<StatusCode>,
    headers: impl ResponseHeaders,
    body: impl IntoResponse,
) -> Response {
    match headers.into_headers() {
        Ok(map) => {
            let mut resp = body.into_response();
            resp.headers_mut().extend(map);
            if let Some(status) = status {
                *resp.status_mut() = status;
            }
            resp
        }
        Err(invalid) => invalid.into_response(),
    }
}

impl<H: ResponseHeaders, T: IntoResponse> IntoResponse for (H, T) {
    fn into_response(self) -> Response {
        respond(None, self.0, self.1)
    }
}

impl<H: ResponseHeaders, T: IntoResponse> IntoResponse for (StatusCode, H, T) {
    fn into_response(self) -> Response {
        respond(Some(self.0), self.1, self.2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::Body;
    use crate::response::{Html, Json};
    use http::header;

    fn body_text(resp: Response) -> String {
        match resp.into_body() {
            Body::Full(b) => String::from_utf8(b.to_vec()).unwrap(),
            Body::Empty => String::new(),
            other => panic!("unexpected body {other:?}"),
        }
    }

    #[test]
    fn status_string_pairs_and_json() {
        let resp = (
            StatusCode::CREATED,
            [("location", "/x")],
            Json(serde_json::json!({"id": 1})),
        )
            .into_response();
        assert_eq!(resp.status(), StatusCode::CREATED);
        assert_eq!(resp.headers()[header::LOCATION], "/x");
        assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(body_text(resp), r#"{"id":1}"#);
    }

    #[test]
    fn typed_pairs_owned_strings_vec_and_header_map() {
        let resp = (
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            "hi",
        )
            .into_response();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-store");

        let resp = (
            StatusCode::ACCEPTED,
            vec![(String::from("x-job"), format!("job-{}", 7))],
            (),
        )
            .into_response();
        assert_eq!(resp.status(), StatusCode::ACCEPTED);
        assert_eq!(resp.headers()["x-job"], "job-7");

        let mut map = HeaderMap::new();
        map.insert("x-a", HeaderValue::from_static("1"));
        let resp = (map.clone(), Html("<p>")).into_response();
        assert_eq!(resp.headers()["x-a"], "1");
        assert_eq!(
            resp.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        let resp = (StatusCode::IM_A_TEAPOT, map, "tea").into_response();
        assert_eq!(resp.status(), StatusCode::IM_A_TEAPOT);
        assert_eq!(resp.headers()["x-a"], "1");
    }

    #[test]
    fn tuple_headers_replace_the_bodys_and_repeated_names_all_stay() {
        let resp = (
            [
                ("content-type", "text/csv"),
                ("set-cookie", "a=1"),
                ("set-cookie", "b=2"),
            ],
            String::from("a,b"),
        )
            .into_response();
        let types: Vec<_> = resp
            .headers()
            .get_all(header::CONTENT_TYPE)
            .iter()
            .collect();
        assert_eq!(types, ["text/csv"]);
        let cookies: Vec<_> = resp.headers().get_all(header::SET_COOKIE).iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
    }

    #[test]
    fn an_invalid_pair_is_a_500_that_does_not_panic_or_leak() {
        for resp in [
            ([("bad name", "x")], "body").into_response(),
            ([("x-ok", "line\r\nbreak-secret")], "body").into_response(),
            (StatusCode::CREATED, [("x-ok", "v\nsecret")], "body").into_response(),
            (StatusCode::OK, vec![("", "x")], ()).into_response(),
        ] {
            assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/json");
            let text = body_text(resp);
            assert!(
                !text.contains("secret") && !text.contains("bad name"),
                "{text}"
            );
        }
        let err = [("x-ok", "v"), ("bad name", "x")]
            .into_headers()
            .unwrap_err();
        assert!(err.to_string().contains("pair 1"), "{err}");
    }

    #[test]
    fn status_tuple_keeps_working() {
        let resp = (StatusCode::NOT_FOUND, "gone").into_response();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        assert_eq!(body_text(resp), "gone");
    }
}
