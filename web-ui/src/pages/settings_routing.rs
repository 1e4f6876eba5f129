//! What the routing mode acts on, under the Settings page's Routing field: only groups with
//! automatic assignment route by it (`docs/routing.md`), so the page names them, or says that
//! none is automatic, and offers to switch the saved default group to automatic from there
//! (`PATCH /v1/groups/{id}` with `assignment: "auto"`).
//!
//! Test ids: `settings-routing-scope` (`data-auto-count`), `settings-default-auto`,
//! `settings-routing-error`.

use super::common::{ErrorLine, submit};
use crate::api;
use leptos::prelude::*;
use switchboard_protocol::api::PatchGroup;
use switchboard_protocol::{Assignment, Group, GroupId};

/// The sentence saying which groups the routing mode acts on (`auto` names the automatic ones).
pub fn scope_text(auto: &[String]) -> String {
    if auto.is_empty() {
        "The routing mode acts only on groups with automatic assignment, and no group has it: \
         in every group, agents accept conversations themselves."
            .to_owned()
    } else {
        format!(
            "The routing mode acts only on groups with automatic assignment: {}.",
            auto.join(", ")
        )
    }
}

/// The routing mode's reach over `groups`, and a button that makes `default_group` automatic
/// while it is manual (the list is updated with the gateway's answer).
#[component]
pub fn RoutingScope(
    groups: RwSignal<Vec<Group>>,
    default_group: RwSignal<GroupId>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let auto = Memo::new(move |_| {
        groups.with(|groups| {
            groups
                .iter()
                .filter(|g| g.assignment == Assignment::Auto)
                .map(|g| g.name.clone())
                .collect::<Vec<_>>()
        })
    });
    // The saved default group while it is manual: (id, name).
    let manual_default = Memo::new(move |_| {
        let id = default_group.get();
        groups.with(|groups| {
            groups
                .iter()
                .find(|g| g.id == id && g.assignment == Assignment::Manual)
                .map(|g| (g.id.clone(), g.name.clone()))
        })
    });
    let make_auto = move |_| {
        let Some((id, _)) = manual_default.get_untracked() else {
            return;
        };
        let patch = PatchGroup {
            assignment: Some(Assignment::Auto),
            ..PatchGroup::default()
        };
        let call = async move { api::patch_group(&id, &patch).await };
        submit(Some(busy), error, call, move |group: Group| {
            groups.try_update(|groups| {
                if let Some(held) = groups.iter_mut().find(|g| g.id == group.id) {
                    *held = group;
                }
            });
        });
    };
    view! {
        <div class="grid-wide routing-scope">
            <p class="muted small" data-testid="settings-routing-scope" data-auto-count=move || auto.with(Vec::len).to_string() role="status">
                {move || auto.with(|names| scope_text(names))}
            </p>
            {move || manual_default.get().map(|(_, name)| view! {
                <p class="small">
                    {format!("The default group, {name}, is manual: new conversations wait there until an agent accepts them. ")}
                    <button type="button" data-testid="settings-default-auto" disabled=move || busy.get() on:click=make_auto>
                        {format!("Make {name} automatic")}
                    </button>
                </p>
            })}
            <ErrorLine error=error testid="settings-routing-error" />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::scope_text;

    #[test]
    fn the_scope_names_the_automatic_groups_or_says_there_are_none() {
        assert!(scope_text(&[]).contains("no group has it"));
        assert!(scope_text(&["Sales".into()]).ends_with("assignment: Sales."));
        assert!(scope_text(&["Sales".into(), "Support".into()]).ends_with(": Sales, Support."));
    }
}
