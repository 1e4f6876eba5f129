//! Conversations: opening, read-decide-write changes, lists and filters, and concurrent writers of one conversation (`ConversationStore`).

use super::*;

const APPENDS: u64 = 20;
const ACCEPTERS: usize = 10;

pub(super) async fn open_conversation_numbers_its_messages_from_one(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let group = tenant.settings.default_group_id.clone();
    let user = add_user(s, &tenant, "Ann").await;
    let outcome = s
        .open_conversation(
            &tenant.id,
            NewConversation {
                user_id: user.id.clone(),
                status: ConversationStatus::Queued,
                group_id: group.clone(),
                assignee: None,
                queued: true,
            },
            vec![
                user_says(&user, "Hello?", Some("c-1")),
                transitions::system("Waiting for an agent", false),
                transitions::system("Routed by the rules", true),
            ],
        )
        .await
        .unwrap();
    assert!(outcome.before.is_none());
    assert!(outcome.state_changed);
    let c = &outcome.after.conversation;
    assert_eq!(c.status, ConversationStatus::Queued);
    assert_eq!(c.group_id, group);
    assert_eq!(c.assignee, None);
    assert_eq!(c.user, user);
    assert!(c.tags.is_empty());
    assert_eq!(c.last_seq, 3);
    assert_time_format(&c.created_at);
    assert_time_format(&c.updated_at);
    assert!(c.updated_at >= c.created_at);
    assert_eq!(c.queued_at.as_ref(), Some(&c.created_at));
    assert_eq!(c.resolved_at, None);
    assert_eq!(outcome.after.last_agent_id, None);

    let seqs: Vec<u64> = outcome.messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3]);
    let first = &outcome.messages[0];
    assert_eq!(first.conversation_id, c.id);
    assert_eq!(first.author.kind, AuthorKind::User);
    assert_eq!(first.author.id, user.id.0);
    assert_eq!(first.author.name, "Ann");
    assert_eq!(first.text, "Hello?");
    assert!(first.attachments.is_empty());
    assert!(!first.private);
    assert_eq!(first.client_msg_id.as_deref(), Some("c-1"));
    assert_time_format(&first.created_at);
    assert_eq!(outcome.messages[1].author.kind, AuthorKind::System);
    assert_eq!(outcome.messages[1].author.id, "");
    assert!(outcome.messages[2].private);
    assert_eq!(outcome.messages[2].client_msg_id, None);

    // What it returned is what it stored.
    assert_eq!(stored(s, &tenant, &c.id).await, outcome.after);
    assert_eq!(all_messages(s, &tenant, &c.id).await, outcome.messages);

    // A bot's conversation: held by the bot, never queued.
    let bot = s.insert_bot(&tenant.id, "Greeter").await.unwrap();
    let with_bot = s
        .open_conversation(
            &tenant.id,
            NewConversation {
                user_id: user.id.clone(),
                status: ConversationStatus::Bot,
                group_id: group.clone(),
                assignee: Some(Assignee {
                    kind: HolderKind::Bot,
                    id: bot.id.0.clone(),
                    name: bot.name.clone(),
                }),
                queued: false,
            },
            vec![user_says(&user, "Hi bot", None)],
        )
        .await
        .unwrap()
        .after;
    assert_eq!(with_bot.status(), ConversationStatus::Bot);
    assert_eq!(with_bot.holder(HolderKind::Bot), Some(bot.id.as_str()));
    assert_eq!(
        with_bot.conversation.assignee.as_ref().unwrap().name,
        "Greeter"
    );
    assert_eq!(with_bot.conversation.queued_at, None);
    assert_eq!(with_bot.conversation.last_seq, 1);
    assert_eq!(stored(s, &tenant, with_bot.id()).await, with_bot);

    // No messages yet: nothing numbered.
    let empty = s
        .open_conversation(
            &tenant.id,
            NewConversation {
                user_id: user.id.clone(),
                status: ConversationStatus::Queued,
                group_id: group,
                assignee: None,
                queued: true,
            },
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(empty.after.conversation.last_seq, 0);
    assert!(empty.messages.is_empty());
    assert!(all_messages(s, &tenant, empty.after.id()).await.is_empty());
}

