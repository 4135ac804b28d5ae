//! What a successful verification proves, as data: where the answer names the account, the shape
//! that part must have, the members it must hold, and the fields the report shows, each read from
//! one place. A connector that declares a [`Proof`] on a variant writes no `account()` of its own;
//! the core reads the answer by it (`proof.rs`).

use super::request::{Literal, Match};

/// How a successful verification answer is read into an account.
///
/// The *read value* is the value at the first pointer of `at` that has `shape`. Its *item* is the
/// value itself when it is an object, or the first element of a list (none when the list is
/// empty). `required`, `one_of`, `warnings` and the item's members in `account` are read from the
/// item; pointers are JSON pointers (`/id`, `/attributes/name`).
#[derive(Debug, Clone, Copy)]
pub struct Proof<'a> {
    /// Where the proof is read: JSON pointers tried in order, `""` for the body itself. The first
    /// whose value has `shape` is read, e.g. `&["", "/data", "/users"]` for a list given bare or
    /// wrapped in `data` or `users`.
    pub at: &'a [&'a str],
    /// What the read value must be.
    pub shape: Shape,
    /// Members the item must hold, present and not null, when there is an item (an empty list
    /// has none).
    pub required: &'a [&'a str],
    /// The item must hold at least one of these members, present and not null: a success that
    /// names nothing proves nothing, so an empty list fails too. Empty: no such rule.
    pub one_of: &'a [&'a str],
    /// The account's fields, by name, in order. A name given several times in a row lists
    /// alternatives: the first source that finds a value sets it (a name, else first and last
    /// names joined).
    pub account: &'a [(&'a str, Source<'a>)],
    /// Notes added to a verified outcome when the item matches (a partner key checked as an
    /// organization key). A text test reads the item's JSON text.
    pub warnings: &'a [Warning<'a>],
    /// The shape a success must have, for the message when an answer does not fit:
    /// `expected {"data": [users…]}`.
    pub expected: &'a str,
}

impl<'a> Proof<'a> {
    /// A proof read from the first of `at` that has `shape`, with nothing else declared; add
    /// the rest with struct update syntax.
    pub const fn new(shape: Shape, at: &'a [&'a str], expected: &'a str) -> Self {
        Self {
            at,
            shape,
            required: &[],
            one_of: &[],
            account: &[],
            warnings: &[],
            expected,
        }
    }
}

/// What the read value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A JSON object; it is the item.
    Object,
    /// A JSON array; its first element is the item, its length the count.
    List,
    /// A JSON array as for `List`, or a JSON object read as a list of one (a list endpoint that
    /// answers a single object when there is one).
    ListOrObject,
}

impl Shape {
    /// Whether the read value may be a list, so that counting it means something.
    pub const fn may_be_list(self) -> bool {
        matches!(self, Shape::List | Shape::ListOrObject)
    }
}

/// Where one account field's value comes from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// The item's member at this pointer, when present and not null.
    Member(&'a str),
    /// The body's member at this pointer, when present and not null: a total beside the list.
    BodyMember(&'a str),
    /// The item's text members at these pointers that are present and not empty, joined by a
    /// space (`/first_name`, `/last_name`); nothing when there are none.
    Text(&'a [&'a str]),
    /// The text at `member` of each element of the list, the first `most` found, as a list.
    Each { member: &'a str, most: usize },
    /// How many elements the list holds (an object read as a list of one counts 1).
    Count,
    /// Whether the list holds any element.
    NonEmpty,
    /// The item's member names (it is an object keyed by name, e.g. named lists), sorted, the
    /// first `most` joined by `, ` and followed by `, …` when there are more; nothing when the
    /// object is empty.
    Keys { most: usize },
    /// How many members the item (an object keyed by name) holds.
    KeyCount,
    /// A fixed value: what the success proves by coming at all (`can_list_users: true`).
    Fixed(Literal<'a>),
}

impl<'a> Source<'a> {
    /// Whether the source finds a value in every answer that fits, so no alternative may follow.
    pub const fn always_found(&self) -> bool {
        matches!(
            self,
            Source::Count | Source::NonEmpty | Source::KeyCount | Source::Fixed(_)
        )
    }

    /// Whether the source reads the list rather than the item.
    pub const fn reads_list(&self) -> bool {
        matches!(self, Source::Each { .. } | Source::Count | Source::NonEmpty)
    }
}

/// A note a verified outcome carries when the item matches.
#[derive(Debug, Clone, Copy)]
pub struct Warning<'a> {
    pub when: Match<'a>,
    /// What it means and what to do, in one sentence.
    pub message: &'a str,
}
