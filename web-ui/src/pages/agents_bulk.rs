//! The Agents page's bulk delete: the rows' checkboxes fill a selection; the bar over the table
//! says how many are selected and deletes them after a confirmation naming how many. Each agent
//! is deleted with its own `DELETE /v1/agents/{id}` and answered on its own: the report says how
//! many were deleted and, for each one that was not, who and the gateway's reason (the owner
//! and yourself cannot be deleted).
//!
//! Test ids: `agents-select-all`, `agent-select` (a row's checkbox; `data-agent-id`),
//! `agents-bulk-bar`, `agents-bulk-count`, `agents-bulk-delete`, `agents-bulk-clear`,
//! `agents-bulk-confirm`, `agents-bulk-cancel`, `agents-bulk-result` (`data-deleted`,
//! `data-failed`), `agents-bulk-failure` (`data-agent-id`).

use crate::api;
use leptos::prelude::*;
use leptos::task::spawn_local;
use switchboard_protocol::{Agent, AgentId};

/// What a bulk delete answered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BulkReport {
    pub deleted: usize,
    /// Those not deleted: (id, name, why).
    pub failed: Vec<(AgentId, String, String)>,
}

impl BulkReport {
    /// The report's first line, e.g. "Deleted 2 of 3 agents."
    pub fn summary(&self) -> String {
        let total = self.deleted + self.failed.len();
        if self.failed.is_empty() {
            format!("Deleted {}.", agents_count(self.deleted))
        } else {
            format!("Deleted {} of {}.", self.deleted, agents_count(total))
        }
    }
}

/// "1 agent", "3 agents".
pub fn agents_count(n: usize) -> String {
    if n == 1 {
        "1 agent".to_owned()
    } else {
        format!("{n} agents")
    }
}

/// The selected agents: a row's checkbox and the header's "select all".
#[derive(Clone, Copy)]
pub struct Selection(pub RwSignal<Vec<AgentId>>);

impl Selection {
    fn toggle(self, id: &AgentId, on: bool) {
        self.0.update(|ids| {
            ids.retain(|x| x != id);
            if on {
                ids.push(id.clone());
            }
        });
    }
}

/// A row's checkbox.
#[component]
pub fn SelectAgent(selection: Selection, id: AgentId, name: String) -> impl IntoView {
    let checked = {
        let id = id.clone();
        move || selection.0.with(|ids| ids.contains(&id))
    };
    let id_text = id.to_string();
    view! {
        <input
            type="checkbox"
            data-testid="agent-select"
            data-agent-id=id_text
            aria-label=format!("Select {name}")
            prop:checked=checked
            on:change=move |ev| selection.toggle(&id, event_target_checked(&ev))
        />
    }
}

/// The header's checkbox: selects every listed agent, or none.
#[component]
pub fn SelectAll(selection: Selection, agents: StoredValue<Vec<Agent>>) -> impl IntoView {
    let all = move || {
        let ids = selection.0.get();
        agents.with_value(|agents| !agents.is_empty() && agents.iter().all(|a| ids.contains(&a.id)))
    };
    view! {
        <input
            type="checkbox"
            data-testid="agents-select-all"
            aria-label="Select all agents"
            prop:checked=all
            on:change=move |ev| {
                let ids = if event_target_checked(&ev) {
                    agents.with_value(|agents| agents.iter().map(|a| a.id.clone()).collect())
                } else {
                    Vec::new()
                };
                selection.0.set(ids);
            }
        />
    }
}

