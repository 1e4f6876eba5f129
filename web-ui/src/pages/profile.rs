//! My profile: full name and password, saved with `PATCH /v1/agents/{me}`. Login and e-mail
//! are shown read-only, and are editable only by the owner (the gateway's rule).
//!
//! Test ids: `profile-page`, `profile-name`, `profile-login`, `profile-email` (inputs,
//! disabled unless I am the owner), `profile-role`, `profile-password`,
//! `profile-password-confirm`, `profile-save`, `profile-saved`, `profile-error`.

use super::common::{AdminPage, ErrorLine, submit};
use crate::api;
use crate::app::Session;
use crate::store::DeskState;
use leptos::prelude::*;
use switchboard_protocol::api::PatchAgent;
use switchboard_protocol::{Agent, Role};

/// The patch for what changed in the form; `Err` with the reason when it cannot be sent.
pub fn profile_patch(
    me: &Agent,
    name: &str,
    login: &str,
    email: &str,
    password: &str,
    confirm: &str,
) -> Result<PatchAgent, &'static str> {
    let mut patch = PatchAgent::default();
    let name = name.trim();
    if name.is_empty() {
        return Err("Your full name cannot be empty.");
    }
    if name != me.full_name {
        patch.full_name = Some(name.to_owned());
    }
    if me.role == Role::Owner {
        let login = login.trim();
        let email = email.trim();
        if login.is_empty() || email.is_empty() {
            return Err("Login and e-mail cannot be empty.");
        }
        if login != me.login {
            patch.login = Some(login.to_owned());
        }
        if email != me.email {
            patch.email = Some(email.to_owned());
        }
    }
    if !password.is_empty() || !confirm.is_empty() {
        if password != confirm {
            return Err("The two passwords differ.");
        }
        patch.password = Some(password.to_owned());
    }
    Ok(patch)
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let session = expect_context::<Session>();
    let store = expect_context::<RwSignal<DeskState>>();
    let me = move || session.me.get_untracked();
    let start = me();
    let is_owner = start.as_ref().is_some_and(|m| m.role == Role::Owner);
    let name = RwSignal::new(
        start
            .as_ref()
            .map(|m| m.full_name.clone())
            .unwrap_or_default(),
    );
    let login = RwSignal::new(start.as_ref().map(|m| m.login.clone()).unwrap_or_default());
    let email = RwSignal::new(start.as_ref().map(|m| m.email.clone()).unwrap_or_default());
    let role = start
        .as_ref()
        .map(|m| format!("{:?}", m.role).to_lowercase())
        .unwrap_or_default();
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(before) = me() else {
            return;
        };
        let patch = match profile_patch(
            &before,
            &name.get_untracked(),
            &login.get_untracked(),
            &email.get_untracked(),
            &password.get_untracked(),
            &confirm.get_untracked(),
        ) {
            Ok(patch) => patch,
            Err(reason) => {
                error.set(Some(reason.to_owned()));
                saved.set(false);
                return;
            }
        };
        if patch == PatchAgent::default() {
            error.set(None);
            saved.set(true);
            return;
        }
        saved.set(false);
        let call = async move { api::patch_agent(&before.id, &patch).await };
        submit(Some(busy), error, call, move |agent| {
            store.update(|s| s.set_my_details(&agent));
            session.me.update(|m| {
                if let Some(m) = m.as_mut() {
                    m.full_name = agent.full_name.clone();
                    m.login = agent.login.clone();
                    m.email = agent.email.clone();
                }
            });
            name.set(agent.full_name);
            login.set(agent.login);
            email.set(agent.email);
            password.set(String::new());
            confirm.set(String::new());
            saved.set(true);
        });
    };

    view! {
        <AdminPage testid="profile-page" title="Profile">
            <form class="card" on:submit=save on:input=move |_| saved.set(false)>
                <div class="form-grid">
                    <label>
                        "Full name"
                        <input type="text" data-testid="profile-name" maxlength="200" autocomplete="name" bind:value=name />
                    </label>
                    <label>
                        "Role"
                        <input type="text" data-testid="profile-role" disabled=true prop:value=role />
                    </label>
                    <label>
                        "Login"
                        <input type="text" data-testid="profile-login" disabled=!is_owner readonly=!is_owner autocomplete="username" bind:value=login />
                    </label>
                    <label>
                        "E-mail"
                        <input type="email" data-testid="profile-email" disabled=!is_owner readonly=!is_owner autocomplete="email" bind:value=email />
                    </label>
                    <label>
                        "New password (leave empty to keep it)"
                        <input type="password" data-testid="profile-password" autocomplete="new-password" bind:value=password />
                    </label>
                    <label>
                        "New password, again"
                        <input type="password" data-testid="profile-password-confirm" autocomplete="new-password" bind:value=confirm />
                    </label>
                </div>
                {(!is_owner).then(|| view! {
                    <p class="muted small">"Only the owner can change logins and e-mail addresses."</p>
                })}
                <div class="form-actions">
                    <button class="primary" type="submit" data-testid="profile-save" disabled=move || busy.get()>
                        {move || if busy.get() { "Saving…" } else { "Save" }}
                    </button>
                    <Show when=move || saved.get()>
                        <span class="muted small" data-testid="profile-saved" role="status">"Saved."</span>
                    </Show>
                </div>
                <ErrorLine error=error testid="profile-error" />
            </form>
        </AdminPage>
    }
}

#[cfg(test)]
mod tests {
    use super::profile_patch;
    use switchboard_protocol::*;

    fn agent(role: Role) -> Agent {
        Agent {
            id: AgentId::from("a1"),
            full_name: "Alice".into(),
            login: "alice".into(),
            email: "alice@example.com".into(),
            role,
            status: AgentStatus::Verified,
            presence: Presence::Online,
            connected: true,
            capacity: None,
            group_ids: vec![],
        }
    }

    #[test]
    fn the_profile_patch_holds_only_changes_and_checks_the_password() {
        let me = agent(Role::Agent);
        let p = profile_patch(&me, " Alice B ", "x", "y", "", "").unwrap();
        assert_eq!(p.full_name.as_deref(), Some("Alice B"));
        assert_eq!((p.login, p.email, p.password), (None, None, None));
        let p = profile_patch(&me, "Alice", "alice", "alice@example.com", "", "").unwrap();
        assert_eq!(p, api::PatchAgent::default());
        assert!(profile_patch(&me, "Alice", "", "", "one", "two").is_err());
        assert!(profile_patch(&me, "  ", "", "", "", "").is_err());
        let p = profile_patch(&me, "Alice", "", "", "s3cret pass", "s3cret pass").unwrap();
        assert_eq!(p.password.as_deref(), Some("s3cret pass"));
    }

    #[test]
    fn only_the_owner_changes_login_and_email() {
        let owner = agent(Role::Owner);
        let p = profile_patch(&owner, "Alice", "boss", "boss@example.com", "", "").unwrap();
        assert_eq!(p.login.as_deref(), Some("boss"));
        assert_eq!(p.email.as_deref(), Some("boss@example.com"));
        assert!(profile_patch(&owner, "Alice", "", "boss@example.com", "", "").is_err());
    }
}
