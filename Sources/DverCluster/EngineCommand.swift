import Foundation

/// Runs a scheduler command (sbatch, squeue, scancel, kubectl) with separate stdout and
/// stderr: stdout is read to its end while the command runs (a large `squeue --json` cannot
/// block on a full pipe), stderr goes to a temporary file.
enum EngineCommand {
    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// - Throws: `ClusterError.engineUnavailable` when the program is not on PATH.
    static func run(_ arguments: [String], environment: [String: String], stdin: String? = nil) throws -> Output {
        guard let program = arguments.first, let path = find(program, environment: environment) else {
            throw ClusterError.engineUnavailable(tool: arguments.first ?? "?", hint: "install it, or put it on PATH on this machine")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = Array(arguments.dropFirst())
        process.environment = environment
        let output = Pipe()
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("dver-engine-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let errors = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = output
        process.standardError = errors
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        try? errors.close()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try? input.fileHandleForWriting.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        return Output(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self), stderr: stderr)
    }

    static func find(_ program: String, environment: [String: String]) -> String? {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        for directory in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        where FileManager.default.isExecutableFile(atPath: "\(directory)/\(program)") {
            return "\(directory)/\(program)"
        }
        return nil
    }
}
