import Foundation
import Testing

/// Runs a `DocScript` with bash in a fresh temporary directory: `set -e -o pipefail`, the built
/// `dver` first on PATH, an empty HOME, fixed git and dver identities, no inherited `DVER_*`,
/// `GIT_*` or `AWS_*` variables, `$DOC_TEST_ROOT` naming the package root, stdin from
/// /dev/null, and a time limit.
struct DocScriptRunner {
    /// What one session printed (stdout and stderr interleaved) and how it ended.
    struct Outcome {
        var status: Int32
        var output: String
        var directory: String
    }

    var timeoutSeconds = 120

    /// Runs the fixtures and blocks as one bash session; each block is sourced from a file
    /// padded so that bash's line numbers are the document's, and a failing command is
    /// reported as `doc-test: FILE:LINE: exit N: COMMAND`.
    func run(_ script: DocScript) throws -> Outcome {
        let base = try Self.makeDirectory()
        let work = base + "/work", home = base + "/home", blocks = base + "/doc-test"
        for directory in [work, home, blocks] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var driver = """
            set -e -o pipefail
            trap 'doc_test_status=$?; printf "doc-test: %s:%s: exit %s: %s\\n" "$doc_test_file" "$LINENO" "$doc_test_status" "$BASH_COMMAND" >&2' ERR

            """
        for fixture in script.fixtures {
            let path = "\(blocks)/fixture-\(fixture.name).sh"
            try fixture.script.write(toFile: path, atomically: true, encoding: .utf8)
            driver += "doc_test_file='fixture \(fixture.name)'; source '\(path)'\n"
        }
        for (number, block) in script.blocks.enumerated() {
            let path = "\(blocks)/block-\(number).sh"
            let padding = String(repeating: "\n", count: block.line - 1)
            try (padding + block.code.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            driver += "doc_test_file='\(block.file)'; source '\(path)'\n"
        }
        let driverPath = blocks + "/session.sh"
        try driver.write(toFile: driverPath, atomically: true, encoding: .utf8)

        let outputPath = base + "/output"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        let process = Process()
        // timeout(1) puts the session in its own process group and signals the whole group.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["--kill-after=5", "\(timeoutSeconds)", "/bin/bash", driverPath]
        process.currentDirectoryURL = URL(fileURLWithPath: work)
        process.environment = Self.environment(home: home)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        try? output.close()
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: outputPath)), as: UTF8.self)
        return Outcome(status: process.terminationStatus, output: text, directory: base)
    }

    /// Deletes what a session left (files a block made read-only included).
    func remove(_ outcome: Outcome) {
        _ = try? Process.run(URL(fileURLWithPath: "/bin/chmod"), arguments: ["-R", "u+rwX", outcome.directory]).waitUntilExit()
        try? FileManager.default.removeItem(atPath: outcome.directory)
    }

    private static func makeDirectory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dver-doc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.resolvingSymlinksInPath().path
    }

    private static func environment(home: String) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys where key.hasPrefix("GIT_") || key.hasPrefix("DVER_") || key.hasPrefix("AWS_") {
            environment[key] = nil
        }
        let binaryDirectory = URL(fileURLWithPath: DverProcess.binaryPath).deletingLastPathComponent().path
        environment["PATH"] = binaryDirectory + ":" + (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin")
        environment["HOME"] = home
        environment["DOC_TEST_ROOT"] = DocumentationSet.packageRoot.path
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["DVER_AUTHOR"] = "Doc Test <doc-test@example.com>"
        for role in ["AUTHOR", "COMMITTER"] {
            environment["GIT_\(role)_NAME"] = "Doc Test"
            environment["GIT_\(role)_EMAIL"] = "doc-test@example.com"
        }
        return environment
    }
}
