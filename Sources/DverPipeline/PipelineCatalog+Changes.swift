import DverRepository
import DverSystem
import Foundation

extension PipelineCatalog {
    /// Reads and validates a spec file.
    /// - Throws: `PipelineError.invalidSpec` (file:line), file-system errors.
    public static func read(file: String, displayName: String? = nil) throws -> (spec: PipelineSpec, yaml: String) {
        let yaml = try FileSystem.readText(file)
        return (try SpecParser(file: displayName ?? file).parse(yaml), yaml)
    }

    /// Adds a pipeline and creates its output repo (mounted at `data/<name>` unless `mount` is given).
    /// - Throws: `PipelineError.pipelineExists`, `.inputRepoMissing`, `.cycle`, `.outputRepoConflict`.
    @discardableResult
    public func create(file: String, displayName: String? = nil, mount: String? = nil, project: Project) throws -> StoredPipeline {
        let (spec, yaml) = try Self.read(file: file, displayName: displayName)
        if FileSystem.exists(path(spec.name)) { throw PipelineError.pipelineExists(spec.name) }
        try validate(spec, project: project)
        if (try? project.repo(named: spec.name)) != nil { throw PipelineError.outputRepoConflict(spec.name) }
        let stored = StoredPipeline(spec: spec, sourcePath: displayName ?? file, sourceYAML: yaml)
        try createOutputRepo(for: spec, mount: mount, project: project)
        try save(stored)
        return stored
    }

    /// Replaces a pipeline's spec; the next job re-runs the datums whose keys changed.
    /// - Throws: `PipelineError.unknownPipeline`, `.inputRepoMissing`, `.cycle`.
    @discardableResult
    public func update(file: String, displayName: String? = nil, project: Project) throws -> (old: StoredPipeline, new: StoredPipeline) {
        let (spec, yaml) = try Self.read(file: file, displayName: displayName)
        let old = try load(spec.name)
        try validate(spec, project: project)
        var stored = StoredPipeline(spec: spec, sourcePath: displayName ?? file, sourceYAML: yaml)
        stored.created = old.created
        try createOutputRepo(for: spec, mount: nil, project: project)
        try save(stored)
        return (old, stored)
    }

    /// Removes a pipeline (its output repo stays unless `deleteRepo`).
    /// - Throws: `PipelineError.dependents` when another pipeline reads its output.
    public func remove(_ name: String, deleteRepo: Bool, project: Project) throws {
        _ = try load(name)
        let consumers = try all().filter { $0.name != name && $0.spec.inputRepos.contains(name) }.map(\.name)
        if !consumers.isEmpty { throw PipelineError.dependents(pipeline: name, consumers: consumers) }
        try delete(name)
        if deleteRepo, (try? project.repo(named: name)) != nil { try project.deleteRepo(name: name) }
    }

    /// Creates the output repo of `spec` — named after it, on its output branch, mounted at
    /// `mount` or `data/<name>` — unless the project has a repo of that name (which `create`
    /// refuses before and `update` and `adopt` keep).
    /// - Returns: the repo created, or nil.
    @discardableResult
    func createOutputRepo(for spec: PipelineSpec, mount: String?, project: Project) throws -> RepoRecord? {
        if (try? project.repo(named: spec.name)) != nil { return nil }
        return try project.createRepo(name: spec.name, mount: mount ?? "data/\(spec.name)", branch: spec.outputBranch)
    }

    /// Input repos must exist (or be the output of another pipeline of `others`), and `spec`
    /// must close no cycle with `others` (default: the catalog's other pipelines).
    /// `arrivingRepos` count as existing: repos the same transfer brings.
    func validate(_ spec: PipelineSpec, project: Project, others: [PipelineSpec]? = nil, arrivingRepos: Set<String> = []) throws {
        let others = try (others ?? all().map(\.spec)).filter { $0.name != spec.name }
        for repo in spec.inputRepos where repo != spec.name && !arrivingRepos.contains(repo) {
            let isOutput = others.contains { $0.name == repo }
            if !isOutput, (try? project.repo(named: repo)) == nil {
                throw PipelineError.inputRepoMissing(pipeline: spec.name, repo: repo)
            }
        }
        try Self.checkAcyclic(others, adding: spec)
    }
}
