import DverCore
import DverRemote
import DverRepository
import DverStore
import DverSystem
import DverTestSupport
import Foundation
import Testing

/// A temporary directory holding projects and directory remotes for one test, removed at the end.
final class Sandbox {
    let root: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "dver-remote-test-XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        root = try FileSystem.realPath(String(cString: try #require(created)))
    }

    deinit { try? FileSystem.removeTree(root) }

    func path(_ name: String) -> String { "\(root)/\(name)" }

    /// A new project in `name`, with `files` (project-relative path → bytes) added and committed.
    func project(_ name: String, files: [String: [UInt8]] = [:], message: String = "first") throws -> TestProject {
        try FileSystem.createDirectories(path(name))
        let project = TestProject(try Project.initialize(at: path(name)))
        if !files.isEmpty { try project.commit(files, message: message) }
        return project
    }

    /// Opens an existing project (e.g. made by a clone).
    func open(_ name: String) throws -> TestProject { TestProject(try Project.open(from: path(name))) }

    /// Clones the directory remote at `remote` (a sandbox name) into `name`, as `dver clone` does
    /// (with `specs` as the new project's spec catalog).
    func clone(_ remote: String = "remote", into name: String = "clone",
               specs: MemorySpecCatalog? = nil) throws -> (project: Project, result: PullResult) {
        try CloneOperation.run(settings: RemoteSettings(name: "origin", url: path(remote)),
                               directory: path(name), progress: SilentProgress(), environment: [:],
                               specs: specs.map { catalog in { _ in catalog } })
    }
}

/// A project with shortcuts for the tests.
struct TestProject {
    let project: Project

    init(_ project: Project) { self.project = project }

    var root: String { project.root }

    func write(_ relative: String, _ bytes: [UInt8]) throws {
        let full = "\(root)/\(relative)"
        try FileSystem.createDirectories(FileSystem.parentPath(full))
        try FileSystem.writeAtomically(full, bytes, durable: false)
        // Backdated, so that the stat cache is trusted (not racily clean).
        var times = [timespec(tv_sec: time(nil) - 120, tv_nsec: 0), timespec(tv_sec: time(nil) - 120, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, full, &times, 0)
    }

    func read(_ relative: String) throws -> [UInt8] { try FileSystem.readFile("\(root)/\(relative)") }

    func exists(_ relative: String) -> Bool { FileSystem.exists("\(root)/\(relative)") }

    /// Writes files, adds their repos' mounts and commits.
    @discardableResult
    func commit(_ files: [String: [UInt8]], message: String = "change") throws -> CommitResult {
        for (path, bytes) in files { try write(path, bytes) }
        let mounts = Set(files.keys.map { $0.split(separator: "/").prefix(2).joined(separator: "/") })
        _ = try project.add(mounts.sorted())
        return try project.commit(message: message, repos: [])
    }

    func head(_ repo: String, _ branch: String = "main") throws -> ObjectID? { try project.refs.read(repo: repo, branch: branch) }

    /// Every regular file below `directory` (project-relative) with its bytes.
    func files(under directory: String) throws -> [String: [UInt8]] {
        var result = [String: [UInt8]]()
        func walk(_ relative: String) throws {
            for entry in try FileSystem.list("\(root)/\(relative)") {
                let child = "\(relative)/\(entry.name)"
                if FileSystem.isDirectory("\(root)/\(child)") { try walk(child) } else { result[child] = try read(child) }
            }
        }
        if FileSystem.isDirectory("\(root)/\(directory)") { try walk(directory) }
        return result
    }

    /// Adds a remote to `.dver/remotes.json` and opens it.
    @discardableResult
    func addRemote(_ name: String, url: String, endpoint: String? = nil, environment: [String: String] = [:]) throws -> Remote {
        var registry = try RemoteRegistry.load(project.layout)
        try registry.add(RemoteSettings(name: name, url: url, endpoint: endpoint))
        try registry.save(project.layout)
        return try remote(name, environment: environment)
    }

    func remote(_ name: String, environment: [String: String] = [:]) throws -> Remote {
        let settings = try RemoteRegistry.load(project.layout).resolve(name)
        return try Remote.open(settings, layout: project.layout,
                               environment: environment.isEmpty ? ProcessInfo.processInfo.environment : environment)
    }

    func push(_ remote: Remote, _ specs: [String] = [], force: Bool = false, batchBytes: UInt64? = nil,
              catalog: MemorySpecCatalog? = nil) throws -> PushResult {
        var operation = PushOperation(project: project, remote: remote, force: force, specs: catalog)
        if let batchBytes { operation.batchBytes = batchBytes }
        return try operation.run(try PushOperation.targets(project: project, specs: specs.map { RevisionSpec(parsing: $0) }))
    }

    func pull(_ remote: Remote, _ spec: String? = nil, force: Bool = false, catalog: MemorySpecCatalog? = nil) throws -> PullResult {
        try PullOperation(project: project, remote: remote, force: force, specs: catalog).run(spec.map { RevisionSpec(parsing: $0) })
    }

    /// Names of the local pack files (to see that a failed operation added none).
    func packNames() throws -> Set<String> {
        Set(try FileSystem.list(project.layout.packsDirectory).map(\.name))
    }

    func fsckClean() throws -> Bool { try project.fsck().isHealthy }
}

/// Seeded test data.
func seeded(_ seed: UInt64, _ count: Int) -> [UInt8] { SplitMix64.bytes(seed: seed, count: count) }

/// Runs `body`, which must throw an error `match` accepts.
func expectError<R>(_ body: () throws -> R, sourceLocation: SourceLocation = #_sourceLocation,
                    _ match: (any Error) -> Bool) {
    do {
        let value = try body()
        Issue.record("expected an error, got \(value)", sourceLocation: sourceLocation)
    } catch {
        #expect(match(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
    }
}
