//! Cookie values of one name in a request's `Cookie` headers, as raw bytes.

use http::header::GetAll;
use http::{HeaderMap, HeaderValue};

/// How many cookies of one name are tried, in order, until one verifies (cookie tossing
/// may add several; each costs one HMAC).
pub(crate) const MAX_CANDIDATES: usize = 16;

/// The values of every cookie named `name` in the request, in order, as raw bytes.
///
/// Matching is exact and case-sensitive; nothing is percent-decoded or unquoted, and bytes
/// that are not UTF-8 are passed through (the codec refuses them).
pub(crate) fn cookie_values<'a>(
    headers: &'a HeaderMap,
    name: &'a str,
) -> impl Iterator<Item = &'a [u8]> + 'a {
    named(headers.get_all(http::header::COOKIE), name)
}

/// [`cookie_values`] of `Cookie` headers already looked up.
pub(crate) fn named<'a>(
    cookies: GetAll<'a, HeaderValue>,
    name: &'a str,
) -> impl Iterator<Item = &'a [u8]> + 'a {
    cookies
        .into_iter()
        .flat_map(|h| split_pairs(h.as_bytes()))
        .filter_map(move |pair| {
            let pair = pair.trim_ascii();
            let eq = pair.iter().position(|&b| b == b'=')?;
            let (k, v) = pair.split_at(eq);
            (k.trim_ascii() == name.as_bytes()).then(|| v[1..].trim_ascii())
        })
}

/// The `;`-separated parts of a `Cookie` header (memchr: values are long).
fn split_pairs(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(bytes);
    std::iter::from_fn(move || {
        let r = rest?;
        match memchr::memchr(b';', r) {
            Some(i) => {
                rest = r.get(i + 1..);
                r.get(..i)
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// A `Set-Cookie` line as a header value (the `String`'s buffer is reused).
pub(crate) fn set_cookie_header(line: String) -> Result<HeaderValue, crate::codec::EncodeError> {
    HeaderValue::try_from(line).map_err(|_| crate::codec::EncodeError::InvalidHeader)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn split_pairs_is_split_on_semicolons(bytes in proptest::collection::vec(
            prop_oneof![Just(b';'), Just(b'='), Just(b' '), any::<u8>()], 0..64)) {
            let ours: Vec<&[u8]> = split_pairs(&bytes).collect();
            let std: Vec<&[u8]> = bytes.split(|&b| b == b';').collect();
            prop_assert_eq!(ours, std);
        }
    }

    #[test]
    fn cookie_values_match_names_exactly() {
        let mut h = HeaderMap::new();
        h.append(
            http::header::COOKIE,
            HeaderValue::from_bytes(b"a=1; session=x; Session=y;SESSION=z; theme=\xff; session==w")
                .unwrap(),
        );
        h.append(
            http::header::COOKIE,
            HeaderValue::from_static("session=second"),
        );
        h.append(
            http::header::COOKIE,
            HeaderValue::from_static(";;; =v; session"),
        );
        let got: Vec<&[u8]> = cookie_values(&h, "session").collect();
        assert_eq!(got, vec![&b"x"[..], b"=w", b"second"]);
    }
}
