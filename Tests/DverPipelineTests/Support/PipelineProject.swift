@testable import DverPipeline
import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation
import Testing

/// A dver project in its own temporary directory for pipeline tests, removed on release.
///
///     let project = try PipelineProject.make(["data/raw/a.txt": "a\n"])
///     try project.commit()
///     let pipeline = try project.create(PipelineProject.localSpec(name: "upper", cmd: "..."))
final class PipelineProject {
    let root: String
    let project: Project
    var runner: JobRunner

    private init(root: String) throws {
        self.root = root
        project = try Project.initialize(at: root)
        runner = JobRunner(project: project)
    }

    static func make(_ files: [String: String] = [:]) throws -> PipelineProject {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dver-pipeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let fixture = try PipelineProject(root: try FileSystem.realPath(directory.path))
        for (path, text) in files { try fixture.write(path, text) }
        return fixture
    }

    deinit { try? FileSystem.removeTreeForcibly(root) }

    func path(_ relative: String) -> String { "\(root)/\(relative)" }

    func write(_ relative: String, _ text: String) throws {
        try FileSystem.createDirectories(FileSystem.parentPath(path(relative)))
        try FileSystem.writeAtomically(path(relative), text: text, durable: false)
    }

    func remove(_ relative: String) throws { try FileSystem.remove(path(relative)) }

    /// Stages every directory under data/ and commits; triggers nothing by itself.
    @discardableResult
    func commit(_ message: String = "change", _ directories: [String] = ["data/raw"]) throws -> CommitResult {
        _ = try project.add(directories)
        return try project.commit(message: message)
    }

    /// Commits and runs the downstream pipelines, as `dver commit` does.
    func commitAndTrigger(_ message: String = "change", _ directories: [String] = ["data/raw"]) throws -> [JobRecord] {
        let result = try commit(message, directories)
        return try runner.runDownstream(of: result.commits.compactMap { commit in commit.branch.map { (commit.repo, $0) } })
    }

    /// Writes a spec under pipelines/ and creates the pipeline.
    @discardableResult
    func create(_ yaml: String, file: String = "pipeline.yaml") throws -> StoredPipeline {
        try write("pipelines/\(file)", yaml)
        return try runner.catalog.create(file: path("pipelines/\(file)"), displayName: "pipelines/\(file)", project: project)
    }

    func run(_ name: String, datum: String? = nil) throws -> JobRecord {
        try runner.run(try runner.catalog.load(name), trigger: "manual", datumPath: datum)
    }

    /// Path → content of every file in a repo branch's head commit.
    func files(_ repo: String, branch: String = "main") throws -> [String: String] {
        guard let head = try project.refs.read(repo: repo, branch: branch) else { return [:] }
        let tree = try project.store.decodeCommit(head).tree
        var result = [String: String]()
        for file in try TreeReader(store: project.store).files(tree) {
            let bytes = try project.store.read(file.ref.id, as: .chunk)
            result[file.path] = String(decoding: bytes, as: UTF8.self)
        }
        return result
    }

    func headCommit(_ repo: String) throws -> Commit? {
        try project.refs.read(repo: repo, branch: "main").map { try project.store.decodeCommit($0) }
    }

    /// A spec for the local runtime (runs everywhere `sh` does).
    static func localSpec(name: String, repo: String = "raw", glob: String = "/*", cmd: String, extra: String = "") -> String {
        """
        pipeline: {name: \(name)}
        input:
          pfs: {repo: \(repo), glob: "\(glob)"}
        transform:
          cmd: ["sh", "-c", \(jsonString(cmd))]
        runtime: local
        \(extra)
        """
    }

    static func jsonString(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data(), as: UTF8.self)
    }
}

/// Which real runtimes this machine has (gates the runtime suites).
enum Tools {
    static func has(_ program: String) -> Bool { ChildProcess.find(program) != nil }
    static let busybox = FileManager.default.isExecutableFile(atPath: "/bin/busybox")
    /// bwrap is installed and can create its namespaces here.
    static let bwrap = has("bwrap") && busybox
        && (try? ChildProcess.capture(["bwrap", "--unshare-all", "--ro-bind", "/", "/", "true"]).code) == 0
    /// podman is installed and `podman info` works (rootless set-up, storage).
    static let podman = has("podman") && busybox && (try? ChildProcess.capture(["podman", "info"]).code) == 0
}
