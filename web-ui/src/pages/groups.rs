//! Admin: groups. List (assignment mode, online, queue, members; the default group marked);
//! create; edit name, assignment mode and members.
//!
//! Test ids: `groups-page`, `group-create-name`, `group-create-assignment`,
//! `group-create-submit`, `admin-error`, `group-row` (`data-group-id`, `data-default`),
//! `group-default` (the mark), `group-online`,
//! `group-members`, `group-edit`, `group-edit-name`, `group-edit-assignment`, `group-member`
//! (a checkbox, `data-agent-id`), `group-edit-save`, `group-edit-cancel`.

use super::common::{AdminPage, ChoiceSelect, CreateCard, ErrorLine, loaded, names_of, submit};
use crate::api;
use crate::http::ApiError;
use leptos::prelude::*;
use switchboard_protocol::api::{CreateGroup, PatchGroup};
use switchboard_protocol::{
    Agent, AgentId, Assignment, BusinessHours, Group, GroupId, OpeningWindow, Patch, Weekday,
};

const DAYS: [(Weekday, &str, &str); 7] = [
    (Weekday::Mon, "mon", "Monday"),
    (Weekday::Tue, "tue", "Tuesday"),
    (Weekday::Wed, "wed", "Wednesday"),
    (Weekday::Thu, "thu", "Thursday"),
    (Weekday::Fri, "fri", "Friday"),
    (Weekday::Sat, "sat", "Saturday"),
    (Weekday::Sun, "sun", "Sunday"),
];

fn day_name(day: Weekday) -> &'static str {
    DAYS.iter()
        .find(|(d, _, _)| *d == day)
        .map_or("mon", |(_, name, _)| name)
}

fn parse_day(text: &str) -> Weekday {
    DAYS.iter()
        .find(|(_, name, _)| *name == text)
        .map_or(Weekday::Mon, |(day, _, _)| *day)
}

/// One weekly window being edited; `key` keeps its inputs across additions and removals.
#[derive(Clone, Debug, PartialEq, Eq)]
struct HoursRow {
    key: u64,
    day: String,
    open: String,
    close: String,
}

fn assignment_name(a: Assignment) -> &'static str {
    match a {
        Assignment::Manual => "manual",
        Assignment::Auto => "auto",
    }
}

/// The choices of the "Assignment" field (the value, its `value` attribute, its text).
const ASSIGNMENTS: &[(Assignment, &str, &str)] = &[
    (Assignment::Manual, "manual", "Manual: agents accept"),
    (Assignment::Auto, "auto", "Automatic"),
];

#[component]
pub fn GroupsPage() -> impl IntoView {
    let data = LocalResource::new(|| async {
        let groups = api::groups().await?;
        let agents = api::agents().await?;
        let default = api::settings().await.ok().map(|s| s.default_group_id);
        Ok::<_, ApiError>((groups, agents, default))
    });
    let error = RwSignal::new(None::<String>);
    let name = RwSignal::new(String::new());
    let assignment = RwSignal::new(Assignment::Manual);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = CreateGroup {
            name: name.get_untracked().trim().to_owned(),
            assignment: Some(assignment.get_untracked()),
            business_hours: None,
        };
        if body.name.is_empty() {
            error.set(Some("A group needs a name.".into()));
            return;
        }
        let call = async move { api::create_group(&body).await };
        submit(None, error, call, move |_| {
            name.set(String::new());
            data.refetch();
        });
    };

    view! {
        <AdminPage testid="groups-page" title="Groups">
            <CreateCard title="New group" submit_testid="group-create-submit" submit_label="Create group" on_submit=create>
                <label>"Name"<input type="text" data-testid="group-create-name" bind:value=name /></label>
                <ChoiceSelect label="Assignment" testid="group-create-assignment" value=assignment options=ASSIGNMENTS />
            </CreateCard>
            <ErrorLine error=error testid="admin-error" />
            {loaded(data, "Loading groups…", move |(groups, agents, default)| {
                let agents = StoredValue::new(agents);
                let default = StoredValue::new(default);
                view! {
                    <table class="data">
                        <thead><tr>
                            <th>"Name"</th><th>"Assignment"</th><th>"Online"</th><th>"Waiting"</th>
                            <th>"Hours"</th><th>"Members"</th><th></th>
                        </tr></thead>
                        <tbody>
                            <For
                                each=move || groups.clone()
                                key=|g| serde_json::to_string(g).unwrap_or_default()
                                let:group
                            >
                                <GroupRow group=group agents=agents default=default on_change=move || data.refetch() error=error />
                            </For>
                        </tbody>
                    </table>
                }
            })}
        </AdminPage>
    }
}

