//! Copying text with `navigator.clipboard.writeText`. Browsers refuse it without a secure
//! context, without the permission, or without the API at all: the callback then gets
//! `false` and the page says how to copy by hand. Nothing is logged to the console.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::js_sys::{Function, Promise, Reflect};

/// Copies `text`; `done(true)` once it is on the clipboard, `done(false)` if it cannot be.
pub fn copy(text: &str, done: impl FnOnce(bool) + 'static) {
    let Some(promise) = write_text(text) else {
        done(false);
        return;
    };
    // Either callback runs, once; the other is dropped with the promise.
    let done = std::rc::Rc::new(std::cell::Cell::new(Some(done)));
    let on_ok = {
        let done = done.clone();
        Closure::once_into_js(move |_: wasm_bindgen::JsValue| {
            if let Some(done) = done.take() {
                done(true);
            }
        })
    };
    let on_err = Closure::once_into_js(move |_: wasm_bindgen::JsValue| {
        if let Some(done) = done.take() {
            done(false);
        }
    });
    // `promise.then(on_ok, on_err)`, with the one-shot closures as plain JS functions.
    if let Ok(then) = Reflect::get(&promise, &"then".into())
        && let Ok(then) = then.dyn_into::<Function>()
    {
        let _ = then.call2(&promise, &on_ok, &on_err);
    }
}

fn write_text(text: &str) -> Option<Promise> {
    let window: wasm_bindgen::JsValue = web_sys::window()?.into();
    let navigator = Reflect::get(&window, &"navigator".into()).ok()?;
    let clipboard = Reflect::get(&navigator, &"clipboard".into()).ok()?;
    if clipboard.is_undefined() || clipboard.is_null() {
        return None;
    }
    let write = Reflect::get(&clipboard, &"writeText".into())
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    write
        .call1(&clipboard, &text.into())
        .ok()?
        .dyn_into::<Promise>()
        .ok()
}
