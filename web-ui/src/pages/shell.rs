//! The logged-in frame: the connection banner, the left rail (agent, presence, tabs with live
//! counts, admin pages, logout) and the page of the current route.
//!
//! Test ids: `rail`, `agent-name`, `presence-toggle` (`data-presence` online/offline),
//! `tab-mine`, `tab-unassigned`, `tab-open`, `tab-bot`, `tab-closed` (`aria-current` on the
//! selected one), `tab-count-<view>`, `nav-agents`, `nav-groups`, `nav-bots`, `nav-settings`,
//! `profile-link` (under the agent's name: the profile page), `logout`, `connection-banner`
//! (`data-state` connecting/reconnecting), `connection-retry`.

use crate::app::{Route, Session};
use crate::context::DeskUi;
use crate::pages;
use crate::socket::Socket;
use crate::store::{Connection, DeskState, VIEWS, view_label, view_name};
use leptos::prelude::*;
use switchboard_protocol::{ConversationView, Presence};

#[component]
pub fn Shell() -> impl IntoView {
    let session = expect_context::<Session>();
    let ui = DeskUi::new();
    provide_context(ui);

    view! {
        <div class="shell">
            <Rail />
            <div class="content">
                <ConnectionBanner />
                {move || match session.route.get() {
                    Route::Agents => view! { <pages::agents::AgentsPage /> }.into_any(),
                    Route::Groups => view! { <pages::groups::GroupsPage /> }.into_any(),
                    Route::Bots => view! { <pages::bots::BotsPage /> }.into_any(),
                    Route::Settings => view! { <pages::settings::SettingsPage /> }.into_any(),
                    Route::Profile => view! { <pages::profile::ProfilePage /> }.into_any(),
                    _ => view! { <pages::desk::DeskPage /> }.into_any(),
                }}
            </div>
        </div>
    }
}

#[component]
fn Rail() -> impl IntoView {
    let session = expect_context::<Session>();
    let socket = expect_context::<Socket>();
    let store = expect_context::<RwSignal<DeskState>>();
    let ui = expect_context::<DeskUi>();
    let presence = Memo::new(move |_| store.with(|s| s.my_presence()));
    let presence_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let name = move || {
        store
            .with(|s| s.me.as_ref().map(|m| m.full_name.clone()))
            .or_else(|| session.me.with(|m| m.as_ref().map(|m| m.full_name.clone())))
            .unwrap_or_default()
    };
    let role = move || {
        session.me.with(|m| {
            m.as_ref()
                .map(|m| format!("{:?}", m.role).to_lowercase())
                .unwrap_or_default()
        })
    };
    let toggle = move |_| {
        crate::notify::ask_permission();
        let next = match presence.get_untracked() {
            Presence::Online => Presence::Offline,
            Presence::Offline => Presence::Online,
        };
        busy.set(true);
        presence_error.set(None);
        socket.set_presence(next, move |reply| {
            busy.set(false);
            if let Err(err) = reply {
                presence_error.set(Some(err.message));
            }
        });
    };
    let tab = move |view: ConversationView| {
        let count = Memo::new(move |_| store.with(|s| s.count(view)));
        let selected = move || session.route.with(|r| *r == Route::Desk) && ui.tab.get() == view;
        view! {
            <button
                class="tab"
                class:selected=selected
                attr:aria-current=move || selected().then_some("page")
                data-testid=format!("tab-{}", view_name(view))
                on:click=move |_| {
                    ui.tab.set(view);
                    if session.route.get_untracked() != Route::Desk {
                        session.navigate(Route::Desk);
                    }
                }
            >
                <span class="tab-label">{view_label(view)}</span>
                <span class="tab-count" data-testid=format!("tab-count-{}", view_name(view))>
                    {move || count.get()}
                </span>
            </button>
        }
    };
    let admin_link = move |route: Route, label: &'static str, testid: &'static str| {
        let target = route.clone();
        view! {
            <button
                class="tab"
                class:selected=move || session.route.with(|r| *r == route)
                data-testid=testid
                on:click=move |_| session.navigate(target.clone())
            >
                <span class="tab-label">{label}</span>
            </button>
        }
    };

    view! {
        <nav class="rail" data-testid="rail" aria-label="Desk">
            <div class="brand">"Switchboard"</div>
            <div class="me">
                <div class="me-name" data-testid="agent-name">{name}</div>
                <div class="me-role">{role}</div>
                <button
                    class="link small me-profile"
                    class:selected=move || session.route.with(|r| *r == Route::Profile)
                    data-testid="profile-link"
                    title="Your name and password"
                    on:click=move |_| session.navigate(Route::Profile)
                >
                    "Profile"
                </button>
                <button
                    class="presence"
                    class:online=move || presence.get() == Presence::Online
                    data-testid="presence-toggle"
                    data-presence=move || {
                        if presence.get() == Presence::Online { "online" } else { "offline" }
                    }
                    aria-pressed=move || (presence.get() == Presence::Online).to_string()
                    title="Switch between Online and Offline"
                    disabled=move || busy.get()
                    on:click=toggle
                >
                    <span class="dot"></span>
                    {move || if presence.get() == Presence::Online { "Online" } else { "Offline" }}
                </button>
                <Show when=move || presence_error.with(Option::is_some)>
                    <div class="error small">{move || presence_error.get().unwrap_or_default()}</div>
                </Show>
            </div>
            <div class="tabs" role="tablist">{VIEWS.map(tab).collect_view()}</div>
            <Show when=move || session.is_admin()>
                <div class="rail-section">"Admin"</div>
                <div class="tabs">
                    {admin_link(Route::Agents, "Agents", "nav-agents")}
                    {admin_link(Route::Groups, "Groups", "nav-groups")}
                    {admin_link(Route::Bots, "Bots", "nav-bots")}
                    {admin_link(Route::Settings, "Settings", "nav-settings")}
                </div>
            </Show>
            <div class="rail-foot">
                <button class="ghost" data-testid="logout" on:click=move |_| session.logout()>
                    "Log out"
                </button>
            </div>
        </nav>
    }
}

#[component]
fn ConnectionBanner() -> impl IntoView {
    let store = expect_context::<RwSignal<DeskState>>();
    let socket = expect_context::<Socket>();
    let connection = Memo::new(move |_| store.with(|s| s.connection.clone()));
    view! {
        {move || match connection.get() {
            Connection::Live | Connection::Idle => None,
            Connection::Connecting => Some(view! {
                <div class="banner" data-testid="connection-banner" data-state="connecting" role="status">
                    "Connecting to the gateway…"
                </div>
            }.into_any()),
            Connection::Reconnecting { attempt, retry_in_ms } => Some(view! {
                <div class="banner warn" data-testid="connection-banner" data-state="reconnecting" role="status">
                    <span>
                        {format!(
                            "Connection lost. Reconnecting in {}s (attempt {attempt})… Messages will catch up.",
                            retry_in_ms.div_ceil(1000),
                        )}
                    </span>
                    <button class="link" data-testid="connection-retry" on:click=move |_| socket.retry_now()>
                        "Retry now"
                    </button>
                </div>
            }.into_any()),
        }}
    }
}
