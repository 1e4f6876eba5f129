//! The desk's extras: contact fields and notes, quick responses (`UserStore`, `DeskStore`).

use super::*;

pub(super) async fn desk_contact_fields_and_notes(b: Backend) {
    let s = &b.store;
    let (tenant, owner) = new_tenant(s).await;
    let (other, _) = new_tenant(s).await;
    let user = add_user(s, &tenant, "Ann").await;
    let conv = open_queued(s, &tenant, &user, &tenant.settings.default_group_id).await;

    let mut edited = user.clone();
    edited.name = Some("Ann Lee".to_owned());
    edited.email = None;
    edited.phone = Some("+49 30 1234".to_owned());
    edited.address = Some("Main St 1\n10115 Berlin".to_owned());
    s.update_user(&tenant.id, &edited)
        .await
        .expect("update the user");
    assert_eq!(
        s.user(&tenant.id, &user.id).await.unwrap(),
        Some(edited.clone())
    );
    assert_eq!(
        stored(s, &tenant, conv.id()).await.conversation.user,
        edited,
        "conversations show the new contact fields"
    );
    assert!(matches!(
        s.update_user(&other.id, &user).await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(
        s.user(&tenant.id, &user.id).await.unwrap(),
        Some(edited),
        "another tenant changed nothing"
    );

    assert!(s.user_notes(&tenant.id, &user.id).await.unwrap().is_empty());
    let first = s
        .insert_user_note(
            &tenant.id,
            NewUserNote {
                user_id: user.id.clone(),
                author_id: owner.id.clone(),
                author_name: owner.full_name.clone(),
                text: "Prefers e-mail".to_owned(),
            },
        )
        .await
        .expect("a note");
    assert_eq!(first.author.kind, AuthorKind::Agent);
    assert_eq!(first.author.id, owner.id.as_str());
    assert_eq!(first.text, "Prefers e-mail");
    assert_time_format(&first.created_at);
    tick().await;
    let second = s
        .insert_user_note(
            &tenant.id,
            NewUserNote {
                user_id: user.id.clone(),
                author_id: owner.id.clone(),
                author_name: owner.full_name.clone(),
                text: "VIP".to_owned(),
            },
        )
        .await
        .expect("another note");
    assert_eq!(
        s.user_notes(&tenant.id, &user.id).await.unwrap(),
        vec![first, second],
        "oldest first"
    );
    assert!(s.user_notes(&other.id, &user.id).await.unwrap().is_empty());
    let foreign = s
        .insert_user_note(
            &other.id,
            NewUserNote {
                user_id: user.id.clone(),
                author_id: owner.id.clone(),
                author_name: owner.full_name.clone(),
                text: "sneaky".to_owned(),
            },
        )
        .await;
    assert!(matches!(foreign, Err(Error::NotFound(_))), "{foreign:?}");
    assert_eq!(s.user_notes(&tenant.id, &user.id).await.unwrap().len(), 2);
}

pub(super) async fn desk_quick_responses(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let (other, _) = new_tenant(s).await;
    let thanks = s
        .insert_quick_response(&tenant.id, "/thanks", "Thank you!")
        .await
        .expect("insert");
    let hello = s
        .insert_quick_response(&tenant.id, "/hello", "Hello!")
        .await
        .expect("insert");
    assert_eq!(
        s.quick_responses(&tenant.id).await.unwrap(),
        vec![hello.clone(), thanks.clone()],
        "by shortcut"
    );
    conflict_message(
        s.insert_quick_response(&tenant.id, "/thanks", "again")
            .await,
    );
    s.insert_quick_response(&other.id, "/thanks", "theirs")
        .await
        .expect("shortcuts are unique per tenant only");
    assert_eq!(
        s.quick_response(&tenant.id, &thanks.id).await.unwrap(),
        Some(thanks.clone())
    );
    assert_eq!(s.quick_response(&other.id, &thanks.id).await.unwrap(), None);

    let mut edited = thanks.clone();
    edited.text = "Thanks a lot!".to_owned();
    s.update_quick_response(&tenant.id, &edited)
        .await
        .expect("update");
    assert_eq!(
        s.quick_response(&tenant.id, &thanks.id).await.unwrap(),
        Some(edited.clone())
    );
    let mut clash = hello.clone();
    clash.shortcut = "/thanks".to_owned();
    conflict_message(s.update_quick_response(&tenant.id, &clash).await);
    assert!(matches!(
        s.update_quick_response(&other.id, &edited).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        s.delete_quick_response(&other.id, &thanks.id).await,
        Err(Error::NotFound(_))
    ));
    s.delete_quick_response(&tenant.id, &thanks.id)
        .await
        .expect("delete");
    assert!(matches!(
        s.delete_quick_response(&tenant.id, &thanks.id).await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(s.quick_responses(&tenant.id).await.unwrap(), vec![hello]);
}
