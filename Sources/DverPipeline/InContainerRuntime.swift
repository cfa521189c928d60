import DverSystem
import Foundation

/// The runtime of a cluster worker that itself runs inside the spec's image (a Kubernetes
/// pod started from it): the pod is the sandbox, so the command runs as a child process of the
/// worker, and `/pfs` — a symlink the worker owns in the pod's file system — points at the
/// datum's directory, so commands written for `/pfs/...` run unchanged. The image identity
/// cannot be measured from inside; the coordinator's stands (pin images by digest).
///
/// `DVER_PFS_MOUNT` moves the symlink elsewhere: for images whose root is read-only, and for
/// tests, which run the pods' command on a machine whose `/` they must not touch. Commands
/// then find their files through `$DVER_INPUT_<NAME>` and `$DVER_OUTPUT`, which follow it.
public struct InContainerRuntime: DatumRuntime {
    public let name = "container"
    /// Where the symlink to the datum's directory is made ("/pfs" unless `DVER_PFS_MOUNT`).
    let mountPoint: String

    public init(mountPoint: String = "/pfs") { self.mountPoint = mountPoint }

    /// The runtime with the mount point `DVER_PFS_MOUNT` names, else `/pfs`.
    /// - Throws: `PipelineError.runtimeFailed` when `DVER_PFS_MOUNT` is not an absolute path
    ///   naming a file (`/` or a trailing `/` is refused).
    public init(environment: [String: String]) throws {
        guard let path = environment["DVER_PFS_MOUNT"] else {
            self.init()
            return
        }
        guard path.hasPrefix("/"), path.count > 1, !path.hasSuffix("/") else {
            throw PipelineError.runtimeFailed(runtime: "container", message: "DVER_PFS_MOUNT='\(path)' does not name a symlink to create",
                                              hint: "set it to an absolute path such as /tmp/pfs (not / and without a trailing /), or unset it for /pfs")
        }
        self.init(mountPoint: path)
    }

    public func pfsRoot(hostDirectory: String) -> String { mountPoint }

    public func prepare(_ transform: Transform) throws -> PreparedImage {
        PreparedImage(identity: "container:\(transform.image)", reference: transform.image)
    }

    public func run(_ execution: DatumExecution) throws -> ProcessOutcome {
        if let mount = execution.mounts.first {
            throw PipelineError.runtimeFailed(runtime: name, message: "the \(name) runtime cannot show a secret at \(mount.path) (mount_path)",
                                              hint: "use env_var for the secret, or a runtime that mounts (bwrap, podman, docker)")
        }
        if let status = try FileSystem.linkStatusIfExists(mountPoint) {
            guard status.kind == .symlink else {
                throw PipelineError.runtimeFailed(runtime: name, message: "\(mountPoint) exists and is not dver's symlink",
                                                  hint: "the image must not have a \(mountPoint) of its own")
            }
            try FileSystem.remove(mountPoint)
        }
        try FileSystem.createSymlink(mountPoint, target: execution.pfsDirectory)
        defer { try? FileSystem.remove(mountPoint) }
        var environment = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG", "TMPDIR", "USER"].contains($0.key) }
        for (key, value) in execution.environment { environment[key] = value }
        // A working_dir under /pfs follows the mount point when DVER_PFS_MOUNT moved it.
        var directory = execution.transform.workingDirectory ?? mountPoint
        if directory == "/pfs" || directory.hasPrefix("/pfs/") { directory = mountPoint + directory.dropFirst(4) }
        let command = ["env", "-C", directory, "--"] + ResourceLimits.prefix(execution.resources) + execution.transform.cmd
        return try ChildProcess.runContained(command, environment: environment, stdinPath: execution.stdinPath,
                                             logPath: execution.logPath, timeout: execution.timeout)
    }

    public func limitations(_ spec: PipelineSpec) -> [String] {
        ["container runtime: the pod is the sandbox; resources, network and user are the pod's (set them in the Job template)"]
    }
}
