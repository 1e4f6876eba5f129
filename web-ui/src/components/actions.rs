//! The action buttons of the open conversation. Each is disabled, with the reason as its
//! title, when the rules forbid it; errors from the gateway show under the bar.
//!
//! Test ids: `action-accept`, `action-assign`, `action-transfer`, `action-unassign`,
//! `action-resolve`, `action-reopen`, `assign-picker` (items `assign-option` with
//! `data-kind` agent/bot and `data-id`), `transfer-picker` (items `transfer-option` with
//! `data-group-id`), `action-error`.

use crate::context::Directory;
use crate::socket::{Reply, Socket};
use crate::store::{DeskState, rules};
use leptos::prelude::*;
use switchboard_protocol::{
    Agent, AssignTarget, ClientFrame, Conversation, ConversationId, HolderKind, Presence,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Picker {
    None,
    Assign,
    Transfer,
}

#[component]
pub fn ActionBar(id: ConversationId) -> impl IntoView {
    let store = expect_context::<RwSignal<DeskState>>();
    let socket = expect_context::<Socket>();
    let directory = expect_context::<Directory>();
    let key = id.clone();
    let state = Memo::new(move |_| {
        store.with(|s| Some((s.conversations.get(&key)?.clone(), s.me.clone()?)))
    });
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let picker = RwSignal::new(Picker::None);

    let reason = move |rule: fn(&Conversation, &Agent) -> Option<&'static str>| {
        move || {
            state.with(|s| match s {
                Some((c, me)) => rule(c, me),
                None => Some("loading"),
            })
        }
    };
    let done = move |reply: Reply| {
        busy.set(false);
        match reply {
            Ok(_) => error.set(None),
            Err(err) => error.set(Some(err.message)),
        }
    };
    let act = {
        let id = id.clone();
        move |make: fn(switchboard_protocol::ConversationRef) -> ClientFrame| {
            busy.set(true);
            picker.set(Picker::None);
            socket.act(make, id.clone(), done);
        }
    };

    let button = move |label: &'static str,
                       testid: &'static str,
                       rule: fn(&Conversation, &Agent) -> Option<&'static str>,
                       on_click: Box<dyn Fn() + Send + Sync>| {
        let why = reason(rule);
        let why2 = reason(rule);
        view! {
            <button
                class="action"
                data-testid=testid
                disabled=move || busy.get() || why().is_some()
                title=move || why2().map(str::to_owned).unwrap_or_else(|| label.to_owned())
                on:click=move |_| on_click()
            >
                {label}
            </button>
        }
    };

    let act_accept = act.clone();
    let act_unassign = act.clone();
    let act_resolve = act.clone();
    let act_reopen = act.clone();
    let toggle = move |which: Picker| {
        move || {
            if picker.get_untracked() == which {
                picker.set(Picker::None);
            } else {
                directory.refresh();
                picker.set(which);
            }
        }
    };

    view! {
        <div class="actions" on:keydown=move |ev: leptos::ev::KeyboardEvent| {
            if ev.key() == "Escape" {
                picker.set(Picker::None);
            }
        }>
            <div class="action-row">
                {button("Accept", "action-accept", rules::accept, Box::new(move || act_accept(ClientFrame::Accept)))}
                {button("Assign", "action-assign", rules::assign, Box::new(toggle(Picker::Assign)))}
                {button("Transfer", "action-transfer", rules::transfer, Box::new(toggle(Picker::Transfer)))}
                {button("Unassign", "action-unassign", rules::unassign, Box::new(move || act_unassign(ClientFrame::Unassign)))}
                {button("Resolve", "action-resolve", rules::resolve, Box::new(move || act_resolve(ClientFrame::Resolve)))}
                {button("Reopen", "action-reopen", rules::reopen, Box::new(move || act_reopen(ClientFrame::Reopen)))}
            </div>
            {
                let id = id.clone();
                move || match picker.get() {
                    Picker::None => None,
                    Picker::Assign => Some(view! {
                        <AssignPicker id=id.clone() on_pick=move |to| {
                            busy.set(true);
                            picker.set(Picker::None);
                            socket.assign(id_of(state), to, done);
                        } />
                    }.into_any()),
                    Picker::Transfer => Some(view! {
                        <TransferPicker on_pick=move |group_id| {
                            busy.set(true);
                            picker.set(Picker::None);
                            socket.transfer(id_of(state), group_id, done);
                        } />
                    }.into_any()),
                }
            }
            <Show when=move || error.with(Option::is_some)>
                <div class="error small" data-testid="action-error" role="alert">
                    {move || error.get().unwrap_or_default()}
                </div>
            </Show>
        </div>
    }
}

