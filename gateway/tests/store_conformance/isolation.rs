//! Tenant isolation across every aggregate: another tenant's ids find nothing.

use super::*;

pub(super) async fn another_tenants_ids_find_nothing(b: Backend) {
    let s = &b.store;
    let (mine, my_owner) = new_tenant(s).await;
    let (theirs, their_owner) = new_tenant(s).await;
    let my_group = s
        .insert_group(
            &mine.id,
            NewGroup {
                name: "Billing".to_owned(),
                assignment: Assignment::Manual,
                business_hours: None,
            },
        )
        .await
        .unwrap();
    let my_agent = add_agent(s, &mine).await;
    s.set_group_members(&mine.id, &my_group.id, std::slice::from_ref(&my_agent.id))
        .await
        .unwrap();
    let my_group = s.group(&mine.id, &my_group.id).await.unwrap().unwrap();
    let my_agent = s.agent(&mine.id, &my_agent.id).await.unwrap().unwrap();
    let my_bot = s.insert_bot(&mine.id, "Greeter").await.unwrap();
    let my_user = s
        .upsert_user_by_external_id(
            &mine.id,
            NewUser {
                external_id: Some("ext-1".to_owned()),
                name: Some("Ann".to_owned()),
                email: None,
            },
        )
        .await
        .unwrap();
    let my_conversation = s
        .open_conversation(
            &mine.id,
            NewConversation {
                user_id: my_user.id.clone(),
                status: ConversationStatus::Queued,
                group_id: my_group.id.clone(),
                assignee: None,
                queued: true,
            },
            vec![user_says(&my_user, "Hello?", Some("c-1"))],
        )
        .await
        .unwrap()
        .after;
    let conv = my_conversation.id().clone();

    // Every read with the other tenant's id finds nothing.
    let t = &theirs.id;
    assert!(s.agent(t, &my_agent.id).await.unwrap().is_none());
    assert!(s.agent(t, &my_owner.id).await.unwrap().is_none());
    let their_agents: Vec<_> = s
        .agents(t)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(their_agents, vec![their_owner.id.clone()]);
    assert!(s.group(t, &my_group.id).await.unwrap().is_none());
    assert!(
        s.group(t, &mine.settings.default_group_id)
            .await
            .unwrap()
            .is_none()
    );
    let their_groups: Vec<_> = s
        .groups(t)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.id)
        .collect();
    assert_eq!(their_groups, vec![theirs.settings.default_group_id.clone()]);
    assert!(s.bot(t, &my_bot.id).await.unwrap().is_none());
    assert!(s.bots(t).await.unwrap().is_empty());
    assert!(s.user(t, &my_user.id).await.unwrap().is_none());
    assert!(s.conversation(t, &conv).await.unwrap().is_none());
    assert!(
        s.latest_open_conversation(t, &my_user.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.conversations(
            t,
            &query(
                &ALL_STATUSES,
                Visibility::All,
                None,
                ConversationOrder::RecentlyUpdatedFirst,
                100
            )
        )
        .await
        .unwrap()
        .is_empty()
    );
    let page = s
        .messages(
            t,
            &conv,
            &MessageQuery {
                limit: 100,
                include_private: true,
                ..MessageQuery::default()
            },
        )
        .await
        .unwrap();
    assert!(page.messages.is_empty() && !page.has_more);
    assert!(
        s.message_by_client_id(t, AuthorKind::User, my_user.id.as_str(), "c-1")
            .await
            .unwrap()
            .is_none()
    );

    // Every write with the other tenant's id changes nothing of mine.
    let changed = modify(s, &theirs, &conv, |_| {
        panic!("decide called for another tenant's conversation")
    })
    .await;
    assert!(matches!(changed, Err(Error::NotFound("conversation"))));
    assert!(matches!(
        s.set_group_members(
            t,
            &theirs.settings.default_group_id,
            std::slice::from_ref(&my_agent.id)
        )
        .await,
        Err(Error::NotFound("agent"))
    ));
    let mut renamed_agent = my_agent.clone();
    renamed_agent.full_name = "Mallory".to_owned();
    renamed_agent.role = Role::Owner;
    s.update_agent(t, &renamed_agent).await.unwrap();
    let mut renamed_group = my_group.clone();
    renamed_group.name = "Mallory's".to_owned();
    s.update_group(t, &renamed_group).await.unwrap();
    s.delete_agent(t, &my_agent.id).await.unwrap();
    s.delete_bot(t, &my_bot.id).await.unwrap();
    let their_user = s
        .upsert_user_by_external_id(
            t,
            NewUser {
                external_id: Some("ext-1".to_owned()),
                name: Some("Mallory".to_owned()),
                email: Some("mallory@example.com".to_owned()),
            },
        )
        .await
        .unwrap();
    assert_ne!(their_user.id, my_user.id);

    assert!(same(
        &s.agent(&mine.id, &my_agent.id).await.unwrap().unwrap(),
        &my_agent
    ));
    assert!(same(
        &s.group(&mine.id, &my_group.id).await.unwrap().unwrap(),
        &my_group
    ));
    assert!(s.bot(&mine.id, &my_bot.id).await.unwrap().is_some());
    assert_eq!(s.user(&mine.id, &my_user.id).await.unwrap(), Some(my_user));
    assert_eq!(stored(s, &mine, &conv).await, my_conversation);
}
