//! Admin: agents. List with status, presence and groups; create (with a password, or an invite
//! link shown once, and the groups the agent joins: the default group checked); edit; delete
//! with a confirmation step, one or several at once ([`super::agents_bulk`]).
//!
//! Test ids: `agents-page`, `agent-create-name`, `agent-create-login`, `agent-create-email`,
//! `agent-create-password`, `agent-create-role`, `agent-create-groups` (the picker),
//! `agent-create-group` (a group's checkbox; `data-group-id`, `data-default`),
//! `agent-create-submit`, `agent-created`,
//! `agent-invite-url`, `admin-error`, `agent-row` (`data-agent-id`, `data-login`),
//! `agent-presence`, `agent-status`, `agent-groups`, `agent-edit`, `agent-edit-name`,
//! `agent-edit-role`, `agent-edit-capacity`, `agent-edit-login`, `agent-edit-email`,
//! `agent-edit-password`, `agent-edit-save`, `agent-edit-cancel`, `agent-delete`,
//! `agent-delete-confirm`, `agent-delete-cancel`; the agents' login address:
//! `agents-login-url`, `agents-login-copy`, `agents-login-copied` ("Copied", or how to copy
//! by hand when the browser refuses; `data-copied` true/false).

use super::agents_bulk::{BulkBar, BulkReport, BulkResult, SelectAgent, SelectAll, Selection};
use super::common::{
    AdminPage, CreateCard, DeleteButtons, ErrorLine, loaded, names_of, spawn_call, submit,
};
use crate::api;
use crate::app::Session;
use crate::http::ApiError;
use leptos::prelude::*;
use leptos::task::spawn_local;
use switchboard_protocol::api::{CreateAgent, PatchAgent};
use switchboard_protocol::{Agent, AgentStatus, Group, GroupId, Patch, Presence, Role};

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Admin => "admin",
        Role::Agent => "agent",
    }
}

fn parse_role(text: &str) -> Role {
    match text {
        "admin" => Role::Admin,
        "owner" => Role::Owner,
        _ => Role::Agent,
    }
}

#[component]
pub fn AgentsPage() -> impl IntoView {
    let data = LocalResource::new(|| async {
        let agents = api::agents().await?;
        let groups = api::groups().await.unwrap_or_default();
        Ok::<_, ApiError>((agents, groups))
    });
    let error = RwSignal::new(None::<String>);
    let selection = Selection(RwSignal::new(Vec::new()));
    let report = RwSignal::new(None::<BulkReport>);
    view! {
        <AdminPage testid="agents-page" title="Agents">
            <LoginUrl />
            <CreateAgentForm on_created=move || data.refetch() error=error />
            <ErrorLine error=error testid="admin-error" />
            <BulkResult report=report />
            {loaded(data, "Loading agents…", move |(agents, groups)| {
                let groups = StoredValue::new(groups);
                let listed = StoredValue::new(agents.clone());
                view! {
                    <BulkBar selection=selection agents=listed report=report on_done=move || data.refetch() />
                    <table class="data">
                        <thead><tr>
                            <th class="select-cell"><SelectAll selection=selection agents=listed /></th>
                            <th>"Name"</th><th>"Login"</th><th>"E-mail"</th><th>"Role"</th>
                            <th>"Status"</th><th>"Presence"</th><th>"Groups"</th><th>"Capacity"</th><th></th>
                        </tr></thead>
                        <tbody>
                            <For
                                each=move || agents.clone()
                                key=|a| serde_json::to_string(a).unwrap_or_default()
                                let:agent
                            >
                                <AgentRow agent=agent groups=groups selection=selection on_change=move || data.refetch() error=error />
                            </For>
                        </tbody>
                    </table>
                }
            })}
        </AdminPage>
    }
}

