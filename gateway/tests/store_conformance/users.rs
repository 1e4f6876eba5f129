//! End users and the upsert by external id (`UserStore`).

use super::*;

pub(super) async fn users_and_the_upsert_by_external_id(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let anonymous = s.insert_user(&tenant.id, NewUser::default()).await.unwrap();
    assert_eq!(
        (
            &anonymous.name,
            &anonymous.email,
            &anonymous.phone,
            &anonymous.address
        ),
        (&None, &None, &None, &None)
    );
    assert_eq!(
        s.user(&tenant.id, &anonymous.id).await.unwrap(),
        Some(anonymous.clone())
    );
    let ann = add_user(s, &tenant, "Ann").await;
    assert_eq!(ann.name.as_deref(), Some("Ann"));
    assert_eq!(ann.email.as_deref(), Some("ann@example.com"));
    assert_ne!(ann.id, anonymous.id);
    assert!(
        s.user(&tenant.id, &UserId::from("no-such-user"))
            .await
            .unwrap()
            .is_none()
    );

    // Created on first sight, refreshed after, keeping what a refresh leaves out.
    let eve = |name: Option<&str>, email: Option<&str>| NewUser {
        external_id: Some("ext-1".to_owned()),
        name: name.map(str::to_owned),
        email: email.map(str::to_owned),
    };
    let first = s
        .upsert_user_by_external_id(&tenant.id, eve(Some("Eve"), None))
        .await
        .unwrap();
    assert_eq!(first.name.as_deref(), Some("Eve"));
    assert_eq!(first.email, None);
    let second = s
        .upsert_user_by_external_id(&tenant.id, eve(None, Some("eve@example.com")))
        .await
        .unwrap();
    assert_eq!(second.id, first.id);
    assert_eq!(second.name.as_deref(), Some("Eve"));
    assert_eq!(second.email.as_deref(), Some("eve@example.com"));
    let third = s
        .upsert_user_by_external_id(&tenant.id, eve(Some("Eve Adams"), None))
        .await
        .unwrap();
    assert_eq!(third.id, first.id);
    assert_eq!(third.name.as_deref(), Some("Eve Adams"));
    assert_eq!(third.email.as_deref(), Some("eve@example.com"));
    assert_eq!(s.user(&tenant.id, &first.id).await.unwrap(), Some(third));

    // The same external id in another tenant is another user.
    let (other, _) = new_tenant(s).await;
    let theirs = s
        .upsert_user_by_external_id(&other.id, eve(Some("Other Eve"), None))
        .await
        .unwrap();
    assert_ne!(theirs.id, first.id);
    assert!(s.user(&tenant.id, &theirs.id).await.unwrap().is_none());

    // Only users with an external id are identified, and only in their own tenant.
    assert!(s.user_is_identified(&tenant.id, &first.id).await.unwrap());
    assert!(
        !s.user_is_identified(&tenant.id, &anonymous.id)
            .await
            .unwrap()
    );
    assert!(!s.user_is_identified(&tenant.id, &theirs.id).await.unwrap());

    // Inserting a known external id is a conflict.
    let duplicate = s.insert_user(&tenant.id, eve(Some("Eve"), None)).await;
    assert_eq!(conflict_message(duplicate), "this user exists");
}
