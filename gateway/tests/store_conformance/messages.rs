//! Messages: paging, idempotency keys and concurrent retries (`ConversationStore`).

use super::*;

const RETRIES: usize = 10;

pub(super) async fn messages_page_in_both_directions(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let user = add_user(s, &tenant, "Ann").await;
    // Ten messages; 4 and 7 are private notes.
    let messages = (1..=10)
        .map(|seq| NewMessage {
            private: seq == 4 || seq == 7,
            ..user_says(&user, &format!("m{seq}"), None)
        })
        .collect();
    let id = s
        .open_conversation(
            &tenant.id,
            NewConversation {
                user_id: user.id.clone(),
                status: ConversationStatus::Queued,
                group_id: tenant.settings.default_group_id.clone(),
                assignee: None,
                queued: true,
            },
            messages,
        )
        .await
        .unwrap()
        .after
        .id()
        .clone();
    let page = |after: Option<u64>, before: Option<u64>, limit: u32, private: bool| {
        let s = s.clone();
        let tenant = tenant.id.clone();
        let id = id.clone();
        async move {
            let page = s
                .messages(
                    &tenant,
                    &id,
                    &MessageQuery {
                        after_seq: after,
                        before_seq: before,
                        limit,
                        include_private: private,
                    },
                )
                .await
                .unwrap();
            for m in &page.messages {
                assert_eq!(m.text, format!("m{}", m.seq));
            }
            let seqs: Vec<u64> = page.messages.iter().map(|m| m.seq).collect();
            (seqs, page.has_more)
        }
    };

    // Backwards: the newest page, then older ones.
    assert_eq!(page(None, None, 3, true).await, (vec![8, 9, 10], true));
    assert_eq!(page(None, Some(8), 3, true).await, (vec![5, 6, 7], true));
    assert_eq!(page(None, Some(4), 3, true).await, (vec![1, 2, 3], false));
    assert_eq!(page(None, Some(1), 3, true).await, (vec![], false));
    assert_eq!(
        page(None, None, 10, true).await,
        ((1..=10).collect::<Vec<u64>>(), false)
    );
    assert_eq!(
        page(None, None, 50, true).await,
        ((1..=10).collect::<Vec<u64>>(), false)
    );
    // Forwards from a seq.
    assert_eq!(page(Some(0), None, 4, true).await, (vec![1, 2, 3, 4], true));
    assert_eq!(page(Some(8), None, 4, true).await, (vec![9, 10], false));
    assert_eq!(page(Some(10), None, 4, true).await, (vec![], false));
    // Between two seqs.
    assert_eq!(
        page(Some(2), Some(6), 10, true).await,
        (vec![3, 4, 5], false)
    );
    assert_eq!(page(Some(2), Some(9), 3, true).await, (vec![3, 4, 5], true));
    // Without private notes (end users).
    assert_eq!(
        page(None, None, 10, false).await,
        (vec![1, 2, 3, 5, 6, 8, 9, 10], false)
    );
    assert_eq!(page(None, Some(8), 3, false).await, (vec![3, 5, 6], true));
    assert_eq!(page(Some(3), None, 2, false).await, (vec![5, 6], true));

    // Another conversation id, or another tenant: an empty page.
    let empty = s
        .messages(
            &tenant.id,
            &ConversationId::from("no-such"),
            &MessageQuery {
                limit: 10,
                include_private: true,
                ..MessageQuery::default()
            },
        )
        .await
        .unwrap();
    assert!(empty.messages.is_empty() && !empty.has_more);
}

