import DverAccess
import DverCore
import DverRepository
import DverSystem
import DverTestSupport
import Foundation

/// A project in a temporary directory whose repo `raw` (mounted at data/raw) holds `files`.
final class AccessFixture: Sendable {
    let root: String
    let project: Project

    init(_ files: [String: [UInt8]]) throws {
        root = NSTemporaryDirectory() + "dver-access-\(UUID().uuidString)"
        try FileSystem.createDirectories(root)
        project = try Project.initialize(at: root)
        try write(files)
    }

    deinit { try? FileSystem.removeTree(root) }

    /// Writes the files (paths relative to data/raw), adds and commits them.
    @discardableResult
    func write(_ files: [String: [UInt8]], message: String = "change") throws -> CommitResult {
        for (path, bytes) in files {
            let full = "\(root)/data/raw/\(path)"
            try FileSystem.createDirectories(FileSystem.parentPath(full))
            try FileSystem.writeAtomically(full, bytes, durable: false)
        }
        _ = try project.add(["data/raw"])
        return try project.commit(message: message, repos: [])
    }

    var lookup: RevisionLookup { RevisionLookup(project: project) }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
