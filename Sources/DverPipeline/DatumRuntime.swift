import Foundation

/// Everything a runtime needs to run one datum attempt.
public struct DatumExecution: Sendable {
    public var jobID: String
    public var datumID: String
    /// Host directory holding `<input name>/...` (the datum's files only) and `out/`.
    public var pfsDirectory: String
    public var inputNames: [String]
    /// Variables for the command: the spec's env plus DVER_* (paths as the command sees them).
    public var environment: [String: String]
    public var transform: Transform
    public var resources: Resources
    public var timeout: Double?
    /// File holding the stdin lines, if any.
    public var stdinPath: String?
    public var logPath: String
    public var image: PreparedImage
    /// Attempt number from 1, for unique container names.
    public var attempt: Int
    /// Host directories shown read-only at a path in the sandbox (secrets' `mount_path`).
    public var mounts: [ReadOnlyMount] = []
    /// This run is the transform's err_cmd after a failed attempt.
    public var errorHandler = false
}

/// A host directory the command sees read-only at `path`.
public struct ReadOnlyMount: Sendable, Equatable {
    public var hostDirectory: String
    public var path: String

    public init(hostDirectory: String, path: String) {
        self.hostDirectory = hostDirectory
        self.path = path
    }
}

/// An image made ready by a runtime: its identity goes into datum keys.
public struct PreparedImage: Sendable, Equatable {
    /// The image digest/id (podman, docker), a rootfs digest (bwrap) or "local".
    public var identity: String
    /// What the runtime starts: an image reference or a rootfs directory.
    public var reference: String

    public init(identity: String, reference: String) {
        self.identity = identity
        self.reference = reference
    }
}

/// Runs datums in some kind of sandbox. Every runtime shows the command its inputs at
/// `/pfs/<input name>/...` and its output directory at `/pfs/out`, except `local`, which
/// cannot remap paths and passes the real ones in DVER_PFS / DVER_OUTPUT (docs/PIPELINES.md).
public protocol DatumRuntime: Sendable {
    /// "podman", "docker", "bwrap" or "local".
    var name: String { get }
    /// Where the command sees the pfs directory ("/pfs", or the host path for local).
    func pfsRoot(hostDirectory: String) -> String
    /// Checks the tool and resolves the image.
    /// - Throws: `PipelineError.runtimeUnavailable` / `.runtimeFailed` with a hint.
    func prepare(_ transform: Transform) throws -> PreparedImage
    /// Runs one attempt; output goes to `execution.logPath`.
    /// - Throws: `PipelineError.launchFailed` when the tool cannot be started at all.
    func run(_ execution: DatumExecution) throws -> ProcessOutcome
    /// Explains a failed attempt from its log when the failure is the runtime's, not the command's.
    func diagnose(_ outcome: ProcessOutcome, log: String) -> String?
    /// Notes about spec settings this runtime cannot honour.
    func limitations(_ spec: PipelineSpec) -> [String]
}

extension DatumRuntime {
    public func diagnose(_ outcome: ProcessOutcome, log: String) -> String? { nil }
    public func limitations(_ spec: PipelineSpec) -> [String] { [] }
}

/// Picks the runtime a spec asks for.
public enum RuntimeSelector {
    /// The runtime for `choice`; `auto` takes the first usable of podman, docker, bwrap
    /// (local is never chosen automatically: it has no isolation).
    /// - Throws: `PipelineError.runtimeUnavailable` when none is usable.
    public static func runtime(for choice: RuntimeChoice, projectRoot: String, transform: Transform,
                               cacheDirectory: String) throws -> (runtime: any DatumRuntime, image: PreparedImage) {
        let environment = ProcessInfo.processInfo.environment
        if choice == .auto, let forced = environment["DVER_RUNTIME"], let override = RuntimeChoice(rawValue: forced), override != .auto {
            return try runtime(for: override, projectRoot: projectRoot, transform: transform, cacheDirectory: cacheDirectory)
        }
        func make(_ choice: RuntimeChoice) -> any DatumRuntime {
            switch choice {
            case .podman, .auto: return OCIRuntime(tool: .podman)
            case .docker: return OCIRuntime(tool: .docker)
            case .bwrap: return BubblewrapRuntime(projectRoot: projectRoot, rootfsCache: "\(cacheDirectory)/rootfs")
            case .local: return LocalRuntime()
            }
        }
        guard choice == .auto else {
            let chosen = make(choice)
            return (chosen, try chosen.prepare(transform))
        }
        var reasons = [String]()
        for candidate in [RuntimeChoice.podman, .docker, .bwrap] {
            let chosen = make(candidate)
            do { return (chosen, try chosen.prepare(transform)) } catch {
                reasons.append("\(candidate.rawValue): \(String(describing: error).split(separator: "\n").first ?? "")")
            }
        }
        throw PipelineError.runtimeUnavailable(runtime: "auto", reason: "no runtime could run image '\(transform.image)' (\(reasons.joined(separator: "; ")))",
                                               hint: "install one (bash scripts/setup.sh podman runc, or bubblewrap), or set runtime: local for an unisolated run")
    }
}