/// Where agents log in (`{origin}/login`), to send to new colleagues, with a Copy button.
#[component]
fn LoginUrl() -> impl IntoView {
    let url = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .map(|origin| format!("{origin}/login"))
        .unwrap_or_else(|| "/login".to_owned());
    let copied = RwSignal::new(None::<bool>);
    let serial = StoredValue::new(0u64);
    let text = url.clone();
    let copy = move |_| {
        let mine = serial.get_value() + 1;
        serial.set_value(mine);
        copied.set(None);
        crate::clipboard::copy(&text, move |ok| {
            copied.try_set(Some(ok));
            if ok {
                set_timeout(
                    move || {
                        if serial.try_get_value() == Some(mine) {
                            copied.try_set(None);
                        }
                    },
                    std::time::Duration::from_secs(3),
                );
            }
        });
    };
    view! {
        <div class="card">
            <h2>"Login address"</h2>
            <p class="muted small">"Agents log in to the desk here."</p>
            <div class="copy-row">
                <div class="secret" data-testid="agents-login-url">{url}</div>
                <button type="button" data-testid="agents-login-copy" on:click=copy>"Copy"</button>
                {move || copied.get().map(|ok| view! {
                    <span class="muted small" data-testid="agents-login-copied" data-copied=ok.to_string() role="status">
                        {if ok { "Copied" } else { "The browser did not allow copying: select the address and copy it." }}
                    </span>
                })}
            </div>
        </div>
    }
}

#[component]
fn CreateAgentForm(
    on_created: impl Fn() + Copy + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let name = RwSignal::new(String::new());
    let login = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new("agent".to_owned());
    let created = RwSignal::new(None::<(String, Option<String>)>);
    let busy = RwSignal::new(false);
    let is_owner = move || {
        session
            .me
            .with(|m| m.as_ref().is_some_and(|m| m.role == Role::Owner))
    };
    // The groups to offer (with the default group's id), and the ones picked: the default
    // group until the admin changes it.
    let groups = RwSignal::new(None::<(Vec<Group>, Option<GroupId>)>);
    let picked = RwSignal::new(Vec::<GroupId>::new());
    spawn_local(async move {
        match api::groups().await {
            Ok(list) => {
                let default = api::settings().await.ok().map(|s| s.default_group_id);
                picked.try_set(default.iter().cloned().collect());
                groups.try_set(Some((list, default)));
            }
            Err(err) => {
                error.try_set(Some(format!(
                    "The groups could not be loaded: {}",
                    err.message
                )));
            }
        }
    });
    let toggle = move |id: &GroupId, on: bool| {
        picked.update(|ids| {
            ids.retain(|x| x != id);
            if on {
                ids.push(id.clone());
            }
        })
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let password_text = password.get_untracked();
        let body = CreateAgent {
            full_name: name.get_untracked().trim().to_owned(),
            login: login.get_untracked().trim().to_owned(),
            email: email.get_untracked().trim().to_owned(),
            password: (!password_text.is_empty()).then_some(password_text),
            role: Some(parse_role(&role.get_untracked())),
            // Sent once the picker is shown (else the gateway's default: no group).
            group_ids: groups
                .with_untracked(Option::is_some)
                .then(|| picked.get_untracked()),
        };
        if body.full_name.is_empty() || body.login.is_empty() || body.email.is_empty() {
            error.set(Some("Full name, login and e-mail are required.".into()));
            return;
        }
        let call = async move { api::create_agent(&body).await };
        submit(Some(busy), error, call, move |answer| {
            created.set(Some((answer.agent.full_name.clone(), answer.invite_url)));
            for field in [name, login, email, password] {
                field.set(String::new());
            }
            picked.set(groups.with_untracked(|g| {
                g.as_ref()
                    .and_then(|(_, default)| default.clone())
                    .into_iter()
                    .collect()
            }));
            on_created();
        });
    };

    view! {
        <CreateCard
            title="New agent"
            submit_testid="agent-create-submit"
            submit_label="Create agent"
            on_submit=submit
            busy=busy
            actions=move || view! {
                <Show when=is_owner><span class="muted small">"Only you, the owner, can change logins and e-mails later."</span></Show>
            }
            notice=move || created.get().map(|(who, invite)| view! {
                <div class="notice" data-testid="agent-created" role="status">
                    <span>{format!("{who} was created.")}</span>
                    {invite.map(|url| view! {
                        <span>"Send them this invite link (shown once):"</span>
                        <div class="secret" data-testid="agent-invite-url">{url}</div>
                    })}
                </div>
            })
        >
            <label>"Full name"<input type="text" data-testid="agent-create-name" bind:value=name /></label>
            <label>"Login"<input type="text" data-testid="agent-create-login" bind:value=login /></label>
            <label>"E-mail"<input type="email" data-testid="agent-create-email" bind:value=email /></label>
            <label>
                "Password (leave empty to get an invite link)"
                <input type="password" autocomplete="new-password" data-testid="agent-create-password" bind:value=password />
            </label>
            <label>
                "Role"
                <select data-testid="agent-create-role" on:change=move |ev| role.set(event_target_value(&ev))>
                    <option value="agent" selected=move || role.get() == "agent">"Agent"</option>
                    <option value="admin" selected=move || role.get() == "admin">"Admin"</option>
                </select>
            </label>
            {move || groups.get().map(|(list, default)| view! {
                <fieldset class="grid-wide group-picker" data-testid="agent-create-groups">
                    <legend>"Groups: the agent sees and takes these groups' conversations"</legend>
                    {list.is_empty().then(|| view! { <span class="muted small">"No groups yet."</span> })}
                    <div class="members">
                        {list.into_iter().map(|group| {
                            let is_default = default.as_ref() == Some(&group.id);
                            let id = group.id.clone();
                            let checked_id = group.id.clone();
                            view! {
                                <label class="check pill">
                                    <input
                                        type="checkbox"
                                        data-testid="agent-create-group"
                                        data-group-id=group.id.to_string()
                                        data-default=is_default.to_string()
                                        prop:checked=move || picked.with(|p| p.contains(&checked_id))
                                        on:change=move |ev| toggle(&id, event_target_checked(&ev))
                                    />
                                    {group.name.clone()}
                                    {is_default.then_some(" (default group)")}
                                </label>
                            }
                        }).collect_view()}
                    </div>
                </fieldset>
            })}
        </CreateCard>
    }
}

