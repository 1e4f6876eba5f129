//! The action buttons of the open conversation. Each is disabled, with the reason as its
//! title, when the rules (`store::rules`, the gateway's §6.1) forbid it; errors from the
//! gateway show under the bar.
//!
//! "Assign to me" takes a queued conversation (accept) or a bot-held one (assign to myself) in
//! one click; it needs presence online, and on a queued or bot-held conversation the reason it
//! is disabled also shows as text. The Assign picker offers only agents who can take the
//! conversation (not me: that is "Assign to me"), and bots. Picking a group to transfer to asks
//! first ("Transfer to Billing?"); Cancel or Escape changes nothing.
//!
//! Test ids: `action-accept` (the "Assign to me" button; it kept the old Accept button's id),
//! `take-reason` (why it is disabled, as text), `action-assign`, `action-transfer`,
//! `action-unassign`, `action-resolve`, `action-reopen`, `assign-picker` (items
//! `assign-option` with `data-kind` agent/bot and `data-id`; `assign-none` when no other agent
//! can take it), `transfer-picker` (items `transfer-option` with `data-group-id`),
//! `transfer-confirm` (with `transfer-confirm-question`, `transfer-confirm-yes`,
//! `transfer-confirm-cancel`), `action-error`.

use crate::components::confirm::ConfirmBox;
use crate::context::Directory;
use crate::socket::{Reply, Socket};
use crate::store::{DeskState, rules};
use leptos::prelude::*;
use switchboard_protocol::{
    Agent, AssignTarget, ClientFrame, Conversation, ConversationId, ConversationStatus, GroupId,
    HolderKind, Presence,
};

#[derive(Clone, PartialEq, Eq)]
enum Picker {
    None,
    Assign,
    Transfer,
    /// A group was picked: "Transfer to NAME?" waits for an answer.
    ConfirmTransfer(GroupId, String),
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

    let act_unassign = act.clone();
    let act_resolve = act.clone();
    let act_reopen = act.clone();
    // Assign to me: a queued conversation is accepted, any other one assigned to me.
    let take = {
        let act = act.clone();
        move || {
            let Some((c, me)) = state.get_untracked() else {
                return;
            };
            if c.status == ConversationStatus::Queued {
                act(ClientFrame::Accept);
            } else {
                busy.set(true);
                picker.set(Picker::None);
                let to = AssignTarget {
                    kind: HolderKind::Agent,
                    id: me.id.to_string(),
                };
                socket.assign(c.id, to, done);
            }
        }
    };
    // Why "Assign to me" is off, as text, where it matters (queued and bot-held chats).
    let take_reason = move || {
        state.with(|s| {
            let (c, me) = s.as_ref()?;
            if rules::takeable(c) {
                rules::take(c, me)
            } else {
                None
            }
        })
    };
    // A picker whose action the rules no longer allow (the conversation changed meanwhile:
    // a colleague took it, it was resolved) closes.
    let may_assign = reason(rules::assign);
    let may_transfer = reason(rules::transfer);
    Effect::new(move |_| {
        let forbidden = match picker.get() {
            Picker::None => false,
            Picker::Assign => may_assign().is_some(),
            Picker::Transfer | Picker::ConfirmTransfer(..) => may_transfer().is_some(),
        };
        if forbidden {
            picker.set(Picker::None);
        }
    });
    let toggle = move |which: Picker| {
        move || {
            if picker.get_untracked() == which {
                picker.set(Picker::None);
            } else {
                directory.refresh();
                picker.set(which.clone());
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
                {button("Assign to me", "action-accept", rules::take, Box::new(take))}
                {button("Assign", "action-assign", rules::assign, Box::new(toggle(Picker::Assign)))}
                {button("Transfer", "action-transfer", rules::transfer, Box::new(toggle(Picker::Transfer)))}
                {button("Unassign", "action-unassign", rules::unassign, Box::new(move || act_unassign(ClientFrame::Unassign)))}
                {button("Resolve", "action-resolve", rules::resolve, Box::new(move || act_resolve(ClientFrame::Resolve)))}
                {button("Reopen", "action-reopen", rules::reopen, Box::new(move || act_reopen(ClientFrame::Reopen)))}
            </div>
            {move || take_reason().map(|why| view! {
                <p class="take-reason small" data-testid="take-reason">
                    {format!("Assign to me: {why}.")}
                </p>
            })}
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
                        <TransferPicker on_pick=move |group_id: GroupId| {
                            let name = directory.group_name(&group_id);
                            picker.set(Picker::ConfirmTransfer(group_id, name));
                        } />
                    }.into_any()),
                    Picker::ConfirmTransfer(group_id, name) => Some(view! {
                        <div class="picker confirm-picker">
                            <ConfirmBox
                                prefix="transfer-confirm"
                                question=format!("Transfer to {name}?")
                                yes="Transfer".to_owned()
                                on_yes=move || {
                                    busy.set(true);
                                    picker.set(Picker::None);
                                    socket.transfer(id_of(state), group_id.clone(), done);
                                }
                                on_cancel=move || picker.set(Picker::None)
                            />
                        </div>
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

/// Agents who can take the conversation (see [`rules::assign_candidates`]), then bots.
#[component]
fn AssignPicker(
    id: ConversationId,
    on_pick: impl Fn(AssignTarget) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let store = expect_context::<RwSignal<DeskState>>();
    let directory = expect_context::<Directory>();
    let agents = Memo::new(move |_| {
        let held = store.with(|s| Some((s.conversations.get(&id)?.clone(), s.me.clone()?)));
        match held {
            Some((c, me)) => directory
                .agents
                .with(|agents| rules::assign_candidates(&c, agents, &me)),
            None => Vec::new(),
        }
    });
    let none = move || agents.with(Vec::is_empty);
    let on_agent = on_pick.clone();
    view! {
        <div class="picker" data-testid="assign-picker" role="menu" aria-label="Assign to">
            <div class="picker-head">"Agents"</div>
            <For each=move || agents.get() key=|a| (a.id.clone(), a.presence) let:agent>
                {
                    let on_pick = on_agent.clone();
                    let target = agent.id.to_string();
                    let online = agent.presence == Presence::Online;
                    view! {
                        <button
                            role="menuitem"
                            data-testid="assign-option"
                            data-kind="agent"
                            data-id=agent.id.to_string()
                            title=if online { "online" } else { "offline" }
                            on:click=move |_| on_pick(AssignTarget { kind: HolderKind::Agent, id: target.clone() })
                        >
                            <span class="dot" class:online=online></span>
                            {agent.full_name.clone()}
                        </button>
                    }
                }
            </For>
            <Show when=none>
                <p class="picker-empty muted small" data-testid="assign-none">
                    "No other agent can take it: only members of its group, owners and admins."
                </p>
            </Show>
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
fn TransferPicker(on_pick: impl Fn(GroupId) + Clone + Send + Sync + 'static) -> impl IntoView {
    let directory = expect_context::<Directory>();
    view! {
        <div class="picker" data-testid="transfer-picker" role="menu" aria-label="Transfer to">
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
