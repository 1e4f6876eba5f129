//! The bulk bar over the conversation list (owners and admins): with conversations ticked,
//! assign them to an agent, transfer them to a group (asked first) or resolve them (asked
//! first). Each conversation is one request, sent one after the other, answered on its own;
//! the report says how many went through and lists each failure with the gateway's reason.
//!
//! Test ids: `bulk-bar`, `bulk-count`, `bulk-clear`, `bulk-agent` (a select of agents),
//! `bulk-assign`, `bulk-group` (a select of groups), `bulk-transfer`, `bulk-resolve`,
//! `bulk-confirm` (see [`super::confirm`]), `bulk-report` (`data-state` running/done) with
//! `bulk-summary`, `bulk-failure` (each failed conversation; `data-conversation-id`) and
//! `bulk-report-close`.

use crate::components::confirm::ConfirmBox;
use crate::context::{DeskUi, Directory};
use crate::socket::{Reply, Socket};
use crate::store::{
    BulkAction, BulkFailure, BulkReport, DeskState, conversation_count, display_name,
};
use leptos::prelude::*;
use std::collections::VecDeque;
use switchboard_protocol::{
    AgentId, AgentStatus, AssignTarget, ClientFrame, ConversationId, GroupId, HolderKind, Presence,
};

#[component]
pub fn BulkBar() -> impl IntoView {
    let ui = expect_context::<DeskUi>();
    let store = expect_context::<RwSignal<DeskState>>();
    let socket = expect_context::<Socket>();
    let directory = expect_context::<Directory>();
    let agent = RwSignal::new(String::new());
    let group = RwSignal::new(String::new());
    let asking = RwSignal::new(None::<BulkAction>);
    let report = RwSignal::new(None::<BulkReport>);
    let count = move || ui.selected.with(Vec::len);
    let running = move || report.with(|r| r.as_ref().is_some_and(|r| !r.finished()));

    let run = move |action: BulkAction| {
        asking.set(None);
        let ids: VecDeque<ConversationId> = ui.selected.get_untracked().into();
        if ids.is_empty() {
            return;
        }
        report.set(Some(BulkReport::new(action.clone(), ids.len())));
        ui.selected.set(Vec::new());
        step(socket, store, ids, action, report);
    };
    let ask = move |action: BulkAction| {
        if action.question(count()).is_some() {
            asking.set(Some(action));
        } else {
            run(action);
        }
    };
    let assign = move |_| {
        let id = agent.get_untracked();
        let name = directory.agents.with_untracked(|agents| {
            agents
                .iter()
                .find(|a| a.id.as_str() == id)
                .map(|a| a.full_name.clone())
        });
        if let Some(name) = name {
            ask(BulkAction::Assign(AgentId::from(id.as_str()), name));
        }
    };
    let transfer = move |_| {
        let id = group.get_untracked();
        if id.is_empty() {
            return;
        }
        let id = GroupId::from(id.as_str());
        let name = directory.group_name(&id);
        ask(BulkAction::Transfer(id, name));
    };
    let agents = move || {
        let mut agents = directory.agents.get();
        agents.retain(|a| a.status == AgentStatus::Verified);
        agents.sort_by_key(|a| a.full_name.to_lowercase());
        agents
    };

    view! {
        <Show when=move || { count() > 0 }>
            <div class="list-bulk" data-testid="bulk-bar" role="region" aria-label="Bulk actions">
                <div class="list-bulk-head">
                    <strong data-testid="bulk-count">{move || format!("{} selected", count())}</strong>
                    <button class="link" data-testid="bulk-clear" on:click=move |_| {
                        asking.set(None);
                        ui.selected.set(Vec::new());
                    }>
                        "Clear selection"
                    </button>
                </div>
                <div class="list-bulk-row">
                    <select
                        data-testid="bulk-agent"
                        aria-label="Agent to assign the selected conversations to"
                        prop:value=move || agent.get()
                        on:change=move |ev| agent.set(event_target_value(&ev))
                    >
                        <option value="">"Assign to…"</option>
                        <For each=agents key=|a| (a.id.clone(), a.presence) let:a>
                            <option value=a.id.to_string()>
                                {format!(
                                    "{}{}",
                                    a.full_name,
                                    if a.presence == Presence::Online { "" } else { " (offline)" },
                                )}
                            </option>
                        </For>
                    </select>
                    <button
                        class="secondary"
                        data-testid="bulk-assign"
                        disabled=move || running() || agent.with(String::is_empty)
                        on:click=assign
                    >
                        "Assign"
                    </button>
                </div>
                <div class="list-bulk-row">
                    <select
                        data-testid="bulk-group"
                        aria-label="Group to transfer the selected conversations to"
                        prop:value=move || group.get()
                        on:change=move |ev| group.set(event_target_value(&ev))
                    >
                        <option value="">"Transfer to…"</option>
                        <For each=move || directory.groups.get() key=|g| (g.id.clone(), g.online) let:g>
                            <option value=g.id.to_string() disabled=!g.online>
                                {format!("{}{}", g.name, if g.online { "" } else { " (offline)" })}
                            </option>
                        </For>
                    </select>
                    <button
                        class="secondary"
                        data-testid="bulk-transfer"
                        disabled=move || running() || group.with(String::is_empty)
                        on:click=transfer
                    >
                        "Transfer"
                    </button>
                </div>
                <div class="list-bulk-row">
                    <button
                        class="secondary"
                        data-testid="bulk-resolve"
                        disabled=running
                        on:click=move |_| ask(BulkAction::Resolve)
                    >
                        {move || format!("Resolve {}", conversation_count(count()))}
                    </button>
                </div>
                {move || asking.get().map(|action| {
                    let question = action.question(count()).unwrap_or_default();
                    let yes = match &action {
                        BulkAction::Transfer(..) => "Transfer",
                        BulkAction::Resolve => "Resolve",
                        BulkAction::Assign(..) => "Assign",
                    };
                    view! {
                        <div on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                            if ev.key() == "Escape" {
                                asking.set(None);
                            }
                        }>
                            <ConfirmBox
                                prefix="bulk-confirm"
                                question=question
                                yes=yes.to_owned()
                                on_yes=move || run(action.clone())
                                on_cancel=move || asking.set(None)
                            />
                        </div>
                    }
                })}
            </div>
        </Show>
        {move || report.get().map(|r| {
            let finished = r.finished();
            let failed = !r.failed.is_empty();
            view! {
                <div
                    class="list-bulk-report"
                    class:partial=failed
                    data-testid="bulk-report"
                    data-state=if finished { "done" } else { "running" }
                    role=if failed { "alert" } else { "status" }
                >
                    <div class="list-bulk-head">
                        <span data-testid="bulk-summary">{r.summary()}</span>
                        <button
                            class="chip-x"
                            data-testid="bulk-report-close"
                            aria-label="Close the report"
                            title="Close"
                            disabled=!finished
                            on:click=move |_| report.set(None)
                        >
                            "×"
                        </button>
                    </div>
                    <ul class="list-bulk-failures">
                        {r.failed.into_iter().map(|f| view! {
                            <li data-testid="bulk-failure" data-conversation-id=f.id.to_string()>
                                <strong>{f.name}</strong>
                                {format!(": {}", f.reason)}
                            </li>
                        }).collect_view()}
                    </ul>
                </div>
            }
        })}
    }
}