pub(super) async fn modify_conversation_applies_the_decision(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let user = add_user(s, &tenant, "Ann").await;
    let alice = add_agent(s, &tenant).await;
    let opened = open_queued(s, &tenant, &user, &tenant.settings.default_group_id).await;
    let id = opened.id().clone();
    tick().await;

    let p = principal(&alice);
    let accepted = modify(s, &tenant, &id, |st| transitions::accept(st, &p))
        .await
        .unwrap();
    assert_eq!(accepted.before.as_ref(), Some(&opened));
    assert!(accepted.state_changed);
    let after = &accepted.after;
    assert_eq!(after.status(), ConversationStatus::Assigned);
    assert_eq!(after.holder(HolderKind::Agent), Some(alice.id.as_str()));
    assert_eq!(
        after.conversation.assignee.as_ref().unwrap().name,
        alice.full_name
    );
    assert_eq!(after.last_agent_id.as_ref(), Some(&alice.id));
    assert_eq!(after.conversation.last_seq, 2);
    assert_eq!(after.conversation.queued_at, opened.conversation.queued_at);
    assert!(after.conversation.updated_at > opened.conversation.updated_at);
    assert_time_format(&after.conversation.updated_at);
    assert_eq!(accepted.messages.len(), 1);
    assert_eq!(accepted.messages[0].seq, 2);
    assert_eq!(
        accepted.messages[0].text,
        format!("{} joined", alice.full_name)
    );
    assert_eq!(stored(s, &tenant, &id).await, accepted.after);

    // Messages only: appended, the state as it was.
    let reply = agent_says(&alice, "How can I help?", Some("a-1"));
    let replied = modify(s, &tenant, &id, |_| {
        Ok(Decision {
            next: None,
            messages: vec![reply.clone()],
        })
    })
    .await
    .unwrap();
    assert!(!replied.state_changed);
    assert_eq!(replied.messages.len(), 1);
    assert_eq!(replied.messages[0].seq, 3);
    assert_eq!(replied.after.conversation.last_seq, 3);
    assert_eq!(replied.after.status(), ConversationStatus::Assigned);

    // A refused decision writes nothing.
    let before = stored(s, &tenant, &id).await;
    let refused = modify(s, &tenant, &id, |_| Err(Error::conflict("not now"))).await;
    assert_eq!(conflict_message(refused), "not now");
    assert_eq!(stored(s, &tenant, &id).await, before);

    // Tags: a state change without messages.
    let tagged = modify(s, &tenant, &id, |st| {
        let mut next = st.clone();
        next.conversation.tags = vec!["vip".to_owned(), "billing".to_owned()];
        Ok(Decision {
            next: Some(next),
            messages: Vec::new(),
        })
    })
    .await
    .unwrap();
    assert!(tagged.state_changed);
    assert!(tagged.messages.is_empty());
    assert_eq!(tagged.after.conversation.last_seq, 3);
    assert_eq!(
        stored(s, &tenant, &id).await.conversation.tags,
        vec!["vip".to_owned(), "billing".to_owned()]
    );

    // Resolved, then reopened by the user.
    let now = clock::now();
    let resolved = modify(s, &tenant, &id, |st| transitions::resolve(st, &now))
        .await
        .unwrap()
        .after;
    assert_eq!(resolved.status(), ConversationStatus::Resolved);
    assert_eq!(resolved.conversation.assignee, None);
    assert_eq!(resolved.conversation.resolved_at.as_ref(), Some(&now));
    assert_eq!(resolved.last_agent_id.as_ref(), Some(&alice.id));
    assert_eq!(stored(s, &tenant, &id).await, resolved);
    let later = clock::now();
    let back = user_says(&user, "One more thing", None);
    let reopened = modify(s, &tenant, &id, |st| {
        Ok(transitions::user_message(
            st,
            back.clone(),
            &transitions::Reopen::ToQueue,
            &later,
        ))
    })
    .await
    .unwrap();
    assert_eq!(reopened.after.status(), ConversationStatus::Queued);
    assert_eq!(reopened.after.conversation.resolved_at, None);
    assert_eq!(reopened.after.conversation.queued_at.as_ref(), Some(&later));
    let seqs: Vec<u64> = reopened.messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, vec![5, 6]);
    assert_eq!(stored(s, &tenant, &id).await, reopened.after);
    let all: Vec<u64> = all_messages(s, &tenant, &id)
        .await
        .iter()
        .map(|m| m.seq)
        .collect();
    assert_eq!(all, (1..=6).collect::<Vec<_>>());

    // Unknown conversations are not found, and nobody is asked to decide.
    let missing = modify(s, &tenant, &ConversationId::from("no-such"), |_| {
        panic!("decide called for a missing conversation")
    })
    .await;
    assert!(matches!(missing, Err(Error::NotFound("conversation"))));
}

