//! A cache of fetched values with a time to live, and at most one fetch in flight per
//! key: callers that want a key being fetched wait for that fetch instead of making
//! their own (100 concurrent cold invocations on Managed Instances make one request).

use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use crate::{Fetched, ParameterError};

/// One key's latest value, behind the lock its fetches take.
type Slot = Arc<tokio::sync::Mutex<Option<Entry>>>;

struct Entry {
    value: Arc<Fetched>,
    fetched: Instant,
}

#[derive(Default)]
pub(crate) struct Cache {
    slots: Mutex<HashMap<String, Slot>>,
}

impl Cache {
    /// The value of `key` if it is younger than `max_age` (and not `forced`), else what
    /// `fetch` gets, kept for next time. Errors are not kept: the next call fetches.
    pub(crate) async fn get<F, Fut>(
        &self,
        key: &str,
        max_age: Duration,
        forced: bool,
        fetch: F,
    ) -> Result<Arc<Fetched>, ParameterError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Fetched, ParameterError>>,
    {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(slots.entry(key.to_owned()).or_default())
        };
        // Held across the fetch: whoever comes meanwhile waits here, then finds it fresh.
        let mut entry = slot.lock().await;
        if let Some(entry) = entry
            .as_ref()
            .filter(|entry| !forced && entry.fetched.elapsed() < max_age)
        {
            return Ok(Arc::clone(&entry.value));
        }
        let value = Arc::new(fetch().await?);
        *entry = Some(Entry {
            value: Arc::clone(&value),
            fetched: Instant::now(),
        });
        Ok(value)
    }

    /// Forgets every value: the next call for any key fetches.
    pub(crate) fn clear(&self) {
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn text(value: &str) -> Fetched {
        Fetched::Text(value.to_owned())
    }

    #[tokio::test]
    async fn a_value_is_fetched_once_while_fresh_and_again_when_old_or_forced() {
        let cache = Cache::default();
        let fetches = AtomicUsize::new(0);
        let fetch = || async {
            fetches.fetch_add(1, Ordering::SeqCst);
            Ok(text("v"))
        };
        let age = Duration::from_secs(5);
        cache.get("k", age, false, fetch).await.unwrap();
        cache.get("k", age, false, fetch).await.unwrap();
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        cache.get("k", age, true, fetch).await.unwrap();
        assert_eq!(fetches.load(Ordering::SeqCst), 2, "forced");
        cache.get("other", age, false, fetch).await.unwrap();
        assert_eq!(fetches.load(Ordering::SeqCst), 3, "another key");
        cache.clear();
        cache.get("k", age, false, fetch).await.unwrap();
        assert_eq!(fetches.load(Ordering::SeqCst), 4, "cleared");
    }

    #[tokio::test]
    async fn concurrent_callers_of_a_cold_key_share_one_fetch_and_errors_are_not_kept() {
        let cache = Arc::new(Cache::default());
        let fetches = Arc::new(AtomicUsize::new(0));
        let callers = (0..50).map(|_| {
            let (cache, fetches) = (Arc::clone(&cache), Arc::clone(&fetches));
            tokio::spawn(async move {
                cache
                    .get("k", Duration::from_secs(5), false, || async {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok(text("v"))
                    })
                    .await
            })
        });
        for caller in futures_util::future::join_all(callers).await {
            assert!(matches!(&*caller.unwrap().unwrap(), Fetched::Text(v) if v == "v"));
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);

        let failing = || async { Err(ParameterError::Throttled("slow down".into())) };
        assert!(cache
            .get("bad", Duration::from_secs(5), false, failing)
            .await
            .is_err());
        let fixed = cache
            .get("bad", Duration::from_secs(5), false, || async { Ok(text("ok")) })
            .await;
        assert!(fixed.is_ok());
    }
}
