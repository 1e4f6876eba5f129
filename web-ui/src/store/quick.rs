//! The tenant's quick responses: the list the desk holds (fetched once, kept current by the
//! settings page) and the matches offered as the agent types `/` in the composer.

use super::state::DeskState;
use switchboard_protocol::desk::QuickResponse;

impl DeskState {
    /// The quick responses, sorted by shortcut.
    pub fn set_quick_responses(&mut self, mut list: Vec<QuickResponse>) {
        list.sort_by(|a, b| a.shortcut.cmp(&b.shortcut));
        self.quick_responses = Some(list);
    }

    /// A created or edited quick response (settings page), when the list is held.
    pub fn upsert_quick_response(&mut self, response: QuickResponse) {
        if let Some(list) = self.quick_responses.as_mut() {
            list.retain(|r| r.id != response.id);
            list.push(response);
            list.sort_by(|a, b| a.shortcut.cmp(&b.shortcut));
        }
    }

    pub fn remove_quick_response(&mut self, id: &str) {
        if let Some(list) = self.quick_responses.as_mut() {
            list.retain(|r| r.id != id);
        }
    }
}

/// The quick responses matching what follows the `/`: shortcuts starting with it first, then
/// shortcuts containing it, then texts containing it (ignoring case and a leading `/`).
pub fn quick_matches(list: &[QuickResponse], query: &str, limit: usize) -> Vec<QuickResponse> {
    let q = query.trim_start_matches('/').to_lowercase();
    let key = |r: &QuickResponse| r.shortcut.trim_start_matches('/').to_lowercase();
    let tiers: [&dyn Fn(&QuickResponse) -> bool; 3] = [
        &|r| key(r).starts_with(&q),
        &|r| key(r).contains(&q),
        &|r| r.text.to_lowercase().contains(&q),
    ];
    let mut out: Vec<QuickResponse> = Vec::new();
    for tier in tiers {
        for r in list {
            if out.len() < limit && tier(r) && !out.iter().any(|o| o.id == r.id) {
                out.push(r.clone());
            }
        }
    }
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::*;

    #[test]
    fn quick_responses_are_sorted_and_kept_current() {
        let qr = |id: &str, shortcut: &str, text: &str| QuickResponse {
            id: id.into(),
            shortcut: shortcut.into(),
            text: text.into(),
        };
        let mut s = DeskState::new(me());
        s.upsert_quick_response(qr("x", "/x", "ignored while nothing is held"));
        assert!(s.quick_responses.is_none());
        s.set_quick_responses(vec![
            qr("2", "/thanks", "Thank you!"),
            qr("1", "/hello", "Hi"),
        ]);
        s.upsert_quick_response(qr("3", "/bye", "Goodbye, thanks"));
        s.upsert_quick_response(qr("1", "/hi", "Hi there"));
        let list = s.quick_responses.clone().unwrap();
        let shortcuts: Vec<&str> = list.iter().map(|r| r.shortcut.as_str()).collect();
        assert_eq!(shortcuts, ["/bye", "/hi", "/thanks"]);
        let found: Vec<String> = quick_matches(&list, "th", 8)
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(found, ["2", "3", "1"], "prefix, then shortcut, then text");
        assert_eq!(quick_matches(&list, "", 2).len(), 2);
        assert_eq!(quick_matches(&list, "/HI", 8)[0].id, "1");
        s.remove_quick_response("3");
        assert_eq!(s.quick_responses.as_ref().unwrap().len(), 2);
    }
}
