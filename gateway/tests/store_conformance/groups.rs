//! Groups and their members (`GroupStore`).

use super::*;

pub(super) async fn groups_and_their_members(b: Backend) {
    let s = &b.store;
    let (tenant, owner) = new_tenant(s).await;
    let default_group = tenant.settings.default_group_id.clone();
    let hours = BusinessHours {
        timezone: "Europe/Berlin".to_owned(),
        weekly: vec![OpeningWindow {
            day: Weekday::Mon,
            open: "09:00".to_owned(),
            close: "17:00".to_owned(),
        }],
    };
    let billing = s
        .insert_group(
            &tenant.id,
            NewGroup {
                name: "Billing".to_owned(),
                assignment: Assignment::Auto,
                business_hours: Some(hours.clone()),
            },
        )
        .await
        .unwrap();
    assert_eq!(billing.name, "Billing");
    assert_eq!(billing.assignment, Assignment::Auto);
    assert_eq!(billing.business_hours, Some(hours.clone()));
    assert!(billing.member_ids.is_empty());
    assert!(same(
        &s.group(&tenant.id, &billing.id).await.unwrap().unwrap(),
        &billing
    ));
    let listed: Vec<_> = s
        .groups(&tenant.id)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.id)
        .collect();
    assert_eq!(listed, vec![default_group.clone(), billing.id.clone()]);
    assert!(
        s.group(&tenant.id, &GroupId::from("no-such-group"))
            .await
            .unwrap()
            .is_none()
    );

    let mut edited = billing.clone();
    edited.name = "Payments".to_owned();
    edited.assignment = Assignment::Manual;
    edited.business_hours = None;
    s.update_group(&tenant.id, &edited).await.unwrap();
    assert!(same(
        &s.group(&tenant.id, &billing.id).await.unwrap().unwrap(),
        &edited
    ));
    edited.business_hours = Some(hours);
    s.update_group(&tenant.id, &edited).await.unwrap();
    assert!(same(
        &s.group(&tenant.id, &billing.id).await.unwrap().unwrap(),
        &edited
    ));

    // Members: replaced as a whole, listed sorted, duplicates collapse.
    let alice = add_agent(s, &tenant).await;
    let bob = add_agent(s, &tenant).await;
    s.set_group_members(
        &tenant.id,
        &billing.id,
        &[bob.id.clone(), alice.id.clone(), bob.id.clone()],
    )
    .await
    .unwrap();
    let mut both = vec![alice.id.clone(), bob.id.clone()];
    both.sort();
    let members = |id: GroupId| {
        let s = s.clone();
        let tenant = tenant.id.clone();
        async move { s.group(&tenant, &id).await.unwrap().unwrap().member_ids }
    };
    assert_eq!(members(billing.id.clone()).await, both);
    let group_ids = |id: AgentId| {
        let s = s.clone();
        let tenant = tenant.id.clone();
        async move { s.agent(&tenant, &id).await.unwrap().unwrap().group_ids }
    };
    assert_eq!(group_ids(alice.id.clone()).await, vec![billing.id.clone()]);

    s.set_group_members(&tenant.id, &billing.id, std::slice::from_ref(&owner.id))
        .await
        .unwrap();
    assert_eq!(members(billing.id.clone()).await, vec![owner.id.clone()]);
    assert!(group_ids(alice.id.clone()).await.is_empty());

    // An agent in two groups lists both, sorted.
    s.set_group_members(&tenant.id, &default_group, std::slice::from_ref(&owner.id))
        .await
        .unwrap();
    let mut two = vec![default_group.clone(), billing.id.clone()];
    two.sort();
    assert_eq!(group_ids(owner.id.clone()).await, two);

    // An unknown agent, or another tenant's, is not found and nothing changes.
    let unknown = s
        .set_group_members(
            &tenant.id,
            &billing.id,
            &[alice.id.clone(), AgentId::from("no-such-agent")],
        )
        .await;
    assert!(matches!(unknown, Err(Error::NotFound("agent"))));
    let (_, stranger) = new_tenant(s).await;
    let foreign = s
        .set_group_members(&tenant.id, &billing.id, std::slice::from_ref(&stranger.id))
        .await;
    assert!(matches!(foreign, Err(Error::NotFound("agent"))));
    assert_eq!(members(billing.id.clone()).await, vec![owner.id.clone()]);

    // No members at all.
    s.set_group_members(&tenant.id, &billing.id, &[])
        .await
        .unwrap();
    assert!(members(billing.id.clone()).await.is_empty());
    assert_eq!(group_ids(owner.id.clone()).await, vec![default_group]);
}

/// Setting members of another tenant's group (or an unknown one) is `not_found`.
pub(super) async fn set_group_members_needs_a_group_of_the_tenant(b: Backend) {
    let s = &b.store;
    let (mine, my_owner) = new_tenant(s).await;
    let (theirs, their_owner) = new_tenant(s).await;
    let my_group = mine.settings.default_group_id.clone();
    let result = s
        .set_group_members(&theirs.id, &my_group, std::slice::from_ref(&their_owner.id))
        .await;
    assert!(
        matches!(result, Err(Error::NotFound("group"))),
        "{result:?}"
    );
    assert_eq!(
        s.group(&mine.id, &my_group)
            .await
            .unwrap()
            .unwrap()
            .member_ids,
        // v1.1 (issue 12): each owner starts in its default group; nothing else changed.
        vec![my_owner.id.clone()]
    );
    assert_eq!(
        s.agent(&theirs.id, &their_owner.id)
            .await
            .unwrap()
            .unwrap()
            .group_ids,
        vec![theirs.settings.default_group_id.clone()]
    );
    let unknown = s
        .set_group_members(&theirs.id, &GroupId::from("no-such-group"), &[])
        .await;
    assert!(
        matches!(unknown, Err(Error::NotFound("group"))),
        "{unknown:?}"
    );
}
