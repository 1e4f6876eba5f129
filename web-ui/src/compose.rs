//! Text editing in the composers (the desk's and the widget's): inserting at the caret, the
//! desk's `/shortcut` word, and the emoji picker's choice. Carets are in UTF-16 units (what
//! `selectionStart` counts).

/// The byte index of UTF-16 offset `caret` in `text` (clamped to its end).
pub fn byte_index(text: &str, caret: u32) -> usize {
    let mut units = 0u32;
    for (index, ch) in text.char_indices() {
        if units >= caret {
            return index;
        }
        units += ch.len_utf16() as u32;
    }
    text.len()
}

fn utf16_len(text: &str) -> u32 {
    text.encode_utf16().count() as u32
}

/// The `/word` being typed at the caret, if any: its byte start and the word without the
/// slash. The slash must start the text or follow white space.
#[cfg(feature = "desk")]
pub fn slash_query(text: &str, caret: u32) -> Option<(usize, String)> {
    let end = byte_index(text, caret);
    let before = &text[..end];
    let start = before
        .char_indices()
        .rev()
        .find(|(_, ch)| ch.is_whitespace())
        .map_or(0, |(i, ch)| i + ch.len_utf8());
    let word = &before[start..];
    word.strip_prefix('/').map(|rest| (start, rest.to_owned()))
}

/// `text` with bytes `start..end` replaced by `insert`; and the caret after the insert.
pub fn replace(text: &str, start: usize, end: usize, insert: &str) -> (String, u32) {
    let start = start.min(text.len());
    let end = end.clamp(start, text.len());
    let mut out = String::with_capacity(text.len() + insert.len());
    out.push_str(&text[..start]);
    out.push_str(insert);
    let caret = utf16_len(&out);
    out.push_str(&text[end..]);
    (out, caret)
}

/// `insert` put at the caret (UTF-16); the new text and caret.
pub fn insert_at(text: &str, caret: u32, insert: &str) -> (String, u32) {
    let at = byte_index(text, caret);
    replace(text, at, at, insert)
}

/// The emoji picker's choice: common ones, no external assets.
pub const EMOJI: &[&str] = &[
    "😀", "😃", "😄", "😁", "😅", "😂", "🙂", "😉", "😊", "😍", "🤔", "😐", "😕", "😢", "😮", "😎",
    "🙏", "👍", "👎", "👌", "👋", "👏", "💪", "🤝", "❤️", "💙", "⭐", "🎉", "🔥", "✅", "❌", "⚠️",
    "❓", "💡", "📎", "📧", "📞", "🕒", "🚀", "☕",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "desk")]
    #[test]
    fn the_slash_word_at_the_caret_opens_quick_responses() {
        assert_eq!(slash_query("/th", 3), Some((0, "th".into())));
        assert_eq!(slash_query("Hi /th", 6), Some((3, "th".into())));
        assert_eq!(slash_query("Hi /", 4), Some((3, String::new())));
        assert_eq!(slash_query("Hi /th there", 12), None);
        assert_eq!(slash_query("a/b", 3), None, "a slash inside a word");
        assert_eq!(slash_query("see http://x", 12), None);
        // UTF-16 carets: the emoji counts two units.
        assert_eq!(slash_query("😀 /q", 5), Some((5, "q".into())));
        let (text, caret) = replace("Hi /th!", 3, 6, "Thank you");
        assert_eq!((text.as_str(), caret), ("Hi Thank you!", 12));
    }

    #[test]
    fn emoji_go_in_at_the_caret() {
        assert_eq!(insert_at("ab", 1, "🙂"), ("a🙂b".into(), 3));
        assert_eq!(insert_at("ab", 99, "!"), ("ab!".into(), 3));
        assert_eq!(insert_at("🙂x", 2, "y"), ("🙂yx".into(), 3));
        assert_eq!(byte_index("🙂x", 2), 4);
    }
}
