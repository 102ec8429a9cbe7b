//! Finding and reading the workflow files named on the command line.

use std::path::{Path, PathBuf};

use liucheng_engine::validate::SourceFile;

/// Whether a file in a searched folder is a workflow (not a scenario or organisation file).
fn is_workflow_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
    let excluded = name.ends_with(".test.yaml")
        || name.ends_with(".test.yml")
        || name == "org.yaml"
        || name.ends_with(".org.yaml");
    yaml && !excluded
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_dir() {
        out.push(path.to_owned());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("cannot list {}: {e}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            collect(&entry, out)?;
        } else if is_workflow_file(&entry) {
            out.push(entry);
        }
    }
    Ok(())
}

/// Whether a file is a scenario file (`*.test.yaml`).
pub fn is_scenario_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    name.ends_with(".test.yaml") || name.ends_with(".test.yml")
}

/// The scenario files named by `paths`: files as given, and the `*.test.yaml` directly in each
/// folder.
///
/// # Errors
/// A sentence naming the path that cannot be read.
pub fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if !meta.is_dir() {
            out.push(path.clone());
            continue;
        }
        let mut found: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("cannot list {}: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && is_scenario_file(p))
            .collect();
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

/// The workflow files directly in `folder` (not in its subfolders), except `skip`.
///
/// # Errors
/// A sentence naming the path that cannot be read.
pub fn folder_workflows(folder: &Path, skip: &Path) -> Result<Vec<SourceFile>, String> {
    let listed = if folder.as_os_str().is_empty() { Path::new(".") } else { folder };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(listed)
        .map_err(|e| format!("cannot list {}: {e}", listed.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && is_workflow_file(p))
        .map(|p| if folder.as_os_str().is_empty() { p.strip_prefix("./").map(Path::to_owned).unwrap_or(p) } else { p })
        .filter(|p| !same_file(p, skip))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let bytes = read_bounded(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            Ok(SourceFile { path, bytes })
        })
        .collect()
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Read every workflow file named by `paths` (files as given, folders searched recursively).
///
/// # Errors
/// A sentence naming the path that cannot be read.
pub fn read_workflow_files(paths: &[PathBuf]) -> Result<Vec<SourceFile>, String> {
    let mut found = Vec::new();
    for p in paths {
        collect(p, &mut found)?;
    }
    found
        .into_iter()
        .map(|path| {
            let bytes = read_bounded(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            Ok(SourceFile { path, bytes })
        })
        .collect()
}

/// Read at most one byte more than the loader accepts, so a huge file costs no memory; the loader
/// then reports it as too large.
pub fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(liucheng_engine::syntax::loader::MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The paths as one line for messages.
pub fn display_paths(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}
