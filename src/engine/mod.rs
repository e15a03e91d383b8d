//! The detection engine. See [`Engine`].

pub mod validate;
