//! The app shell: the session (who is logged in), the page shown (kept in the address bar),
//! the store and the socket, all as contexts.

use crate::pages;
use crate::socket::Socket;
use crate::store::DeskState;
use leptos::prelude::*;
use leptos::task::spawn_local;
use switchboard_protocol::Agent;

/// The pages of the app, one per path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Login,
    /// `/invite/{token}`: an invited agent chooses a password.
    Invite(String),
    Desk,
    /// `/profile`: my own name and password.
    Profile,
    Agents,
    Groups,
    Bots,
    Settings,
}

impl Route {
    pub fn from_path(path: &str) -> Route {
        let path = path.trim_end_matches('/');
        match path {
            "/login" => Route::Login,
            "/profile" => Route::Profile,
            "/admin/agents" => Route::Agents,
            "/admin/groups" => Route::Groups,
            "/admin/bots" => Route::Bots,
            "/admin/settings" => Route::Settings,
            _ => match path.strip_prefix("/invite/") {
                Some(token) if !token.is_empty() => Route::Invite(token.to_owned()),
                _ => Route::Desk,
            },
        }
    }

    pub fn path(&self) -> String {
        match self {
            Route::Login => "/login".into(),
            Route::Invite(token) => format!("/invite/{token}"),
            Route::Desk => "/".into(),
            Route::Profile => "/profile".into(),
            Route::Agents => "/admin/agents".into(),
            Route::Groups => "/admin/groups".into(),
            Route::Bots => "/admin/bots".into(),
            Route::Settings => "/admin/settings".into(),
        }
    }

    fn is_admin(&self) -> bool {
        matches!(
            self,
            Route::Agents | Route::Groups | Route::Bots | Route::Settings
        )
    }
}

/// Who is logged in and where the app is; a context.
#[derive(Clone, Copy)]
pub struct Session {
    pub me: RwSignal<Option<Agent>>,
    pub route: RwSignal<Route>,
    /// False until the saved token was checked at start.
    pub ready: RwSignal<bool>,
    pub socket: Socket,
}

impl Session {
    pub fn navigate(&self, route: Route) {
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ =
                history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&route.path()));
        }
        self.route.set(route);
    }

    pub fn is_admin(&self) -> bool {
        self.me
            .with(|me| me.as_ref().is_some_and(|me| me.role.is_admin()))
    }

    /// A session begins: the token is saved, the socket opens.
    pub fn begin(&self, token: &str, agent: Agent) {
        crate::api::save_token(Some(token));
        self.start(agent);
        if matches!(self.route.get_untracked(), Route::Login | Route::Invite(_)) {
            self.navigate(Route::Desk);
        }
    }

    fn start(&self, agent: Agent) {
        let socket = self.socket;
        socket.store().set(DeskState::new(agent.clone()));
        self.me.set(Some(agent));
        socket.start();
    }

    pub fn logout(&self) {
        let socket = self.socket;
        socket.stop();
        crate::api::save_token(None);
        socket.store().set(DeskState::default());
        self.me.set(None);
        self.navigate(Route::Login);
    }
}

fn current_path() -> String {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_else(|| "/".into())
}

#[component]
pub fn App() -> impl IntoView {
    let store = RwSignal::new(DeskState::default());
    let socket = Socket::new(store);
    let session = Session {
        me: RwSignal::new(None),
        route: RwSignal::new(Route::from_path(&current_path())),
        ready: RwSignal::new(false),
        socket,
    };
    provide_context(store);
    provide_context(socket);
    provide_context(session);

    // Back and forward buttons.
    let _ = window_event_listener(leptos::ev::popstate, move |_| {
        session.route.set(Route::from_path(&current_path()));
    });

    // A saved token resumes the session (a reload keeps the agent logged in).
    if crate::api::saved_token().is_some() {
        spawn_local(async move {
            match crate::api::me().await {
                Ok(agent) => session.start(agent),
                Err(err) if err.is_unauthorized() => crate::api::save_token(None),
                Err(_) => {}
            }
            session.ready.set(true);
        });
    } else {
        session.ready.set(true);
    }

    // Keep the page in line with the session: logged out shows the login page, and only
    // owners and admins see the admin pages.
    Effect::new(move |_| {
        if !session.ready.get() {
            return;
        }
        let route = session.route.get();
        let me = session.me.get();
        match (&route, &me) {
            (Route::Invite(_), None) | (Route::Login, None) => {}
            (_, None) => session.navigate(Route::Login),
            (Route::Login, Some(_)) => session.navigate(Route::Desk),
            (route, Some(me)) if route.is_admin() && !me.role.is_admin() => {
                session.navigate(Route::Desk)
            }
            _ => {}
        }
    });

    // Which screen: rebuilt only when this changes, not on every route change.
    let screen = Memo::new(move |_| {
        if !session.ready.get() {
            Screen::Loading
        } else if session.me.with(Option::is_some) {
            Screen::Shell
        } else if let Route::Invite(token) = session.route.get() {
            Screen::Invite(token)
        } else {
            Screen::Login
        }
    });

    view! {
        {move || match screen.get() {
            Screen::Loading => view! { <div class="splash">"Loading…"</div> }.into_any(),
            Screen::Invite(token) => view! { <pages::invite::InvitePage token=token /> }.into_any(),
            Screen::Login => view! { <pages::login::LoginPage /> }.into_any(),
            Screen::Shell => view! { <pages::shell::Shell /> }.into_any(),
        }}
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Screen {
    Loading,
    Invite(String),
    Login,
    Shell,
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn routes_round_trip_through_paths() {
        for route in [
            Route::Login,
            Route::Desk,
            Route::Profile,
            Route::Agents,
            Route::Groups,
            Route::Bots,
            Route::Settings,
            Route::Invite("abc".into()),
        ] {
            assert_eq!(Route::from_path(&route.path()), route);
        }
        assert_eq!(Route::from_path("/anything"), Route::Desk);
        assert_eq!(Route::from_path("/admin/agents/"), Route::Agents);
    }
}
