//! Telling the agent about new work: a short tone and, when allowed, a browser notification.
//! Both are best effort: headless browsers and denied permissions simply get neither.

use crate::store::Notice;
use wasm_bindgen::JsCast;
use web_sys::{AudioContext, Notification, NotificationOptions, NotificationPermission};

/// Asks for notification permission, once, when the browser has not been asked yet. Browsers
/// want this from a user gesture, so the desk calls it from a click.
pub fn ask_permission() {
    if notifications_supported() && Notification::permission() == NotificationPermission::Default {
        let _ = Notification::request_permission();
    }
}

fn notifications_supported() -> bool {
    web_sys::window()
        .is_some_and(|w| web_sys::js_sys::Reflect::has(&w, &"Notification".into()).unwrap_or(false))
}

pub fn notice(notice: &Notice) {
    let (title, body) = match notice {
        Notice::Queued(_, name) => ("New conversation waiting", name.as_str()),
        Notice::AssignedToMe(_, name) => ("Conversation assigned to you", name.as_str()),
    };
    beep();
    if notifications_supported() && Notification::permission() == NotificationPermission::Granted {
        let options = NotificationOptions::new();
        options.set_body(body);
        options.set_tag("switchboard");
        let _ = Notification::new_with_options(title, &options);
    }
}

/// A soft two-tone chime; silently nothing when audio is unavailable or not yet allowed.
fn beep() {
    let Ok(context) = AudioContext::new() else {
        return;
    };
    let now = context.current_time();
    for (i, frequency) in [660.0_f32, 880.0].into_iter().enumerate() {
        let (Ok(oscillator), Ok(gain)) = (context.create_oscillator(), context.create_gain())
        else {
            return;
        };
        let start = now + 0.12 * i as f64;
        oscillator.frequency().set_value(frequency);
        gain.gain().set_value(0.0);
        let _ = gain.gain().linear_ramp_to_value_at_time(0.08, start + 0.02);
        let _ = gain.gain().linear_ramp_to_value_at_time(0.0, start + 0.18);
        if oscillator.connect_with_audio_node(&gain).is_err()
            || gain
                .connect_with_audio_node(&context.destination())
                .is_err()
        {
            return;
        }
        let _ = oscillator.start_with_when(start);
        let _ = oscillator.stop_with_when(start + 0.2);
    }
    // Close the context once the tones are over, so contexts do not pile up.
    let close = wasm_bindgen::prelude::Closure::once_into_js(move || {
        let _ = context.close();
    });
    if let Some(window) = web_sys::window() {
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(close.unchecked_ref(), 1000);
    }
}
