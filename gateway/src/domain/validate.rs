//! The rules for values clients send that more than one part of the domain checks: names and
//! other required text, e-mail addresses, bounded numbers, web origins, and the admin check.
//!
//! Why a module of its own: the directory (agents, groups, settings) and the widget (sessions,
//! the identity secret) both need them, and neither should have to name the other to get them.
//! It names nothing of the domain but its types, so anything in `domain` may use it.

use crate::error::{Error, Result};
use crate::principal::AgentPrincipal;

/// Longest name, login or e-mail accepted.
const MAX_NAME_CHARS: usize = 200;

/// A required text field, trimmed: not empty, no NUL (PostgreSQL cannot store it), bounded.
pub(super) fn required(field: &str, value: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.contains('\0') {
        return Err(Error::invalid(format!(
            "{field} must not contain NUL characters"
        )));
    }
    if trimmed.is_empty() {
        return Err(Error::invalid(format!("{field} must not be empty")));
    }
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(Error::TooLarge(format!(
            "{field} is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(trimmed.to_owned())
}

/// The longest bot timeout or offline grace accepted: a day.
pub(super) const MAX_WAIT_SECS: u32 = 24 * 3600;

/// A number no larger than `max`.
pub(super) fn within(field: &str, value: u32, max: u32) -> Result<u32> {
    if value > max {
        return Err(Error::invalid(format!("{field} must be at most {max}")));
    }
    Ok(value)
}

/// A required e-mail address (only the `@` is checked: the invite mail is the real test).
pub(super) fn email(value: &str) -> Result<String> {
    let email = required("email", value)?;
    if !email.contains('@') {
        return Err(Error::invalid("email must be an e-mail address"));
    }
    Ok(email)
}

/// Owners and admins only; anyone else gets `forbidden`.
pub(super) fn require_admin(agent: &AgentPrincipal) -> Result<()> {
    if agent.is_admin() {
        Ok(())
    } else {
        Err(Error::forbidden("only owners and admins may do this"))
    }
}

/// The most origins one tenant may list.
pub const MAX_WIDGET_ORIGINS: usize = 50;

/// `"HTTPS://Shop.Example:443/"` → `"https://shop.example:443"`: a scheme (http or https), a
/// host and an optional port; nothing else (no path, query, user, wildcard), so the value is
/// also a valid CSP source.
pub fn normalize_origin(raw: &str) -> Result<String> {
    let bad = || {
        Error::invalid(format!(
            "{raw:?} is not a web origin like https://shop.example or http://localhost:8080"
        ))
    };
    let trimmed = raw.trim().trim_end_matches('/');
    let (scheme, authority) = trimmed.split_once("://").ok_or_else(bad)?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(bad());
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
            if port.is_empty() || !port.chars().all(|c| c.is_ascii_digit()) || port.len() > 5 {
                return Err(bad());
            }
            (host, Some(port))
        }
        _ => (authority, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
    if !host_ok {
        return Err(bad());
    }
    let host = host.to_ascii_lowercase();
    Ok(match port {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    })
}

/// Validates and normalizes an admin's list: every entry an origin, no duplicates, bounded.
pub fn normalize_origins(raw: &[String]) -> Result<Vec<String>> {
    if raw.len() > MAX_WIDGET_ORIGINS {
        return Err(Error::invalid(format!(
            "widget_origins holds at most {MAX_WIDGET_ORIGINS} origins"
        )));
    }
    let mut origins = Vec::with_capacity(raw.len());
    for entry in raw {
        let origin = normalize_origin(entry)?;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Ok(origins)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalized_and_anything_else_is_refused() {
        assert_eq!(
            normalize_origin(" HTTPS://Shop.Example/ ").expect("valid"),
            "https://shop.example"
        );
        assert_eq!(
            normalize_origin("http://localhost:8080").expect("valid"),
            "http://localhost:8080"
        );
        assert_eq!(
            normalize_origin("http://[::1]:3000").expect("valid"),
            "http://[::1]:3000"
        );
        for bad in [
            "shop.example",
            "ftp://shop.example",
            "https://shop.example/path",
            "https://*.example",
            "https://shop.example:port",
            "https://a b",
            "https://x;script-src *",
            "https://",
            "null",
        ] {
            assert!(normalize_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_list_is_deduplicated_and_bounded() {
        let list = normalize_origins(&["https://a.example".into(), "HTTPS://A.example/".into()])
            .expect("valid");
        assert_eq!(list, vec!["https://a.example".to_owned()]);
        let too_many: Vec<String> = (0..=MAX_WIDGET_ORIGINS)
            .map(|i| format!("https://s{i}.example"))
            .collect();
        assert!(normalize_origins(&too_many).is_err());
    }
}