#[component]
fn AgentRow(
    agent: Agent,
    groups: StoredValue<Vec<Group>>,
    selection: Selection,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let editing = RwSignal::new(false);
    let me_id = session
        .me
        .with_untracked(|m| m.as_ref().map(|m| m.id.clone()));
    let is_owner = session
        .me
        .with_untracked(|m| m.as_ref().is_some_and(|m| m.role == Role::Owner));
    let deletable = agent.role != Role::Owner && Some(&agent.id) != me_id.as_ref();
    let group_names =
        groups.with_value(|groups| names_of(&agent.group_ids, groups, |g| &g.id, |g| &g.name));
    let agent = StoredValue::new(agent);
    let a = agent.get_value();

    let delete = move || {
        let id = agent.with_value(|a| a.id.clone());
        let call = async move { api::delete_agent(&id).await };
        spawn_call(call, error, move |()| on_change());
    };

    view! {
        <tr data-testid="agent-row" data-agent-id=a.id.to_string() data-login=a.login.clone()>
            <td class="select-cell"><SelectAgent selection=selection id=a.id.clone() name=a.full_name.clone() /></td>
            <td>{a.full_name.clone()}</td>
            <td>{a.login.clone()}</td>
            <td>{a.email.clone()}</td>
            <td>{role_name(a.role)}</td>
            <td data-testid="agent-status">
                {match a.status { AgentStatus::Pending => "invited", AgentStatus::Verified => "verified" }}
            </td>
            <td data-testid="agent-presence">
                <span class="pill">
                    <span class="dot" class:online=a.presence == Presence::Online></span>
                    {match a.presence { Presence::Online => "online", Presence::Offline => "offline" }}
                    <span class="muted small">{if a.connected { " · connected" } else { "" }}</span>
                </span>
            </td>
            <td data-testid="agent-groups">{group_names}</td>
            <td>{a.capacity.map_or_else(|| "no cap".to_owned(), |c| c.to_string())}</td>
            <td>
                <div class="row-actions">
                    <button data-testid="agent-edit" on:click=move |_| editing.update(|e| *e = !*e)>"Edit"</button>
                    <DeleteButtons
                        prefix="agent"
                        enabled=deletable
                        title=if deletable { "Delete this agent" } else { "The owner and yourself cannot be deleted" }
                        on_confirm=delete
                    />
                </div>
            </td>
        </tr>
        <Show when=move || editing.get()>
            <tr>
                <td colspan="10">
                    <EditAgent agent=agent.get_value() is_owner=is_owner
                        on_done=move |changed| { editing.set(false); if changed { on_change() } }
                        error=error />
                </td>
            </tr>
        </Show>
    }
}

