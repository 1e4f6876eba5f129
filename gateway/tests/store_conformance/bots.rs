//! Bots (`BotStore`).

use super::*;

pub(super) async fn bots_are_listed_until_deleted(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    assert!(s.bots(&tenant.id).await.unwrap().is_empty());
    let greeter = s.insert_bot(&tenant.id, "Greeter").await.unwrap();
    let faq = s.insert_bot(&tenant.id, "FAQ").await.unwrap();
    assert_eq!(greeter.name, "Greeter");
    assert!(same(
        &s.bot(&tenant.id, &greeter.id).await.unwrap().unwrap(),
        &greeter
    ));
    let listed = s.bots(&tenant.id).await.unwrap();
    assert!(same(&listed, &vec![greeter.clone(), faq.clone()]));

    s.delete_bot(&tenant.id, &greeter.id).await.unwrap();
    assert!(s.bot(&tenant.id, &greeter.id).await.unwrap().is_none());
    assert!(same(&s.bots(&tenant.id).await.unwrap(), &vec![faq.clone()]));
    assert!(
        s.bot(&tenant.id, &BotId::from("no-such-bot"))
            .await
            .unwrap()
            .is_none()
    );
}

/// v1.1: the groups that serve a bot, replaced by `update_bot`, checked against the tenant.
pub(super) async fn bots_have_groups_of_the_tenant(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let (other, _) = new_tenant(s).await;
    let default_group = tenant.settings.default_group_id.clone();
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
        .unwrap();
    let bot = s.insert_bot(&tenant.id, "Helper").await.unwrap();
    assert!(bot.group_ids.is_empty());
    let mut both = vec![default_group.clone(), billing.id.clone()];
    both.sort();
    let updated = s
        .update_bot(
            &tenant.id,
            &bot.id,
            "Concierge",
            Some(&[
                billing.id.clone(),
                default_group.clone(),
                billing.id.clone(),
            ]),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.name, "Concierge");
    assert_eq!(updated.group_ids, both);
    assert_eq!(s.bots(&tenant.id).await.unwrap()[0].group_ids, both);
    // A name alone keeps the groups.
    let renamed = s
        .update_bot(&tenant.id, &bot.id, "Renamed", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(renamed.group_ids, both);
    // Another tenant's group: not_found, nothing changed (the name neither).
    let result = s
        .update_bot(
            &tenant.id,
            &bot.id,
            "Changed",
            Some(std::slice::from_ref(&other.settings.default_group_id)),
        )
        .await;
    assert!(
        matches!(result, Err(Error::NotFound("group"))),
        "{result:?}"
    );
    let unchanged = s.bot(&tenant.id, &bot.id).await.unwrap().unwrap();
    assert_eq!(
        (unchanged.name.as_str(), unchanged.group_ids),
        ("Renamed", both)
    );
    // Another tenant's bot: None.
    assert!(
        s.update_bot(&other.id, &bot.id, "Stolen", Some(&[]))
            .await
            .unwrap()
            .is_none()
    );
    let cleared = s
        .update_bot(&tenant.id, &bot.id, "Renamed", Some(&[]))
        .await
        .unwrap()
        .unwrap();
    assert!(cleared.group_ids.is_empty());

    // Agents join groups at insert; a foreign group inserts nothing.
    let login = unique("grouped");
    let grouped = s
        .insert_agent(
            &tenant.id,
            NewAgent {
                group_ids: vec![billing.id.clone()],
                ..new_agent(&login, Role::Agent)
            },
        )
        .await
        .unwrap();
    assert_eq!(grouped.group_ids, vec![billing.id.clone()]);
    let refused = unique("refused");
    let result = s
        .insert_agent(
            &tenant.id,
            NewAgent {
                group_ids: vec![billing.id.clone(), other.settings.default_group_id.clone()],
                ..new_agent(&refused, Role::Agent)
            },
        )
        .await;
    assert!(
        matches!(result, Err(Error::NotFound("group"))),
        "{result:?}"
    );
    assert!(s.agent_by_login(&refused).await.unwrap().is_none());
}

/// v1.1: the `bot_id` filter finds conversations the bot holds or wrote in.
pub(super) async fn the_bot_filter_finds_what_a_bot_took_part_in(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let group = tenant.settings.default_group_id.clone();
    let bot = s.insert_bot(&tenant.id, "Helper").await.unwrap();
    let user = add_user(s, &tenant, "Ann").await;
    let held = s
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
            vec![user_says(&user, "Hi", None)],
        )
        .await
        .unwrap()
        .after;
    let written = open_queued(s, &tenant, &user, &group).await;
    let bot_message = NewMessage {
        author: Author {
            kind: AuthorKind::Bot,
            id: bot.id.0.clone(),
            name: bot.name.clone(),
        },
        text: "Hello from the bot".to_owned(),
        private: false,
        client_msg_id: None,
        attachments: Vec::new(),
    };
    modify(s, &tenant, written.id(), move |_| {
        Ok(Decision {
            next: None,
            messages: vec![bot_message.clone()],
        })
    })
    .await
    .unwrap();
    let _untouched = open_queued(s, &tenant, &user, &group).await;
    let mut q = query(
        &ALL_STATUSES,
        Visibility::All,
        None,
        ConversationOrder::NewestFirst,
        100,
    );
    q.filter.bot_id = Some(bot.id.clone());
    let found = ids(&s.conversations(&tenant.id, &q).await.unwrap());
    assert_eq!(found, vec![written.id().clone(), held.id().clone()]);
    q.filter.bot_id = Some(BotId::from("no-such-bot"));
    assert!(s.conversations(&tenant.id, &q).await.unwrap().is_empty());
}
