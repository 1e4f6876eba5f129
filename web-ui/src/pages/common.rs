//! What several pages share: a request sent from a form (busy while it runs, its error shown),
//! the error line under a form, the frame of an admin page and of its loaded data, the "New …"
//! card of a list page, a `<select>` over an enum, the names of a list of ids, and a row's
//! Delete button with its confirmation step. The markup here is the pages' own (the browser
//! tests select on its classes and test ids): callers pass the test ids and texts.

use crate::http::ApiError;
use leptos::ev::{Event, SubmitEvent};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;

/// Runs `call` in the background: `done` gets its answer; its error's message goes to `error`.
/// The earlier error stays until then (a row's delete, say, does not clear the page's error).
pub fn spawn_call<T: 'static>(
    call: impl Future<Output = Result<T, ApiError>> + 'static,
    error: RwSignal<Option<String>>,
    done: impl FnOnce(T) + 'static,
) {
    submit_with(None, error, call, done, false);
}

/// A form's request: clears the last error, sets `busy` (for forms that disable their button)
/// until `call` answers, then `done` gets the answer or `error` its message. The signals are
/// set with `try_set`: the page may be gone by the time the answer comes.
pub fn submit<T: 'static>(
    busy: Option<RwSignal<bool>>,
    error: RwSignal<Option<String>>,
    call: impl Future<Output = Result<T, ApiError>> + 'static,
    done: impl FnOnce(T) + 'static,
) {
    submit_with(busy, error, call, done, true);
}

fn submit_with<T: 'static>(
    busy: Option<RwSignal<bool>>,
    error: RwSignal<Option<String>>,
    call: impl Future<Output = Result<T, ApiError>> + 'static,
    done: impl FnOnce(T) + 'static,
    clear_error: bool,
) {
    if let Some(busy) = busy {
        busy.set(true);
    }
    if clear_error {
        error.set(None);
    }
    spawn_local(async move {
        match call.await {
            Ok(answer) => done(answer),
            Err(err) => {
                error.try_set(Some(err.message));
            }
        }
        if let Some(busy) = busy {
            busy.try_set(false);
        }
    });
}

/// `error`'s message, while there is one: `<p class="error" role="alert">` with `testid`.
#[component]
pub fn ErrorLine(error: RwSignal<Option<String>>, testid: &'static str) -> impl IntoView {
    view! {
        <Show when=move || error.with(Option::is_some)>
            <p class="error" data-testid=testid role="alert">{move || error.get().unwrap_or_default()}</p>
        </Show>
    }
}

/// An admin page: its heading (`title`), then `children`.
#[component]
pub fn AdminPage(testid: &'static str, title: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="admin-page" data-testid=testid>
            <div class="admin-head"><h1>{title}</h1></div>
            {children()}
        </div>
    }
}

/// A "New …" card: the form's fields (`children`) in a grid, its submit button (`submit_testid`,
/// `submit_label`; disabled while `busy`, for forms that have it), `actions` after the button,
/// and `notice` (what the creation answered, e.g. a token shown once) under them, re-rendered
/// when what it reads changes.
#[component]
pub fn CreateCard(
    title: &'static str,
    submit_testid: &'static str,
    submit_label: &'static str,
    on_submit: impl FnMut(SubmitEvent) + 'static,
    #[prop(optional)] busy: Option<RwSignal<bool>>,
    #[prop(optional, into)] actions: ViewFn,
    #[prop(optional, into)] notice: ViewFn,
    children: Children,
) -> impl IntoView {
    view! {
        <form class="card" on:submit=on_submit>
            <h2>{title}</h2>
            <div class="form-grid">{children()}</div>
            <div class="form-actions">
                <button
                    class="primary"
                    type="submit"
                    data-testid=submit_testid
                    disabled=move || busy.is_some_and(|busy| busy.get())
                >
                    {submit_label}
                </button>
                {actions.run()}
            </div>
            {move || notice.run()}
        </form>
    }
}

