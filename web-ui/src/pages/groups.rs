//! Admin: groups. List (assignment mode, online, queue, members); create; edit name,
//! assignment mode and members.
//!
//! Test ids: `groups-page`, `group-create-name`, `group-create-assignment`,
//! `group-create-submit`, `admin-error`, `group-row` (`data-group-id`), `group-online`,
//! `group-members`, `group-edit`, `group-edit-name`, `group-edit-assignment`, `group-member`
//! (a checkbox, `data-agent-id`), `group-edit-save`, `group-edit-cancel`.

use crate::api::{self, ApiError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use switchboard_protocol::api::{CreateGroup, PatchGroup};
use switchboard_protocol::{Agent, AgentId, Assignment, Group};

fn assignment_name(a: Assignment) -> &'static str {
    match a {
        Assignment::Manual => "manual",
        Assignment::Auto => "auto",
    }
}

fn parse_assignment(text: &str) -> Assignment {
    if text == "auto" {
        Assignment::Auto
    } else {
        Assignment::Manual
    }
}

#[component]
pub fn GroupsPage() -> impl IntoView {
    let data = LocalResource::new(|| async {
        let groups = api::groups().await?;
        let agents = api::agents().await?;
        Ok::<_, ApiError>((groups, agents))
    });
    let error = RwSignal::new(None::<String>);
    let name = RwSignal::new(String::new());
    let assignment = RwSignal::new("manual".to_owned());
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = CreateGroup {
            name: name.get_untracked().trim().to_owned(),
            assignment: Some(parse_assignment(&assignment.get_untracked())),
            business_hours: None,
        };
        if body.name.is_empty() {
            error.set(Some("A group needs a name.".into()));
            return;
        }
        error.set(None);
        spawn_local(async move {
            match api::create_group(&body).await {
                Ok(_) => {
                    name.set(String::new());
                    data.refetch();
                }
                Err(err) => error.set(Some(err.message)),
            }
        });
    };

    view! {
        <div class="admin-page" data-testid="groups-page">
            <div class="admin-head"><h1>"Groups"</h1></div>
            <form class="card" on:submit=create>
                <h2>"New group"</h2>
                <div class="form-grid">
                    <label>"Name"<input type="text" data-testid="group-create-name" bind:value=name /></label>
                    <label>
                        "Assignment"
                        <select data-testid="group-create-assignment" on:change=move |ev| assignment.set(event_target_value(&ev))>
                            <option value="manual" selected=move || assignment.get() == "manual">"Manual: agents accept"</option>
                            <option value="auto" selected=move || assignment.get() == "auto">"Automatic"</option>
                        </select>
                    </label>
                </div>
                <div class="form-actions">
                    <button class="primary" type="submit" data-testid="group-create-submit">"Create group"</button>
                </div>
            </form>
            <Show when=move || error.with(Option::is_some)>
                <p class="error" data-testid="admin-error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <Suspense fallback=|| view! { <p class="muted">"Loading groups…"</p> }>
                <ErrorBoundary fallback=|errors| view! {
                    <p class="error">{move || errors.get().into_iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>().join(" ")}</p>
                }>
                    {move || Suspend::new(async move {
                        let (groups, agents) = data.await?;
                        let agents = StoredValue::new(agents);
                        Ok::<_, ApiError>(view! {
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
                                        <GroupRow group=group agents=agents on_change=move || data.refetch() error=error />
                                    </For>
                                </tbody>
                            </table>
                        })
                    })}
                </ErrorBoundary>
            </Suspense>
        </div>
    }
}

#[component]
fn GroupRow(
    group: Group,
    agents: StoredValue<Vec<Agent>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let members = agents.with_value(|agents| {
        let names: Vec<String> = group
            .member_ids
            .iter()
            .map(|id| {
                agents
                    .iter()
                    .find(|a| &a.id == id)
                    .map_or_else(|| id.to_string(), |a| a.full_name.clone())
            })
            .collect();
        if names.is_empty() {
            "—".to_owned()
        } else {
            names.join(", ")
        }
    });
    let hours = group.business_hours.as_ref().map_or_else(
        || "always open".to_owned(),
        |h| format!("{} ({} windows)", h.timezone, h.weekly.len()),
    );
    let stored = StoredValue::new(group.clone());
    view! {
        <tr data-testid="group-row" data-group-id=group.id.to_string()>
            <td>{group.name.clone()}</td>
            <td>{assignment_name(group.assignment)}</td>
            <td data-testid="group-online">
                <span class="pill"><span class="dot" class:online=group.online></span>{if group.online { "online" } else { "offline" }}</span>
            </td>
            <td>{group.queue_length}</td>
            <td>{hours}</td>
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
    let assignment = RwSignal::new(assignment_name(group.assignment).to_owned());
    let members = RwSignal::new(group.member_ids.clone());
    let original = StoredValue::new(group);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let before = original.get_value();
        let mut patch = PatchGroup::default();
        let new_name = name.get_untracked().trim().to_owned();
        if new_name != before.name {
            patch.name = Some(new_name);
        }
        let new_assignment = parse_assignment(&assignment.get_untracked());
        if new_assignment != before.assignment {
            patch.assignment = Some(new_assignment);
        }
        let new_members = members.get_untracked();
        let members_changed = {
            let mut a = new_members.clone();
            let mut b = before.member_ids.clone();
            a.sort();
            b.sort();
            a != b
        };
        error.set(None);
        spawn_local(async move {
            if patch != PatchGroup::default()
                && let Err(err) = api::patch_group(&before.id, &patch).await
            {
                error.set(Some(err.message));
                return;
            }
            if members_changed && let Err(err) = api::set_members(&before.id, new_members).await {
                error.set(Some(err.message));
                return;
            }
            on_done(true);
        });
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
                <label>
                    "Assignment"
                    <select data-testid="group-edit-assignment" on:change=move |ev| assignment.set(event_target_value(&ev))>
                        <option value="manual" selected=move || assignment.get() == "manual">"Manual: agents accept"</option>
                        <option value="auto" selected=move || assignment.get() == "auto">"Automatic"</option>
                    </select>
                </label>
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
