//! `secretgate ci` on GitHub Actions against a loopback GitHub API.
