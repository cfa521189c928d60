import DverRepository
import DverStore
import DverSystem

/// `dver clone`: a new project in an empty directory, with the remote configured as `origin`
/// (the default remote) and every repo of the remote checked out at its default branch — and,
/// given a spec catalog for the new project (`specs`), the remote's pipelines.
public enum CloneOperation {
    /// - Throws: `RemoteError.destinationNotEmpty`, `.emptyRemote` (nothing pushed there, e.g.
    ///   the URL names a project rather than a remote); remote errors, after which the directory
    ///   the clone created is removed again.
    public static func run(settings: RemoteSettings, directory: String, progress: any ProgressSink,
                           environment: [String: String],
                           specs: ((Project) -> any SpecCatalog)? = nil) throws -> (project: Project, result: PullResult) {
        var created = false
        if FileSystem.exists(directory) {
            guard FileSystem.isDirectory(directory), try FileSystem.list(directory).isEmpty else {
                throw RemoteError.destinationNotEmpty(directory)
            }
        } else {
            try FileSystem.createDirectories(directory, durable: true)
            created = true
        }
        do {
            let project = try Project.initialize(at: directory, progress: progress)
            var registry = RemoteRegistry()
            try registry.add(settings)
            try registry.save(project.layout)
            let remote = try Remote.open(settings, layout: project.layout, environment: environment)
            if try remote.readIndex().version == nil {
                try remote.transport.prepare(creating: false)   // a missing directory or bucket says so
                throw RemoteError.emptyRemote(url: remote.transport.displayURL)
            }
            let result = try PullOperation(project: project, remote: remote, specs: specs?(project)).run()
            return (project, result)
        } catch {
            if created {
                try? FileSystem.removeTree(directory)
            } else if let entries = try? FileSystem.list(directory) {
                // The directory was empty before: leave it empty again.
                for entry in entries { try? FileSystem.removeTree("\(directory)/\(entry.name)") }
            }
            throw error
        }
    }
}
