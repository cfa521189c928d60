import DverSystem
import Foundation

/// The runtime of a cluster worker that itself runs inside the spec's image (a Kubernetes
/// pod started from it): the pod is the sandbox, so the command runs as a child process of the
/// worker, and `/pfs` — a symlink the worker owns in the pod's file system — points at the
/// datum's directory, so commands written for `/pfs/...` run unchanged. The image identity
/// cannot be measured from inside; the coordinator's stands (pin images by digest).
public struct InContainerRuntime: DatumRuntime {
    public let name = "container"
    /// Where `/pfs` is made (a parameter for tests; "/pfs" in pods).
    let mountPoint: String

    public init(mountPoint: String = "/pfs") { self.mountPoint = mountPoint }

    public func pfsRoot(hostDirectory: String) -> String { mountPoint }

    public func prepare(_ transform: Transform) throws -> PreparedImage {
        PreparedImage(identity: "container:\(transform.image)", reference: transform.image)
    }

    public func run(_ execution: DatumExecution) throws -> ProcessOutcome {
        if let status = try FileSystem.linkStatusIfExists(mountPoint) {
            guard status.kind == .symlink else {
                throw PipelineError.runtimeFailed(runtime: name, message: "\(mountPoint) exists and is not dver's symlink",
                                                  hint: "the image must not have a /pfs directory of its own")
            }
            try FileSystem.remove(mountPoint)
        }
        try FileSystem.createSymlink(mountPoint, target: execution.pfsDirectory)
        defer { try? FileSystem.remove(mountPoint) }
        var environment = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG", "TMPDIR", "USER"].contains($0.key) }
        for (key, value) in execution.environment { environment[key] = value }
        let directory = execution.transform.workingDirectory ?? mountPoint
        let command = ["env", "-C", directory, "--"] + ResourceLimits.prefix(execution.resources) + execution.transform.cmd
        return try ChildProcess.runContained(command, environment: environment, stdinPath: execution.stdinPath,
                                             logPath: execution.logPath, timeout: execution.timeout)
    }

    public func limitations(_ spec: PipelineSpec) -> [String] {
        ["container runtime: the pod is the sandbox; resources and network are the pod's (set them in the Job template)"]
    }
}
