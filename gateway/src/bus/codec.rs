//! How an envelope travels over Redis: one JSON header line, then the client-ready frame bytes
//! untouched, so a receiving node never re-serializes per recipient.

use super::{Control, ConversationMark, Envelope, Payload};
use crate::principal::PrincipalKey;
use crate::topics::Topic;
use serde::{Deserialize, Serialize};
use switchboard_protocol::ClientRole;

#[derive(Serialize, Deserialize)]
struct Header {
    topics: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exclude: Option<(ClientRole, String)>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    hidden: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mark: Option<ConversationMark>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    control: Option<Control>,
}

pub fn encode(envelope: &Envelope) -> Vec<u8> {
    let (control, frame) = match &envelope.payload {
        Payload::Frame(bytes) => (None, bytes.as_str()),
        Payload::Control(control) => (Some(*control), ""),
    };
    let header = Header {
        topics: envelope
            .topics
            .iter()
            .map(|t| t.as_str().to_owned())
            .collect(),
        exclude: envelope
            .exclude
            .as_ref()
            .map(|k| (k.role, k.id.to_string())),
        hidden: envelope.hidden_from_users,
        mark: envelope.mark.clone(),
        control,
    };
    // A header of strings and enums always serializes.
    let mut bytes = serde_json::to_vec(&header).unwrap_or_default();
    bytes.push(b'\n');
    bytes.extend_from_slice(frame.as_bytes());
    bytes
}

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("no header line")]
    NoHeader,
    #[error("bad header: {0}")]
    Header(#[from] serde_json::Error),
    #[error("frame is not UTF-8")]
    NotUtf8,
}

pub fn decode(bytes: &[u8]) -> Result<Envelope, DecodeError> {
    let split = bytes
        .iter()
        .position(|b| *b == b'\n')
        .ok_or(DecodeError::NoHeader)?;
    let header: Header = serde_json::from_slice(&bytes[..split])?;
    let payload = match header.control {
        Some(control) => Payload::Control(control),
        None => {
            let text =
                std::str::from_utf8(&bytes[split + 1..]).map_err(|_| DecodeError::NotUtf8)?;
            Payload::Frame(text.to_owned().into())
        }
    };
    Ok(Envelope {
        topics: header.topics.into_iter().map(Topic::from_wire).collect(),
        exclude: header.exclude.map(|(role, id)| PrincipalKey {
            role,
            id: id.into(),
        }),
        hidden_from_users: header.hidden,
        mark: header.mark,
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::TenantId;

    #[test]
    fn an_envelope_survives_the_trip() {
        let tenant = TenantId::from("t1");
        let envelope = Envelope {
            topics: vec![Topic::admins(&tenant), Topic::agents(&tenant)],
            exclude: Some(PrincipalKey {
                role: ClientRole::Agent,
                id: "a1".into(),
            }),
            hidden_from_users: true,
            mark: Some(ConversationMark {
                conversation_id: "c1".into(),
                seq: Some(7),
            }),
            payload: Payload::Frame("{\"type\":\"x\",\"text\":\"line\\nbreak\"}".into()),
        };
        let back = decode(&encode(&envelope)).expect("decodes");
        assert_eq!(back.topics, envelope.topics);
        assert_eq!(back.exclude, envelope.exclude);
        assert!(back.hidden_from_users);
        assert_eq!(back.mark, envelope.mark);
        match back.payload {
            Payload::Frame(bytes) => {
                assert_eq!(bytes.as_str(), "{\"type\":\"x\",\"text\":\"line\\nbreak\"}")
            }
            Payload::Control(_) => panic!("a frame was expected"),
        }
    }
}
