import DverPipeline
import Foundation

/// Kubernetes through `kubectl` (the user's kubeconfig): `apply` the Indexed Job, watch
/// `status.completedIndexes`/`failedIndexes`, `delete` to cancel. Not run against a cluster in
/// dver's tests (none can run on the build machines): the manifest is checked against the
/// official client's `batch/v1` models, its pods' command is run on the test machine once per
/// completion index, and the status parsing is unit-tested on Job JSON; the `kubectl` calls
/// themselves are not exercised.
public struct KubernetesEngine: ClusterEngine {
    public let name = "kubernetes"
    public var settings: ExecutorSettings
    public var dverPath: String
    public var environment: [String: String]
    public init(settings: ExecutorSettings, dverPath: String, environment: [String: String]) {
        self.settings = settings
        self.dverPath = dverPath
        self.environment = environment
    }

    private var namespaceArguments: [String] { settings.namespace.map { ["-n", $0] } ?? [] }

    public func submit(count: Int, parallelism: Int, worker: [String], label: String, image: String) throws -> String {
        let name = KubernetesManifest.label("\(label)-\(UInt32.random(in: 0...UInt32.max))")
        let manifest = KubernetesManifest(settings: settings, image: image, name: name, completions: count, parallelism: parallelism,
                                          workerArguments: Array(worker.dropFirst()))
        let output = try EngineCommand.run(["kubectl", "apply", "-f", "-"] + namespaceArguments, environment: environment,
                                           stdin: try manifest.rendered())
        guard output.status == 0 else { throw ClusterError.engineFailed(command: "kubectl apply", output: output.stderr, hint: "check 'kubectl config current-context'") }
        return name
    }

    public func unfinished(_ engineJob: String) throws -> Set<Int> {
        let output = try EngineCommand.run(["kubectl", "get", "job", engineJob, "-o", "json"] + namespaceArguments, environment: environment)
        guard output.status == 0 else { throw ClusterError.engineFailed(command: "kubectl get job", output: output.stderr, hint: nil) }
        return try Self.unfinished(fromJobJSON: Array(output.stdout.utf8))
    }

    /// Parses `kubectl get job -o json`: nothing is left once the Job has a `Complete` or
    /// `Failed` condition; until then, the indices of `0..<spec.completions` that are in neither
    /// `status.completedIndexes` nor `status.failedIndexes` (compressed lists such as "0-3,7").
    /// - Throws: `ClusterError.engineFailed` when the text is not a Job with `spec.completions`.
    static func unfinished(fromJobJSON bytes: [UInt8]) throws -> Set<Int> {
        guard let root = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let spec = root["spec"] as? [String: Any], let completions = spec["completions"] as? Int, completions >= 0 else {
            throw ClusterError.engineFailed(command: "kubectl get job", output: String(decoding: bytes.prefix(400), as: UTF8.self), hint: nil)
        }
        let status = root["status"] as? [String: Any] ?? [:]
        if let conditions = status["conditions"] as? [[String: Any]],
           conditions.contains(where: { ["Complete", "Failed"].contains($0["type"] as? String) && $0["status"] as? String == "True" }) {
            return []
        }
        let done = SlurmEngine.indices((status["completedIndexes"] as? String) ?? "")
            .union(SlurmEngine.indices((status["failedIndexes"] as? String) ?? ""))
        return Set(0..<completions).subtracting(done)
    }

    public func cancel(_ engineJob: String) throws {
        let output = try EngineCommand.run(["kubectl", "delete", "job", engineJob, "--wait=false"] + namespaceArguments, environment: environment)
        guard output.status == 0 else { throw ClusterError.engineFailed(command: "kubectl delete job", output: output.stderr, hint: nil) }
    }
}
