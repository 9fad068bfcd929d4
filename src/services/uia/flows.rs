//! The pure part of user-interactive authentication: which stage may come next, and when a
//! flow is complete. "The client is free to choose which flow it follows, however the flow's
//! stages must be completed in order" (spec § "User-Interactive Authentication API").

/// Whether `stage` may be attempted after `completed`: some flow starts with `completed` and
/// has `stage` next.
pub fn may_attempt(flows: &[Vec<&str>], completed: &[String], stage: &str) -> bool {
    flows.iter().any(|flow| {
        starts_with(flow, completed) && flow.get(completed.len()).is_some_and(|next| *next == stage)
    })
}

/// Whether `completed` is exactly one of the flows.
pub fn is_complete(flows: &[Vec<&str>], completed: &[String]) -> bool {
    flows
        .iter()
        .any(|flow| flow.len() == completed.len() && starts_with(flow, completed))
}

fn starts_with(flow: &[&str], completed: &[String]) -> bool {
    flow.len() >= completed.len() && flow.iter().zip(completed).all(|(a, b)| *a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(stages: &[&str]) -> Vec<String> {
        stages.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn stages_must_follow_a_flow_in_order() {
        let flows = [vec!["a", "b"], vec!["a", "c"], vec!["d"]];
        assert!(may_attempt(&flows, &[], "a"));
        assert!(may_attempt(&flows, &[], "d"));
        assert!(!may_attempt(&flows, &[], "b"), "b only after a");
        assert!(may_attempt(&flows, &done(&["a"]), "b"));
        assert!(may_attempt(&flows, &done(&["a"]), "c"));
        assert!(!may_attempt(&flows, &done(&["a"]), "d"));
        assert!(
            !may_attempt(&flows, &done(&["a", "b"]), "c"),
            "no flow is a, b, c"
        );
        assert!(!may_attempt(&flows, &[], "unknown"));
    }

    #[test]
    fn a_flow_is_complete_when_all_its_stages_are_done() {
        let flows = [vec!["a", "b"], vec!["d"]];
        assert!(!is_complete(&flows, &[]));
        assert!(!is_complete(&flows, &done(&["a"])));
        assert!(is_complete(&flows, &done(&["a", "b"])));
        assert!(is_complete(&flows, &done(&["d"])));
        assert!(!is_complete(&flows, &done(&["b", "a"])));
    }

    #[test]
    fn no_flows_never_complete() {
        assert!(!is_complete(&[], &[]));
        assert!(!may_attempt(&[], &[], "a"));
    }
}
