//! Attachments for display, shared by the desk and the widget: which show as images, their
//! download links (the token in the query: links and images cannot send headers) and sizes.

use crate::http::percent_encode;

/// Image types the gateway serves as themselves (so `<img>` shows them); others download.
pub fn is_image(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/avif" | "image/bmp"
    )
}

/// An attachment's `url` with the token as `?token=` (links and images cannot send headers).
pub fn download_url(url: &str, token: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}token={}", percent_encode(token))
}

/// A file size for people: bytes, KB or MB.
pub fn size_label(size: u64) -> String {
    if size < 1024 {
        format!("{size} B")
    } else if size < 1024 * 1024 {
        format!("{:.0} KB", size as f64 / 1024.0)
    } else {
        format!("{:.1} MB", size as f64 / (1024.0 * 1024.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_download_with_the_token_and_images_show() {
        assert_eq!(
            download_url("/v1/attachments/5f", "t k"),
            "/v1/attachments/5f?token=t%20k"
        );
        assert_eq!(download_url("/a?x=1", "t"), "/a?x=1&token=t");
        assert!(is_image("image/png") && !is_image("image/svg+xml"));
        assert_eq!(size_label(10), "10 B");
        assert_eq!(size_label(48_213), "47 KB");
        assert_eq!(size_label(3 * 1024 * 1024), "3.0 MB");
    }
}
