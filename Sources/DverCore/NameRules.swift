/// The rules for every name that becomes part of a file path: repo names, branch names, mount
/// paths and pack names. They are checked wherever such a name comes from — the command line,
/// `.dver/repos.json`, a remote's `index.json`, a `dver.lock` read from git — so no input can
/// make dver write outside `.dver/` or the project, or into `.git/`.
///
/// Each rule returns nil for a valid name, or the reason it is refused.
public enum NameRules {
    public static let maximumRepoNameLength = 100
    public static let maximumBranchNameLength = 200
    /// Directory names a mount may not pass through: dver's store and git's directory (whose
    /// hooks git runs). Compared case-insensitively, for case-insensitive file systems.
    public static let reservedDirectories: Set<String> = [".dver", ".git"]

    /// Repo names: letters, digits, `.`, `_`, `-`; not starting with `.` or `-`; at most 100 bytes.
    public static func repoNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "empty name" }
        if name.utf8.count > maximumRepoNameLength { return "longer than \(maximumRepoNameLength) bytes" }
        guard name.utf8.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }) else {
            return "use only letters, digits, '.', '_' and '-'"
        }
        if name.hasPrefix(".") || name.hasPrefix("-") { return "must not start with '.' or '-'" }
        return nil
    }

    /// Branch names: letters, digits and `._-/`; `/` separates components, none of which may be
    /// empty or start with `.`; no `..`; not starting with `-`; no `.lock` suffix and no `.tmp-` (the
    /// names of ref lock and temporary files); at most 200 bytes.
    public static func branchNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "empty name" }
        if name.utf8.count > maximumBranchNameLength { return "longer than \(maximumBranchNameLength) bytes" }
        guard name.utf8.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_")
                || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "/") }) else {
            return "use only letters, digits, '.', '_', '-' and '/'"
        }
        if name.hasPrefix("-") { return "must not start with '-'" }
        if name.contains("..") { return "'..' is not allowed" }
        for component in name.split(separator: "/", omittingEmptySubsequences: false) {
            if component.isEmpty { return "empty component between '/'" }
            if component.hasPrefix(".") { return "a component must not start with '.'" }
        }
        if name.hasSuffix(".lock") || name.contains(".tmp-") { return "'.lock' suffixes and '.tmp-' are reserved" }
        return nil
    }

    /// Mount paths: a valid relative path (RepoPath rules), not the project root, and not
    /// passing through `.dver` or `.git` at any depth.
    public static func mountProblem(_ path: String) -> String? {
        if path.isEmpty { return "a repo cannot be mounted at the project root" }
        do { try RepoPath.validate(path) } catch {
            if case .invalidPath(_, let reason) = error { return reason }
            return "\(error)"
        }
        for component in RepoPath.components(path) where reservedDirectories.contains(component.lowercased()) {
            return "'\(component)' is reserved (dver's store or git's directory)"
        }
        return nil
    }

    /// Pack names: `pack-` followed by 64 lowercase hex digits.
    public static func isPackName(_ name: some StringProtocol) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count == 69, bytes.starts(with: "pack-".utf8) else { return false }
        return bytes[5...].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }
}
