import DverTestSupport
import DverCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What one run of the `dver` binary did.
struct DverResult: Sendable, CustomStringConvertible {
    /// Exit status, or the signal number when `signaled`.
    let status: Int32
    let signaled: Bool
    let timedOut: Bool
    let stdoutData: Data
    let stderr: String

    var stdout: String { String(decoding: stdoutData, as: UTF8.self) }

    /// Human output and errors together, for `contains` checks that do not care where a line went.
    var output: String { stdout + stderr }

    /// The JSON value printed on stdout.
    func json() throws -> Any { try JSONSerialization.jsonObject(with: stdoutData, options: [.fragmentsAllowed]) }

    /// The JSON object printed on stdout.
    func jsonObject() throws -> [String: Any] { try #require(try json() as? [String: Any], "not a JSON object: \(stdout)") }

    /// The JSON array printed on stdout.
    func jsonArray() throws -> [[String: Any]] { try #require(try json() as? [[String: Any]], "not a JSON array: \(stdout)") }

    var description: String {
        "exit \(signaled ? "signal " : "")\(status)\(timedOut ? " (timed out)" : "")\n--- stdout\n\(stdout.prefix(4000))\n--- stderr\n\(stderr.prefix(4000))"
    }
}

/// Runs the built `dver` executable: arguments, working directory, extra environment, stdin
/// and an optional timeout. Output goes through temporary files, so large outputs cannot
/// deadlock on a full pipe.
struct DverProcess {
    var arguments: [String]
    var workingDirectory: String
    var environment: [String: String] = [:]
    var standardInput: Data?
    var timeout: Double? = 120
    /// A command that runs dver, e.g. `["prlimit", "--as=1073741824", "--"]`.
    var wrapper: [String] = []

    /// The `dver` binary next to the test bundle ($DVER_BINARY overrides).
    static let binaryPath: String = {
        if let path = ProcessInfo.processInfo.environment["DVER_BINARY"] { return path }
        var candidates = [String]()
        if let executable = Bundle.main.executableURL {
            candidates.append(executable.deletingLastPathComponent().appendingPathComponent("dver").path)
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("dver").path)
        // Tests/DverCLITests/Support/DverProcess.swift → package root.
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/dver").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[candidates.count - 1]
    }()

    /// Starts the process without waiting for it.
    func start() throws -> RunningDver {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binaryPath),
                     "no dver binary at \(Self.binaryPath); run 'swift build --build-tests' first")
        let process = Process()
        if let program = wrapper.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(wrapper.dropFirst()) + [Self.binaryPath] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Self.binaryPath)
            process.arguments = arguments
        }
        process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory)
        var merged = ProcessInfo.processInfo.environment
        merged["DVER_AUTHOR"] = "CLI Tests <tests@example.com>"
        for (key, value) in environment { merged[key] = value }
        process.environment = merged

        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dver-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let stdinURL = scratch.appendingPathComponent("stdin")
        try (standardInput ?? Data()).write(to: stdinURL)
        for name in ["stdout", "stderr"] {
            _ = FileManager.default.createFile(atPath: scratch.appendingPathComponent(name).path, contents: nil)
        }
        let input = try FileHandle(forReadingFrom: stdinURL)
        let output = try FileHandle(forWritingTo: scratch.appendingPathComponent("stdout"))
        let error = try FileHandle(forWritingTo: scratch.appendingPathComponent("stderr"))
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        for handle in [input, output, error] { try? handle.close() }
        return RunningDver(process: process, scratch: scratch, timeout: timeout)
    }

    /// Runs to completion (or until the timeout, when the process is killed).
    func run() throws -> DverResult { try start().wait() }
}

/// A started `dver` process.
final class RunningDver {
    let process: Process
    private let scratch: URL
    private let timeout: Double?
    private let started = Date()

    fileprivate init(process: Process, scratch: URL, timeout: Double?) {
        self.process = process
        self.scratch = scratch
        self.timeout = timeout
    }

