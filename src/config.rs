//! `.secretgate.yml`