#[component]
fn GroupRow(
    group: Group,
    agents: StoredValue<Vec<Agent>>,
    /// The tenant's default group (new conversations go there).
    default: StoredValue<Option<GroupId>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let members = agents
        .with_value(|agents| names_of(&group.member_ids, agents, |a| &a.id, |a| &a.full_name));
    let hours = group.business_hours.as_ref().map_or_else(
        || "always open".to_owned(),
        |h| format!("{} ({} windows)", h.timezone, h.weekly.len()),
    );
    let stored = StoredValue::new(group.clone());
    let is_default = default.with_value(|d| d.as_ref() == Some(&group.id));
    view! {
        <tr data-testid="group-row" data-group-id=group.id.to_string() data-default=is_default.to_string()>
            <td>
                {group.name.clone()}
                {is_default.then(|| view! {
                    <span class="muted small" data-testid="group-default" title="New conversations go to this group">" (default group)"</span>
                })}
            </td>
            <td>{assignment_name(group.assignment)}</td>
            <td data-testid="group-online">
                <span class="pill"><span class="dot" class:online=group.online></span>{if group.online { "online" } else { "offline" }}</span>
            </td>
            <td>{group.queue_length}</td>
            <td data-testid="group-hours">{hours}</td>
            <td data-testid="group-members">{members}</td>
            <td><div class="row-actions">
                <button data-testid="group-edit" on:click=move |_| editing.update(|e| *e = !*e)>"Edit"</button>
            </div></td>
        </tr>
        <Show when=move || editing.get()>
            <tr><td colspan="7">
                <EditGroup group=stored.get_value() agents=agents
                    on_done=move |changed| { editing.set(false); if changed { on_change() } }
                    error=error />
            </td></tr>
        </Show>
    }
}