/// The bar over the table while agents are selected, and the last report under it. `agents`
/// names them in the report; `on_done` runs after a bulk delete (the page reloads its list).
#[component]
pub fn BulkBar(
    selection: Selection,
    agents: StoredValue<Vec<Agent>>,
    report: RwSignal<Option<BulkReport>>,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    // Only listed agents count (one deleted elsewhere drops out after the reload).
    let chosen = Memo::new(move |_| {
        let ids = selection.0.get();
        agents.with_value(|agents| {
            agents
                .iter()
                .filter(|a| ids.contains(&a.id))
                .map(|a| (a.id.clone(), a.full_name.clone()))
                .collect::<Vec<_>>()
        })
    });
    let count = move || chosen.with(Vec::len);
    let delete = move |_| {
        let targets = chosen.get_untracked();
        if targets.is_empty() {
            return;
        }
        busy.set(true);
        report.set(None);
        spawn_local(async move {
            let mut done = BulkReport::default();
            for (id, name) in targets {
                match api::delete_agent(&id).await {
                    Ok(()) => done.deleted += 1,
                    Err(err) => done.failed.push((id, name, err.message)),
                }
            }
            report.try_set(Some(done));
            selection.0.try_set(Vec::new());
            confirming.try_set(false);
            busy.try_set(false);
            on_done();
        });
    };
    view! {
        <Show when=move || { count() > 0 }>
            <div class="bulk-bar" data-testid="agents-bulk-bar" role="region" aria-label="Selected agents">
                <span data-testid="agents-bulk-count">{move || format!("{} selected", agents_count(count()))}</span>
                {move || if confirming.get() {
                    view! {
                        <span class="bulk-question">{move || format!("Delete {}? This cannot be undone.", agents_count(count()))}</span>
                        <button class="danger" data-testid="agents-bulk-confirm" disabled=move || busy.get() on:click=delete>
                            {move || format!("Delete {}", agents_count(count()))}
                        </button>
                        <button data-testid="agents-bulk-cancel" disabled=move || busy.get() on:click=move |_| confirming.set(false)>"Cancel"</button>
                    }
                    .into_any()
                } else {
                    view! {
                        <button class="danger" data-testid="agents-bulk-delete" on:click=move |_| confirming.set(true)>"Delete selected"</button>
                        <button data-testid="agents-bulk-clear" on:click=move |_| selection.0.set(Vec::new())>"Clear selection"</button>
                    }
                    .into_any()
                }}
                <Show when=move || busy.get()><span class="muted small">"Deleting…"</span></Show>
            </div>
        </Show>
    }
}

/// The last bulk delete's report: how many were deleted, and each one that was not, with why.
#[component]
pub fn BulkResult(report: RwSignal<Option<BulkReport>>) -> impl IntoView {
    move || {
        report.get().map(|r| {
            let failed = !r.failed.is_empty();
            view! {
                <div
                    class="notice bulk-result"
                    class:partial=failed
                    data-testid="agents-bulk-result"
                    data-deleted=r.deleted.to_string()
                    data-failed=r.failed.len().to_string()
                    role=if failed { "alert" } else { "status" }
                >
                    <span>{r.summary()}</span>
                    {failed.then(|| view! {
                        <ul class="bulk-failures">
                            {r.failed.iter().map(|(id, name, why)| view! {
                                <li class="error" data-testid="agents-bulk-failure" data-agent-id=id.to_string()>
                                    {format!("{name} was not deleted: {why}")}
                                </li>
                            }).collect_view()}
                        </ul>
                    })}
                    <button type="button" class="link" on:click=move |_| report.set(None)>"Dismiss"</button>
                </div>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{BulkReport, agents_count};

    #[test]
    fn the_report_says_how_many_of_how_many() {
        assert_eq!(agents_count(1), "1 agent");
        assert_eq!(agents_count(3), "3 agents");
        let all = BulkReport {
            deleted: 2,
            failed: vec![],
        };
        assert_eq!(all.summary(), "Deleted 2 agents.");
        let partial = BulkReport {
            deleted: 2,
            failed: vec![(
                "o".into(),
                "Olga".into(),
                "the owner cannot be deleted".into(),
            )],
        };
        assert_eq!(partial.summary(), "Deleted 2 of 3 agents.");
    }
}
