import Foundation
import Testing

/// Whether the `git` command line is installed (git tests are skipped otherwise; scripts/setup.sh
/// installs it, so CI runs them).
let gitIsInstalled: Bool = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").contains {
    FileManager.default.isExecutableFile(atPath: "\($0)/git")
}

/// Whether the pre-commit framework is installed (scripts/test.sh installs it).
let preCommitIsInstalled: Bool = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").contains {
    FileManager.default.isExecutableFile(atPath: "\($0)/pre-commit")
}

/// What one `git` run printed.
struct GitResult: Sendable {
    let status: Int32
    let stdout: String
    let stderr: String
    var output: String { stdout + stderr }
    var text: String { stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
}

extension TestProject {
    /// Runs the real `git` as a user would, with the built `dver` first on PATH (so the hooks
    /// find it), an isolated HOME and fixed identities. Records an issue unless it exits with
    /// `expect` (nil: any status).
    @discardableResult
    func git(_ arguments: [String], in directory: String? = nil, expect: Int32? = 0, stdin: String = "",
             sourceLocation: SourceLocation = #_sourceLocation) throws -> GitResult {
        try tool(["git"] + arguments, in: directory, expect: expect, stdin: stdin, sourceLocation: sourceLocation)
    }

    /// Runs a command (looked up on PATH) in the same environment as `git`.
    @discardableResult
    func tool(_ arguments: [String], in directory: String? = nil, expect: Int32? = 0, stdin: String = "",
              sourceLocation: SourceLocation = #_sourceLocation) throws -> GitResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory.map(path) ?? root)
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys where key.hasPrefix("GIT_") || key.hasPrefix("DVER_") { environment[key] = nil }
        let binaryDirectory = URL(fileURLWithPath: DverProcess.binaryPath).deletingLastPathComponent().path
        environment["PATH"] = binaryDirectory + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["HOME"] = outside + "/home"
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["DVER_AUTHOR"] = "Hook <hook@example.com>"
        for role in ["AUTHOR", "COMMITTER"] {
            environment["GIT_\(role)_NAME"] = "Test"
            environment["GIT_\(role)_EMAIL"] = "test@example.com"
        }
        process.environment = environment
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dver-git-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        try Data(stdin.utf8).write(to: scratch.appendingPathComponent("in"))
        for name in ["out", "err"] { _ = FileManager.default.createFile(atPath: scratch.appendingPathComponent(name).path, contents: nil) }
        let handles = try [FileHandle(forReadingFrom: scratch.appendingPathComponent("in")),
                           FileHandle(forWritingTo: scratch.appendingPathComponent("out")),
                           FileHandle(forWritingTo: scratch.appendingPathComponent("err"))]
        process.standardInput = handles[0]
        process.standardOutput = handles[1]
        process.standardError = handles[2]
        try process.run()
        process.waitUntilExit()
        for handle in handles { try? handle.close() }
        let result = GitResult(status: process.terminationStatus,
                               stdout: String(decoding: try Data(contentsOf: scratch.appendingPathComponent("out")), as: UTF8.self),
                               stderr: String(decoding: try Data(contentsOf: scratch.appendingPathComponent("err")), as: UTF8.self))
        if let expect {
            #expect(result.status == expect, "\(arguments.joined(separator: " ")) → \(result.status)\n\(result.output)",
                    sourceLocation: sourceLocation)
        }
        return result
    }

    /// `git init -b main` in a directory (the project root by default).
    func gitInit(_ directory: String? = nil) throws {
        try FileManager.default.createDirectory(atPath: directory.map(path) ?? root, withIntermediateDirectories: true)
        try git(["init", "-q", "-b", "main"], in: directory)
    }

    /// The commit a git revision names.
    func gitRevision(_ revision: String, in directory: String? = nil) throws -> String {
        try git(["rev-parse", revision], in: directory).text
    }
}
