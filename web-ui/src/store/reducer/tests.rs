//! The reducer's tests: frames in, state out. They build the state as the socket does (lists
//! loaded, then frames), so they also cover what [`super::super::derived`] reads from it
//! (unread counts, the "Seen" marker, where a subscription resumes) and how
//! [`super::super::lists`] places conversations.

use super::*;
use crate::store::fixtures::*;
use crate::store::state::Connection;
use crate::store::views::ListFilter;
use switchboard_protocol::*;

fn created(m: Message) -> ServerFrame {
    ServerFrame::MessageCreated(MessageCreated { message: m })
}

fn updated(c: Conversation) -> ServerFrame {
    ServerFrame::ConversationUpdated(ConversationUpdated { conversation: c })
}

fn seqs(state: &DeskState, c: &str) -> Vec<u64> {
    state.messages_of(&id(c)).iter().map(|m| m.seq).collect()
}

#[test]
fn messages_are_sorted_and_deduplicated_by_seq() {
    let mut s = DeskState::new(me());
    for seq in [3, 1, 2, 3, 1] {
        apply(&mut s, &created(msg("c1", seq, AuthorKind::User)));
    }
    assert_eq!(seqs(&s, "c1"), vec![1, 2, 3]);
}

#[test]
fn a_duplicate_keeps_the_first_copy() {
    let mut s = DeskState::new(me());
    apply(&mut s, &created(msg("c1", 1, AuthorKind::User)));
    let mut again = msg("c1", 1, AuthorKind::User);
    again.text = "other".into();
    apply(&mut s, &created(again));
    assert_eq!(s.messages_of(&id("c1"))[0].text, "text 1");
}

#[test]
fn ack_messages_merge_with_live_ones() {
    let mut s = DeskState::new(me());
    apply(&mut s, &created(msg("c1", 4, AuthorKind::User)));
    let ack = Ack {
        messages: Some((1..=5).map(|n| msg("c1", n, AuthorKind::User)).collect()),
        ..Ack::new("r1")
    };
    apply(&mut s, &ServerFrame::Ack(ack));
    assert_eq!(seqs(&s, "c1"), vec![1, 2, 3, 4, 5]);
}

#[test]
fn accepted_conversation_moves_from_unassigned_to_mine() {
    let mut s = DeskState::new(me());
    s.load_view(ConversationView::Unassigned, vec![queued("c1", T1)], 0);
    s.load_view(ConversationView::Open, vec![queued("c1", T1)], 0);
    s.load_view(ConversationView::Mine, vec![], 0);
    apply(&mut s, &updated(mine("c1", T2)));
    assert_eq!(s.count(ConversationView::Unassigned), 0);
    assert_eq!(s.list(ConversationView::Mine), &[id("c1")]);
    assert_eq!(s.list(ConversationView::Open), &[id("c1")]);
}

#[test]
fn a_change_heard_during_a_list_fetch_survives_the_fetched_list() {
    let mut s = DeskState::new(me());
    let mark = s.event_mark();
    // Accepted while the list of "mine" was in flight; the list predates it.
    apply(&mut s, &updated(mine("c9", T2)));
    s.load_view(ConversationView::Mine, vec![mine("c1", T1)], mark);
    assert_eq!(s.list(ConversationView::Mine), &[id("c9"), id("c1")]);
    // A later fetch that has seen it (and everything since) is taken as it is.
    let mark = s.event_mark();
    s.load_view(ConversationView::Mine, vec![mine("c1", T1)], mark);
    assert_eq!(s.list(ConversationView::Mine), &[id("c1")]);
}

#[test]
fn resolved_conversation_moves_to_closed_and_leaves_open() {
    let mut s = DeskState::new(me());
    s.load_view(ConversationView::Mine, vec![mine("c1", T1)], 0);
    s.load_view(ConversationView::Open, vec![mine("c1", T1)], 0);
    apply(
        &mut s,
        &updated(conv("c1", ConversationStatus::Resolved, T2)),
    );
    assert_eq!(s.count(ConversationView::Mine), 0);
    assert_eq!(s.count(ConversationView::Open), 0);
    assert_eq!(s.list(ConversationView::Closed), &[id("c1")]);
}