pub(super) async fn unchanged_decision_writes_nothing(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let user = add_user(s, &tenant, "Ann").await;
    let alice = add_agent(s, &tenant).await;
    let opened = open_queued(s, &tenant, &user, &tenant.settings.default_group_id).await;
    let id = opened.id().clone();
    let p = principal(&alice);
    modify(s, &tenant, &id, |st| transitions::accept(st, &p))
        .await
        .unwrap();
    let before = stored(s, &tenant, &id).await;
    tick().await;

    // Accepting what one already holds is unchanged.
    let again = modify(s, &tenant, &id, |st| transitions::accept(st, &p))
        .await
        .unwrap();
    assert!(!again.state_changed);
    assert!(again.messages.is_empty());
    assert_eq!(again.before.as_ref(), Some(&before));
    assert_eq!(again.after, before);

    // So is a next state equal to the current one.
    let same_state = modify(s, &tenant, &id, |st| {
        Ok(Decision {
            next: Some(st.clone()),
            messages: Vec::new(),
        })
    })
    .await
    .unwrap();
    assert!(!same_state.state_changed);
    assert!(same_state.messages.is_empty());
    assert_eq!(same_state.after, before);

    // Neither touched the row (not even updated_at) nor added messages.
    assert_eq!(stored(s, &tenant, &id).await, before);
    assert_eq!(all_messages(s, &tenant, &id).await.len(), 2);
}

