//! Contact data the agent edits in the contact panel: the patch the contact form sends
//! (only what changed), and a conversation's tags within the gateway's limits.

use switchboard_protocol::desk::PatchContact;
use switchboard_protocol::{ConversationUser, Patch};

/// The contact form's drafts against the user held: absent for what is unchanged, `null` for
/// what was emptied, the trimmed value otherwise.
pub fn contact_patch(
    user: &ConversationUser,
    name: &str,
    email: &str,
    phone: &str,
    address: &str,
) -> PatchContact {
    fn field(current: &Option<String>, draft: &str) -> Patch<String> {
        let draft = draft.trim();
        let current = current.as_deref().map_or("", str::trim);
        if draft == current {
            Patch::Keep
        } else if draft.is_empty() {
            Patch::Clear
        } else {
            Patch::Set(draft.to_owned())
        }
    }
    PatchContact {
        name: field(&user.name, name),
        email: field(&user.email, email),
        phone: field(&user.phone, phone),
        address: field(&user.address, address),
    }
}

/// Whether a patch changes nothing.
pub fn patch_is_empty(patch: &PatchContact) -> bool {
    patch.name.is_keep()
        && patch.email.is_keep()
        && patch.phone.is_keep()
        && patch.address.is_keep()
}

/// The most tags a conversation carries, and the longest tag (the gateway's limits).
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 50;

/// The tags after adding `tag` (trimmed): `Err` with the reason when it cannot be added.
pub fn tags_with(tags: &[String], tag: &str) -> Result<Vec<String>, &'static str> {
    let tag = tag.trim();
    if tag.is_empty() {
        return Err("Type a tag first.");
    }
    if tag.chars().count() > MAX_TAG_CHARS {
        return Err("A tag has at most 50 characters.");
    }
    if tag.chars().any(char::is_control) {
        return Err("A tag cannot contain control characters.");
    }
    if tags.iter().any(|t| t == tag) {
        return Err("The conversation already has this tag.");
    }
    if tags.len() >= MAX_TAGS {
        return Err("A conversation has at most 20 tags.");
    }
    let mut out = tags.to_vec();
    out.push(tag.to_owned());
    Ok(out)
}

pub fn tags_without(tags: &[String], tag: &str) -> Vec<String> {
    tags.iter().filter(|t| *t != tag).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::*;

    #[test]
    fn the_contact_patch_holds_only_changes() {
        let user = ConversationUser {
            id: UserId::from("u1"),
            name: Some("Ann".into()),
            email: Some("ann@example.com".into()),
            phone: None,
            address: Some("Street 1".into()),
        };
        let patch = contact_patch(&user, " Ann ", "ann@example.com", "", "Street 1");
        assert!(patch_is_empty(&patch));
        let patch = contact_patch(&user, "Ann Lee ", "", " +49 1 ", "Street 1\nBerlin");
        assert_eq!(patch.name, Patch::Set("Ann Lee".into()));
        assert_eq!(patch.email, Patch::Clear);
        assert_eq!(patch.phone, Patch::Set("+49 1".into()));
        assert_eq!(patch.address, Patch::Set("Street 1\nBerlin".into()));
        let json = serde_json::to_value(contact_patch(&user, "Ann", "", "", "Street 1")).unwrap();
        assert_eq!(json, serde_json::json!({"email": null}));
    }

    #[test]
    fn tags_are_added_trimmed_once_and_removed() {
        let tags = vec!["vip".to_owned()];
        assert_eq!(tags_with(&tags, " billing ").unwrap(), ["vip", "billing"]);
        assert!(tags_with(&tags, "vip").is_err());
        assert!(tags_with(&tags, "  ").is_err());
        assert!(tags_with(&tags, &"x".repeat(51)).is_err());
        let full: Vec<String> = (0..MAX_TAGS).map(|n| n.to_string()).collect();
        assert!(tags_with(&full, "more").is_err());
        assert_eq!(tags_without(&["a".into(), "b".into()], "a"), ["b"]);
    }
}
