//! Agents: logins, updates and deletion (`AgentStore`).

use super::*;

pub(super) async fn agents_logins_updates_and_deletion(b: Backend) {
    let s = &b.store;
    let (tenant, owner) = new_tenant(s).await;
    let login = unique("alice");
    let invite = unique("invite-hash");
    let alice = s
        .insert_agent(
            &tenant.id,
            NewAgent {
                status: AgentStatus::Pending,
                password_hash: None,
                invite_token_hash: Some(invite.clone()),
                ..new_agent(&login, Role::Agent)
            },
        )
        .await
        .unwrap();
    assert_eq!(alice.tenant_id, tenant.id);
    assert_eq!(alice.login, login);
    assert_eq!(alice.full_name, format!("Agent {login}"));
    assert_eq!(alice.email, format!("{login}@example.com"));
    assert_eq!(alice.role, Role::Agent);
    assert_eq!(alice.status, AgentStatus::Pending);
    assert_eq!(alice.presence, Presence::Offline);
    assert_eq!(alice.capacity, None);
    assert!(alice.group_ids.is_empty());
    assert_eq!(alice.password_hash, None);
    assert_eq!(alice.invite_token_hash.as_deref(), Some(invite.as_str()));

    let read = s.agent(&tenant.id, &alice.id).await.unwrap().unwrap();
    assert!(same(&read, &alice));
    assert!(same(
        &s.agent_by_login(&login).await.unwrap().unwrap(),
        &alice
    ));
    assert!(same(
        &s.agent_by_invite(&invite).await.unwrap().unwrap(),
        &alice
    ));
    assert!(s.agent_by_login("nobody").await.unwrap().is_none());
    assert!(s.agent_by_invite("no-such-hash").await.unwrap().is_none());

    let bob = add_agent(s, &tenant).await;
    let listed = s.agents(&tenant.id).await.unwrap();
    let listed_ids: Vec<_> = listed.iter().map(|a| a.id.clone()).collect();
    assert_eq!(
        listed_ids,
        vec![owner.id.clone(), alice.id.clone(), bob.id.clone()]
    );

    // Logins are unique across the gateway, in any tenant.
    let (elsewhere, _) = new_tenant(s).await;
    let taken = s
        .insert_agent(&elsewhere.id, new_agent(&login, Role::Agent))
        .await;
    assert_eq!(conflict_message(taken), "this login is taken");
    assert_eq!(s.agents(&elsewhere.id).await.unwrap().len(), 1);

    // Every editable field is written.
    let mut edited = alice.clone();
    edited.full_name = "Alice Smith".to_owned();
    edited.login = unique("alice-smith");
    edited.email = "alice@example.org".to_owned();
    edited.role = Role::Admin;
    edited.status = AgentStatus::Verified;
    edited.presence = Presence::Online;
    edited.capacity = Some(3);
    edited.password_hash = Some("new-hash".to_owned());
    edited.invite_token_hash = None;
    s.update_agent(&tenant.id, &edited).await.unwrap();
    assert!(same(
        &s.agent(&tenant.id, &alice.id).await.unwrap().unwrap(),
        &edited
    ));
    assert!(s.agent_by_login(&login).await.unwrap().is_none());
    assert!(s.agent_by_invite(&invite).await.unwrap().is_none());

    // A taken login is refused and changes nothing.
    let mut clash = edited.clone();
    clash.login = bob.login.clone();
    clash.full_name = "Renamed".to_owned();
    assert_eq!(
        conflict_message(s.update_agent(&tenant.id, &clash).await),
        "this login is taken"
    );
    assert!(same(
        &s.agent(&tenant.id, &alice.id).await.unwrap().unwrap(),
        &edited
    ));

    // Deleting hides the agent everywhere and takes it out of its groups.
    let group = s
        .insert_group(
            &tenant.id,
            NewGroup {
                name: "Sales".to_owned(),
                assignment: Assignment::Manual,
                business_hours: None,
            },
        )
        .await
        .unwrap();
    s.set_group_members(&tenant.id, &group.id, &[alice.id.clone(), bob.id.clone()])
        .await
        .unwrap();
    assert_eq!(
        s.agent(&tenant.id, &alice.id)
            .await
            .unwrap()
            .unwrap()
            .group_ids,
        vec![group.id.clone()]
    );
    s.delete_agent(&tenant.id, &alice.id).await.unwrap();
    assert!(s.agent(&tenant.id, &alice.id).await.unwrap().is_none());
    assert!(s.agent_by_login(&edited.login).await.unwrap().is_none());
    let listed: Vec<_> = s
        .agents(&tenant.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(listed, vec![owner.id.clone(), bob.id.clone()]);
    assert_eq!(
        s.group(&tenant.id, &group.id)
            .await
            .unwrap()
            .unwrap()
            .member_ids,
        vec![bob.id.clone()]
    );
    // A deleted agent cannot be updated back, nor made a member again.
    s.update_agent(&tenant.id, &edited).await.unwrap();
    assert!(s.agent(&tenant.id, &alice.id).await.unwrap().is_none());
    assert!(matches!(
        s.set_group_members(&tenant.id, &group.id, std::slice::from_ref(&alice.id))
            .await,
        Err(Error::NotFound("agent"))
    ));
    // Its login is free again.
    let again = s
        .insert_agent(&tenant.id, new_agent(&edited.login, Role::Agent))
        .await
        .unwrap();
    assert_ne!(again.id, alice.id);
}