/// The names of `ids`, looked up in `items` (an unknown id stands for itself), joined with
/// commas; "—" for none. E.g. an agent's groups, a group's members.
pub fn names_of<I, T>(
    ids: &[I],
    items: &[T],
    id: impl Fn(&T) -> &I,
    name: impl Fn(&T) -> &str,
) -> String
where
    I: PartialEq + std::fmt::Display,
{
    let names: Vec<String> = ids
        .iter()
        .map(|wanted| {
            items
                .iter()
                .find(|item| id(item) == wanted)
                .map_or_else(|| wanted.to_string(), |item| name(item).to_owned())
        })
        .collect();
    if names.is_empty() {
        "—".to_owned()
    } else {
        names.join(", ")
    }
}

/// An admin page's data: `loading` until `data` answers, its error when it fails, else `show`
/// of it. After a refetch the old view stays until the new data is in (a `Suspense`).
pub fn loaded<T, V>(
    data: LocalResource<Result<T, ApiError>>,
    loading: &'static str,
    show: impl Fn(T) -> V + Copy + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=move || view! { <p class="muted">{loading}</p> }>
            <ErrorBoundary fallback=|errors| view! {
                <p class="error">{move || errors.get().into_iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>().join(" ")}</p>
            }>
                {move || Suspend::new(async move {
                    let value = data.await?;
                    Ok::<_, ApiError>(show(value))
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

/// A `<select>` of `options` (the value, its `value` attribute, its text) for `value`; an
/// unknown choice reads as the first option.
#[component]
pub fn ChoiceSelect<T>(
    label: &'static str,
    testid: &'static str,
    value: RwSignal<T>,
    options: &'static [(T, &'static str, &'static str)],
) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    let choose = move |ev: Event| {
        let chosen = event_target_value(&ev);
        let option = options.iter().find(|(_, name, _)| *name == chosen);
        if let Some(&(choice, _, _)) = option.or(options.first()) {
            value.set(choice);
        }
    };
    view! {
        <label>
            {label}
            <select data-testid=testid on:change=choose>
                {options.iter().map(|&(option, name, text)| view! {
                    <option value=name selected=move || value.get() == option>{text}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

/// A row's Delete button (`{prefix}-delete`; `title` says what it does, or why it is disabled
/// when not `enabled`) and, once pressed, the confirmation step in its place: "Confirm delete"
/// (`{prefix}-delete-confirm`, runs `on_confirm`) and "Cancel" (`{prefix}-delete-cancel`).
#[component]
pub fn DeleteButtons(
    prefix: &'static str,
    title: &'static str,
    #[prop(default = true)] enabled: bool,
    on_confirm: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let delete = format!("{prefix}-delete");
    let confirm = format!("{prefix}-delete-confirm");
    let cancel = format!("{prefix}-delete-cancel");
    move || {
        if confirming.get() {
            view! {
                <button class="danger" data-testid=confirm.clone() on:click=move |_| on_confirm()>"Confirm delete"</button>
                <button data-testid=cancel.clone() on:click=move |_| confirming.set(false)>"Cancel"</button>
            }
            .into_any()
        } else {
            view! {
                <button
                    class="danger"
                    data-testid=delete.clone()
                    disabled=!enabled
                    title=title
                    on:click=move |_| confirming.set(true)
                >"Delete"</button>
            }
            .into_any()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::names_of;

    #[test]
    fn names_are_looked_up_and_unknown_ids_stand_for_themselves() {
        let items = [(1, "Sales"), (2, "Support")];
        let names = |ids: &[i32]| names_of(ids, &items, |item| &item.0, |item| item.1);
        assert_eq!(names(&[2, 1]), "Support, Sales");
        assert_eq!(names(&[2, 7]), "Support, 7");
        assert_eq!(names(&[]), "—");
    }
}
