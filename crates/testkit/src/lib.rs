//! Test kit: a simulated world around the router.
