import Foundation

/// A Python virtual environment holding pinned packages from PyPI, for suites that check dver
/// against real clients (the Kubernetes client, the AWS CLI, boto3, pandas, DuckDB). It is made
/// once under the system temporary directory — built beside its final place and renamed into
/// it, so concurrent test runs never see half of one — and reused while its probe passes.
/// Suites using one are enabled when python3 can make a virtual environment with pip (Debian:
/// python3-venv, which scripts/test.sh installs).
struct PythonEnvironment: Sendable {
    /// Names the directory; change it with the pins so an old environment is not reused.
    let name: String
    /// pip requirement specifiers, installed in one `pip install`.
    let packages: [String]
    /// Python code that exits 0 once the environment holds what it should.
    let probe: String

    var directory: String { FileManager.default.temporaryDirectory.appendingPathComponent("dver-test-\(name)").path }
    var python: String { "\(directory)/bin/python" }

    /// Whether the environment exists or python3 can make it.
    static var canBeMade: Bool {
        (try? ExternalCommand.run(["python3", "-c", "import ensurepip, venv"]))?.status == 0
    }

    var isReady: Bool {
        FileManager.default.isExecutableFile(atPath: python) && (try? ExternalCommand.run([python, "-c", probe]))?.status == 0
    }

    /// Makes the environment unless it is ready. Returns its python.
    func prepare() throws -> String {
        if isReady { return python }
        let building = "\(directory).building-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: building) }
        for command in [["python3", "-m", "venv", building],
                        ["\(building)/bin/python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check"] + packages] {
            let result = try ExternalCommand.run(command)
            guard result.status == 0 else {
                throw ClientFailure(message: "\(command.joined(separator: " ")) failed (status \(result.status)):\n\(result.output)")
            }
        }
        if !isReady {
            try? FileManager.default.removeItem(atPath: directory)
            // Another run may have moved its own into place meanwhile: either one will do.
            try? FileManager.default.moveItem(atPath: building, toPath: directory)
        }
        guard isReady else { throw ClientFailure(message: "the virtual environment at \(directory) fails its probe: \(probe)") }
        return python
    }
}

struct ClientFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
