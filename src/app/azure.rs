//! `secretgate ci` on Azure Pipelines.
