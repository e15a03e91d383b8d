//! Publishers: the network side effects of a gate (code-scanning uploads, check runs,
//! pull-request threads and statuses). They take a finished [`crate::findings::ScanResult`]
//! and never change it: a publishing failure is reported, but the findings still decide
//! the exit code.

pub mod azure;
pub mod github;
pub mod retry;
