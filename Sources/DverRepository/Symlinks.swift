import DverCore

/// The rule for symlinks in a repo (FORMAT.md, "Symlinks"): a target must be relative and
/// resolve, lexically, inside the repo's mount. `add` refuses other links; checkout (and so
/// clone, pull and git hook restores) refuses to create them; pipeline outputs holding them
/// fail their datum. A link is stored as its target's bytes and restored exactly.
public enum Symlinks {
    /// True when a symlink at the project-relative `path` with `target` resolves lexically
    /// inside `mount` (nothing on disk is consulted).
    public static func staysInside(_ path: String, target: String, mount: String) -> Bool {
        if target.hasPrefix("/") || target.isEmpty || target.utf8.contains(0) { return false }
        var components = RepoPath.components(RepoPath.parent(path)).map(String.init)
        for component in target.split(separator: "/") {
            if component == "." { continue }
            if component == ".." {
                if components.popLast() == nil { return false }
            } else {
                components.append(String(component))
            }
        }
        return RepoPath.isWithin(components.joined(separator: "/"), mount)
    }
}
