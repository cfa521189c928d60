import DverCore
import DverSystem

/// Everything under a directory, without following symlinks: each path with its kind, mode,
/// size, modification time, and the SHA-256 of regular files up to 1 MiB (larger ones — a
/// test's sparse 8 GiB file — by size and time only). Two snapshots compare equal when nothing
/// was created, removed or changed.
struct DirectorySnapshot: Equatable, CustomStringConvertible {
    private(set) var entries: [String: String] = [:]

    /// - Parameter skipping: paths below `root` left out, with what is beneath them.
    init(_ root: String, skipping: Set<String> = []) throws {
        try walk(root, relative: "", skipping: skipping)
    }

    private mutating func walk(_ root: String, relative: String, skipping: Set<String>) throws {
        for entry in try FileSystem.list(relative.isEmpty ? root : "\(root)/\(relative)") {
            let path = relative.isEmpty ? entry.name : "\(relative)/\(entry.name)"
            if skipping.contains(path) { continue }
            let full = "\(root)/\(path)"
            let status = try FileSystem.linkStatus(full)
            var line = "\(status.kind) mode \(String(status.mode, radix: 8)) size \(status.size) mtime \(status.modificationNanoseconds)"
            switch status.kind {
            case .directory:
                entries[path] = "directory mode \(String(status.mode, radix: 8))"
                try walk(root, relative: path, skipping: skipping)
                continue
            case .symlink:
                line += " -> \(try FileSystem.readLink(full))"
            case .regular where status.size <= 1 << 20:
                line += " sha256 \(SHA256.hash(try FileSystem.readFile(full)).hex)"
            default:
                break
            }
            entries[path] = line
        }
    }

    var description: String { entries.keys.sorted().map { "\($0): \(entries[$0] ?? "")" }.joined(separator: "\n") }

    /// What differs, one path per line.
    func changes(since earlier: DirectorySnapshot) -> [String] {
        Set(entries.keys).union(earlier.entries.keys).sorted().compactMap { path in
            let before = earlier.entries[path]
            let after = entries[path]
            guard before != after else { return nil }
            return "\(path): \(before ?? "absent") -> \(after ?? "absent")"
        }
    }
}
