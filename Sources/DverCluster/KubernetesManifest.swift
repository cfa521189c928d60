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

    /// The image the init container copies dver from (`executor.worker_image`).
    /// - Throws: `ClusterError.missingSetting` when the spec does not name one.
    public static func workerImage(_ settings: ExecutorSettings) throws -> String {
        guard let image = settings.workerImage else {
            throw ClusterError.missingSetting(field: "executor.worker_image",
                                              hint: "a Kubernetes job copies dver into each pod from that image; set it to an image holding a static dver at /dver (docs/PIPELINES.md, \"Executors\")")
        }
        return image
    }

    /// The manifest as JSON (which is YAML too; kubectl reads either).
    /// - Throws: `ClusterError.missingSetting` without `executor.worker_image`.
    public func rendered() throws -> String {
        let workerImage = try Self.workerImage(settings)
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
