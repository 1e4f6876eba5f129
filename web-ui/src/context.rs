//! What the parts of the desk share through Leptos contexts, besides the store and the socket:
//! [`Directory`] (the tenant's groups, agents, bots and settings, and a ticking clock), which
//! the desk page provides, and [`DeskUi`] (the tab, tag, search, bot filter and bulk selection
//! the desk shows), which the shell provides so that it survives visits to the admin pages.
//! They live here, below `pages` and `components`, so that the components read them without
//! importing pages.

use leptos::prelude::*;
use leptos::task::spawn_local;
use switchboard_protocol::api::BotInfo;
use switchboard_protocol::{Agent, BotId, ConversationId, ConversationView, Group, Settings};

/// What the desk knows about the tenant besides conversations: for pickers and names.
#[derive(Clone, Copy)]
pub struct Directory {
    pub groups: RwSignal<Vec<Group>>,
    pub agents: RwSignal<Vec<Agent>>,
    pub bots: RwSignal<Vec<BotInfo>>,
    pub settings: RwSignal<Option<Settings>>,
    /// The current time in ms, ticking every few seconds (wait times).
    pub now: RwSignal<i64>,
}

impl Directory {
    /// Fetches groups, agents, bots and settings again (pickers call it when they open).
    pub fn refresh(self) {
        spawn_local(async move {
            if let Ok(groups) = crate::api::groups().await {
                self.groups.try_set(groups);
            }
        });
        spawn_local(async move {
            if let Ok(agents) = crate::api::agents().await {
                self.agents.try_set(agents);
            }
        });
        spawn_local(async move {
            if let Ok(bots) = crate::api::bots().await {
                self.bots.try_set(bots);
            }
        });
        spawn_local(async move {
            if let Ok(settings) = crate::api::settings().await {
                self.settings.try_set(Some(settings));
            }
        });
    }

    pub fn group_name(&self, id: &switchboard_protocol::GroupId) -> String {
        self.groups.with(|groups| {
            groups
                .iter()
                .find(|g| &g.id == id)
                .map_or_else(|| id.to_string(), |g| g.name.clone())
        })
    }
}

/// What the desk shows, kept while the agent visits the admin pages.
#[derive(Clone, Copy)]
pub struct DeskUi {
    pub tab: RwSignal<ConversationView>,
    /// The tag the list is filtered by (a tag clicked in the contact panel), on every tab.
    pub tag: RwSignal<Option<String>>,
    /// The closed tab's search, as applied (debounced from the search box).
    pub query: RwSignal<String>,
    /// The bot the lists are narrowed to (only conversations it took part in), on every tab.
    pub bot: RwSignal<Option<BotId>>,
    /// The conversations ticked for a bulk action (owners and admins), in the order ticked;
    /// emptied when the tab changes.
    pub selected: RwSignal<Vec<ConversationId>>,
}

impl DeskUi {
    pub fn new() -> Self {
        DeskUi {
            tab: RwSignal::new(ConversationView::Mine),
            tag: RwSignal::new(None),
            query: RwSignal::new(String::new()),
            bot: RwSignal::new(None),
            selected: RwSignal::new(Vec::new()),
        }
    }
}

impl Default for DeskUi {
    fn default() -> Self {
        Self::new()
    }
}
