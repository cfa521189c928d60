import DverCore
import DverStore
import DverSystem
import Dispatch
import Synchronization

/// A file found in the workspace.
public struct ScannedFile: Sendable {
    /// Project-relative path.
    public var path: String
    public var status: FileStatus
}

/// Walks workspace directories with lstat data, spreading subdirectories over cores.
public enum WorkspaceScanner {
    /// Names never tracked: dver's store, git's directory, and checkout's temporary files.
    static func isIgnored(_ name: String) -> Bool {
        name == ".dver" || name == ".git" || name.hasPrefix(".dver-tmp-")
    }

    /// Every non-directory beneath the project-relative `directory` (nothing if it is missing).
    public static func scan(_ directory: String, root: String) throws -> [ScannedFile] {
        let absolute = directory.isEmpty ? root : "\(root)/\(directory)"
        guard let status = try FileSystem.linkStatusIfExists(absolute) else { return [] }
        guard status.kind == .directory else { return [ScannedFile(path: directory, status: status)] }
        var files = [ScannedFile]()
        var subdirectories = [String]()
        for entry in try listFiles(absolute) where !isIgnored(entry.name) {
            let path = RepoPath.join(directory, entry.name)
            if entry.isDirectory {
                subdirectories.append(path)
            } else if let status = entry.status {
                files.append(ScannedFile(path: path, status: status))
            }
        }
        let results = Mutex<[[ScannedFile]]>([])
        let failure = FirstError()
        let next = Atomic<Int>(0)
        let count = subdirectories.count
        let directories = subdirectories
        DispatchQueue.concurrentPerform(iterations: min(max(count, 1), System.coreCount)) { _ in
            var local = [ScannedFile]()
            while !failure.isSet {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if index >= count { break }
                do { try walk(directories[index], root: root, into: &local) } catch { failure.record(error) }
            }
            results.withLock { $0.append(local) }
        }
        try failure.rethrow()
        for part in results.withLock({ $0 }) { files.append(contentsOf: part) }
        return files
    }

    /// A directory's entries, with lstat data for every one. A directory removed meanwhile
    /// lists as empty.
    private static func listFiles(_ path: String) throws -> [DirectoryReader.TypedEntry] {
        try DirectoryReader.list(path) { _ in 0 }
    }

    private static func walk(_ directory: String, root: String, into files: inout [ScannedFile]) throws {
        for entry in try listFiles("\(root)/\(directory)") where !isIgnored(entry.name) {
            let path = "\(directory)/\(entry.name)"
            if entry.isDirectory {
                try walk(path, root: root, into: &files)
            } else if let status = entry.status {
                files.append(ScannedFile(path: path, status: status))
            }
        }
    }
}
