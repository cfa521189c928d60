/// Validation of names and slash-separated paths stored in trees and the workspace index.
///
/// A stored path is relative, uses `/`, and has no empty, `.` or `..` components, so a tree
/// can never make checkout write outside its mount.
public enum RepoPath {
    public static let maximumNameLength = 1024
    /// The most components a stored path may have (directories nested this deep, file included).
    /// Tree walks stop with an error beyond it, so a hostile tree cannot recurse without end.
    public static let maximumDepth = 500

    /// - Throws: `CoreError.invalidPath` naming the rule broken.
    public static func validateName(_ name: String) throws(CoreError) {
        if name.isEmpty { throw .invalidPath(name, reason: "empty name") }
        if name == "." || name == ".." { throw .invalidPath(name, reason: "'.' and '..' are not allowed") }
        if name.utf8.count > maximumNameLength {
            throw .invalidPath(name, reason: "name longer than \(maximumNameLength) bytes")
        }
        for byte in name.utf8 where byte == 0 || byte == UInt8(ascii: "/") {
            throw .invalidPath(name, reason: byte == 0 ? "contains NUL" : "contains '/'")
        }
        if name.utf8.count <= 5, NameRules.reservedDirectories.contains(name.lowercased()) {
            // As git refuses trees holding `.git`: a checkout must never plant a repository or
            // store (with hooks git would run) inside the workspace.
            throw .invalidPath(name, reason: "'.git' and '.dver' are reserved")
        }
    }

    /// Validates a relative path such as `a/b/c.csv`.
    /// - Throws: `CoreError.invalidPath` for absolute paths, `..`, empty components.
    public static func validate(_ path: String) throws(CoreError) {
        if path.hasPrefix("/") { throw .invalidPath(path, reason: "absolute paths are not allowed") }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        if components.count > maximumDepth {
            throw .invalidPath(path, reason: "more than \(maximumDepth) nested directories")
        }
        for component in components {
            if component.isEmpty { throw .invalidPath(path, reason: "empty path component") }
            if component == ".." { throw .invalidPath(path, reason: "'..' escapes the repository") }
            try validateName(String(component))
        }
    }

    /// The components of a validated path.
    public static func components(_ path: String) -> [Substring] {
        path.split(separator: "/")
    }

    /// Joins two relative paths, either of which may be empty.
    public static func join(_ base: String, _ name: String) -> String {
        if base.isEmpty { return name }
        if name.isEmpty { return base }
        return base + "/" + name
    }

    /// The parent of `path` ("" for a top-level name).
    public static func parent(_ path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "" }
        return String(path[..<slash])
    }

    /// The last component of `path`.
    public static func lastComponent(_ path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// True when `path` equals `ancestor` or lies beneath it ("" is the ancestor of everything).
    public static func isWithin(_ path: String, _ ancestor: String) -> Bool {
        if ancestor.isEmpty || path == ancestor { return true }
        return path.hasPrefix(ancestor) && path.utf8.count > ancestor.utf8.count
            && path.utf8[path.utf8.index(path.utf8.startIndex, offsetBy: ancestor.utf8.count)] == UInt8(ascii: "/")
    }
}
