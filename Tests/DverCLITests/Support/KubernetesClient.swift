import Foundation
import Testing

/// The official Kubernetes Python client (PyPI `kubernetes`) in a virtual environment, to
/// check manifests against its `batch/v1` models offline with scripts/check-job-manifest.py.
enum KubernetesClient {
    /// Pinned, so the schema the manifest is checked against changes only by a commit here;
    /// `backoffLimitPerIndex` and `maxFailedIndexes` need 28 or later.
    static let version = "37.0.2"

    static let environment = PythonEnvironment(
        name: "kubernetes-client-\(version)", packages: ["kubernetes==\(version)"],
        probe: "import sys, kubernetes; sys.exit(kubernetes.__version__ != '\(version)')")

    static var isAvailable: Bool { environment.isReady || PythonEnvironment.canBeMade }

    /// The environment's python, made on first use in this process.
    static func python() throws -> String { try prepared.get() }

    private static let prepared: Result<String, ClientFailure> = {
        do { return .success(try environment.prepare()) } catch { return .failure(ClientFailure(message: "\(error)")) }
    }()

    /// Runs scripts/check-job-manifest.py on `manifest`; status 0 when the client's V1Job
    /// model takes it without losing or renaming a field.
    static func check(_ manifest: String) throws -> (status: Int32, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dver-job-\(UUID().uuidString).json")
        try Data(manifest.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try ExternalCommand.run([try python(), script, file.path])
    }

    static let script: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("scripts/check-job-manifest.py").path
    }()
}
