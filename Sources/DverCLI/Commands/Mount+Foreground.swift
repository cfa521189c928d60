import DverCore
import DverMount
import DverRepository
import DverSystem
import Foundation

/// `dver mount --foreground`: mounts and serves from this process until unmounted or
/// interrupted (SIGINT, SIGTERM, SIGHUP unmount). Also what a background mount runs.
struct MountForeground {
    let command: Mount
    let project: Project
    let spec: RevisionSpec
    let point: MountPoint

    func run() throws {
        let log = try openLog()
        if try point.prepareForMount() { log.line("cleaned a stale mount at \(point.path)") }
        let source = try command.source(project: project, log: log)
        let commit = try command.resolvedCommit.flatMap { ObjectID(hex: $0) }
            ?? source.resolve(repo: spec.repo, revision: spec.revision, project: project)
        let revision = spec.revision ?? (command.remote == nil ? "HEAD" : "default branch")
        let fileSystem = try MountedFileSystem(base: source.base, repo: spec.repo, commit: commit, revision: revision, log: log)
        var options = MountOptions(mountPoint: point.path)
        options.allowOther = command.allowOther
        options.debug = command.debugFuse
        options.sourceName = "dver:\(spec.repo)@\(commit.shortHex())"
        options.readAheadKilobytes = command.readAheadKilobytes
        let remote = command.remote.map { ", objects from remote \($0)" } ?? ""
        try FuseSession.run(fileSystem, options: options) {
            log.line("mounted \(fileSystem.title) read-only at \(point.path)\(remote)")
        }
        log.line("unmounted \(point.path): \(fileSystem.statisticsSummary)")
    }

    /// `--log FILE` (appended to), else stderr.
    private func openLog() throws -> MountLog {
        guard let path = command.log else { return MountLog(descriptor: 2) }
        let absolute = path.hasPrefix("/") ? path : "\(workingDirectory)/\(path)"
        let fd = try FileDescriptor.open(absolute, O_WRONLY | O_CREAT | O_APPEND, mode: 0o644)
        return MountLog(descriptor: fd.rawValue)   // open for the life of the process
    }
}
