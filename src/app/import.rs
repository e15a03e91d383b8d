//! `secretgate rules import`: read a gitleaks config, write the converted rules, report
//! what was left behind. The conversion itself is [`crate::engine::import`].

use super::Exit;
use crate::cli::ImportArgs;
use crate::engine::import::{import_gitleaks, to_yaml};
use anyhow::Context;

pub fn import_rules(args: &ImportArgs) -> anyhow::Result<Exit> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let import =
        import_gitleaks(&text).with_context(|| format!("cannot import {}", args.file.display()))?;
    let yaml = to_yaml(&import.rules);
    match &args.output {
        Some(path) => std::fs::write(path, &yaml)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{yaml}"),
    }
    eprintln!(
        "secretgate: imported {} rule(s); {} note(s)",
        import.rules.len(),
        import.notes.len()
    );
    for note in &import.notes {
        eprintln!("  {}: {}", note.rule, note.message);
    }
    Ok(Exit::Clean)
}
