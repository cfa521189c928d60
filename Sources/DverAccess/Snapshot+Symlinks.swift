import DverCore
import DverStore

extension Snapshot {
    /// The most symlinks one lookup follows (as Linux's MAXSYMLINKS).
    public static let maximumSymlinkHops = 40

    /// The file at `path`, following symlinks (relative targets, resolved against the link's
    /// directory) as reading a checked-out copy would. Nil when nothing is there, when it is a
    /// directory, or when a link leaves the repo, dangles or loops.
    /// - Throws: `AccessError.invalidPath` for a path that is not a plain repo path; store errors.
    public func file(at path: String) throws -> (path: String, entry: TreeEntry)? {
        var current = path
        for _ in 0...Self.maximumSymlinkHops {
            guard let entry = try entry(at: current) else { return nil }
            switch entry.kind {
            case .directory:
                return nil
            case .symlink:
                var target = [UInt8]()
                try content(of: entry).readAll { target.append(contentsOf: $0); return true }
                guard let text = String(validating: target, as: UTF8.self),
                      let resolved = Self.join(RepoPath.parent(current), text) else { return nil }
                current = resolved
            default:
                return (current, entry)
            }
        }
        return nil
    }

    /// `directory` joined with a relative link target, `.` and `..` resolved; nil when the
    /// target is absolute or climbs out of the repo.
    static func join(_ directory: String, _ target: String) -> String? {
        guard !target.hasPrefix("/") else { return nil }
        var components = RepoPath.components(directory).map(String.init)
        for component in target.split(separator: "/") {
            switch component {
            case ".": continue
            case "..":
                guard !components.isEmpty else { return nil }
                components.removeLast()
            default: components.append(String(component))
            }
        }
        return components.joined(separator: "/")
    }
}
