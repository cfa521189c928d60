import DverCore
import DverSystem
import Foundation

/// Runs datums with bubblewrap over a root file system: either a directory (`image: ./rootfs`
/// or an absolute path) or an OCI image that podman exports once into a cached directory.
/// The root is a fresh tmpfs with the rootfs's top-level entries bound read-only, so any rootfs
/// works without mount points prepared in it; no network unless the spec asks.
public struct BubblewrapRuntime: DatumRuntime {
    public let name = "bwrap"
    let projectRoot: String
    let rootfsCache: String
    static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    public init(projectRoot: String, rootfsCache: String) {
        self.projectRoot = projectRoot
        self.rootfsCache = rootfsCache
    }

    public func pfsRoot(hostDirectory: String) -> String { "/pfs" }

    public func prepare(_ transform: Transform) throws -> PreparedImage {
        guard ChildProcess.find("bwrap") != nil else {
            throw PipelineError.runtimeUnavailable(runtime: name, reason: "bwrap is not installed", hint: "install it: bash scripts/setup.sh bubblewrap")
        }
        let image = transform.image
        if image.hasPrefix("/") || image.hasPrefix("./") || image.hasPrefix("../") {
            let directory = image.hasPrefix("/") ? image : "\(projectRoot)/\(image)"
            guard FileSystem.isDirectory(directory) else {
                throw PipelineError.runtimeFailed(runtime: name, message: "rootfs directory \(directory) does not exist",
                                                  hint: "point image at a directory holding a root file system (e.g. bin/busybox and its links)")
            }
            return PreparedImage(identity: "rootfs:" + (try Self.digest(directory)), reference: directory)
        }
        return try exported(image)
    }

    /// The image exported by podman into `rootfsCache/<image id>` (once per image id).
    private func exported(_ image: String) throws -> PreparedImage {
        guard !image.isEmpty else {
            throw PipelineError.runtimeFailed(runtime: name, message: "transform.image is empty", hint: "give a rootfs directory (./rootfs) or an image podman has")
        }
        guard ChildProcess.find("podman") != nil else {
            throw PipelineError.runtimeUnavailable(runtime: name, reason: "image '\(image)' is not a directory and podman is not installed to export it",
                                                   hint: "use a rootfs directory as image (image: ./rootfs), or install podman")
        }
        let identity = try OCIRuntime(tool: .podman).prepare(Transform.with(image: image)).identity
        let directory = "\(rootfsCache)/\(identity.replacingOccurrences(of: ":", with: "-"))"
        if !FileSystem.isDirectory(directory) {
            let staging = "\(directory).tmp-\(UInt32.random(in: 0...UInt32.max))"
            try FileSystem.createDirectories(staging)
            defer { try? FileSystem.removeTree(staging) }
            let container = "dver-export-\(UInt32.random(in: 0...UInt32.max))"
            let created = try ChildProcess.capture(["podman", "create", "--name", container, image, "true"])
            guard created.code == 0 else { throw PipelineError.runtimeFailed(runtime: name, message: "podman create \(image) failed: \(created.output)", hint: nil) }
            defer { _ = try? ChildProcess.capture(["podman", "rm", "-f", container]) }
            let archive = "\(staging).tar"
            defer { unlink(archive) }
            let exported = try ChildProcess.capture(["podman", "export", "-o", archive, container])
            let unpacked = exported.code == 0 ? try ChildProcess.capture(["tar", "-x", "-f", archive, "-C", staging]) : exported
            guard unpacked.code == 0 else {
                throw PipelineError.runtimeFailed(runtime: name, message: "exporting \(image) to a rootfs failed: \(unpacked.output)", hint: nil)
            }
            try FileSystem.rename(staging, to: directory)
        }
        return PreparedImage(identity: identity, reference: directory)
    }

