//! The references a client has sent, to refuse their reuse (the no-double-charge promise).

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

/// How many references of past payments and deposits a client remembers to refuse their reuse.
pub(super) const REMEMBERED_REFERENCES: usize = 100_000;

#[derive(Default)]
pub(super) struct UsedReferences {
    /// One allocation per reference, shared by the set and the order.
    set: HashSet<Arc<str>>,
    order: VecDeque<Arc<str>>,
}

impl UsedReferences {
    /// Records `reference`; false when it was already used.
    pub(super) fn claim(&mut self, reference: &str) -> bool {
        if self.set.contains(reference) {
            return false;
        }
        let reference: Arc<str> = Arc::from(reference);
        self.set.insert(Arc::clone(&reference));
        self.order.push_back(reference);
        if self.order.len() > REMEMBERED_REFERENCES {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }

    /// Forgets `reference`, so that it can be claimed again.
    pub(super) fn release(&mut self, reference: &str) {
        if self.set.remove(reference) {
            if let Some(i) = self.order.iter().rposition(|r| &**r == reference) {
                self.order.remove(i);
            }
        }
    }
}
