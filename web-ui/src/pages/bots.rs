//! Admin: bots. Create one (its token is shown once, here); list with connection state, the
//! groups that serve each bot and the agents that serve it (those groups' members: "agents
//! associated with a bot"); edit a bot's name and groups (`PATCH /v1/bots/{id}`); delete with
//! a confirmation step (revokes the token).
//!
//! Test ids: `bots-page`, `bot-create-name`, `bot-create-submit`, `bot-token`,
//! `bot-created`, `admin-error`, `bot-row` (`data-bot-id`), `bot-connected`, `bot-groups`,
//! `bot-agents`, `bot-edit`, `bot-edit-name`, `bot-group` (a group's checkbox while editing;
//! `data-group-id`), `bot-edit-save`, `bot-edit-cancel`, `bot-delete`, `bot-delete-confirm`,
//! `bot-delete-cancel`.

use super::common::{AdminPage, CreateCard, DeleteButtons, ErrorLine, loaded, spawn_call, submit};
use crate::api;
use crate::http::ApiError;
use leptos::prelude::*;
use switchboard_protocol::api::{BotInfo, CreatedBot, PatchBot};
use switchboard_protocol::{Agent, AgentId, Group, GroupId};

/// The agents who serve a bot: the members of `group_ids`, each once, in the agents' order.
pub fn serving_agents<'a>(
    group_ids: &[GroupId],
    groups: &[Group],
    agents: &'a [Agent],
) -> Vec<&'a Agent> {
    let members: Vec<&AgentId> = groups
        .iter()
        .filter(|g| group_ids.contains(&g.id))
        .flat_map(|g| g.member_ids.iter())
        .collect();
    agents.iter().filter(|a| members.contains(&&a.id)).collect()
}

/// Names joined with commas, or what to say when there are none.
fn list_or(names: Vec<String>, none: &str) -> String {
    if names.is_empty() {
        none.to_owned()
    } else {
        names.join(", ")
    }
}

#[component]
pub fn BotsPage() -> impl IntoView {
    let data = LocalResource::new(|| async {
        let bots = api::bots().await?;
        let groups = api::groups().await?;
        let agents = api::agents().await?;
        Ok::<_, ApiError>((bots, groups, agents))
    });
    let error = RwSignal::new(None::<String>);
    let name = RwSignal::new(String::new());
    let created = RwSignal::new(None::<CreatedBot>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let bot_name = name.get_untracked().trim().to_owned();
        if bot_name.is_empty() {
            error.set(Some("A bot needs a name.".into()));
            return;
        }
        submit(None, error, api::create_bot(bot_name), move |bot| {
            created.set(Some(bot));
            name.set(String::new());
            data.refetch();
        });
    };
    view! {
        <AdminPage testid="bots-page" title="Bots">
            <CreateCard
                title="New bot"
                submit_testid="bot-create-submit"
                submit_label="Create bot"
                on_submit=create
                notice=move || created.get().map(|bot| view! {
                    <div class="notice" data-testid="bot-created" role="status">
                        <span>{format!("{} was created. Copy its token now: it is shown only once.", bot.name)}</span>
                        <div class="secret" data-testid="bot-token">{bot.token}</div>
                        <button type="button" class="link" on:click=move |_| created.set(None)>"I have copied it"</button>
                    </div>
                })
            >
                <label>"Name"<input type="text" data-testid="bot-create-name" bind:value=name /></label>
            </CreateCard>
            <ErrorLine error=error testid="admin-error" />
            {loaded(data, "Loading bots…", move |(list, groups, agents)| {
                let empty = list.is_empty();
                let groups = StoredValue::new(groups);
                let agents = StoredValue::new(agents);
                view! {
                    <p class="muted small">
                        "A bot's handovers are served by the agents of its groups (set them with Edit)."
                    </p>
                    <table class="data">
                        <thead><tr>
                            <th>"Name"</th><th>"Connection"</th><th>"Groups serving it"</th><th>"Agents serving it"</th><th>"Id"</th><th></th>
                        </tr></thead>
                        <tbody>
                            <For
                                each=move || list.clone()
                                key=|b| (b.id.clone(), b.connected, b.name.clone(), b.group_ids.clone())
                                let:bot
                            >
                                <BotRow bot=bot groups=groups agents=agents on_change=move || data.refetch() error=error />
                            </For>
                        </tbody>
                    </table>
                    {empty.then(|| view! { <p class="muted">"No bots yet."</p> })}
                }
            })}
        </AdminPage>
    }
}

