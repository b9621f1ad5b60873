//! Shutdown hooks: async work an app does once, when its process ends.

use std::{
    panic::AssertUnwindSafe,
    sync::{Arc, Mutex},
};

use futures_util::FutureExt;

use crate::{error::panic_message, handler::BoxFuture};

pub(crate) type Hook = Box<dyn FnOnce() -> BoxFuture<()> + Send>;

/// The hooks of an app, shared by every clone of its [`Function`](crate::Function).
#[derive(Clone, Default)]
pub(crate) struct ShutdownHooks(Arc<Mutex<Vec<Hook>>>);

impl ShutdownHooks {
    pub(crate) fn push(&self, hook: Hook) {
        self.hooks().push(hook);
    }

    pub(crate) fn len(&self) -> usize {
        self.hooks().len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs the hooks in the order they were added, each once: a later call finds
    /// none. A hook that panics is logged and the next one runs.
    pub(crate) async fn run(&self) {
        let hooks = std::mem::take(&mut *self.hooks());
        for hook in hooks {
            if let Err(panic) = AssertUnwindSafe(hook()).catch_unwind().await {
                tracing::error!(panic = panic_message(panic.as_ref()), "a shutdown hook panicked");
            }
        }
    }

    fn hooks(&self) -> std::sync::MutexGuard<'_, Vec<Hook>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
