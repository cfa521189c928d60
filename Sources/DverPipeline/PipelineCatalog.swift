import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation

/// A pipeline as stored in `.dver/pipelines/<name>.json`: the parsed spec (what runs), the YAML
/// it came from (for `inspect`), and the spec hash recorded in output commits.
public struct StoredPipeline: Codable, Sendable {
    public var version = 1
    public var spec: PipelineSpec
    public var sourcePath: String
    public var sourceYAML: String
    public var specHash: String
    public var created: Double
    public var updated: Double

    public init(spec: PipelineSpec, sourcePath: String, sourceYAML: String, now: Date = Date()) {
        self.spec = spec
        self.sourcePath = sourcePath
        self.sourceYAML = sourceYAML
        specHash = spec.hash.hex
        created = now.timeIntervalSince1970
        updated = created
    }

    public var name: String { spec.name }

    enum CodingKeys: String, CodingKey {
        case version, spec, created, updated
        case sourcePath = "source_path"
        case sourceYAML = "source_yaml"
        case specHash = "spec_hash"
    }
}

/// The project's pipelines and the graph they form (repos → pipelines → output repos).
public struct PipelineCatalog: Sendable {
    public let directory: String
    let durable: Bool

    public init(layout: StoreLayout, durable: Bool) {
        directory = "\(layout.storeDirectory)/pipelines"
        self.durable = durable
    }

    func path(_ name: String) -> String { "\(directory)/\(name).json" }

    /// True when no pipeline exists (one directory listing; keeps `dver commit` cheap).
    public var isEmpty: Bool {
        guard let entries = try? FileSystem.list(directory) else { return true }
        return !entries.contains { $0.name.hasSuffix(".json") }
    }

    /// Every pipeline, by name.
    public func all() throws -> [StoredPipeline] {
        guard FileSystem.isDirectory(directory) else { return [] }
        return try FileSystem.list(directory).map(\.name).filter { $0.hasSuffix(".json") }.sorted()
            .map { try load(String($0.dropLast(5))) }
    }

    /// - Throws: `PipelineError.unknownPipeline`.
    public func load(_ name: String) throws -> StoredPipeline {
        let file = path(name)
        guard FileSystem.exists(file) else { throw PipelineError.unknownPipeline(name) }
        do {
            return try JSONDecoder().decode(StoredPipeline.self, from: Data(try FileSystem.readFile(file)))
        } catch let error as DecodingError {
            throw PipelineError.corruptRecord(path: file, reason: "\(error)")
        }
    }

    public func save(_ pipeline: StoredPipeline) throws {
        try FileSystem.createDirectories(directory, durable: true)
        try JSONFile.save(pipeline, to: path(pipeline.name), durable: durable)
    }

    public func delete(_ name: String) throws {
        guard FileSystem.exists(path(name)) else { throw PipelineError.unknownPipeline(name) }
        try FileSystem.remove(path(name))
    }

    // MARK: Graph

    /// Throws when `candidate` (added or replacing its namesake) would close a cycle.
    /// - Throws: `PipelineError.cycle` naming the loop.
    public static func checkAcyclic(_ pipelines: [PipelineSpec], adding candidate: PipelineSpec) throws {
        var byName = Dictionary(pipelines.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        byName[candidate.name] = candidate
        // A pipeline P depends on pipeline Q when P reads Q's output repo.
        func visit(_ name: String, _ path: [String]) throws {
            guard let spec = byName[name] else { return }
            for repo in spec.inputRepos where byName[repo] != nil {
                if let start = path.firstIndex(of: repo) { throw PipelineError.cycle(Array(path[start...]) + [repo]) }
                if repo == name { throw PipelineError.cycle([name, name]) }
                try visit(repo, path + [repo])
            }
        }
        try visit(candidate.name, [candidate.name])
    }

    /// Pipelines ordered so that each comes after the pipelines whose output it reads.
    public static func topologicalOrder(_ pipelines: [PipelineSpec]) -> [PipelineSpec] {
        let byName = Dictionary(pipelines.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        var ordered = [PipelineSpec]()
        var done = Set<String>()
        func visit(_ spec: PipelineSpec, depth: Int) {
            guard !done.contains(spec.name), depth < 1000 else { return }
            for repo in spec.inputRepos { if let upstream = byName[repo] { visit(upstream, depth: depth + 1) } }
            if done.insert(spec.name).inserted { ordered.append(spec) }
        }
        for spec in pipelines.sorted(by: { $0.name < $1.name }) { visit(spec, depth: 0) }
        return ordered
    }

    /// The pipelines (in DAG order) that a commit to these repo branches sets off, directly or
    /// through the output repos of other triggered pipelines.
    public static func downstream(of changed: [(repo: String, branch: String)], in pipelines: [PipelineSpec]) -> [PipelineSpec] {
        var dirty = Set(changed.map { "\($0.repo)@\($0.branch)" })
        var result = [PipelineSpec]()
        for spec in topologicalOrder(pipelines) where spec.pfsInputs.contains(where: { dirty.contains("\($0.repo)@\($0.branch)") }) {
            result.append(spec)
            dirty.insert("\(spec.name)@\(spec.outputBranch)")
        }
        return result
    }
}