#[test]
fn handed_over_conversation_moves_from_bot_to_unassigned() {
    let mut s = DeskState::new(me());
    s.load_view(
        ConversationView::Bot,
        vec![conv("c1", ConversationStatus::Bot, T1)],
        0,
    );
    apply(&mut s, &updated(queued("c1", T2)));
    assert_eq!(s.count(ConversationView::Bot), 0);
    assert_eq!(s.list(ConversationView::Unassigned), &[id("c1")]);
}

#[test]
fn someone_elses_conversation_is_not_mine() {
    let mut s = DeskState::new(me());
    let mut c = mine("c1", T1);
    c.assignee.as_mut().unwrap().id = "a2".into();
    apply(&mut s, &updated(c));
    assert_eq!(s.count(ConversationView::Mine), 0);
    assert_eq!(s.count(ConversationView::Open), 1);
}

#[test]
fn a_transfer_out_of_my_groups_takes_it_out_of_my_lists() {
    let mut s = DeskState::new(me());
    apply(&mut s, &updated(queued("c1", T1)));
    assert_eq!(s.count(ConversationView::Open), 1);
    let mut moved = queued("c1", T2);
    moved.group_id = GroupId::from("g9");
    apply(&mut s, &updated(moved.clone()));
    assert_eq!(s.count(ConversationView::Open), 0);
    assert_eq!(s.count(ConversationView::Unassigned), 0);
    // An admin keeps seeing it.
    let mut admin = me();
    admin.role = Role::Admin;
    let mut s = DeskState::new(admin);
    apply(&mut s, &updated(moved));
    assert_eq!(s.count(ConversationView::Unassigned), 1);
}

#[test]
fn unassigned_is_oldest_first_and_others_newest_first() {
    let mut s = DeskState::new(me());
    apply(&mut s, &updated(queued("late", T3)));
    apply(&mut s, &updated(queued("early", T1)));
    apply(&mut s, &updated(queued("middle", T2)));
    assert_eq!(
        s.list(ConversationView::Unassigned),
        &[id("early"), id("middle"), id("late")]
    );
    assert_eq!(
        s.list(ConversationView::Open),
        &[id("late"), id("middle"), id("early")]
    );
}

#[test]
fn an_older_update_never_overwrites_a_newer_one() {
    let mut s = DeskState::new(me());
    apply(&mut s, &updated(mine("c1", T2)));
    apply(&mut s, &updated(queued("c1", T1)));
    assert_eq!(
        s.conversations[&id("c1")].status,
        ConversationStatus::Assigned
    );
    // Nor does a list fetched before the change.
    s.load_view(ConversationView::Unassigned, vec![queued("c1", T1)], 0);
    assert_eq!(s.count(ConversationView::Unassigned), 0);
    assert_eq!(s.count(ConversationView::Mine), 1);
}

#[test]
fn unread_counts_messages_of_conversations_not_on_screen() {
    let mut s = DeskState::new(me());
    let mut c = mine("c1", T1);
    c.last_seq = 2;
    s.load_view(ConversationView::Mine, vec![c], 0);
    assert_eq!(
        s.unread(&id("c1")),
        0,
        "what was there on load counts as seen"
    );
    apply(&mut s, &created(msg("c1", 3, AuthorKind::User)));
    apply(&mut s, &created(msg("c1", 4, AuthorKind::User)));
    apply(&mut s, &created(msg("c1", 4, AuthorKind::User)));
    assert_eq!(s.unread(&id("c1")), 2, "a duplicate counts once");
    s.open(Some(id("c1")));
    assert_eq!(s.unread(&id("c1")), 0);
    apply(&mut s, &created(msg("c1", 5, AuthorKind::User)));
    assert_eq!(s.unread(&id("c1")), 0, "the open conversation stays read");
}

#[test]
fn a_new_conversation_is_unread_and_its_update_raises_unread() {
    let mut s = DeskState::new(me());
    let mut c = queued("c1", T1);
    c.last_seq = 2;
    apply(&mut s, &updated(c.clone()));
    assert_eq!(s.unread(&id("c1")), 2);
    c.last_seq = 3;
    c.updated_at = Timestamp(T2.into());
    apply(&mut s, &updated(c));
    assert_eq!(s.unread(&id("c1")), 3);
}