pub(super) async fn conversation_lists_by_status_visibility_and_order(b: Backend) {
    let s = &b.store;
    let (tenant, owner) = new_tenant(s).await;
    let general = tenant.settings.default_group_id.clone();
    let billing = s
        .insert_group(
            &tenant.id,
            NewGroup {
                name: "Billing".to_owned(),
                assignment: Assignment::Manual,
                business_hours: None,
            },
        )
        .await
        .unwrap()
        .id;
    let alice = add_agent(s, &tenant).await;
    s.set_group_members(&tenant.id, &general, std::slice::from_ref(&alice.id))
        .await
        .unwrap();
    let bot = s.insert_bot(&tenant.id, "Greeter").await.unwrap();
    let user = add_user(s, &tenant, "Ann").await;

    // c1 queued in General, c2 queued in Billing, c3 in Billing held by Alice, c4 with the
    // bot in General (never queued), c5 resolved in General: each written after the last.
    let c1 = open_queued(s, &tenant, &user, &general).await;
    tick().await;
    let c2 = open_queued(s, &tenant, &user, &billing).await;
    tick().await;
    let c3 = open_queued(s, &tenant, &user, &billing).await;
    let p = principal(&alice);
    modify(s, &tenant, c3.id(), |st| transitions::accept(st, &p))
        .await
        .unwrap();
    tick().await;
    let c4 = s
        .open_conversation(
            &tenant.id,
            NewConversation {
                user_id: user.id.clone(),
                status: ConversationStatus::Bot,
                group_id: general.clone(),
                assignee: Some(Assignee {
                    kind: HolderKind::Bot,
                    id: bot.id.0.clone(),
                    name: bot.name.clone(),
                }),
                queued: false,
            },
            vec![user_says(&user, "Hi bot", None)],
        )
        .await
        .unwrap()
        .after;
    tick().await;
    let c5 = open_queued(s, &tenant, &user, &general).await;
    let now = clock::now();
    modify(s, &tenant, c5.id(), |st| transitions::resolve(st, &now))
        .await
        .unwrap();
    let [c1, c2, c3, c4, c5] = [c1, c2, c3, c4, c5].map(|c| c.id().clone());

    let list = |q: ConversationQuery| {
        let s = s.clone();
        let tenant = tenant.id.clone();
        async move { ids(&s.conversations(&tenant, &q).await.unwrap()) }
    };
    use ConversationOrder::*;
    use ConversationStatus::*;

    // The queue: first come, first served.
    assert_eq!(
        list(query(
            &[Queued],
            Visibility::All,
            None,
            OldestQueuedFirst,
            50
        ))
        .await,
        vec![c1.clone(), c2.clone()]
    );
    // Never queued sorts first in queue order (as SQLite sorts NULL).
    assert_eq!(
        list(query(
            &[Queued, Bot],
            Visibility::All,
            None,
            OldestQueuedFirst,
            50
        ))
        .await,
        vec![c4.clone(), c1.clone(), c2.clone()]
    );
    assert_eq!(
        list(query(
            &ALL_STATUSES,
            Visibility::All,
            None,
            RecentlyUpdatedFirst,
            50
        ))
        .await,
        vec![c5.clone(), c4.clone(), c3.clone(), c2.clone(), c1.clone()]
    );
    assert_eq!(
        list(query(
            &ALL_STATUSES,
            Visibility::All,
            None,
            RecentlyUpdatedFirst,
            2
        ))
        .await,
        vec![c5.clone(), c4.clone()]
    );
    assert_eq!(
        list(query(
            &[Resolved],
            Visibility::All,
            None,
            RecentlyUpdatedFirst,
            50
        ))
        .await,
        vec![c5.clone()]
    );
    assert!(
        list(query(&[], Visibility::All, None, RecentlyUpdatedFirst, 50))
            .await
            .is_empty()
    );

    // An agent sees its groups' conversations and those it holds.
    let alices = |group_ids: Vec<GroupId>| Visibility::Groups {
        group_ids,
        agent_id: alice.id.clone(),
    };
    assert_eq!(
        list(query(
            &[Queued, Assigned, Bot],
            alices(vec![general.clone()]),
            None,
            RecentlyUpdatedFirst,
            50
        ))
        .await,
        vec![c4.clone(), c3.clone(), c1.clone()]
    );
    assert_eq!(
        list(query(
            &[Queued],
            alices(vec![general.clone(), billing.clone()]),
            None,
            OldestQueuedFirst,
            50
        ))
        .await,
        vec![c1.clone(), c2.clone()]
    );
    assert_eq!(
        list(query(
            &ALL_STATUSES,
            alices(Vec::new()),
            None,
            RecentlyUpdatedFirst,
            50
        ))
        .await,
        vec![c3.clone()]
    );

    // Held by one agent.
    assert_eq!(
        list(query(
            &[Assigned],
            Visibility::All,
            Some(&alice.id),
            RecentlyUpdatedFirst,
            50
        ))
        .await,
        vec![c3.clone()]
    );
    assert!(
        list(query(
            &ALL_STATUSES,
            Visibility::All,
            Some(&owner.id),
            RecentlyUpdatedFirst,
            50
        ))
        .await
        .is_empty()
    );

    // Lists carry the whole state.
    let full = s
        .conversations(
            &tenant.id,
            &query(&[Assigned], Visibility::All, None, RecentlyUpdatedFirst, 50),
        )
        .await
        .unwrap();
    assert_eq!(full, vec![stored(s, &tenant, &c3).await]);

    // Another tenant lists nothing of these.
    let (other, _) = new_tenant(s).await;
    assert!(
        s.conversations(
            &other.id,
            &query(
                &ALL_STATUSES,
                Visibility::All,
                None,
                RecentlyUpdatedFirst,
                50
            )
        )
        .await
        .unwrap()
        .is_empty()
    );
}

