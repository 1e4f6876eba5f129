//! Attachments and the messages that carry them (`AttachmentStore`).

use super::*;

pub(super) async fn desk_attachments_and_their_links(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let (other, _) = new_tenant(s).await;
    let user = add_user(s, &tenant, "Ann").await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let record = s
        .insert_attachment(
            &tenant.id,
            NewAttachment {
                uploader_kind: AuthorKind::User,
                uploader_id: user.id.0.clone(),
                file_name: "résumé.pdf".to_owned(),
                content_type: "application/pdf".to_owned(),
                data: bytes.clone(),
            },
        )
        .await
        .expect("insert an attachment");
    assert_eq!(record.size, bytes.len() as u64);
    assert_eq!(record.id.as_str().len(), 36);
    assert_eq!(
        record.id.as_str().as_bytes()[14],
        b'4',
        "UUID v4: {}",
        record.id
    );
    assert_time_format(&record.created_at);
    assert_eq!(
        s.attachment(&tenant.id, &record.id).await.unwrap(),
        Some(record.clone())
    );
    assert_eq!(
        s.attachment_data(&tenant.id, &record.id).await.unwrap(),
        Some(bytes)
    );
    assert_eq!(s.attachment(&other.id, &record.id).await.unwrap(), None);
    assert_eq!(
        s.attachment_data(&other.id, &record.id).await.unwrap(),
        None
    );
    assert!(
        s.attachment_links(&tenant.id, &record.id)
            .await
            .unwrap()
            .is_empty()
    );

    let attachment = record.to_attachment();
    let conv = s
        .open_conversation(
            &tenant.id,
            NewConversation {
                user_id: user.id.clone(),
                status: ConversationStatus::Queued,
                group_id: tenant.settings.default_group_id.clone(),
                assignee: None,
                queued: true,
            },
            vec![NewMessage {
                attachments: vec![attachment.clone()],
                ..user_says(&user, "", Some("with-file"))
            }],
        )
        .await
        .expect("open with a file");
    assert_eq!(conv.messages[0].attachments, vec![attachment.clone()]);
    let read = all_messages(s, &tenant, conv.after.id()).await;
    assert_eq!(read[0].attachments, vec![attachment.clone()]);
    let by_key = s
        .message_by_client_id(&tenant.id, AuthorKind::User, user.id.as_str(), "with-file")
        .await
        .unwrap()
        .expect("by client id");
    assert_eq!(by_key.attachments, vec![attachment.clone()]);
    // A private note carrying the same file: a second link.
    modify(s, &tenant, conv.after.id(), |_| {
        Ok(Decision {
            next: None,
            messages: vec![NewMessage {
                private: true,
                attachments: vec![attachment.clone()],
                ..user_says(&user, "again", None)
            }],
        })
    })
    .await
    .expect("append");
    let mut links = s.attachment_links(&tenant.id, &record.id).await.unwrap();
    links.sort_by_key(|l| l.private);
    assert_eq!(
        links,
        vec![
            AttachmentLink {
                conversation_id: conv.after.id().clone(),
                private: false,
            },
            AttachmentLink {
                conversation_id: conv.after.id().clone(),
                private: true,
            },
        ]
    );
    assert!(
        s.attachment_links(&other.id, &record.id)
            .await
            .unwrap()
            .is_empty()
    );
}
