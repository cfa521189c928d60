import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation

/// Pachyderm's `egress`: after a job, the output commit's files are copied to an S3 URL or a
/// directory as plain objects named by their paths (not in dver's pack format), for tools
/// that read them directly (docs/PIPELINES.md, "From Pachyderm").
public struct Egress: Sendable {
    public let project: Project
    /// Credentials and endpoint variables (`AWS_*`), as for remotes.
    let environment: [String: String]

    public init(project: Project, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.project = project
        self.environment = environment
    }

    /// The settings to open `url` with: a configured remote's on the same S3 bucket (its
    /// endpoint, region, profile), else the environment's (`AWS_ENDPOINT_URL`, credentials).
    public func settings(for url: String) throws -> RemoteSettings {
        let registry = try RemoteRegistry.load(project.layout)
        let location = try RemoteLocation(parsing: url, workingDirectory: project.root)
        var settings = RemoteSettings(name: "egress", url: url)
        if case .s3(let bucket, _) = location,
           let configured = registry.remotes.first(where: { remote in
               if case .s3(bucket, _)? = try? RemoteLocation(parsing: remote.url, workingDirectory: project.root) { return true }
               return false
           }) {
            settings = configured
            settings.name = "egress"
            settings.url = url
        }
        return settings
    }

    /// Copies every file of `commit` to `url`, keyed by its path under the URL's prefix.
    /// Symlinks are not copied (counted in the result).
    /// - Returns: files and bytes copied, and symlinks left out.
    public func copy(commit: ObjectID, to url: String) throws -> (files: Int, bytes: UInt64, symlinks: Int) {
        let remote = try Remote.open(try settings(for: url), layout: project.layout, environment: environment)
        try remote.transport.prepare(creating: true)
        let tree = try project.store.decodeCommit(commit).tree
        var files = 0, symlinks = 0
        var bytes: UInt64 = 0
        let temporary = "\(project.layout.temporaryDirectory)/egress-\(UUID().uuidString)"
        try FileSystem.createDirectories(project.layout.temporaryDirectory)
        defer { try? FileSystem.removeIfExists(temporary) }
        for file in try TreeReader(store: project.store).files(tree) {
            if file.ref.kind == .symlink {
                symlinks += 1
                continue
            }
            try write(file.ref, to: temporary)
            try remote.transport.upload(file.path, fromFile: temporary) { _ in }
            files += 1
            bytes = bytes.addingSaturating(file.ref.size)
        }
        return (files, bytes, symlinks)
    }

    private func write(_ ref: FileRef, to path: String) throws {
        let fd = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode: 0o600)
        defer { fd.close() }
        let chunks = ref.chunked ? try ChunkListBuilder.chunks(of: ref.id, store: project.store).map(\.id) : [ref.id]
        for chunk in chunks {
            try project.store.withChunk(chunk) { bytes in
                if let base = bytes.baseAddress { try fd.writeAll(base, count: bytes.count) }
            }
        }
    }
}
