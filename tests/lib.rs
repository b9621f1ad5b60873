//! Workspace-level integration tests for lambdo: see the files beside this one.
