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
        try validate(spec, project: project, arrivingRepos: Set(spec.input.cronInputs.map(\.repo)))
        if (try? project.repo(named: spec.name)) != nil { throw PipelineError.outputRepoConflict(spec.name) }
        let stored = StoredPipeline(spec: spec, sourcePath: displayName ?? file, sourceYAML: yaml)
        try createCronRepos(for: spec, project: project)
        try createOutputRepo(for: spec, mount: mount, project: project)
        try save(stored)
        return stored
    }

    /// Adds every pipeline of a spec file (several YAML documents, a top-level list, or JSON
    /// objects one after another), in dependency order, with their output repos and cron
    /// repos. Everything is checked before anything is created.
    /// - Throws: as `create`, plus `.invalidSpec` for two pipelines of one name in the file.
    public func createAll(file: String, displayName: String? = nil, mount: String? = nil, project: Project) throws -> [StoredPipeline] {
        let text = try FileSystem.readText(file)
        let parsed = try SpecParser(file: displayName ?? file).parseAll(text)
        let specs = parsed.map(\.spec)
        try Self.checkDistinctNames(specs, file: displayName ?? file)
        if parsed.count > 1, mount != nil {
            throw PipelineError.invalidSpec(file: displayName ?? file, line: 1, column: 1, problem: "the file holds \(parsed.count) pipelines; --path mounts one",
                                            hint: "create them without --path (each is mounted at data/<name>), or split the file")
        }
        let existing = try all().map(\.spec)
        let cronRepos = Set(specs.flatMap { $0.input.cronInputs.map(\.repo) })
        for spec in specs {
            if FileSystem.exists(path(spec.name)) { throw PipelineError.pipelineExists(spec.name) }
            if (try? project.repo(named: spec.name)) != nil { throw PipelineError.outputRepoConflict(spec.name) }
            try validate(spec, project: project, others: existing + specs, arrivingRepos: cronRepos)
        }
        var created = [StoredPipeline]()
        for spec in Self.topologicalOrder(specs) {
            let document = parsed.first { $0.spec.name == spec.name }?.text ?? text
            let stored = StoredPipeline(spec: spec, sourcePath: displayName ?? file, sourceYAML: document)
            try createCronRepos(for: spec, project: project)
            try createOutputRepo(for: spec, mount: mount, project: project)
            try save(stored)
            created.append(stored)
        }
        return created
    }

    /// Replaces the specs of every pipeline of a spec file (see `createAll`).
    /// - Throws: as `update`.
    public func updateAll(file: String, displayName: String? = nil, project: Project) throws -> [(old: StoredPipeline, new: StoredPipeline)] {
        let text = try FileSystem.readText(file)
        let parsed = try SpecParser(file: displayName ?? file).parseAll(text)
        let specs = parsed.map(\.spec)
        try Self.checkDistinctNames(specs, file: displayName ?? file)
        let olds = try specs.map { try load($0.name) }
        let others = try all().map(\.spec).filter { other in !specs.contains { $0.name == other.name } } + specs
        let cronRepos = Set(specs.flatMap { $0.input.cronInputs.map(\.repo) })
        for spec in specs { try validate(spec, project: project, others: others, arrivingRepos: cronRepos) }
        var result = [(old: StoredPipeline, new: StoredPipeline)]()
        for (old, item) in zip(olds, parsed) {
            var stored = StoredPipeline(spec: item.spec, sourcePath: displayName ?? file, sourceYAML: item.text)
            stored.created = old.created
            try createCronRepos(for: item.spec, project: project)
            try createOutputRepo(for: item.spec, mount: nil, project: project)
            try save(stored)
            result.append((old, stored))
        }
        return result
    }

    private static func checkDistinctNames(_ specs: [PipelineSpec], file: String) throws {
        var seen = Set<String>()
        for spec in specs where !seen.insert(spec.name).inserted {
            throw PipelineError.invalidSpec(file: file, line: 1, column: 1, problem: "the file holds two pipelines named '\(spec.name)'",
                                            hint: "give each pipeline its own name")
        }
    }

    /// Creates the repos a spec's cron inputs tick into (mounted at `data/<repo>`), unless
    /// they exist.
    func createCronRepos(for spec: PipelineSpec, project: Project) throws {
        for cron in spec.input.cronInputs where (try? project.repo(named: cron.repo)) == nil {
            _ = try project.createRepo(name: cron.repo, mount: "data/\(cron.repo)", branch: "main")
        }
    }

    /// Replaces a pipeline's spec; the next job re-runs the datums whose keys changed.
    /// - Throws: `PipelineError.unknownPipeline`, `.inputRepoMissing`, `.cycle`.
    @discardableResult
    public func update(file: String, displayName: String? = nil, project: Project) throws -> (old: StoredPipeline, new: StoredPipeline) {
        let (spec, yaml) = try Self.read(file: file, displayName: displayName)
        let old = try load(spec.name)
        try validate(spec, project: project, arrivingRepos: Set(spec.input.cronInputs.map(\.repo)))
        var stored = StoredPipeline(spec: spec, sourcePath: displayName ?? file, sourceYAML: yaml)
        stored.created = old.created
        try createCronRepos(for: spec, project: project)
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