#[test]
fn notices_for_queued_in_my_groups_and_assigned_to_me() {
    let mut s = DeskState::new(me());
    apply(&mut s, &updated(queued("c1", T1)));
    let mut other_group = queued("c2", T1);
    other_group.group_id = GroupId::from("g9");
    apply(&mut s, &updated(other_group));
    apply(&mut s, &updated(mine("c1", T2)));
    apply(&mut s, &updated(mine("c1", T3)));
    assert_eq!(
        s.take_notices(),
        vec![
            Notice::Queued(id("c1"), "User c1".into()),
            Notice::AssignedToMe(id("c1"), "User c1".into()),
        ]
    );
    assert!(s.take_notices().is_empty());
}

#[test]
fn an_admin_in_no_group_hears_of_every_queue() {
    let mut admin = me();
    admin.role = Role::Owner;
    admin.group_ids.clear();
    let mut s = DeskState::new(admin);
    let mut elsewhere = queued("c1", T1);
    elsewhere.group_id = GroupId::from("g9");
    apply(&mut s, &updated(elsewhere));
    assert_eq!(s.take_notices().len(), 1);
}

#[test]
fn resume_after_is_the_end_of_the_unbroken_run() {
    let mut s = DeskState::new(me());
    let mut c = mine("c1", T1);
    c.last_seq = 120;
    apply(&mut s, &updated(c));
    assert_eq!(
        s.resume_after(&id("c1"), 50),
        70,
        "nothing held: the last window"
    );
    for seq in [71, 72, 73, 80] {
        apply(&mut s, &created(msg("c1", seq, AuthorKind::User)));
    }
    assert_eq!(
        s.resume_after(&id("c1"), 50),
        73,
        "the gap after 73 is refilled"
    );
    assert!(s.has_older(&id("c1")));
}