    public func run(_ execution: DatumExecution) throws -> ProcessOutcome {
        var arguments = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--tmpfs", "/"]
        for entry in try FileSystem.list(execution.image.reference)
        where !["proc", "dev", "tmp", "pfs", "sys"].contains(entry.name) {
            let source = "\(execution.image.reference)/\(entry.name)"
            if entry.kind == .symlink {
                arguments += ["--symlink", try FileSystem.readLink(source), "/\(entry.name)"]
            } else {
                arguments += ["--ro-bind", source, "/\(entry.name)"]
            }
        }
        arguments += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--dir", "/pfs"]
        for input in execution.inputNames {
            arguments += ["--ro-bind", "\(execution.pfsDirectory)/\(input)", "/pfs/\(input)"]
        }
        arguments += ["--bind", "\(execution.pfsDirectory)/out", "/pfs/out"]
        for mount in execution.mounts { arguments += ["--ro-bind", mount.hostDirectory, mount.path] }
        arguments += ["--remount-ro", "/"]
        if let user = execution.transform.user {
            let ids = try Self.userIDs(user, rootfs: execution.image.reference)
            arguments += ["--uid", String(ids.uid), "--gid", String(ids.gid)]
        }
        if execution.transform.network { arguments += ["--share-net"] }
        arguments += ["--clearenv", "--setenv", "PATH", Self.path, "--setenv", "HOME", "/tmp"]
        for (key, value) in execution.environment.sorted(by: { $0.key < $1.key }) { arguments += ["--setenv", key, value] }
        arguments += ["--chdir", execution.transform.workingDirectory ?? "/"]
        let command = ResourceLimits.prefix(execution.resources) + arguments + ["--"] + execution.transform.cmd
        return try ChildProcess.run(command, environment: ProcessInfo.processInfo.environment, stdinPath: execution.stdinPath,
                                    logPath: execution.logPath, timeout: execution.timeout)
    }

    /// `uid`, `uid:gid`, `name` or `name:group`, names looked up in the image's /etc/passwd
    /// and /etc/group (the group defaults to the user's own).
    static func userIDs(_ user: String, rootfs: String) throws -> (uid: UInt32, gid: UInt32) {
        func table(_ file: String) -> [[Substring]] {
            ((try? FileSystem.readText("\(rootfs)/etc/\(file)")) ?? "").split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false) }
        }
        let parts = user.split(separator: ":", maxSplits: 1).map(String.init)
        var uid: UInt32
        var gid: UInt32
        if let number = UInt32(parts[0]) {
            uid = number
            gid = number
        } else if let entry = table("passwd").first(where: { $0.count > 3 && $0[0] == parts[0] }), let u = UInt32(entry[2]), let g = UInt32(entry[3]) {
            uid = u
            gid = g
        } else {
            throw PipelineError.runtimeFailed(runtime: "bwrap", message: "user '\(parts[0])' is not in the image's /etc/passwd",
                                              hint: "give a numeric uid (user: \"1000\" or \"1000:1000\")")
        }
        if parts.count == 2 {
            if let number = UInt32(parts[1]) {
                gid = number
            } else if let entry = table("group").first(where: { $0.count > 2 && $0[0] == parts[1] }), let g = UInt32(entry[2]) {
                gid = g
            } else {
                throw PipelineError.runtimeFailed(runtime: "bwrap", message: "group '\(parts[1])' is not in the image's /etc/group",
                                                  hint: "give a numeric gid (user: \"1000:1000\")")
            }
        }
        return (uid, gid)
    }

    public func diagnose(_ outcome: ProcessOutcome, log: String) -> String? {
        guard let line = log.split(separator: "\n").last(where: { $0.hasPrefix("bwrap: ") }) else { return nil }
        var text = "bubblewrap could not set up the sandbox: \(line)"
        if line.contains("No permissions") || line.contains("Operation not permitted") || line.contains("setting up uid map") {
            text += " (user namespaces may be disabled: check sysctl kernel.unprivileged_userns_clone, or run as root)"
        }
        return text
    }

    public func limitations(_ spec: PipelineSpec) -> [String] { ResourceLimits.limitations(spec.resources, runtime: name) }

    /// A digest of a rootfs directory from its entries' names, sizes and mtimes (no file reads).
    static func digest(_ directory: String) throws -> String {
        let hasher = SHA256Hasher()
        var count = 0
        func visit(_ path: String, depth: Int) throws {
            guard depth < 64 else { return }
            for entry in try FileSystem.list(path).sorted(by: { $0.name < $1.name }) {
                let full = "\(path)/\(entry.name)"
                let status = try FileSystem.linkStatus(full)
                hasher.update(Array("\(full.dropFirst(directory.count)) \(status.mode) \(status.size) \(status.modificationNanoseconds)\n".utf8))
                count += 1
                if entry.kind == .directory { try visit(full, depth: depth + 1) }
            }
        }
        try visit(directory, depth: 0)
        return hasher.finish().hex
    }
}

extension Transform {
    static func with(image: String) -> Transform {
        var transform = Transform()
        transform.image = image
        return transform
    }
}