pub(super) async fn latest_open_conversation_is_the_most_recently_updated(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let group = tenant.settings.default_group_id.clone();
    let user = add_user(s, &tenant, "Ann").await;
    let other_user = add_user(s, &tenant, "Bob").await;
    let latest = |user: UserId| {
        let s = s.clone();
        let tenant = tenant.id.clone();
        async move {
            s.latest_open_conversation(&tenant, &user)
                .await
                .unwrap()
                .map(|c| c.id().clone())
        }
    };
    assert_eq!(latest(user.id.clone()).await, None);

    let old = open_queued(s, &tenant, &user, &group).await.id().clone();
    tick().await;
    let new = open_queued(s, &tenant, &user, &group).await.id().clone();
    assert_eq!(latest(user.id.clone()).await, Some(new.clone()));
    let full = s
        .latest_open_conversation(&tenant.id, &user.id)
        .await
        .unwrap();
    assert_eq!(full, Some(stored(s, &tenant, &new).await));

    tick().await;
    let more = user_says(&user, "Still there?", None);
    modify(s, &tenant, &old, |_| {
        Ok(Decision {
            next: None,
            messages: vec![more.clone()],
        })
    })
    .await
    .unwrap();
    assert_eq!(latest(user.id.clone()).await, Some(old.clone()));

    let now = clock::now();
    modify(s, &tenant, &old, |st| transitions::resolve(st, &now))
        .await
        .unwrap();
    assert_eq!(latest(user.id.clone()).await, Some(new.clone()));
    let current = |user: UserId| {
        let s = s.clone();
        let tenant = tenant.id.clone();
        async move {
            s.current_conversation(&tenant, &user)
                .await
                .unwrap()
                .map(|c| c.id().clone())
        }
    };
    // `old` was updated last (resolved), but an open one comes first.
    assert_eq!(current(user.id.clone()).await, Some(new.clone()));
    modify(s, &tenant, &new, |st| transitions::resolve(st, &now))
        .await
        .unwrap();
    assert_eq!(latest(user.id.clone()).await, None);
    assert_eq!(latest(other_user.id.clone()).await, None);
    // None open: the last one resolved.
    assert_eq!(current(user.id.clone()).await, Some(new.clone()));
    assert_eq!(current(other_user.id.clone()).await, None);
}

/// A conversation's user and group must be the tenant's own.
pub(super) async fn open_conversation_needs_a_user_and_group_of_the_tenant(b: Backend) {
    let s = &b.store;
    let (mine, _) = new_tenant(s).await;
    let (theirs, _) = new_tenant(s).await;
    let my_user = add_user(s, &mine, "Ann").await;
    let their_user = add_user(s, &theirs, "Bob").await;
    let open = |tenant: TenantId, user: UserId, group: GroupId| {
        let s = s.clone();
        async move {
            s.open_conversation(
                &tenant,
                NewConversation {
                    user_id: user,
                    status: ConversationStatus::Queued,
                    group_id: group,
                    assignee: None,
                    queued: true,
                },
                Vec::new(),
            )
            .await
            .map(|o| o.after)
        }
    };
    let foreign_user = open(
        theirs.id.clone(),
        my_user.id.clone(),
        theirs.settings.default_group_id.clone(),
    )
    .await;
    assert!(
        matches!(foreign_user, Err(Error::NotFound("user"))),
        "{foreign_user:?}"
    );
    let foreign_group = open(
        theirs.id.clone(),
        their_user.id.clone(),
        mine.settings.default_group_id.clone(),
    )
    .await;
    assert!(
        matches!(foreign_group, Err(Error::NotFound("group"))),
        "{foreign_group:?}"
    );
    assert!(
        s.latest_open_conversation(&theirs.id, &their_user.id)
            .await
            .unwrap()
            .is_none()
    );
}

