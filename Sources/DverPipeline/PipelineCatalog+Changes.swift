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
        try project.createRepo(name: spec.name, mount: mount ?? "data/\(spec.name)", branch: spec.outputBranch)
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
        if (try? project.repo(named: spec.name)) == nil {
            try project.createRepo(name: spec.name, mount: "data/\(spec.name)", branch: spec.outputBranch)
        }
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

    private func validate(_ spec: PipelineSpec, project: Project) throws {
        let others = try all().map(\.spec).filter { $0.name != spec.name }
        for repo in spec.inputRepos where repo != spec.name {
            let isOutput = others.contains { $0.name == repo }
            if !isOutput, (try? project.repo(named: repo)) == nil {
                throw PipelineError.inputRepoMissing(pipeline: spec.name, repo: repo)
            }
        }
        try Self.checkAcyclic(others, adding: spec)
    }
}
