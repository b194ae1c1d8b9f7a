//! Which message a document is: camt.052, camt.053 or camt.054, and which version, from the
//! `Document` namespace, else (no namespace) from the message element's name.

use std::fmt;

use bankrec_model::{StatementKind, Timestamp};

/// The newest schema version read (`camt.05x.001.14`).
pub const MAX_VERSION: u8 = 14;

const NS_PREFIX: &str = "urn:iso:std:iso:20022:tech:xsd:camt.";

/// A camt message type and version, e.g. `camt.053.001.08`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct MessageType {
    /// Statement (camt.053), report (camt.052) or notification (camt.054).
    pub kind: StatementKind,
    /// The schema version (`8` for `.001.08`); `None` for a document without namespace.
    pub version: Option<u8>,
}

impl MessageType {
    /// The message number: `052`, `053` or `054`.
    pub fn number(&self) -> &'static str {
        match self.kind {
            StatementKind::Report => "052",
            StatementKind::Statement => "053",
            StatementKind::Notification => "054",
        }
    }

    /// Parses a namespace such as `urn:iso:std:iso:20022:tech:xsd:camt.053.001.02`. `None`
    /// when it is not a camt namespace at all; `Some(Err(raw))` for a camt namespace of an
    /// unsupported message or version.
    pub(crate) fn from_namespace(ns: &str) -> Option<Result<MessageType, String>> {
        let rest = ns.trim().strip_prefix(NS_PREFIX)?;
        let parsed = (|| {
            let (number, rest) = rest.split_once('.')?;
            let (variant, version) = rest.split_once('.')?;
            let kind = match number {
                "052" => StatementKind::Report,
                "053" => StatementKind::Statement,
                "054" => StatementKind::Notification,
                _ => return None,
            };
            if variant != "001" || version.len() != 2 {
                return None;
            }
            let version: u8 = version.parse().ok()?;
            (1..=MAX_VERSION).contains(&version).then_some(MessageType { kind, version: Some(version) })
        })();
        Some(parsed.ok_or_else(|| ns.trim().to_owned()))
    }

    /// The kind from the message element's local name: `BkToCstmrStmt`, `BkToCstmrAcctRpt`,
    /// `BkToCstmrDbtCdtNtfctn` (version 1 adds `V01`).
    pub(crate) fn kind_from_element(name: &str) -> Option<StatementKind> {
        let b = name.as_bytes();
        let versioned = b.len() > 3 && b[b.len() - 3] == b'V' && b[b.len() - 2..].iter().all(u8::is_ascii_digit);
        // The last three bytes are ASCII, so the cut is on a character boundary.
        let base = if versioned { &name[..name.len() - 3] } else { name };
        match base {
            "BkToCstmrStmt" => Some(StatementKind::Statement),
            "BkToCstmrAcctRpt" => Some(StatementKind::Report),
            "BkToCstmrDbtCdtNtfctn" => Some(StatementKind::Notification),
            _ => None,
        }
    }

    /// The element holding one statement: `Stmt`, `Rpt` or `Ntfctn`.
    pub(crate) fn record_element(&self) -> &'static str {
        match self.kind {
            StatementKind::Statement => "Stmt",
            StatementKind::Report => "Rpt",
            StatementKind::Notification => "Ntfctn",
        }
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.version {
            Some(v) => write!(f, "camt.{}.001.{v:02}", self.number()),
            None => write!(f, "camt.{} (no namespace)", self.number()),
        }
    }
}

/// What the group header says about the message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MessageInfo {
    /// Type and version.
    pub message_type: MessageType,
    /// `GrpHdr/MsgId`, when given.
    pub message_id: Option<String>,
    /// `GrpHdr/CreDtTm`, when given and readable.
    pub created: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces() {
        let t = MessageType::from_namespace("urn:iso:std:iso:20022:tech:xsd:camt.053.001.02").expect("camt").expect("supported");
        assert_eq!(t.kind, StatementKind::Statement);
        assert_eq!(t.to_string(), "camt.053.001.02");
        assert_eq!(
            MessageType::from_namespace("urn:iso:std:iso:20022:tech:xsd:camt.054.001.13").expect("camt").expect("ok").version,
            Some(13)
        );
        assert!(MessageType::from_namespace("urn:iso:std:iso:20022:tech:xsd:camt.053.001.99").expect("camt").is_err());
        assert!(MessageType::from_namespace("urn:iso:std:iso:20022:tech:xsd:camt.056.001.02").expect("camt").is_err());
        assert!(MessageType::from_namespace("urn:iso:std:iso:20022:tech:xsd:head.001.001.01").is_none());
        assert!(MessageType::from_namespace("http://www.w3.org/2001/XMLSchema-instance").is_none());
    }

    #[test]
    fn element_names() {
        assert_eq!(MessageType::kind_from_element("BkToCstmrAcctRptV01"), Some(StatementKind::Report));
        assert_eq!(MessageType::kind_from_element("BkToCstmrStmt"), Some(StatementKind::Statement));
        assert_eq!(MessageType::kind_from_element("BkToCstmrDbtCdtNtfctn"), Some(StatementKind::Notification));
        assert_eq!(MessageType::kind_from_element("CstmrCdtTrfInitn"), None);
    }
}
