import Foundation
import Testing

/// The official Kubernetes Python client (PyPI `kubernetes`) in a virtual environment, to
/// check manifests against its `batch/v1` models offline with scripts/check-job-manifest.py.
/// The environment is made once under the system temporary directory (built beside it and
/// renamed into place, so concurrent test runs cannot see half of one) and reused by later
/// runs while it holds the pinned version. Suites using it are enabled when python3 can make
/// a virtual environment with pip (Debian: python3-venv, which scripts/test.sh installs).
enum KubernetesClient {
    /// Pinned, so the schema the manifest is checked against changes only by a commit here;
    /// `backoffLimitPerIndex` and `maxFailedIndexes` need 28 or later.
    static let version = "37.0.2"

    static let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("dver-test-kubernetes-client-\(version)").path

    static var isAvailable: Bool {
        isReady(directory) || ((try? run(["python3", "-c", "import ensurepip, venv"]))?.status == 0)
    }

    /// The environment's python, made on first use in this process.
    static func python() throws -> String { try prepared.get() }

    private static let prepared: Result<String, ClientFailure> = {
        do { return .success(try prepare()) } catch { return .failure(ClientFailure(message: "\(error)")) }
    }()

    /// Runs scripts/check-job-manifest.py on `manifest`; status 0 when the client's V1Job
    /// model takes it without losing or renaming a field.
    static func check(_ manifest: String) throws -> (status: Int32, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dver-job-\(UUID().uuidString).json")
        try Data(manifest.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try run([try python(), script, file.path])
    }

    static let script: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("scripts/check-job-manifest.py").path
    }()

    private static func isReady(_ environment: String) -> Bool {
        let probe = "import sys, kubernetes; sys.exit(kubernetes.__version__ != '\(version)')"
        return FileManager.default.isExecutableFile(atPath: "\(environment)/bin/python")
            && (try? run(["\(environment)/bin/python", "-c", probe]))?.status == 0
    }

    private static func prepare() throws -> String {
        if isReady(directory) { return "\(directory)/bin/python" }
        let building = "\(directory).building-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: building) }
        for command in [["python3", "-m", "venv", building],
                        ["\(building)/bin/python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                         "kubernetes==\(version)"]] {
            let result = try run(command)
            guard result.status == 0 else {
                throw ClientFailure(message: "\(command.joined(separator: " ")) failed (status \(result.status)):\n\(result.output)")
            }
        }
        if !isReady(directory) {
            try? FileManager.default.removeItem(atPath: directory)
            // Another run may have moved its own into place meanwhile: either one will do.
            try? FileManager.default.moveItem(atPath: building, toPath: directory)
        }
        guard isReady(directory) else { throw ClientFailure(message: "the virtual environment at \(directory) does not import kubernetes \(version)") }
        return "\(directory)/bin/python"
    }

    /// Runs a command (through /usr/bin/env, so PATH is searched) and collects its output.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("dver-python-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? handle.close()
        return (process.terminationStatus, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }
}

struct ClientFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