    var pid: pid_t { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// What the process has written to stdout so far (it may still be running).
    var standardOutputSoFar: String {
        (try? Data(contentsOf: scratch.appendingPathComponent("stdout"))).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// Sends a signal (SIGKILL by default).
    func kill(_ signal: Int32 = SIGKILL) { _ = Glibc.kill(pid, signal) }

    /// Waits for the exit, killing the process if it outlives its timeout, and collects output.
    func wait() throws -> DverResult {
        var timedOut = false
        while process.isRunning {
            if let timeout, Date().timeIntervalSince(started) > timeout {
                kill()
                timedOut = true
                break
            }
            usleep(2_000)
        }
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let stdout = try Data(contentsOf: scratch.appendingPathComponent("stdout"))
        let stderr = try Data(contentsOf: scratch.appendingPathComponent("stderr"))
        return DverResult(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                          timedOut: timedOut, stdoutData: stdout, stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// Seeded test data (SplitMix64 from DverTestSupport) with CLI-test helpers.
typealias SeededGenerator = SplitMix64

extension SplitMix64 {
    /// `count` bytes of CSV-like text: lowercase letters, digits and commas in lines of 64.
    mutating func text(_ count: Int) -> [UInt8] {
        var bytes = self.bytes(count)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789,,,, ".utf8)
        bytes.withUnsafeMutableBufferPointer { buffer in
            for position in buffer.indices {
                buffer[position] = position % 64 == 63 ? 0x0a : alphabet[Int(buffer[position]) % alphabet.count]
            }
        }
        return bytes
    }

    /// Alternating blocks of random bytes and text: compressible and incompressible chunks.
    mutating func mixture(_ count: Int, block: Int = 1 << 20) -> [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(count)
        var useText = false
        while result.count < count {
            let length = min(block, count - result.count)
            result += useText ? text(length) : bytes(length)
            useText.toggle()
        }
        return result
    }
}

/// A temporary project directory for one test, removed when the test ends; runs `dver` in it.
final class TestProject: Sendable {
    /// The project root (symlinks resolved, as dver reports it).
    let root: String
    private let base: String

    /// Creates an empty directory; `initialize` runs `dver init` in it.
    init(initialize: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dver-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        base = directory.resolvingSymlinksInPath().path
        root = base + "/project"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        if initialize { run(["init"], sourceLocation: sourceLocation) }
    }

    deinit { try? FileManager.default.removeItem(atPath: base) }

    /// A directory beside the project (outside it) for the test's own files.
    var outside: String { base }

    /// Runs dver and records an issue unless it exits with `expect` (nil: any status).
    @discardableResult
    func run(_ arguments: [String], expect: Int32? = 0, in directory: String? = nil, environment: [String: String] = [:],
             stdin: Data? = nil, timeout: Double = 120, wrapper: [String] = [],
             sourceLocation: SourceLocation = #_sourceLocation) -> DverResult {
        let process = DverProcess(arguments: arguments, workingDirectory: directory.map(path) ?? root,
                                  environment: environment, standardInput: stdin, timeout: timeout, wrapper: wrapper)
        let result: DverResult
        do { result = try process.run() } catch {
            Issue.record(error, "could not run dver \(arguments)", sourceLocation: sourceLocation)
            return DverResult(status: -1, signaled: false, timedOut: false, stdoutData: Data(), stderr: "\(error)")
        }
        if let expect {
            #expect(result.status == expect && !result.signaled,
                    "dver \(arguments.joined(separator: " ")) → \(result)", sourceLocation: sourceLocation)
        }
        return result
    }

    /// Starts dver in the project without waiting.
    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> RunningDver {
        try DverProcess(arguments: arguments, workingDirectory: root, environment: environment).start()
    }

    /// Absolute path of a project-relative (or absolute) path.
    func path(_ relative: String) -> String { relative.hasPrefix("/") ? relative : "\(root)/\(relative)" }

    func write(_ relative: String, _ bytes: [UInt8]) throws {
        let url = URL(fileURLWithPath: path(relative))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    func write(_ relative: String, _ text: String) throws { try write(relative, Array(text.utf8)) }

    func append(_ relative: String, _ text: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path(relative)))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    func read(_ relative: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path(relative)))) }

    func remove(_ relative: String) throws { try FileManager.default.removeItem(atPath: path(relative)) }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

    /// SHA-256 (hex) of every regular file beneath a directory, keyed by path relative to it.
    func hashes(under relative: String) throws -> [String: String] {
        let directory = path(relative)
        var result = [String: String]()
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return result }
        while let name = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: "\(directory)/\(name)", isDirectory: &isDirectory),
                  !isDirectory.boolValue else { continue }
            result[name] = SHA256.hash(try read("\(directory)/\(name)")).hex
        }
        return result
    }

    /// Files of the largest pack in the store, for damage tests.
    func largestPack() throws -> String {
        let packs = path(".dver/packs")
        let names = try FileManager.default.contentsOfDirectory(atPath: packs).filter { $0.hasSuffix(".pack") }
        let sized = try names.map { ($0, try FileManager.default.attributesOfItem(atPath: "\(packs)/\($0)")[.size] as? Int ?? 0) }
        return "\(packs)/\(try #require(sized.max { $0.1 < $1.1 }).0)"
    }
}

extension TestProject {
    /// `dver add -q data/raw` and `dver commit -q -m MESSAGE`, then `pushing` (a push command
    /// line) when given: the step the remote tests repeat between their changes.
    func commitRaw(_ message: String, pushing push: [String]? = nil, environment: [String: String] = [:],
                   sourceLocation: SourceLocation = #_sourceLocation) {
        run(["add", "-q", "data/raw"], sourceLocation: sourceLocation)
        run(["commit", "-q", "-m", message], sourceLocation: sourceLocation)
        if let push { run(push, environment: environment, sourceLocation: sourceLocation) }
    }
}