pub(super) async fn desk_conversation_filters(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let (other, _) = new_tenant(s).await;
    let group = tenant.settings.default_group_id.clone();
    let zoe = add_user(s, &tenant, "Zoe").await;
    let max = add_user(s, &tenant, "Max").await;
    let by_name = open_queued(s, &tenant, &zoe, &group).await;
    let by_text = open_queued(s, &tenant, &max, &group).await;
    modify(s, &tenant, by_text.id(), |_| {
        Ok(Decision {
            next: None,
            messages: vec![user_says(&max, "My INVOICE shows 50%_off", None)],
        })
    })
    .await
    .unwrap();
    let tagged = modify(s, &tenant, by_name.id(), |state| {
        let mut next = state.clone();
        next.conversation.tags = vec!["vip".to_owned(), "billing".to_owned()];
        Ok(Decision {
            next: Some(next),
            messages: Vec::new(),
        })
    })
    .await
    .unwrap();
    assert!(tagged.state_changed, "tags are state");
    assert_eq!(
        stored(s, &tenant, by_name.id()).await.conversation.tags,
        vec!["vip", "billing"]
    );
    let their_user = add_user(s, &other, "Zoe").await;
    let theirs = open_queued(s, &other, &their_user, &other.settings.default_group_id).await;

    let find = |tenant: TenantRecord, filter: ConversationFilter| {
        let s = s.clone();
        async move {
            let mut q = query(
                &ALL_STATUSES,
                Visibility::All,
                None,
                ConversationOrder::RecentlyUpdatedFirst,
                100,
            );
            q.filter = filter;
            let mut found = ids(&s.conversations(&tenant.id, &q).await.unwrap());
            found.sort();
            found
        }
    };
    let text = |t: &str| ConversationFilter {
        text: Some(t.to_owned()),
        ..ConversationFilter::default()
    };
    let tag = |t: &str| ConversationFilter {
        tag: Some(t.to_owned()),
        ..ConversationFilter::default()
    };
    let one = |c: &ConversationState| vec![c.id().clone()];

    assert_eq!(find(tenant.clone(), tag("vip")).await, one(&by_name));
    assert_eq!(find(tenant.clone(), tag("billing")).await, one(&by_name));
    assert!(
        find(tenant.clone(), tag("vi")).await.is_empty(),
        "tags match exactly"
    );
    assert_eq!(
        find(tenant.clone(), text("ZOE")).await,
        one(&by_name),
        "name, any case"
    );
    assert_eq!(
        find(tenant.clone(), text("zoe@EXAMPLE.com")).await,
        one(&by_name),
        "e-mail"
    );
    assert_eq!(
        find(tenant.clone(), text("invoice")).await,
        one(&by_text),
        "message text"
    );
    assert_eq!(
        find(tenant.clone(), text("%")).await,
        one(&by_text),
        "escaped %"
    );
    assert_eq!(
        find(tenant.clone(), text("_")).await,
        one(&by_text),
        "escaped _"
    );
    assert_eq!(find(tenant.clone(), text("50%_o")).await, one(&by_text));
    assert!(
        find(tenant.clone(), text("\\")).await.is_empty(),
        "escaped backslash"
    );
    assert!(find(tenant.clone(), text("nothing")).await.is_empty());
    assert_eq!(
        find(other.clone(), text("zoe")).await,
        one(&theirs),
        "per tenant"
    );
    assert!(
        find(other.clone(), text("invoice")).await.is_empty(),
        "per tenant"
    );
    assert!(
        find(other.clone(), tag("vip")).await.is_empty(),
        "per tenant"
    );
    let user_filter = ConversationFilter {
        user_id: Some(max.id.clone()),
        ..ConversationFilter::default()
    };
    assert_eq!(
        find(tenant.clone(), user_filter.clone()).await,
        one(&by_text)
    );
    assert!(find(other.clone(), user_filter).await.is_empty());
    let both = ConversationFilter {
        tag: Some("vip".to_owned()),
        text: Some("invoice".to_owned()),
        user_id: None,
        bot_id: None,
    };
    assert!(
        find(tenant.clone(), both).await.is_empty(),
        "filters combine with AND"
    );
}

