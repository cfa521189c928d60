import DverRepository
import Foundation

/// What adopting one received spec did.
public struct Adoption: Sendable {
    public let pipeline: StoredPipeline
    /// The local spec it replaced, if any.
    public let replaced: StoredPipeline?
    /// The output repo created for it (nil when the project had it, e.g. from the same pull).
    public let createdRepo: RepoRecord?
}

/// Specs that arrive from outside the project (pulled from a remote, already checked by
/// `PipelineSpec(received:name:)`) join the catalog as `dver pipeline create` and `update`
/// would add them: the same input, cycle and output-repo rules, and the output repo created
/// the same way (`createOutputRepo`). Several arrive at once, so each is checked against the
/// catalog as it will be once all of them are in.
extension PipelineCatalog {
    /// Checks, before anything changes, that `specs` can join the catalog: every input repo
    /// exists, arrives with them (`arrivingRepos`: repos the same transfer brings) or is the
    /// output of a pipeline the catalog will hold; no cycle forms; and each output repo is
    /// free, already this pipeline's, or arriving with it (the remote's copy of the output).
    /// - Throws: `PipelineError.inputRepoMissing`, `.cycle`, `.outputRepoConflict`.
    public func checkAdoption(_ specs: [PipelineSpec], arrivingRepos: Set<String>, project: Project) throws {
        let existing = try all().map(\.spec)
        let incoming = Set(specs.map(\.name))
        let merged = existing.filter { !incoming.contains($0.name) } + specs
        for spec in specs {
            try validate(spec, project: project, others: merged, arrivingRepos: arrivingRepos.union(spec.input.cronInputs.map(\.repo)))
            let isPipeline = existing.contains { $0.name == spec.name }
            if !isPipeline, !arrivingRepos.contains(spec.name), (try? project.repo(named: spec.name)) != nil {
                throw PipelineError.outputRepoConflict(spec.name)
            }
        }
    }

    /// Adds or replaces `specs` in the catalog (after `checkAdoption`, and after the repos in
    /// `arrivingRepos` were created), creating each missing output repo at `data/<name>`.
    /// `source` is what `inspect` shows as the spec's origin; the YAML it shows is the spec
    /// written back (`yamlText`), which reads back as exactly this spec.
    /// - Throws: what `checkAdoption` throws; repository and file-system errors.
    @discardableResult
    public func adopt(_ specs: [PipelineSpec], source: String, arrivingRepos: Set<String>, project: Project) throws -> [Adoption] {
        try checkAdoption(specs, arrivingRepos: arrivingRepos, project: project)
        var adoptions = [Adoption]()
        for spec in Self.topologicalOrder(specs) {
            let replaced = try? load(spec.name)
            var stored = StoredPipeline(spec: spec, sourcePath: source, sourceYAML: try spec.yamlText())
            if let replaced { stored.created = replaced.created }
            try createCronRepos(for: spec, project: project)
            let repo = try createOutputRepo(for: spec, mount: nil, project: project)
            try save(stored)
            adoptions.append(Adoption(pipeline: stored, replaced: replaced, createdRepo: repo))
        }
        return adoptions
    }
}
