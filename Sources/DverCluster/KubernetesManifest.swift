import DverPipeline
import Foundation

/// A Kubernetes Indexed Job for one dispatch round (`batch/v1`): `completionMode: Indexed`,
/// one completion per task, `parallelism` at once, `backoffLimitPerIndex` retries per index.
/// Each pod runs the spec's image with the dver worker injected the way Pachyderm injects its
/// worker: an init container copies a static dver from `worker_image` into a shared volume, and
/// the main container runs `dver worker run … --in-container`, which runs the datum's command
/// in the pod itself (the image *is* the sandbox). The task index comes from
/// `JOB_COMPLETION_INDEX`; credentials from a Secret (`envFrom`), never from the manifest.
public struct KubernetesManifest: Sendable {
    public var settings: ExecutorSettings
    public var image: String
    public var name: String
    public var completions: Int
    public var parallelism: Int
    /// The worker's arguments after the dver path (`worker run --remote-url … --job … --round …`).
    public var workerArguments: [String]

    public init(settings: ExecutorSettings, image: String, name: String, completions: Int, parallelism: Int, workerArguments: [String]) {
        self.settings = settings
        self.image = image
        self.name = name
        self.completions = completions
        self.parallelism = parallelism
        self.workerArguments = workerArguments
    }

    /// A DNS-1123 label made from `text` (lowercase letters, digits, '-'; at most 63).
    public static func label(_ text: String) -> String {
        var result = String(text.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" })
        while result.contains("--") { result = result.replacingOccurrences(of: "--", with: "-") }
        result = String(result.trimmingCharacters(in: CharacterSet(charactersIn: "-")).prefix(63))
        return result.isEmpty ? "dver" : String(result.trimmingCharacters(in: CharacterSet(charactersIn: "-")))
    }

    /// The manifest as JSON (which is YAML too; kubectl reads either).
    /// - Throws: `ClusterError.engineUnavailable` without `executor.worker_image`.
    public func rendered() throws -> String {
        guard let workerImage = settings.workerImage else {
            throw ClusterError.engineUnavailable(tool: "the Kubernetes worker image",
                                                 hint: "set executor.worker_image to an image holding a static dver at /dver (docs/PIPELINES.md, \"Executors\")")
        }
        let binary = "/dver-bin/dver"
        var container: [String: Any] = [
            "name": "datum",
            "image": image,
            "command": [binary] + workerArguments + ["--in-container", "--task-from-env", "JOB_COMPLETION_INDEX"],
            "env": [
                ["name": "DVER_NODE", "valueFrom": ["fieldRef": ["fieldPath": "spec.nodeName"]]],
                ["name": "DVER_ENGINE_TASK", "valueFrom": ["fieldRef": ["fieldPath": "metadata.name"]]],
            ],
            "volumeMounts": [["name": "dver-bin", "mountPath": "/dver-bin"]],
        ]
        if let secret = settings.secret { container["envFrom"] = [["secretRef": ["name": secret]]] }
        var spec: [String: Any] = [
            "completionMode": "Indexed",
            "completions": completions,
            "parallelism": max(1, parallelism),
            "backoffLimitPerIndex": settings.backoffLimitPerIndex ?? 1,
            "maxFailedIndexes": completions,
            "ttlSecondsAfterFinished": 86_400,
            "template": [
                "metadata": ["labels": ["app.kubernetes.io/managed-by": "dver", "dver/job": name]],
                "spec": [
                    "restartPolicy": "Never",
                    "volumes": [["name": "dver-bin", "emptyDir": [String: Any]()]],
                    "initContainers": [[
                        "name": "dver-install",
                        "image": workerImage,
                        "command": ["cp", "/dver", "\(binary)"],
                        "volumeMounts": [["name": "dver-bin", "mountPath": "/dver-bin"]],
                    ]],
                    "containers": [container],
                ] as [String: Any],
            ] as [String: Any],
        ]
        if settings.timeMinutes != nil { spec["activeDeadlineSeconds"] = (settings.timeMinutes ?? 0) * 60 }
        var metadata: [String: Any] = ["name": name, "labels": ["app.kubernetes.io/managed-by": "dver"]]
        if let namespace = settings.namespace { metadata["namespace"] = namespace }
        let manifest: [String: Any] = ["apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": spec]
        let data = try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// Kubernetes through `kubectl` (the user's kubeconfig): `apply` the Indexed Job, watch
/// `status.completedIndexes`/`failedIndexes`, `delete` to cancel. Not run against a cluster in
/// dver's tests (none can run on the build machines); the manifest is checked against the
/// `batch/v1` schema and the worker path it uses is the one Slurm runs for real.
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
        guard let root = try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any],
              let spec = root["spec"] as? [String: Any], let completions = spec["completions"] as? Int else {
            throw ClusterError.engineFailed(command: "kubectl get job", output: String(output.stdout.prefix(400)), hint: nil)
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