pub(super) async fn concurrent_appends_get_gap_free_seq(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let user = add_user(s, &tenant, "Ann").await;
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
            Vec::new(),
        )
        .await
        .unwrap()
        .after
        .id()
        .clone();

    let mut tasks = Vec::new();
    for i in 0..APPENDS {
        let store = if i % 2 == 0 { &b.store } else { &b.other }.clone();
        let (tenant, id) = (tenant.id.clone(), id.clone());
        let message = user_says(&user, &format!("burst {i}"), None);
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
    let mut seqs = Vec::new();
    for task in tasks {
        let outcome = task.await.expect("task").expect("append");
        assert_eq!(outcome.messages.len(), 1);
        let seq = outcome.messages[0].seq;
        // Each writer read the state the previous one committed.
        assert_eq!(
            outcome.before.as_ref().unwrap().conversation.last_seq + 1,
            seq
        );
        assert_eq!(outcome.after.conversation.last_seq, seq);
        seqs.push(seq);
    }
    seqs.sort();
    assert_eq!(seqs, (1..=APPENDS).collect::<Vec<_>>());

    let stored_messages = all_messages(s, &tenant, &id).await;
    let stored_seqs: Vec<u64> = stored_messages.iter().map(|m| m.seq).collect();
    assert_eq!(stored_seqs, (1..=APPENDS).collect::<Vec<_>>());
    let texts: BTreeSet<String> = stored_messages.into_iter().map(|m| m.text).collect();
    assert_eq!(texts.len() as u64, APPENDS);
    assert_eq!(stored(s, &tenant, &id).await.conversation.last_seq, APPENDS);
    assert_eq!(
        stored(&b.other, &tenant, &id).await.conversation.last_seq,
        APPENDS
    );
}

pub(super) async fn concurrent_accepts_have_exactly_one_winner(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let user = add_user(s, &tenant, "Ann").await;
    let mut agents = Vec::new();
    for _ in 0..ACCEPTERS {
        agents.push(add_agent(s, &tenant).await);
    }
    let id = open_queued(s, &tenant, &user, &tenant.settings.default_group_id)
        .await
        .id()
        .clone();

    let mut tasks = Vec::new();
    for (i, agent) in agents.iter().enumerate() {
        let store = if i % 2 == 0 { &b.store } else { &b.other }.clone();
        let (tenant, id) = (tenant.id.clone(), id.clone());
        let p = principal(agent);
        tasks.push(tokio::spawn(async move {
            let decide = move |st: &ConversationState| {
                // A slow decision widens the window in which unlocked readers would overlap.
                std::thread::sleep(Duration::from_millis(10));
                transitions::accept(st, &p)
            };
            store.modify_conversation(&tenant, &id, &decide).await
        }));
    }
    let mut winners = Vec::new();
    let mut refusals = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        match task.await.expect("task") {
            Ok(outcome) => {
                assert!(outcome.state_changed);
                winners.push((i, outcome));
            }
            Err(Error::Conflict(message)) => refusals.push(message),
            Err(other) => panic!("accept failed otherwise: {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one accept wins");
    assert_eq!(refusals.len(), ACCEPTERS - 1);
    let (i, outcome) = &winners[0];
    let winner = &agents[*i];
    for message in &refusals {
        assert_eq!(
            message,
            &format!("{} holds this conversation", winner.full_name)
        );
    }
    let state = stored(s, &tenant, &id).await;
    assert_eq!(state, outcome.after);
    assert_eq!(state.status(), ConversationStatus::Assigned);
    assert_eq!(state.holder(HolderKind::Agent), Some(winner.id.as_str()));
    assert_eq!(state.conversation.last_seq, 2);
    let joined: Vec<String> = all_messages(s, &tenant, &id)
        .await
        .into_iter()
        .filter(|m| m.text.ends_with(" joined"))
        .map(|m| m.text)
        .collect();
    assert_eq!(joined, vec![format!("{} joined", winner.full_name)]);
}
