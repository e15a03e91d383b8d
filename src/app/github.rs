//! `secretgate ci` on GitHub Actions.