#[component]
fn BotRow(
    bot: BotInfo,
    groups: StoredValue<Vec<Group>>,
    agents: StoredValue<Vec<Agent>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let id = StoredValue::new(bot.id.clone());
    let delete = move || {
        let id = id.get_value();
        let call = async move { api::delete_bot(&id).await };
        spawn_call(call, error, move |()| on_change());
    };
    let group_names = groups.with_value(|groups| {
        let names = groups
            .iter()
            .filter(|g| bot.group_ids.contains(&g.id))
            .map(|g| g.name.clone())
            .collect();
        list_or(names, "none")
    });
    let agent_names = groups.with_value(|groups| {
        agents.with_value(|agents| {
            let names = serving_agents(&bot.group_ids, groups, agents)
                .into_iter()
                .map(|a| a.full_name.clone())
                .collect();
            list_or(names, "none")
        })
    });
    let stored = StoredValue::new(bot.clone());
    view! {
        <tr data-testid="bot-row" data-bot-id=bot.id.to_string()>
            <td>{bot.name.clone()}</td>
            <td data-testid="bot-connected">
                <span class="pill"><span class="dot" class:online=bot.connected></span>
                {if bot.connected { "connected" } else { "not connected" }}</span>
            </td>
            <td data-testid="bot-groups">{group_names}</td>
            <td data-testid="bot-agents">{agent_names}</td>
            <td class="muted small">{bot.id.to_string()}</td>
            <td><div class="row-actions">
                <button data-testid="bot-edit" on:click=move |_| editing.update(|e| *e = !*e)>"Edit"</button>
                <DeleteButtons prefix="bot" title="Delete the bot and revoke its token" on_confirm=delete />
            </div></td>
        </tr>
        <Show when=move || editing.get()>
            <tr><td colspan="6">
                <EditBot bot=stored.get_value() groups=groups
                    on_done=move |changed| { editing.set(false); if changed { on_change() } }
                    error=error />
            </td></tr>
        </Show>
    }
}

#[component]
fn EditBot(
    bot: BotInfo,
    groups: StoredValue<Vec<Group>>,
    on_done: impl Fn(bool) + Copy + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let name = RwSignal::new(bot.name.clone());
    let picked = RwSignal::new(bot.group_ids.clone());
    let busy = RwSignal::new(false);
    let original = StoredValue::new(bot);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let before = original.get_value();
        let new_name = name.get_untracked().trim().to_owned();
        if new_name.is_empty() {
            error.set(Some("A bot needs a name.".into()));
            return;
        }
        let new_groups = picked.get_untracked();
        let groups_changed = {
            let (mut a, mut b) = (new_groups.clone(), before.group_ids.clone());
            a.sort();
            b.sort();
            a != b
        };
        let patch = PatchBot {
            name: (new_name != before.name).then_some(new_name),
            group_ids: groups_changed.then_some(new_groups),
        };
        if patch == PatchBot::default() {
            on_done(false);
            return;
        }
        let call = async move { api::patch_bot(&before.id, &patch).await };
        submit(Some(busy), error, call, move |_| on_done(true));
    };
    let toggle = move |id: &GroupId, on: bool| {
        picked.update(|ids| {
            ids.retain(|x| x != id);
            if on {
                ids.push(id.clone());
            }
        })
    };
    view! {
        <form class="card" on:submit=save>
            <div class="form-grid">
                <label>"Name"<input type="text" data-testid="bot-edit-name" bind:value=name /></label>
            </div>
            <h4>"Groups that serve this bot"</h4>
            <div class="members">
                {groups.get_value().into_iter().map(|group| {
                    let id = group.id.clone();
                    let checked_id = group.id.clone();
                    view! {
                        <label class="check pill">
                            <input
                                type="checkbox"
                                data-testid="bot-group"
                                data-group-id=group.id.to_string()
                                prop:checked=move || picked.with(|p| p.contains(&checked_id))
                                on:change=move |ev| toggle(&id, event_target_checked(&ev))
                            />
                            {group.name.clone()}
                        </label>
                    }
                }).collect_view()}
            </div>
            <div class="form-actions">
                <button class="primary" type="submit" data-testid="bot-edit-save" disabled=move || busy.get()>"Save"</button>
                <button type="button" data-testid="bot-edit-cancel" on:click=move |_| on_done(false)>"Cancel"</button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::serving_agents;
    use switchboard_protocol::{Agent, AgentStatus, Assignment, Group, Presence, Role};

    fn group(id: &str, members: &[&str]) -> Group {
        Group {
            id: id.into(),
            name: id.to_uppercase(),
            assignment: Assignment::Manual,
            member_ids: members.iter().map(|&m| m.into()).collect(),
            business_hours: None,
            online: false,
            queue_length: 0,
            oldest_queued_at: None,
        }
    }

    fn agent(id: &str) -> Agent {
        Agent {
            id: id.into(),
            full_name: id.to_uppercase(),
            login: id.into(),
            email: format!("{id}@example.test"),
            role: Role::Agent,
            status: AgentStatus::Verified,
            presence: Presence::Offline,
            connected: false,
            capacity: None,
            group_ids: vec![],
        }
    }

    #[test]
    fn a_bots_agents_are_its_groups_members_each_once() {
        let groups = [
            group("g1", &["a", "b"]),
            group("g2", &["b", "c"]),
            group("g3", &["d"]),
        ];
        let agents = [agent("a"), agent("b"), agent("c"), agent("d")];
        let ids = |picked: &[&str]| {
            let picked: Vec<_> = picked.iter().map(|&g| g.into()).collect();
            serving_agents(&picked, &groups, &agents)
                .into_iter()
                .map(|a| a.id.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&["g1", "g2"]), ["a", "b", "c"]);
        assert_eq!(ids(&["g3"]), ["d"]);
        assert!(ids(&[]).is_empty());
    }
}