#[component]
fn EditAgent(
    agent: Agent,
    is_owner: bool,
    on_done: impl Fn(bool) + Copy + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let name = RwSignal::new(agent.full_name.clone());
    let role = RwSignal::new(role_name(agent.role).to_owned());
    let capacity = RwSignal::new(agent.capacity.map(|c| c.to_string()).unwrap_or_default());
    let login = RwSignal::new(agent.login.clone());
    let email = RwSignal::new(agent.email.clone());
    let password = RwSignal::new(String::new());
    let original = StoredValue::new(agent.clone());
    let is_agent_owner = agent.role == Role::Owner;

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let before = original.get_value();
        let mut patch = PatchAgent::default();
        let new_name = name.get_untracked().trim().to_owned();
        if new_name != before.full_name {
            patch.full_name = Some(new_name);
        }
        let new_role = parse_role(&role.get_untracked());
        if new_role != before.role && !is_agent_owner {
            patch.role = Some(new_role);
        }
        let cap_text = capacity.get_untracked();
        let new_cap = if cap_text.trim().is_empty() {
            None
        } else {
            match cap_text.trim().parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    error.set(Some(
                        "Capacity is a whole number, or empty for no cap.".into(),
                    ));
                    return;
                }
            }
        };
        if new_cap != before.capacity {
            patch.capacity = new_cap.map_or(Patch::Clear, Patch::Set);
        }
        if is_owner {
            let l = login.get_untracked().trim().to_owned();
            if l != before.login {
                patch.login = Some(l);
            }
            let e = email.get_untracked().trim().to_owned();
            if e != before.email {
                patch.email = Some(e);
            }
        }
        let p = password.get_untracked();
        if !p.is_empty() {
            patch.password = Some(p);
        }
        if patch == PatchAgent::default() {
            on_done(false);
            return;
        }
        let call = async move { api::patch_agent(&before.id, &patch).await };
        submit(None, error, call, move |_| on_done(true));
    };

    view! {
        <form class="card" on:submit=save>
            <div class="form-grid">
                <label>"Full name"<input type="text" data-testid="agent-edit-name" bind:value=name /></label>
                <label>
                    "Role"
                    <select data-testid="agent-edit-role" disabled=is_agent_owner on:change=move |ev| role.set(event_target_value(&ev))>
                        <option value="agent" selected=move || role.get() == "agent">"Agent"</option>
                        <option value="admin" selected=move || role.get() == "admin">"Admin"</option>
                        {is_agent_owner.then(|| view! { <option value="owner" selected=true>"Owner"</option> })}
                    </select>
                </label>
                <label>"Capacity (empty: no cap)"<input type="number" min="0" data-testid="agent-edit-capacity" bind:value=capacity /></label>
                <label>"Login"<input type="text" data-testid="agent-edit-login" disabled=!is_owner bind:value=login /></label>
                <label>"E-mail"<input type="email" data-testid="agent-edit-email" disabled=!is_owner bind:value=email /></label>
                <label>"New password"<input type="password" autocomplete="new-password" data-testid="agent-edit-password" bind:value=password /></label>
            </div>
            <div class="form-actions">
                <button class="primary" type="submit" data-testid="agent-edit-save">"Save"</button>
                <button type="button" data-testid="agent-edit-cancel" on:click=move |_| on_done(false)>"Cancel"</button>
            </div>
        </form>
    }
}