#[test]
fn reconnect_merge_fills_the_gap_without_duplicates() {
    let mut s = DeskState::new(me());
    s.load_view(ConversationView::Mine, vec![mine("c1", T1)], 0);
    s.open(Some(id("c1")));
    for seq in 1..=3 {
        apply(&mut s, &created(msg("c1", seq, AuthorKind::User)));
    }
    // Disconnected: 4 and 5 were missed; 6 arrives live right after the re-subscribe.
    s.connection = Connection::Reconnecting {
        attempt: 1,
        retry_in_ms: 500,
    };
    let after = s.resume_after(&id("c1"), 50);
    assert_eq!(after, 3);
    apply(&mut s, &created(msg("c1", 6, AuthorKind::User)));
    let mut c = mine("c1", T2);
    c.last_seq = 6;
    let ack = Ack {
        conversation: Some(c.clone()),
        messages: Some(
            (after + 1..=6)
                .map(|n| msg("c1", n, AuthorKind::User))
                .collect(),
        ),
        has_more: Some(false),
        ..Ack::new("r")
    };
    apply(&mut s, &ServerFrame::Ack(ack));
    s.load_view(ConversationView::Mine, vec![c], 0);
    assert_eq!(seqs(&s, "c1"), vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(s.count(ConversationView::Mine), 1);
    assert_eq!(s.unread(&id("c1")), 0);
}

#[test]
fn presence_ack_and_event_update_me() {
    let mut s = DeskState::new(me());
    let mut offline = me();
    offline.presence = Presence::Offline;
    apply(
        &mut s,
        &ServerFrame::Ack(Ack {
            agent: Some(offline),
            ..Ack::new("p")
        }),
    );
    assert_eq!(s.my_presence(), Presence::Offline);
    apply(
        &mut s,
        &ServerFrame::Presence(PresenceEvent {
            agent_id: AgentId::from("a1"),
            presence: Presence::Online,
            connected: true,
        }),
    );
    assert_eq!(s.my_presence(), Presence::Online);
}

#[test]
fn typing_shows_then_clears_on_message_or_timeout() {
    let mut s = DeskState::new(me());
    let typing = |name: &str| {
        ServerFrame::Typing(TypingEvent {
            conversation_id: id("c1"),
            author: Author {
                kind: AuthorKind::User,
                id: "u".into(),
                name: name.into(),
            },
        })
    };
    apply(&mut s, &typing("User"));
    let first = s.typing[&id("c1")].serial;
    apply(&mut s, &typing("User"));
    s.clear_typing(&id("c1"), first);
    assert!(s.typing.contains_key(&id("c1")), "a newer indication stays");
    apply(&mut s, &created(msg("c1", 1, AuthorKind::User)));
    assert!(!s.typing.contains_key(&id("c1")));
}

#[test]
fn my_own_typing_is_ignored() {
    let mut s = DeskState::new(me());
    apply(
        &mut s,
        &ServerFrame::Typing(TypingEvent {
            conversation_id: id("c1"),
            author: Author {
                kind: AuthorKind::Agent,
                id: "a1".into(),
                name: "Alice".into(),
            },
        }),
    );
    assert!(s.typing.is_empty());
}

#[test]
fn frames_without_desk_state_change_nothing() {
    let mut s = DeskState::new(me());
    apply(
        &mut s,
        &ServerFrame::QueuePosition(QueuePosition {
            conversation_id: id("c1"),
            position: 1,
            queue_length: 1,
        }),
    );
    apply(&mut s, &ServerFrame::Pong(Ping::default()));
    assert!(s.conversations.is_empty() && s.messages.is_empty());
}

#[test]
fn unknown_frames_do_not_parse_and_are_ignored_by_the_socket() {
    assert!(serde_json::from_str::<ServerFrame>(r#"{"type":"something.new","x":1}"#).is_err());
    assert!(
        serde_json::from_str::<ServerFrame>(
            r#"{"type":"queue.position","conversation_id":"c","position":2,"queue_length":5}"#
        )
        .is_ok()
    );
}

fn activity(conversation: &str, seq: u64, kind: AuthorKind, author: &str) -> ServerFrame {
    ServerFrame::ConversationActivity(ConversationActivity {
        conversation_id: id(conversation),
        group_id: GroupId::from("g1"),
        last_seq: seq,
        preview: format!("activity {seq}"),
        author: Author {
            kind,
            id: author.into(),
            name: if kind == AuthorKind::User {
                "User".into()
            } else {
                "Alice".into()
            },
        },
        private: false,
        at: Timestamp(format!("2026-01-01T00:00:0{seq}.000Z")),
    })
}

#[test]
fn activity_updates_preview_last_seq_and_unread_of_closed_conversations() {
    let mut s = DeskState::new(me());
    let mut c1 = mine("c1", T1);
    c1.last_seq = 2;
    s.load_view(ConversationView::Mine, vec![c1, mine("c2", T1)], 0);
    assert_eq!(s.unread(&id("c1")), 0);
    apply(&mut s, &activity("c1", 3, AuthorKind::User, "u"));
    apply(&mut s, &activity("c1", 4, AuthorKind::User, "u"));
    assert_eq!(s.conversations[&id("c1")].last_seq, 4);
    assert_eq!(s.unread(&id("c1")), 2);
    let preview = &s.previews[&id("c1")];
    assert_eq!((preview.seq, preview.text.as_str()), (4, "activity 4"));
    assert_eq!(preview.at, "2026-01-01T00:00:04.000Z");
    assert_eq!(preview.line(), "activity 4");
    // A late, older one changes neither the preview nor last_seq.
    apply(&mut s, &activity("c1", 3, AuthorKind::User, "u"));
    assert_eq!(s.previews[&id("c1")].seq, 4);
    assert_eq!(s.conversations[&id("c1")].last_seq, 4);
    // Nothing else moved.
    assert_eq!(s.unread(&id("c2")), 0);
    assert!(!s.previews.contains_key(&id("c2")));
}

#[test]
fn activity_on_the_open_conversation_or_by_me_is_read() {
    let mut s = DeskState::new(me());
    s.load_view(
        ConversationView::Mine,
        vec![mine("c1", T1), mine("c2", T1)],
        0,
    );
    s.open(Some(id("c1")));
    apply(&mut s, &activity("c1", 1, AuthorKind::User, "u"));
    assert_eq!(s.unread(&id("c1")), 0);
    assert_eq!(s.previews[&id("c1")].seq, 1);
    // My own message elsewhere (another tab of mine) is not unread either.
    apply(&mut s, &activity("c2", 1, AuthorKind::Agent, "a1"));
    assert_eq!(s.unread(&id("c2")), 0);
    assert_eq!(s.previews[&id("c2")].line(), "Alice: activity 1");
    // A colleague's is.
    apply(&mut s, &activity("c2", 2, AuthorKind::Agent, "a2"));
    assert_eq!(s.unread(&id("c2")), 1);
}

#[test]
fn activity_for_an_unknown_conversation_keeps_only_the_preview() {
    let mut s = DeskState::new(me());
    apply(&mut s, &activity("c9", 5, AuthorKind::User, "u"));
    assert!(s.conversations.is_empty());
    assert_eq!(s.previews[&id("c9")].seq, 5);
    assert!(s.lists.values().all(Vec::is_empty));
}

#[test]
fn held_messages_feed_the_preview_and_private_notes_say_so() {
    let mut s = DeskState::new(me());
    s.load_view(ConversationView::Mine, vec![mine("c1", T1)], 0);
    apply(&mut s, &created(msg("c1", 1, AuthorKind::User)));
    assert_eq!(s.previews[&id("c1")].line(), "text 1");
    let mut note = msg("c1", 2, AuthorKind::Agent);
    note.private = true;
    note.author.name = "Alice".into();
    note.text = "  two\n lines  ".into();
    apply(&mut s, &created(note));
    assert_eq!(s.previews[&id("c1")].line(), "Note · Alice: two lines");
    // The activity for the same message changes nothing; an older message neither.
    apply(&mut s, &activity("c1", 2, AuthorKind::Agent, "a1"));
    apply(&mut s, &created(msg("c1", 1, AuthorKind::User)));
    assert_eq!(s.previews[&id("c1")].seq, 2);
}

#[test]
fn system_messages_do_not_hide_what_people_wrote() {
    let mut s = DeskState::new(me());
    s.load_view(ConversationView::Unassigned, vec![queued("c1", T1)], 0);
    apply(&mut s, &activity("c1", 1, AuthorKind::User, "u"));
    apply(&mut s, &activity("c1", 2, AuthorKind::System, ""));
    assert_eq!(s.previews[&id("c1")].seq, 1);
    assert_eq!(s.conversations[&id("c1")].last_seq, 2);
    apply(&mut s, &activity("c1", 3, AuthorKind::User, "u"));
    assert_eq!(s.previews[&id("c1")].seq, 3);
    // With nothing else held, a system message is better than nothing.
    apply(&mut s, &activity("c2", 1, AuthorKind::System, ""));
    assert_eq!(s.previews[&id("c2")].seq, 1);
}

#[test]
fn the_activity_frame_parses() {
    let frame: ServerFrame = serde_json::from_str(
            r#"{"type":"conversation.activity","conversation_id":"c1","group_id":"g1","last_seq":7,"preview":"<b>hi</b>","author":{"kind":"user","id":"u1","name":"Ann"},"private":false,"at":"2026-01-01T00:00:00.000Z"}"#,
        )
        .unwrap();
    let mut s = DeskState::new(me());
    s.load_view(ConversationView::Mine, vec![mine("c1", T1)], 0);
    apply(&mut s, &frame);
    assert_eq!(s.unread(&id("c1")), 7);
    assert_eq!(s.previews[&id("c1")].line(), "<b>hi</b>");
}

#[test]
fn live_changes_keep_the_filtered_list_current() {
    let mut s = DeskState::new(me());
    let f = ListFilter::new(ConversationView::Mine, Some("vip"), "").unwrap();
    s.set_filter(Some(f.clone()));
    s.load_filtered(&f, vec![tagged("c1", T1, &["vip"])]);
    // Tagged live: joins, newest first.
    apply(&mut s, &updated(tagged("c2", T2, &["vip", "x"])));
    assert_eq!(s.shown(ConversationView::Mine), &[id("c2"), id("c1")]);
    // Untagged live: leaves.
    apply(&mut s, &updated(tagged("c1", T3, &[])));
    assert_eq!(s.shown(ConversationView::Mine), &[id("c2")]);
    // Resolved: leaves "mine".
    let mut r = tagged("c2", "2026-01-01T00:00:04.000Z", &["vip"]);
    r.status = ConversationStatus::Resolved;
    apply(&mut s, &updated(r));
    assert!(s.shown(ConversationView::Mine).is_empty());
}

#[test]
fn a_search_admits_new_conversations_by_name_and_keeps_its_results() {
    let mut s = DeskState::new(me());
    let f = ListFilter::new(ConversationView::Closed, None, "ANN").unwrap();
    s.set_filter(Some(f.clone()));
    // c1 matched on a message text, which the desk cannot check: it stays.
    s.load_filtered(&f, vec![conv("c1", ConversationStatus::Resolved, T1)]);
    let mut ann = conv("c2", ConversationStatus::Resolved, T2);
    ann.user.name = Some("Ann Lee".into());
    apply(&mut s, &updated(ann));
    apply(
        &mut s,
        &updated(conv("c3", ConversationStatus::Resolved, T3)),
    );
    apply(
        &mut s,
        &updated(conv("c1", ConversationStatus::Resolved, T3)),
    );
    assert_eq!(s.shown(ConversationView::Closed), &[id("c1"), id("c2")]);
}

fn read_by(conversation: &str, seq: u64, kind: AuthorKind) -> ServerFrame {
    ServerFrame::Read(ReadEvent {
        conversation_id: id(conversation),
        seq,
        by: Author {
            kind,
            id: "x".into(),
            name: "X".into(),
        },
    })
}

#[test]
fn the_users_read_seq_only_moves_forward_per_conversation() {
    let mut s = DeskState::new(me());
    assert_eq!(s.user_read_seq.get(&id("c1")), None);
    apply(&mut s, &read_by("c1", 3, AuthorKind::User));
    assert_eq!(s.user_read_seq[&id("c1")], 3);
    // A late, older read changes nothing.
    apply(&mut s, &read_by("c1", 2, AuthorKind::User));
    assert_eq!(s.user_read_seq[&id("c1")], 3);
    apply(&mut s, &read_by("c1", 5, AuthorKind::User));
    assert_eq!(s.user_read_seq[&id("c1")], 5);
    // Another conversation has its own.
    apply(&mut s, &read_by("c2", 1, AuthorKind::User));
    assert_eq!(s.user_read_seq[&id("c2")], 1);
    assert_eq!(s.user_read_seq[&id("c1")], 5);
    assert_eq!(
        s.read_seq.get(&id("c1")),
        None,
        "the agent's read state is apart"
    );
}

#[test]
fn reads_by_agents_and_bots_are_ignored() {
    let mut s = DeskState::new(me());
    for kind in [AuthorKind::Agent, AuthorKind::Bot, AuthorKind::System] {
        apply(&mut s, &read_by("c1", 4, kind));
    }
    assert!(s.user_read_seq.is_empty());
    apply(&mut s, &read_by("c1", 1, AuthorKind::User));
    apply(&mut s, &read_by("c1", 9, AuthorKind::Agent));
    assert_eq!(s.user_read_seq[&id("c1")], 1);
}

#[test]
fn seen_marks_the_last_agent_or_bot_message_the_user_read() {
    let mut s = DeskState::new(me());
    apply(&mut s, &created(msg("c1", 1, AuthorKind::User)));
    apply(&mut s, &created(msg("c1", 2, AuthorKind::Bot)));
    apply(&mut s, &created(msg("c1", 3, AuthorKind::Agent)));
    let mut note = msg("c1", 4, AuthorKind::Agent);
    note.private = true;
    apply(&mut s, &created(note));
    apply(&mut s, &created(msg("c1", 5, AuthorKind::User)));
    apply(&mut s, &created(msg("c1", 6, AuthorKind::Agent)));
    assert_eq!(s.seen_seq(&id("c1")), None, "nothing read yet");
    apply(&mut s, &read_by("c1", 1, AuthorKind::User));
    assert_eq!(
        s.seen_seq(&id("c1")),
        None,
        "only the user's own message read"
    );
    apply(&mut s, &read_by("c1", 2, AuthorKind::User));
    assert_eq!(s.seen_seq(&id("c1")), Some(2));
    // Private notes never reach the user: the marker stays on the reply before.
    apply(&mut s, &read_by("c1", 5, AuthorKind::User));
    assert_eq!(s.seen_seq(&id("c1")), Some(3));
    apply(&mut s, &read_by("c1", 6, AuthorKind::User));
    assert_eq!(s.seen_seq(&id("c1")), Some(6));
    // Other conversations know nothing of it.
    apply(&mut s, &created(msg("c2", 1, AuthorKind::Agent)));
    assert_eq!(s.seen_seq(&id("c2")), None);
}