fn id_of(state: Memo<Option<(Conversation, Agent)>>) -> ConversationId {
    state.with_untracked(|s| {
        s.as_ref()
            .map(|(c, _)| c.id.clone())
            .unwrap_or_else(|| ConversationId::from(""))
    })
}

#[component]
fn AssignPicker(
    id: ConversationId,
    on_pick: impl Fn(AssignTarget) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let store = expect_context::<RwSignal<DeskState>>();
    let directory = expect_context::<Directory>();
    let group = store.with_untracked(|s| s.conversations.get(&id).map(|c| c.group_id.clone()));
    let holder = store.with_untracked(|s| {
        s.conversations
            .get(&id)
            .and_then(|c| c.assignee.as_ref().map(|a| a.id.clone()))
    });
    let agents = move || {
        let mut agents: Vec<Agent> = directory.agents.get();
        // Members of the conversation's group (and admins) can take it; online ones first.
        agents.retain(|a| {
            group.as_ref().is_none_or(|g| a.group_ids.contains(g)) || a.role.is_admin()
        });
        agents.sort_by_key(|a| (a.presence != Presence::Online, a.full_name.to_lowercase()));
        agents
    };
    let on_agent = on_pick.clone();
    let holder_agent = holder.clone();
    view! {
        <div class="picker" data-testid="assign-picker" role="menu">
            <div class="picker-head">"Agents"</div>
            <For each=agents key=|a| (a.id.clone(), a.presence) let:agent>
                {
                    let on_pick = on_agent.clone();
                    let target = agent.id.to_string();
                    let is_holder = holder_agent.as_deref() == Some(agent.id.as_str());
                    view! {
                        <button
                            role="menuitem"
                            data-testid="assign-option"
                            data-kind="agent"
                            data-id=agent.id.to_string()
                            disabled=is_holder
                            title=if is_holder { "already holds it" } else { "" }
                            on:click=move |_| on_pick(AssignTarget { kind: HolderKind::Agent, id: target.clone() })
                        >
                            <span class="dot" class:online=agent.presence == Presence::Online></span>
                            {agent.full_name.clone()}
                        </button>
                    }
                }
            </For>
            <div class="picker-head">"Bots"</div>
            <For each=move || directory.bots.get() key=|b| (b.id.clone(), b.connected) let:bot>
                {
                    let on_pick = on_pick.clone();
                    let target = bot.id.to_string();
                    view! {
                        <button
                            role="menuitem"
                            data-testid="assign-option"
                            data-kind="bot"
                            data-id=bot.id.to_string()
                            disabled=!bot.connected
                            title=if bot.connected { "" } else { "the bot is not connected" }
                            on:click=move |_| on_pick(AssignTarget { kind: HolderKind::Bot, id: target.clone() })
                        >
                            <span class="dot" class:online=bot.connected></span>
                            {bot.name.clone()}
                        </button>
                    }
                }
            </For>
        </div>
    }
}

#[component]
fn TransferPicker(
    on_pick: impl Fn(switchboard_protocol::GroupId) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let directory = expect_context::<Directory>();
    view! {
        <div class="picker" data-testid="transfer-picker" role="menu">
            <div class="picker-head">"Groups"</div>
            <For each=move || directory.groups.get() key=|g| (g.id.clone(), g.online) let:group>
                {
                    let on_pick = on_pick.clone();
                    let target = group.id.clone();
                    view! {
                        <button
                            role="menuitem"
                            data-testid="transfer-option"
                            data-group-id=group.id.to_string()
                            disabled=!group.online
                            title=if group.online { "" } else { "offline: outside its hours or no member connected" }
                            on:click=move |_| on_pick(target.clone())
                        >
                            <span class="dot" class:online=group.online></span>
                            {group.name.clone()}
                            <span class="muted">{format!(" · {} waiting", group.queue_length)}</span>
                        </button>
                    }
                }
            </For>
        </div>
    }
}