/// Sends the action for the next conversation; its answer goes into the report, then the
/// one after it (one at a time: the socket's rate limit stays far away).
fn step(
    socket: Socket,
    store: RwSignal<DeskState>,
    mut rest: VecDeque<ConversationId>,
    action: BulkAction,
    report: RwSignal<Option<BulkReport>>,
) {
    let Some(id) = rest.pop_front() else {
        return;
    };
    let name = store.with_untracked(|s| {
        s.conversations
            .get(&id)
            .map_or_else(|| id.to_string(), display_name)
    });
    let next = action.clone();
    let answered = id.clone();
    let callback = move |reply: Reply| {
        let still = report.try_update(|r| {
            if let Some(r) = r {
                match reply {
                    Ok(_) => r.done.push(answered),
                    Err(err) => r.failed.push(BulkFailure {
                        id: answered,
                        name,
                        reason: err.message,
                    }),
                }
            }
        });
        if still.is_some() {
            step(socket, store, rest, next, report);
        }
    };
    match action {
        BulkAction::Assign(agent, _) => socket.assign(
            id,
            AssignTarget {
                kind: HolderKind::Agent,
                id: agent.to_string(),
            },
            callback,
        ),
        BulkAction::Transfer(group, _) => socket.transfer(id, group, callback),
        BulkAction::Resolve => socket.act(ClientFrame::Resolve, id, callback),
    }
}
