import ArgumentParser
import DverCore
import DverMount
import DverRemote
import DverRepository
import DverSystem
import Foundation

struct Mount: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mount",
        abstract: "Mount a revision of a repo as a read-only file system (FUSE).",
        discussion: """
        Shows one commit of a repo at an empty directory without checking it out: listings come from its trees, and reads fetch and verify only the chunks they cover. Files are read-only (0444, 0555 when executable), with the sizes, symlinks and modes a checkout gives and the commit's time as their times. A missing or damaged object makes that read fail with EIO and a line in the mount's log naming the object: never wrong bytes.

        REV is a branch (main, main~2), a commit id prefix of 8+ hex digits, or a commit-set id prefix; without it, the checked-out commit (with --remote: the remote's default branch). With --remote, branches are the remote's, and objects the local store lacks are downloaded on demand, one ranged read per object (neighbouring ones together), into the object cache .dver/cache (least recently used out beyond --cache-size; kept across mounts).

        'dver mount' returns once the file system is mounted; a background process serves it until 'dver umount DIR' (or SIGTERM to it). --foreground serves it from this process instead (for systemd or debugging), logging to stderr; Ctrl-C unmounts. A mount whose process died (stale: "Transport endpoint is not connected") is cleaned by the next 'dver mount' or 'dver umount' there.

        Examples:
          dver mount raw@main /mnt/raw
          dver mount raw@v1.0 /mnt/raw              # a branch named v1.0
          dver mount raw@3fa9c1d2 /mnt/old          # a commit, by id prefix
          dver mount raw@main /mnt/raw --remote origin --cache-size 20G
          dver umount /mnt/raw
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "REPO[@REV]: the repo and the revision to show.")
    var target: String

    @Argument(help: "An empty directory to mount on.")
    var mountPoint: String

    @Option(help: ArgumentHelp("Read what the local store lacks from this remote, on demand.", valueName: "NAME"))
    var remote: String?

    @Option(name: .customLong("cache-size"), help: ArgumentHelp("Bound of the object cache for --remote (default 10G; K, M, G, T).", valueName: "SIZE"))
    var cacheSize: String?

    @Flag(help: "Serve the mount from this process until it is unmounted (logs on stderr).")
    var foreground = false

    @Option(help: ArgumentHelp("Append the mount's log here (default: .dver/mounts/<id>.log; stderr with --foreground).", valueName: "FILE"))
    var log: String?

    @Flag(name: .customLong("allow-other"), help: "Let other users read the mount (FUSE allow_other; needs user_allow_other in /etc/fuse.conf unless root).")
    var allowOther = false

    @Flag(name: .customLong("debug-fuse"), help: .hidden)
    var debugFuse = false

    /// The commit the launching `dver mount` resolved, so its background process mounts exactly that.
    @Option(name: .customLong("resolved-commit"), help: .hidden)
    var resolvedCommit: String?

    func validate() throws {
        let spec = RevisionSpec(parsing: target)
        if spec.path != nil { throw ValidationError("mount a whole revision: REPO[@REV], without :PATH") }
        if spec.repo.isEmpty { throw ValidationError("name a repo: REPO[@REV]") }
        if cacheSize != nil, remote == nil { throw ValidationError("--cache-size applies to --remote mounts only") }
        if let cacheSize { _ = try CacheSize.parse(cacheSize) }
        if let resolvedCommit, ObjectID(hex: resolvedCommit) == nil { throw ValidationError("--resolved-commit takes 64 hex digits") }
    }

    func run() throws {
        let project = try global.project()
        let spec = RevisionSpec(parsing: target)
        let point = MountPoint(mountPoint, workingDirectory: workingDirectory)
        try point.checkOutside(projectRoot: project.root, repoMounts: try project.repos().map { ($0.name, $0.mount) })
        try FuseSession.checkAvailable()
        if foreground {
            try MountForeground(command: self, project: project, spec: spec, point: point).run()
        } else {
            try launchInBackground(project: project, spec: spec, point: point)
        }
    }

    /// The object source: the local store, or the remote through the cache.
    func source(project: Project, log: MountLog) throws -> MountSource {
        guard let remote else { return .local(project) }
        let settings = try RemoteRegistry.load(project.layout).resolve(remote)
        let opened = try Remote.open(settings, layout: project.layout)
        let limit = try cacheSize.map(CacheSize.parse) ?? CacheSize.defaultLimit
        return try .remote(opened, project: project, cacheLimit: limit, log: log)
    }

    /// Resolves the revision here (so its errors come straight back), then starts
    /// `dver mount --foreground` detached and waits for the mount to appear.
    private func launchInBackground(project: Project, spec: RevisionSpec, point: MountPoint) throws {
        if try point.prepareForMount() { global.console.notice("dver: cleaned a stale mount at \(point.path)") }
        let source = try source(project: project, log: MountLog(descriptor: 2))
        let commit = try source.resolve(repo: spec.repo, revision: spec.revision, project: project)
        let logPath = try log.map { $0.hasPrefix("/") ? $0 : "\(workingDirectory)/\($0)" } ?? Self.defaultLogPath(project: project, point: point)
        var arguments = ["mount", target, point.path, "--foreground", "--resolved-commit", commit.hex, "-q"]
        if let remote { arguments += ["--remote", remote] }
        if let cacheSize { arguments += ["--cache-size", cacheSize] }
        if allowOther { arguments.append("--allow-other") }
        if debugFuse { arguments.append("--debug-fuse") }
        var launch = BackgroundMount(arguments: arguments, mountPoint: point, logPath: logPath)
        launch.readAheadKilobytes = readAheadKilobytes
        let pid = try launch.start()
        let revision = spec.revision ?? (remote == nil ? "HEAD" : "default branch")
        if global.json {
            struct Output: Encodable {
                let repo: String; let revision: String; let commit: String; let mount_point: String
                let pid: Int32; let log: String; let remote: String?
            }
            try global.console.emit(Output(repo: spec.repo, revision: revision, commit: commit.hex, mount_point: point.path,
                                           pid: pid, log: logPath, remote: remote))
            return
        }
        global.console.line("Mounted \(spec.repo)@\(revision) (commit \(commit.shortHex())) read-only at \(point.path)")
        global.console.line("  served by process \(pid), log \(logPath); unmount with 'dver umount \(point.path)'")
    }

    /// Large requests for local reads; remote reads download what the kernel asks for, so less.
    var readAheadKilobytes: Int { remote == nil ? 4096 : 1024 }

    /// `.dver/mounts/<first 16 hex digits of SHA-256 of the mount point>.log`.
    static func defaultLogPath(project: Project, point: MountPoint) throws -> String {
        let directory = "\(project.layout.storeDirectory)/mounts"
        try FileSystem.createDirectories(directory)
        return "\(directory)/\(SHA256.hash(Array(point.path.utf8)).hex.prefix(16)).log"
    }
}
