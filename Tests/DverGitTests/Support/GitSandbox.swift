import Foundation
import Testing

/// Whether the `git` command line is installed (tests that drive it are skipped otherwise;
/// scripts/setup.sh installs it, so CI runs them).
let gitAvailable: Bool = FileManager.default.isExecutableFile(atPath: "/usr/bin/git")
    || (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
        FileManager.default.isExecutableFile(atPath: "\($0)/git")
    }

/// A temporary directory for one test, removed at the end, with helpers to run `git` in it
/// isolated from the user's global config.
final class GitSandbox: Sendable {
    let root: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dver-git-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        root = url.resolvingSymlinksInPath().path
        try FileManager.default.createDirectory(atPath: root + "/home", withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func path(_ relative: String) -> String { relative.hasPrefix("/") ? relative : "\(root)/\(relative)" }

    /// Runs git; records an issue when it fails and `check` is true. Returns stdout.
    @discardableResult
    func git(_ arguments: [String], in directory: String, check: Bool = true,
             sourceLocation: SourceLocation = #_sourceLocation) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: path(directory))
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys where key.hasPrefix("GIT_") { environment[key] = nil }
        environment["HOME"] = root + "/home"
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_AUTHOR_NAME"] = "Test"
        environment["GIT_AUTHOR_EMAIL"] = "test@example.com"
        environment["GIT_COMMITTER_NAME"] = "Test"
        environment["GIT_COMMITTER_EMAIL"] = "test@example.com"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        if check {
            #expect(process.terminationStatus == 0, "git \(arguments.joined(separator: " ")): \(text)", sourceLocation: sourceLocation)
        }
        return (process.terminationStatus, text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// `git init` with a main branch.
    func initRepository(_ directory: String) throws {
        try FileManager.default.createDirectory(atPath: path(directory), withIntermediateDirectories: true)
        try git(["init", "-q", "-b", "main"], in: directory)
    }

    func write(_ relative: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path(relative))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func read(_ relative: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path(relative))), as: UTF8.self)
    }
}