pub(super) async fn message_by_client_id_and_its_unique_key(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let user = add_user(s, &tenant, "Ann").await;
    let alice = add_agent(s, &tenant).await;
    let opened = s
        .open_conversation(
            &tenant.id,
            NewConversation {
                user_id: user.id.clone(),
                status: ConversationStatus::Queued,
                group_id: tenant.settings.default_group_id.clone(),
                assignee: None,
                queued: true,
            },
            vec![user_says(&user, "Hello?", Some("c-1"))],
        )
        .await
        .unwrap();
    let id = opened.after.id().clone();
    let first = opened.messages[0].clone();
    let lookup = |kind: AuthorKind, author: String, key: &'static str| {
        let s = s.clone();
        let tenant = tenant.id.clone();
        async move {
            s.message_by_client_id(&tenant, kind, &author, key)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        lookup(AuthorKind::User, user.id.0.clone(), "c-1").await,
        Some(first.clone())
    );
    assert_eq!(
        lookup(AuthorKind::User, user.id.0.clone(), "c-2").await,
        None
    );
    assert_eq!(
        lookup(AuthorKind::Agent, user.id.0.clone(), "c-1").await,
        None
    );
    assert_eq!(
        lookup(AuthorKind::User, alice.id.0.clone(), "c-1").await,
        None
    );

    // The same author and key again: conflict, and nothing of the change is written.
    let before = stored(s, &tenant, &id).await;
    let again = user_says(&user, "Hello again?", Some("c-1"));
    let retry = modify(s, &tenant, &id, |_| {
        Ok(Decision {
            next: None,
            messages: vec![again.clone()],
        })
    })
    .await;
    assert_eq!(
        conflict_message(retry),
        "a message with this client_msg_id exists"
    );
    let with_change = modify(s, &tenant, &id, |st| {
        let mut next = st.clone();
        next.conversation.tags = vec!["changed".to_owned()];
        Ok(Decision {
            next: Some(next),
            messages: vec![
                transitions::system("before the duplicate", false),
                again.clone(),
            ],
        })
    })
    .await;
    assert_eq!(
        conflict_message(with_change),
        "a message with this client_msg_id exists"
    );
    assert_eq!(stored(s, &tenant, &id).await, before);
    assert_eq!(all_messages(s, &tenant, &id).await, vec![first.clone()]);

    // The key is the author's, across conversations.
    let second = open_queued(s, &tenant, &user, &tenant.settings.default_group_id)
        .await
        .id()
        .clone();
    let elsewhere = modify(s, &tenant, &second, |_| {
        Ok(Decision {
            next: None,
            messages: vec![again.clone()],
        })
    })
    .await;
    assert_eq!(
        conflict_message(elsewhere),
        "a message with this client_msg_id exists"
    );
    // Opening a conversation with a used key leaves no conversation behind.
    let count = |s: Arc<dyn Store>, tenant: TenantId| async move {
        s.conversations(
            &tenant,
            &query(
                &ALL_STATUSES,
                Visibility::All,
                None,
                ConversationOrder::RecentlyUpdatedFirst,
                100,
            ),
        )
        .await
        .unwrap()
        .len()
    };
    let conversations = count(s.clone(), tenant.id.clone()).await;
    let reopen = s
        .open_conversation(
            &tenant.id,
            NewConversation {
                user_id: user.id.clone(),
                status: ConversationStatus::Queued,
                group_id: tenant.settings.default_group_id.clone(),
                assignee: None,
                queued: true,
            },
            vec![again.clone()],
        )
        .await;
    assert_eq!(
        conflict_message(reopen.map(|o| o.after)),
        "a message with this client_msg_id exists"
    );
    assert_eq!(count(s.clone(), tenant.id.clone()).await, conversations);

    // Another author may use the same key.
    let reply = agent_says(&alice, "Hi!", Some("c-1"));
    let replied = modify(s, &tenant, &id, |_| {
        Ok(Decision {
            next: None,
            messages: vec![reply.clone()],
        })
    })
    .await
    .unwrap();
    assert_eq!(
        lookup(AuthorKind::Agent, alice.id.0.clone(), "c-1").await,
        Some(replied.messages[0].clone())
    );

    // Another tenant finds nothing under these keys.
    let (other, _) = new_tenant(s).await;
    assert_eq!(
        s.message_by_client_id(&other.id, AuthorKind::User, user.id.as_str(), "c-1")
            .await
            .unwrap(),
        None
    );
}

pub(super) async fn concurrent_retries_store_one_message(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let user = add_user(s, &tenant, "Ann").await;
    let group = tenant.settings.default_group_id.clone();
    // Two conversations of the same user: retries racing on one row lock, and retries that
    // only the unique index can stop.
    let first = open_queued(s, &tenant, &user, &group).await.id().clone();
    let second = open_queued(s, &tenant, &user, &group).await.id().clone();

    let mut tasks = Vec::new();
    for i in 0..RETRIES {
        let store = if i % 2 == 0 { &b.store } else { &b.other }.clone();
        let tenant = tenant.id.clone();
        let id = if i % 4 < 2 { &first } else { &second }.clone();
        let message = user_says(&user, "Sent once, retried", Some("retry-1"));
        tasks.push(tokio::spawn(async move {
            let decide = move |_: &ConversationState| {
                Ok(Decision {
                    next: None,
                    messages: vec![message.clone()],
                })
            };
            store.modify_conversation(&tenant, &id, &decide).await
        }));
    }
    let mut stored_once = Vec::new();
    let mut conflicts = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(outcome) => stored_once.push(outcome.messages[0].clone()),
            Err(Error::Conflict(message)) => {
                assert_eq!(message, "a message with this client_msg_id exists");
                conflicts += 1;
            }
            Err(other) => panic!("retry failed otherwise: {other:?}"),
        }
    }
    assert_eq!(stored_once.len(), 1, "exactly one retry is stored");
    assert_eq!(conflicts, RETRIES - 1);
    let winner = &stored_once[0];
    assert_eq!(winner.seq, 2);
    assert_eq!(
        s.message_by_client_id(&tenant.id, AuthorKind::User, user.id.as_str(), "retry-1")
            .await
            .unwrap()
            .as_ref(),
        Some(winner)
    );
    // The losers left no trace: no message, no seq taken.
    let mut with_key = 0;
    for id in [&first, &second] {
        let messages = all_messages(s, &tenant, id).await;
        with_key += messages
            .iter()
            .filter(|m| m.client_msg_id.as_deref() == Some("retry-1"))
            .count();
        let expected_last = if id == &winner.conversation_id { 2 } else { 1 };
        assert_eq!(messages.len() as u64, expected_last);
        assert_eq!(
            stored(s, &tenant, id).await.conversation.last_seq,
            expected_last
        );
    }
    assert_eq!(with_key, 1);
}
