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
