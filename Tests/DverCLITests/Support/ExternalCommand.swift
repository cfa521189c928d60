import Foundation

/// Test helpers' way of running an outside program (python, aws, bash scripts, Slurm's tools).
enum ExternalCommand {
    /// Runs a command through /usr/bin/env (so PATH is searched), with `environment` added to
    /// ours and `input` on stdin, and returns its status and its stdout and stderr together.
    /// Output goes to a scratch file, not a pipe: a daemon the command starts may keep its
    /// descriptors open long after the command ends.
    static func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil,
                    workingDirectory: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dver-command-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: scratch.path, contents: nil)
        let inputFile = scratch.appendingPathExtension("in")
        try Data((input ?? "").utf8).write(to: inputFile)
        defer {
            try? FileManager.default.removeItem(at: scratch)
            try? FileManager.default.removeItem(at: inputFile)
        }
        let handle = try FileHandle(forWritingTo: scratch)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = try FileHandle(forReadingFrom: inputFile)
        try process.run()
        process.waitUntilExit()
        try? handle.close()
        return (process.terminationStatus, (try? String(contentsOf: scratch, encoding: .utf8)) ?? "")
    }
}
