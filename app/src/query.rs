//! Query strings of the site's own links (a search, the way back after
//! signing in). Encoded with `form_urlencoded`, the WHATWG encoder behind
//! the `url` crate, which the router decodes with on both sides (the
//! server's `query_pairs`, the browser's `URLSearchParams`).

/// `key=value&…` of the pairs whose (trimmed) value is not empty.
pub(crate) fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        let value = value.trim();
        if !value.is_empty() {
            query.append_pair(key, value);
        }
    }
    query.finish()
}

/// `path?query`, or `path` alone for an empty query.
pub(crate) fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// `path_and_query` with `key` set to `value` in its query, replacing
/// `key` and any error a failed form post left there (`__path`, `__err`).
#[cfg(feature = "ssr")]
pub(crate) fn with_param(path_and_query: &str, key: &str, value: &str) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut kept = form_urlencoded::Serializer::new(String::new());
    for (name, old) in form_urlencoded::parse(query.as_bytes()) {
        if name != key && name != "__path" && name != "__err" {
            kept.append_pair(&name, &old);
        }
    }
    kept.append_pair(key, value);
    with_query(path, &kept.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_left_out_and_the_rest_encoded() {
        let query = query_string([
            ("next", "/rooms/1?check_in=2027-01-01&guests=2"),
            ("units", " "),
            ("q", "a b+c"),
        ]);
        assert_eq!(
            query,
            "next=%2Frooms%2F1%3Fcheck_in%3D2027-01-01%26guests%3D2&q=a+b%2Bc"
        );
        let decoded: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(decoded[0].1, "/rooms/1?check_in=2027-01-01&guests=2");
        assert_eq!(decoded[1].1, "a b+c");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_param_replaces_its_old_value_and_a_posted_error() {
        assert_eq!(
            with_param(
                "/admin/bookings?q=ada+l&cancelled=A&__path=%2Fapi%2Fx&__err=e",
                "cancelled",
                "B"
            ),
            "/admin/bookings?q=ada+l&cancelled=B"
        );
        assert_eq!(
            with_param("/bookings", "cancelled", "B"),
            "/bookings?cancelled=B"
        );
    }

    #[test]
    fn a_path_gets_a_question_mark_only_with_a_query() {
        assert_eq!(with_query("/rooms/1", ""), "/rooms/1");
        assert_eq!(with_query("/rooms/1", "a=b"), "/rooms/1?a=b");
    }
}
