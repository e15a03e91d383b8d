//! `secretgate ci` on Azure Pipelines against a loopback Azure DevOps API.
