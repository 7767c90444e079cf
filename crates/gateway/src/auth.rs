//! Credential extraction: `Authorization: Bearer <token>`, or HTTP Basic whose password is the
//! token (for clients that only take a URL, such as geth's `--signer`).

use axum::http::HeaderMap;
use base64::Engine as _;

/// The token from the request headers, if any was sent.
pub fn token(headers: &HeaderMap) -> Result<Option<String>, &'static str> {
    let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| "the Authorization header is not valid text")?;
    let (scheme, rest) = value
        .split_once(' ')
        .ok_or("the Authorization header must be `Bearer <API key>`")?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Ok(Some(rest.trim().to_string()));
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .map_err(|_| "the Basic Authorization header is not valid base64")?;
        let text = String::from_utf8(decoded)
            .map_err(|_| "the Basic Authorization header is not valid UTF-8")?;
        let (_, password) = text
            .split_once(':')
            .ok_or("Basic authorization must be `user:<API key>`")?;
        return Ok(Some(password.to_string()));
    }
    Err("unsupported Authorization scheme (use `Bearer <API key>`)")
}
