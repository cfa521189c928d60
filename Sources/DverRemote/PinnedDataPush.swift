import DverCore
import DverRepository
import DverStore
import Foundation

/// The library entry point for git's pre-push hook: after DverGit has worked out which dver
/// commits the pushed git commits pin (from `dver.lock` at each pushed revision), DverCLI
/// passes them here. Only objects the remote lacks are sent; no remote branch moves (the
/// commits become fetchable by id: `FetchOperation.download(commits:packs:)`).
public enum PinnedDataPush {
    /// Pushes everything the given commits reach to a remote (default: the project's default
    /// remote). A commit the remote already has costs nothing beyond reading its index.
    /// - Throws: `RemoteError.noDefaultRemote` when no remote is configured (a hook may treat
    ///   that as "nothing to do"), transport errors, `StoreError.objectNotFound` for a pinned
    ///   commit missing locally.
    public static func push(_ pins: [(repo: String, commit: ObjectID)], project: Project, remote name: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PushResult {
        let settings = try RemoteRegistry.load(project.layout).resolve(name)
        let remote = try Remote.open(settings, layout: project.layout, environment: environment)
        return try PushOperation(project: project, remote: remote).run(pins.map { .commit(repo: $0.repo, id: $0.commit) })
    }
}
