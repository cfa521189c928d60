import Foundation
import Testing

/// The real S3 clients the `dver serve` suites use, from PyPI in two virtual environments: the
/// AWS CLI (v1 pins its own botocore) apart from boto3, s3fs, pandas and DuckDB (whose httpfs
/// extension comes from PyPI too, so no extension download is needed).
enum S3Clients {
    static let awsCLI = PythonEnvironment(name: "s3-awscli-1.46.3", packages: ["awscli==1.46.3"],
                                          probe: "import awscli, sys; sys.exit(awscli.__version__ != '1.46.3')")
    static let data = PythonEnvironment(
        name: "s3-data-2026.9",
        packages: ["s3fs==2026.9.0", "boto3", "pandas==3.1.1", "duckdb==1.5.5", "duckdb-extension-httpfs==1.5.5"],
        probe: "import s3fs, boto3, pandas, duckdb, duckdb_extension_httpfs, sys; sys.exit(s3fs.__version__ != '2026.9.0')")

    static var isAvailable: Bool { (awsCLI.isReady && data.isReady) || PythonEnvironment.canBeMade }

    /// The AWS CLI's python, made on first use (run as `python -m awscli`: the `aws` script's
    /// shebang names the directory the environment was built in, before it was renamed).
    static func aws() throws -> String { try awsPrepared.get() }

    /// The data environment's python, made on first use.
    static func python() throws -> String { try dataPrepared.get() }

    private static let awsPrepared: Result<String, ClientFailure> = {
        do { return .success(try awsCLI.prepare()) } catch { return .failure(ClientFailure(message: "\(error)")) }
    }()

    private static let dataPrepared: Result<String, ClientFailure> = {
        do { return .success(try data.prepare()) } catch { return .failure(ClientFailure(message: "\(error)")) }
    }()
}

/// A `dver serve` process on a free loopback port, with a fresh key, stopped by `stop()`.
final class ServeProcess {
    let process: RunningDver
    let port: Int
    let keyID: String
    let secret: String
    let logPath: String

    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// The environment S3 clients read their settings from.
    var clientEnvironment: [String: String] {
        ["AWS_ACCESS_KEY_ID": keyID, "AWS_SECRET_ACCESS_KEY": secret, "AWS_DEFAULT_REGION": "us-east-1",
         "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "ENDPOINT": endpoint, "PORT": String(port)]
    }

    init(_ project: TestProject, extra: [String] = []) throws {
        let key = project.run(["serve", "--new-key"]).stdout
        func field(_ label: String) throws -> String {
            let line = try #require(key.split(separator: "\n").first { $0.hasPrefix(label) }, "no '\(label)' in \(key)")
            return line.dropFirst(label.count).trimmingCharacters(in: .whitespaces)
        }
        keyID = try field("access key id:")
        secret = try field("secret access key:")
        logPath = project.path("serve.log")
        process = try project.start(["serve", "--listen", "127.0.0.1:0", "--log", logPath] + extra)
        var found: Int?
        for _ in 0..<500 where found == nil {
            let output = process.standardOutputSoFar
            if let range = output.range(of: "http://127.0.0.1:") {
                found = Int(output[range.upperBound...].prefix { $0.isNumber })
            } else if !process.isRunning {
                break
            }
            usleep(10_000)
        }
        guard let found else {
            process.kill()
            let result = try process.wait()
            throw ClientFailure(message: "dver serve did not start: \(result.stdout)\(result.stderr)")
        }
        port = found
    }

    func stop() { process.kill(SIGTERM) }

    deinit { process.kill() }

    /// Runs a Python script in the data environment with the server's settings in its environment.
    func python(_ script: String, _ environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        try ExternalCommand.run([try S3Clients.python(), "-"], environment: clientEnvironment.merging(environment) { $1 }, input: script)
    }

    /// Runs the AWS CLI against the server.
    func aws(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        try ExternalCommand.run([try S3Clients.aws(), "-m", "awscli", "--endpoint-url", endpoint] + arguments,
                                  environment: clientEnvironment.merging(environment) { $1 })
    }
}
