//! Bulk actions on conversations (owners and admins): what was asked, and how each
//! conversation answered. The gateway answers every conversation on its own (one frame each),
//! so a bulk action can partly fail; the report says which conversations failed and why.

use switchboard_protocol::{AgentId, ConversationId, GroupId};

/// One action applied to every selected conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BulkAction {
    /// `conversation.assign` to this agent (named for the report).
    Assign(AgentId, String),
    /// `conversation.transfer` to this group (named for the report).
    Transfer(GroupId, String),
    /// `conversation.resolve`.
    Resolve,
}

impl BulkAction {
    /// What was done to one conversation, for the report ("assigned to Bob").
    pub fn done_label(&self) -> String {
        match self {
            BulkAction::Assign(_, name) => format!("assigned to {name}"),
            BulkAction::Transfer(_, name) => format!("transferred to {name}"),
            BulkAction::Resolve => "resolved".to_owned(),
        }
    }

    /// The question asked before it runs, or `None` when it runs at once (assigning).
    pub fn question(&self, count: usize) -> Option<String> {
        let what = conversations(count);
        match self {
            BulkAction::Assign(..) => None,
            BulkAction::Transfer(_, name) => Some(format!("Transfer {what} to {name}?")),
            BulkAction::Resolve => Some(format!("Resolve {what}?")),
        }
    }
}

/// "1 conversation", "3 conversations".
pub fn conversations(count: usize) -> String {
    if count == 1 {
        "1 conversation".to_owned()
    } else {
        format!("{count} conversations")
    }
}

/// A conversation the action failed on: its name as the list shows it and the gateway's reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkFailure {
    pub id: ConversationId,
    pub name: String,
    pub reason: String,
}

/// How a bulk action went, filled in as the answers arrive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkReport {
    pub action: BulkAction,
    pub total: usize,
    pub done: Vec<ConversationId>,
    pub failed: Vec<BulkFailure>,
}

impl BulkReport {
    pub fn new(action: BulkAction, total: usize) -> Self {
        BulkReport {
            action,
            total,
            done: Vec::new(),
            failed: Vec::new(),
        }
    }

    pub fn finished(&self) -> bool {
        self.done.len() + self.failed.len() >= self.total
    }

    /// One line: "3 of 3 conversations resolved." or, while it runs, "Working… 1 of 3".
    pub fn summary(&self) -> String {
        let answered = self.done.len() + self.failed.len();
        if !self.finished() {
            return format!("Working… {answered} of {}", self.total);
        }
        let mut line = format!(
            "{} of {} {}.",
            self.done.len(),
            conversations(self.total),
            self.action.done_label()
        );
        if !self.failed.is_empty() {
            line.push_str(&format!(" {} failed:", self.failed.len()));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partly_failing_bulk_action_says_which_failed_and_why() {
        let action = BulkAction::Transfer(GroupId::from("g2"), "Billing".into());
        assert_eq!(
            action.question(3).as_deref(),
            Some("Transfer 3 conversations to Billing?")
        );
        assert_eq!(
            BulkAction::Resolve.question(1).as_deref(),
            Some("Resolve 1 conversation?")
        );
        assert_eq!(
            BulkAction::Assign(AgentId::from("a2"), "Bob".into()).question(2),
            None
        );
        let mut report = BulkReport::new(BulkAction::Resolve, 3);
        report.done.push(ConversationId::from("c1"));
        assert!(!report.finished());
        assert_eq!(report.summary(), "Working… 1 of 3");
        report.failed.push(BulkFailure {
            id: ConversationId::from("c2"),
            name: "Ann".into(),
            reason: "the conversation is resolved".into(),
        });
        report.done.push(ConversationId::from("c3"));
        assert!(report.finished());
        assert_eq!(report.summary(), "2 of 3 conversations resolved. 1 failed:");
        let all = BulkReport {
            failed: Vec::new(),
            done: vec![ConversationId::from("c1")],
            ..BulkReport::new(BulkAction::Assign(AgentId::from("a2"), "Bob".into()), 1)
        };
        assert_eq!(all.summary(), "1 of 1 conversation assigned to Bob.");
    }
}