#[component]
fn EditGroup(
    group: Group,
    agents: StoredValue<Vec<Agent>>,
    on_done: impl Fn(bool) + Copy + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let name = RwSignal::new(group.name.clone());
    let assignment = RwSignal::new(group.assignment);
    let members = RwSignal::new(group.member_ids.clone());
    let always = RwSignal::new(group.business_hours.is_none());
    let timezone = RwSignal::new(
        group
            .business_hours
            .as_ref()
            .map_or_else(|| "Europe/Berlin".to_owned(), |h| h.timezone.clone()),
    );
    let next_key = StoredValue::new(0u64);
    let new_row = move |day: &str, open: &str, close: &str| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        HoursRow {
            key,
            day: day.to_owned(),
            open: open.to_owned(),
            close: close.to_owned(),
        }
    };
    let rows = RwSignal::new(
        group
            .business_hours
            .as_ref()
            .map(|h| {
                h.weekly
                    .iter()
                    .map(|w| new_row(day_name(w.day), &w.open, &w.close))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default(),
    );
    let edit_row = move |key: u64, change: fn(&mut HoursRow, String), value: String| {
        rows.update(|rows| {
            if let Some(row) = rows.iter_mut().find(|r| r.key == key) {
                change(row, value);
            }
        })
    };
    let original = StoredValue::new(group);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let before = original.get_value();
        let mut patch = PatchGroup::default();
        let new_name = name.get_untracked().trim().to_owned();
        if new_name != before.name {
            patch.name = Some(new_name);
        }
        let new_assignment = assignment.get_untracked();
        if new_assignment != before.assignment {
            patch.assignment = Some(new_assignment);
        }
        let new_hours = (!always.get_untracked()).then(|| BusinessHours {
            timezone: timezone.get_untracked().trim().to_owned(),
            weekly: rows
                .get_untracked()
                .into_iter()
                .map(|r| OpeningWindow {
                    day: parse_day(&r.day),
                    open: r.open.trim().to_owned(),
                    close: r.close.trim().to_owned(),
                })
                .collect(),
        });
        if new_hours != before.business_hours {
            patch.business_hours = new_hours.map_or(Patch::Clear, Patch::Set);
        }
        let new_members = members.get_untracked();
        let members_changed = {
            let mut a = new_members.clone();
            let mut b = before.member_ids.clone();
            a.sort();
            b.sort();
            a != b
        };
        // The name, assignment and hours first, then the members; the first failure stops.
        let call = async move {
            if patch != PatchGroup::default() {
                api::patch_group(&before.id, &patch).await?;
            }
            if members_changed {
                api::set_members(&before.id, new_members).await?;
            }
            Ok::<_, ApiError>(())
        };
        submit(None, error, call, move |()| on_done(true));
    };
    let toggle = move |id: AgentId| {
        members.update(|m| {
            if let Some(at) = m.iter().position(|x| x == &id) {
                m.remove(at);
            } else {
                m.push(id);
            }
        })
    };
    view! {
        <form class="card" on:submit=save>
            <div class="form-grid">
                <label>"Name"<input type="text" data-testid="group-edit-name" bind:value=name /></label>
                <ChoiceSelect label="Assignment" testid="group-edit-assignment" value=assignment options=ASSIGNMENTS />
            </div>
            <h4>"Business hours"</h4>
            <div class="hours">
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="group-hours-always"
                        prop:checked=move || always.get()
                        on:change=move |ev| always.set(event_target_checked(&ev))
                    />
                    "Always open"
                </label>
                <Show when=move || !always.get()>
                    <label>
                        "Time zone (IANA name, e.g. Europe/Berlin)"
                        <input type="text" data-testid="group-hours-timezone" maxlength="64" bind:value=timezone />
                    </label>
                    <For each=move || rows.get() key=|r| r.key let:row>
                        {
                            let key = row.key;
                            view! {
                                <div class="hours-row" data-testid="group-hours-row">
                                    <select
                                        data-testid="group-hours-day"
                                        aria-label="Day"
                                        on:change=move |ev| edit_row(key, |r, v| r.day = v, event_target_value(&ev))
                                    >
                                        {DAYS.iter().map(|(_, name, label)| view! {
                                            <option value=*name selected=row.day == *name>{*label}</option>
                                        }).collect_view()}
                                    </select>
                                    <input
                                        type="time"
                                        data-testid="group-hours-open"
                                        aria-label="Opens at"
                                        prop:value=row.open.clone()
                                        on:input=move |ev| edit_row(key, |r, v| r.open = v, event_target_value(&ev))
                                    />
                                    "–"
                                    <input
                                        type="time"
                                        data-testid="group-hours-close"
                                        aria-label="Closes at"
                                        prop:value=row.close.clone()
                                        on:input=move |ev| edit_row(key, |r, v| r.close = v, event_target_value(&ev))
                                    />
                                    <button
                                        type="button"
                                        data-testid="group-hours-remove"
                                        title="Remove this window"
                                        on:click=move |_| rows.update(|rows| rows.retain(|r| r.key != key))
                                    >
                                        "Remove"
                                    </button>
                                </div>
                            }
                        }
                    </For>
                    <Show when=move || rows.with(Vec::is_empty)>
                        <p class="muted small">"No windows: the group is closed all week."</p>
                    </Show>
                    <button
                        type="button"
                        data-testid="group-hours-add"
                        on:click=move |_| {
                            let row = new_row("mon", "09:00", "17:00");
                            rows.update(|rows| rows.push(row));
                        }
                    >
                        "Add a window"
                    </button>
                </Show>
            </div>
            <h4>"Members"</h4>
            <div class="members">
                {agents.get_value().into_iter().map(|agent| {
                    let id = agent.id.clone();
                    let checked_id = agent.id.clone();
                    view! {
                        <label class="check pill">
                            <input
                                type="checkbox"
                                data-testid="group-member"
                                data-agent-id=agent.id.to_string()
                                prop:checked=move || members.with(|m| m.contains(&checked_id))
                                on:change=move |_| toggle(id.clone())
                            />
                            {agent.full_name.clone()}
                        </label>
                    }
                }).collect_view()}
            </div>
            <div class="form-actions">
                <button class="primary" type="submit" data-testid="group-edit-save">"Save"</button>
                <button type="button" data-testid="group-edit-cancel" on:click=move |_| on_done(false)>"Cancel"</button>
            </div>
        </form>
    }
}
