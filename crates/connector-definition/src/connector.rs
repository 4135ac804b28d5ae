//! A definition file as a runnable connector: [`DefinedConnector`] owns an arena holding its
//! spec, and runs exactly as a compiled connector does (the core's check, proof reading,
//! actions and proxy). Dropping it frees the arena, so a process that replaces definitions
//! (the hub's registry) keeps its memory flat.

use bumpalo_herd::Herd;
use connector_core::{Connector, ConnectorSpec};
use self_cell::self_cell;

use crate::arena::Arena;
use crate::load::{load, LoadError};
use crate::model::Definition;

type SpecRef<'a> = &'a ConnectorSpec<'a>;

self_cell!(
    /// The arena and the spec borrowed from it.
    struct Cell {
        owner: Herd,
        #[covariant]
        dependent: SpecRef,
    }
);

/// A connector read from a definition file.
pub struct DefinedConnector {
    cell: Cell,
    definition: Definition,
}

impl DefinedConnector {
    /// A definition file's text, checked as [`load`] checks it, as a connector. `name` is the
    /// file name used in messages.
    pub fn load(name: &str, text: &str) -> Result<Self, Vec<LoadError>> {
        load(name, text).map(Self::trusted)
    }

    /// A definition already checked (by [`load`], or taken from a compiled spec).
    fn trusted(definition: Definition) -> Self {
        let cell = Cell::new(Herd::new(), |herd| {
            let member = herd.get();
            Arena::new(&member).spec(&definition)
        });
        Self { cell, definition }
    }

    /// The definition it runs, as read.
    pub fn definition(&self) -> &Definition {
        &self.definition
    }
}

impl From<&ConnectorSpec<'_>> for DefinedConnector {
    /// A compiled connector's spec run from its definition: the same declaration, held in an
    /// arena instead of the binary. Compiled specs are checked when they are built.
    fn from(spec: &ConnectorSpec<'_>) -> Self {
        Self::trusted(Definition::from(spec))
    }
}

impl Connector for DefinedConnector {
    fn spec(&self) -> &ConnectorSpec<'_> {
        self.cell.borrow_dependent()
    }
}

impl std::fmt::Debug for DefinedConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DefinedConnector")
            .field("id", &self.definition.id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print;

    #[test]
    fn a_definition_runs_as_the_spec_it_was_printed_from() {
        for connector in connector_registry::all() {
            let compiled = connector.spec();
            let text = print(&Definition::from(compiled));
            let defined = DefinedConnector::load(&format!("{}.toml", compiled.id), &text)
                .unwrap_or_else(|e| panic!("{}: {e:?}", compiled.id));
            let spec = defined.spec();
            // The spec built in the arena prints back to the same file, so it holds the same
            // declaration as the compiled one.
            assert_eq!(print(&Definition::from(spec)), text, "{}", compiled.id);
            assert_eq!(
                format!("{spec:?}"),
                format!("{compiled:?}"),
                "{}",
                compiled.id
            );
        }
    }
}
