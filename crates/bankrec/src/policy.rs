//! Who may do what. Actions that change the books or the configuration take an [`Actor`]; the
//! embedding application supplies a [`Policy`] that may refuse. A refusal is a typed error and is
//! recorded in the audit trail.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// A person (or system) acting, with the roles the application gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The name recorded in the audit trail.
    pub name: String,
    /// Roles, as the application defines them (e.g. `accountant`, `clerk`).
    #[serde(default)]
    pub roles: Vec<String>,
}

impl Actor {
    /// An actor with roles.
    pub fn new(name: impl Into<String>, roles: impl IntoIterator<Item = impl Into<String>>) -> Actor {
        Actor { name: name.into(), roles: roles.into_iter().map(Into::into).collect() }
    }
}

/// An action that needs permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Match entries by hand.
    ManualMatch,
    /// Cancel a match.
    Unmatch,
    /// Create a slip in the books from a proposal.
    CreateSlip,
    /// Delete a proposed slip.
    DeleteSlip,
    /// Set or change the account title of proposed slips.
    ChangeAccountTitle,
    /// Change the matching rules.
    ChangeRules,
    /// Add, change or remove bank accounts.
    ChangeAccounts,
}

impl Action {
    /// Every action.
    pub const ALL: &'static [Action] = &[
        Action::ManualMatch,
        Action::Unmatch,
        Action::CreateSlip,
        Action::DeleteSlip,
        Action::ChangeAccountTitle,
        Action::ChangeRules,
        Action::ChangeAccounts,
    ];
}

/// Decides whether an actor may perform an action. Return `Err(reason)` to refuse.
pub trait Policy {
    /// `Ok(())` to allow, `Err(reason)` to refuse.
    fn check(&self, actor: &Actor, action: Action) -> Result<(), String>;
}

/// Allows everything: for single-user tools and tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct AllowAll;

impl Policy for AllowAll {
    fn check(&self, _actor: &Actor, _action: Action) -> Result<(), String> {
        Ok(())
    }
}

/// Grants actions per role, as accounting systems do: an actor may perform an action when any
/// of its roles is granted it.
///
/// ```
/// use bankrec::{Action, Actor, Policy, RolePolicy};
/// let policy = RolePolicy::new().grant("accountant", Action::ALL).grant("clerk", &[Action::ManualMatch]);
/// let clerk = Actor::new("kim", ["clerk"]);
/// assert!(policy.check(&clerk, Action::ManualMatch).is_ok());
/// assert!(policy.check(&clerk, Action::Unmatch).is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolePolicy {
    grants: BTreeMap<String, BTreeSet<Action>>,
}

impl RolePolicy {
    /// A policy that grants nothing.
    pub fn new() -> RolePolicy {
        RolePolicy::default()
    }

    /// Grants actions to a role.
    pub fn grant(mut self, role: impl Into<String>, actions: &[Action]) -> RolePolicy {
        self.grants.entry(role.into()).or_default().extend(actions.iter().copied());
        self
    }
}

impl Policy for RolePolicy {
    fn check(&self, actor: &Actor, action: Action) -> Result<(), String> {
        let granted = actor.roles.iter().any(|r| self.grants.get(r).is_some_and(|set| set.contains(&action)));
        if granted {
            Ok(())
        } else {
            Err(format!("{} (roles: {}) may not {:?}", actor.name, actor.roles.join(", "), action))
        }
    }
}
